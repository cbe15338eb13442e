#!/usr/bin/env python3
"""Records a real IMAP session against a server (normally the throw-away
Dovecot from dovecot-test-server.sh) as two byte streams:
PREFIX.c2s (client to server, literal data inline) and PREFIX.s2c.

    record-imap-session.py HOST PORT PREFIX [extensions]

The session covers the commands and responses of RFC 3501 plus the
extensions Dovecot speaks: literals (synchronizing and LITERAL+),
AUTHENTICATE PLAIN with a continuation, IDLE, UIDPLUS codes, CONDSTORE
MODSEQ, ENABLE, NAMESPACE, ID, MOVE, partial fetches and every section
form. With `extensions`, it covers the extensions instead: ID both ways,
ENABLE QRESYNC, LIST-EXTENDED with LIST-STATUS and SPECIAL-USE, QUOTA,
METADATA, ESEARCH, SEARCHRES, SORT/ESORT, THREAD, BINARY, PREVIEW,
SNIPPET, SAVEDATE, STATUS=SIZE, MULTIAPPEND, CATENATE, UID MOVE with
COPYUID, CONDSTORE's conditional STORE, a QRESYNC select with VANISHED
(EARLIER), UID FETCH (CHANGEDSINCE VANISHED), and COMPRESS negotiation
(the recording ends once compression starts)."""
import base64
import re
import socket
import sys

host, port, prefix = sys.argv[1], int(sys.argv[2]), sys.argv[3]
extensions = sys.argv[4:] == ["extensions"]
sock = socket.create_connection((host, port), timeout=10)
c2s = bytearray()
s2c = bytearray()
pending = bytearray()


def send(data):
    c2s.extend(data)
    sock.sendall(data)


def read_line():
    """One line from the server, plus literal data it announces."""
    global pending
    out = bytearray()
    while True:
        while b"\n" not in pending:
            chunk = sock.recv(65536)
            if not chunk:
                raise EOFError("server closed")
            s2c.extend(chunk)
            pending.extend(chunk)
        i = pending.index(b"\n") + 1
        line, pending = pending[:i], pending[i:]
        out.extend(line)
        m = re.search(rb"\{(\d+)\}\r\n$", bytes(line))
        # Status responses and continuations never announce literals.
        data = out.startswith(b"* ") and not re.match(rb"\* (OK|NO|BAD|BYE|PREAUTH)\b", bytes(out), re.I)
        if not (m and data):
            return bytes(out)
        n = int(m.group(1))
        while len(pending) < n:
            chunk = sock.recv(65536)
            if not chunk:
                raise EOFError("server closed")
            s2c.extend(chunk)
            pending.extend(chunk)
        out.extend(pending[:n])
        pending = pending[n:]


def until_tagged(tag):
    while True:
        line = read_line()
        if line.startswith(tag + b" "):
            return line


counter = 0


def command(parts, expect=b"OK"):
    """Sends a command given as a list of byte strings and literals
    (("sync"|"plus", data)), answering continuation requests."""
    global counter
    counter += 1
    tag = b"A%03d" % counter
    buf = tag + b" "
    for p in parts:
        if isinstance(p, tuple):
            kind, data = p
            if kind == "plus":
                buf += b"{%d+}\r\n" % len(data) + data
            else:
                send(buf + b"{%d}\r\n" % len(data))
                buf = b""
                line = read_line()
                assert line.startswith(b"+"), line
                buf = data
        else:
            buf += p
    send(buf + b"\r\n")
    line = until_tagged(tag)
    assert expect is None or line.split(b" ")[1] == expect, line
    return tag


def data_of(tag_line_prefix):
    """The last untagged line received that starts with the prefix."""
    lines = [l for l in bytes(s2c).split(b"\r\n") if l.startswith(tag_line_prefix)]
    return lines[-1] if lines else b""


def extensions_session():
    read_line()  # greeting
    command([b"CAPABILITY"])
    command([b"ID (\"name\" \"mail-proto-recorder\" \"version\" \"1\")"])
    command([b"AUTHENTICATE PLAIN " + base64.b64encode(b"\0alice\0secret")])
    command([b"ID NIL"])
    command([b"ENABLE QRESYNC"])
    command([b"NAMESPACE"])
    command([b"CREATE Projects/2026"])
    command([b"SUBSCRIBE Projects/2026"])
    command([b"LIST (SUBSCRIBED) \"\" \"*\" RETURN (CHILDREN SPECIAL-USE STATUS (MESSAGES UNSEEN))"])
    command([b"LIST (SUBSCRIBED RECURSIVEMATCH) \"\" \"%\" RETURN (CHILDREN)"])
    command([b"LIST (SPECIAL-USE) \"\" \"*\""])
    command([b"LIST \"\" (\"INBOX\" \"Sent\") RETURN (STATUS (MESSAGES UIDNEXT UIDVALIDITY SIZE HIGHESTMODSEQ))"])
    command([b"STATUS INBOX (MESSAGES SIZE UNSEEN HIGHESTMODSEQ)"])
    command([b"GETQUOTAROOT INBOX"])
    command([b"GETQUOTA \"User quota\""])
    command([b"SETMETADATA INBOX (/private/comment \"My own comment\" /shared/comment ", ("sync", b"Shared\r\ncomment"), b")"])
    command([b"GETMETADATA INBOX (/private/comment /shared/comment)"])
    command([b"GETMETADATA (DEPTH infinity MAXSIZE 1024) \"\" /shared"])
    command([b"SETMETADATA INBOX (/private/comment NIL)"])
    command([b"SELECT INBOX (CONDSTORE)"])
    validity = re.findall(rb"\[UIDVALIDITY (\d+)\]", bytes(s2c))[-1]
    command([b"UID SEARCH RETURN (MIN MAX COUNT ALL) ALL"])
    command([b"SEARCH RETURN () UNDELETED"])
    command([b"SEARCH RETURN (SAVE) SINCE 1-Jan-2000"])
    command([b"FETCH $ (UID FLAGS)"])
    command([b"UID SEARCH RETURN (COUNT) UID $ SMALLER 100000"])
    command([b"SEARCH RETURN (MIN) YOUNGER 999999999"])
    command([b"SORT (SUBJECT) UTF-8 ALL"])
    command([b"UID SORT (REVERSE ARRIVAL FROM) UTF-8 UNDELETED"])
    command([b"SORT RETURN (ALL COUNT) (DATE) UTF-8 ALL"])
    command([b"SORT (DISPLAYFROM SIZE) UTF-8 ALL"])
    command([b"THREAD REFERENCES UTF-8 ALL"])
    command([b"UID THREAD ORDEREDSUBJECT US-ASCII ALL"])
    command([b"UID FETCH 1:* (UID MODSEQ BINARY.SIZE[1] SAVEDATE)"])
    command([b"UID FETCH 2 (BINARY.PEEK[1] BINARY.PEEK[]<0.100> BINARY.SIZE[])"])
    command([b"FETCH 1:2 (PREVIEW)"])
    command([b"FETCH 1:2 (PREVIEW (LAZY))"])
    command([b"FETCH 1:2 (SNIPPET (FUZZY))"])
    first = b"From: bob@example.org\r\nSubject: first of two\r\n\r\nOne.\r\n"
    second = b"From: bob@example.org\r\nSubject: second of two\r\n\r\nTwo.\r\n"
    command([b"APPEND INBOX (\\Seen) ", ("plus", first), b" \" 5-Nov-2026 10:00:00 +0000\" ", ("sync", second)])
    uid = re.search(rb"APPENDUID \d+ (\d+)", data_of(b"A0")).group(1)
    command([b"APPEND INBOX CATENATE (URL \"/INBOX;UIDVALIDITY=" + validity + b"/;UID=" + uid + b"/;SECTION=HEADER\" TEXT ",
             ("sync", b"\r\nAssembled by CATENATE.\r\n"), b")"])
    command([b"NOOP"])
    modseq = re.search(rb"HIGHESTMODSEQ (\d+)", data_of(b"* OK [HIGHESTMODSEQ")).group(1)
    command([b"STORE 1 (UNCHANGEDSINCE " + modseq + b") +FLAGS (\\Flagged)"])
    command([b"UID STORE 1:* (UNCHANGEDSINCE 1) +FLAGS.SILENT ($Label1)"])
    command([b"UID MOVE " + uid + b" Trash"])
    command([b"STORE 1 +FLAGS.SILENT (\\Deleted)"])
    command([b"UID EXPUNGE 1:*"])
    command([b"UNSELECT"])
    command([b"SELECT INBOX (QRESYNC (" + validity + b" " + modseq + b" 1:1000))"])
    command([b"UID FETCH 1:* (FLAGS) (CHANGEDSINCE 1 VANISHED)"])
    command([b"UID FETCH 1:* (FLAGS) (CHANGEDSINCE " + modseq + b")"])
    command([b"CREATE \"Later\" (USE (\\Archive))"], expect=None)
    command([b"DELETE Projects/2026"])
    command([b"COMPRESS DEFLATE"])
    sock.close()


if extensions:
    extensions_session()
    open(prefix + ".c2s", "wb").write(c2s)
    open(prefix + ".s2c", "wb").write(s2c)
    print(f"recorded {len(c2s)} bytes client to server, {len(s2c)} bytes server to client")
    sys.exit(0)

read_line()  # greeting
command([b"CAPABILITY"])
command([b"ID (\"name\" \"mail-proto-recorder\")"])
# AUTHENTICATE with a continuation, then a failed LOGIN (already authenticated).
counter += 1
tag = b"A%03d" % counter
send(tag + b" AUTHENTICATE PLAIN\r\n")
assert read_line().startswith(b"+")
send(base64.b64encode(b"\0alice\0secret") + b"\r\n")
assert until_tagged(tag).split(b" ")[1] == b"OK"
command([b"NAMESPACE"])
command([b"ENABLE CONDSTORE"])
command([b"LIST \"\" *"])
command([b"LIST \"\" %"])
command([b"CREATE ", ("sync", "Entw\u00fcrfe".encode("utf-8") and b"Entw&APw-rfe")])
command([b"CREATE \"Archive/2026\""])
command([b"SUBSCRIBE Archive/2026"])
command([b"LSUB \"\" *"])
command([b"RENAME \"Archive/2026\" Archive/Old"])
command([b"STATUS INBOX (MESSAGES RECENT UIDNEXT UIDVALIDITY UNSEEN HIGHESTMODSEQ)"])
command([b"EXAMINE INBOX"])
command([b"SELECT INBOX"])
command([b"FETCH 1:* (FLAGS UID RFC822.SIZE INTERNALDATE ENVELOPE BODYSTRUCTURE MODSEQ)"])
command([b"FETCH 1:* FAST"])
command([b"FETCH 2 FULL"])
command([b"FETCH 1 (BODY.PEEK[HEADER.FIELDS (From Subject)] BODY.PEEK[HEADER.FIELDS.NOT (Received)] BODY.PEEK[TEXT]<0.40>)"])
command([b"FETCH 2 (BODY.PEEK[1] BODY.PEEK[1.1] BODY.PEEK[1.2.MIME] BODY.PEEK[2]<10.20> BODY[HEADER])"])
command([b"FETCH 3 (BODY.PEEK[2.HEADER] BODY.PEEK[2.TEXT] BODY.PEEK[2.1] RFC822.HEADER)"])
command([b"FETCH 1 (RFC822)"])
command([b"FETCH 1 RFC822.TEXT"])
command([b"UID FETCH 1:* (FLAGS) (CHANGEDSINCE 1)"])
command([b"SEARCH ALL"])
command([b"SEARCH OR FROM alice SUBJECT lunch NOT (DELETED SEEN) SINCE 1-Jan-2020"])
command([b"SEARCH CHARSET UTF-8 SUBJECT ", ("sync", "Grüße".encode("utf-8"))])
command([b"UID SEARCH 1:* UNDELETED"])
command([b"SEARCH MODSEQ 1"])
command([b"STORE 1 +FLAGS (\\Flagged $Important)"])
command([b"STORE 1:2 -FLAGS.SILENT (\\Flagged)"])
command([b"UID STORE 3 FLAGS (\\Seen \\Answered)"])
command([b"COPY 1 Archive/Old"])
command([b"UID COPY 1:2 ", ("plus", b"Entw&APw-rfe")])
message = b"From: bob@example.org\r\nSubject: appended\r\n\r\nHello via APPEND.\r\n"
command([b"APPEND INBOX (\\Seen) \" 5-Nov-2026 10:00:00 +0000\" ", ("sync", message)])
command([b"APPEND INBOX ", ("plus", message)])
command([b"NOOP"])
counter += 1
tag = b"A%03d" % counter
send(tag + b" IDLE\r\n")
assert read_line().startswith(b"+")
send(b"DONE\r\n")
assert until_tagged(tag).split(b" ")[1] == b"OK"
command([b"STORE 4:5 +FLAGS.SILENT (\\Deleted)"])
command([b"EXPUNGE"])
command([b"MOVE 1 Archive/Old"])
command([b"UID EXPUNGE 1:*"])
command([b"CHECK"])
command([b"SELECT Archive/Old"])
command([b"UNSELECT"])
command([b"DELETE Archive/Old"])
command([b"FETCH 1 FLAGS"], expect=b"BAD")
command([b"XNOSUCHCOMMAND"], expect=b"BAD")
command([b"LOGOUT"])
try:
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            break
        s2c.extend(chunk)
except OSError:
    pass
open(prefix + ".c2s", "wb").write(c2s)
open(prefix + ".s2c", "wb").write(s2c)
print(f"recorded {len(c2s)} bytes client to server, {len(s2c)} bytes server to client")
