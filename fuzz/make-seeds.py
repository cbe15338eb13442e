#!/usr/bin/env python3
"""Builds the seeds in fuzz/seeds/<target>/ from the project's own
test data: recorded sessions, the RFC 3501 examples and hand-picked
hostile inputs. Each seed starts with one byte that the checks use to
choose a chunking. Run from the repository root: python3 fuzz/make-seeds.py"""
import hashlib
import os
import re

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
corpus = os.path.join(root, "fuzz", "seeds")
sessions = os.path.join(root, "examples", "sessions")


def put(target, data, prefix=True, chunkings=(7,)):
    """Writes a seed; `chunkings` are the first bytes (chunking choices) it
    is written with, when the target takes one."""
    d = os.path.join(corpus, target)
    os.makedirs(d, exist_ok=True)
    for seed in (chunkings if prefix else [None]):
        blob = (bytes([seed]) if seed is not None else b"") + data
        name = "seed-" + hashlib.sha1(blob).hexdigest()[:16]
        open(os.path.join(d, name), "wb").write(blob)


def messages(stream, kind):
    """Splits a stream into messages roughly (lines with their literals)."""
    out, cur, i = [], b"", 0
    while i < len(stream):
        j = stream.find(b"\n", i)
        if j < 0:
            cur += stream[i:]
            break
        line = stream[i:j + 1]
        cur += line
        i = j + 1
        m = re.search(rb"\{(\d+)\+?\}\r\n$", line)
        if m and not (kind == "s" and re.match(rb"(\+|\S+ (OK|NO|BAD)|\* (OK|NO|BAD|BYE|PREAUTH))", cur)):
            n = int(m.group(1))
            cur += stream[i:i + n]
            i += n
            continue
        out.append(cur)
        cur = b""
    if cur:
        out.append(cur)
    return out


fixtures = os.path.join(root, "imap-proto", "tests", "fixtures")
s2c = open(os.path.join(fixtures, "dovecot-imap.s2c"), "rb").read()
c2s = open(os.path.join(fixtures, "dovecot-imap.c2s"), "rb").read()
for m in messages(s2c, "s"):
    put("imap_response", m)
put("imap_response", s2c, chunkings=(0, 7, 200))
for m in messages(c2s, "c"):
    put("imap_command", m)
put("imap_command", c2s, chunkings=(0, 7, 200))
put("imap_greeting", s2c.split(b"\n", 1)[0] + b"\n")
# Long sessions (over the 16 KiB the limits of the checks allow per message,
# under run.sh's -max_len): the recordings three times over.
whole = (0, 7, 200)
put("imap_response", s2c * 3, chunkings=whole)
put("imap_command", c2s * 3, chunkings=whole)
put("imap_greeting", s2c * 3, chunkings=whole)
put("imap_framer", s2c * 3, chunkings=whole)
put("imap_framer", c2s * 3, chunkings=whole)
ex = open(os.path.join(root, "imap-proto", "tests", "fixtures", "rfc3501-examples.txt"), "rb").read()
ex += b"\n" + open(os.path.join(root, "imap-proto", "tests", "fixtures", "extension-examples.txt"), "rb").read()
block_c, block_s = b"", b""
for line in ex.split(b"\n") + [b"# end"]:
    if line.startswith(b"#"):
        if block_s:
            put("imap_response", block_s)
            put("imap_greeting", block_s)
        if block_c:
            put("imap_command", block_c)
        block_c, block_s = b"", b""
    elif line[:2] in (b"C:", b"S:"):
        (block_c if line[:1] == b"C" else block_s)
        if line[:1] == b"C":
            block_c += line[3:] + b"\r\n"
        else:
            block_s += line[3:] + b"\r\n"
hostile = [
    b"* 1 FETCH (BODY[] {18446744073709551615}\r\n",
    b"* 1 FETCH (BODY[] {99999999999999999999999}\r\n* 2 EXISTS\r\n",
    b"* 4294967296 EXISTS\r\n",
    b"* 1 FETCH (BODYSTRUCTURE " + b"(" * 200 + b"\r\n",
    b"* OK [ALERT] quota at {5}\r\n* 3 EXISTS\r\n",
    b"a SEARCH " + b"NOT " * 100 + b"ALL\r\n",
    b"a LOGIN {5+}\r\nalice {6}\r\nsecret\r\n",
    b"a AUTHENTICATE PLAIN\r\nAGFsaWNlAHNlY3JldA==\r\n*\r\nb IDLE\r\nDONE\r\n",
    # A CRLF after a literal inside a response (read past), after one that
    # ends a response (not), and in a response that never closes.
    b"* 1 FETCH (BODY[] {5}\r\nhello\r\n FLAGS (\\Seen))\r\n* LIST () \"/\" {1}\r\n(\r\n"
    b"* 2 FETCH (BODY[] {2}\r\nhi\r\n* 3 EXISTS\r\n",
]
for h in hostile:
    put("imap_response", h)
    put("imap_command", h)
    put("imap_framer", h)
for m in messages(s2c, "s")[:40] + messages(c2s, "c"):
    put("imap_framer", m)
# The extensions session, message by message.
xs = open(os.path.join(sessions, "dovecot-imap-extensions.s2c"), "rb").read()
xc = open(os.path.join(sessions, "dovecot-imap-extensions.c2s"), "rb").read()
for m in messages(xs, "s"):
    put("imap_response", m)
for m in messages(xc, "c"):
    put("imap_command", m)

for name in ("auth", "user"):
    pc = open(os.path.join(sessions, f"dovecot-pop3-{name}.c2s"), "rb").read()
    ps = open(os.path.join(sessions, f"dovecot-pop3-{name}.s2c"), "rb").read()
    put("pop3_command", pc, prefix=False)
    put("pop3_response", ps, prefix=False)
    put("pop3_server", pc, chunkings=(0, 7, 200))
    put("pop3_server", pc * 3, chunkings=(0, 7, 200))
    put("pop3_client", b"\x03\x04\x01\x02" + ps * 3, chunkings=(0, 7, 200))
    for cmds in (b"\x03\x04\x01\x02", b"\x00\x08\x07\x05"):
        put("pop3_client", cmds + ps)
    for body in ps.split(b"\r\n.\r\n")[:6]:
        put("pop3_dot", body)
put("pop3_dot", b".\r\n..\r\n.x\rX\r")
# A large RETR (48 KiB, dot-stuffed lines among them) after a login.
body = b"".join(b".line %05d dot-stuffed\r\n" % i if i % 7 == 0 else b"line %05d\r\n" % i for i in range(2400))
put("pop3_client", b"\x03\x04\x01\x02" + b"+OK POP3 ready\r\n+OK\r\n+OK\r\n+OK 1 49152\r\n+OK message follows\r\n" + body + b".\r\n+OK bye\r\n",
    chunkings=(0, 7, 200))
put("pop3_command", b"RETR 0\r\nRETR 4294967296\r\nDELE 1 2\r\nAUTH PLAIN =\r\nAPOP a c4c9334bac560ecc979e58001b3e22fb\r\n", prefix=False)
put("pop3_response", b"-ERR [SYS/TEMP/X] t\r\n+OK\r\n1  120 x\r\nLOGIN-DELAY 900 USER\r\nEXPIRE NEVER\r\n", prefix=False)
# The IMAP machines: the recorded sessions, the client's with command
# choices in front (see fuzz_checks::imap_client).
for name in ("", "-starttls", "-idle", "-pipelined", "-extensions"):
    where = fixtures if name == "" else sessions
    ic = open(os.path.join(where, f"dovecot-imap{name}.c2s"), "rb").read()
    isc = open(os.path.join(where, f"dovecot-imap{name}.s2c"), "rb").read()
    put("imap_server", ic, chunkings=(0, 7, 200))
    for choices in (b"\x01\x02\x07\x00", b"\x05\x03\x04\x09", b"\x06\x00\x08\x00"):
        put("imap_client", choices + isc, chunkings=(7,))
# Large server sessions for the client (under run.sh's 64 KiB -max_len):
# the base recording four times over, a SELECT announcing a huge mailbox
# and renumbering in it, and a FETCH of a 48 KiB message.
put("imap_client", b"\x02\x07\x00\x00" + s2c * 4, chunkings=(0, 7, 200))
huge = (b"* OK [CAPABILITY IMAP4rev1 QRESYNC] ready\r\n* 4294967295 EXISTS\r\n* 0 RECENT\r\n"
        b"* OK [UIDVALIDITY 3] x\r\nA2 OK [READ-WRITE] done\r\n* 4294967295 FETCH (UID 9)\r\n"
        b"* 3000000000 EXPUNGE\r\n* VANISHED 1:4294967295\r\n* 2 EXISTS\r\n")
put("imap_client", b"\x02\x07\x00\x00" + huge, chunkings=(0, 7, 200))
big = b"Subject: big\r\n\r\n" + b"0123456789abcdef" * 3072
fetch = (b"* OK IMAP4rev1 ready\r\nA1 OK logged in\r\n* 1 EXISTS\r\nA2 OK [READ-WRITE] selected\r\n"
         b"* 1 FETCH (UID 5 BODY[] {" + str(len(big)).encode() + b"}\r\n" + big + b")\r\nA3 OK done\r\n")
put("imap_client", b"\x01\x02\x07\x00" + fetch, chunkings=(0, 7, 200))
# The session engine (after its own LOGIN and SELECT INBOX): every command
# family, sections of each message shape, a second session's changes
# arriving meanwhile, hostile patterns and literals.
session_scripts = [
    b"a FETCH 1:* (FLAGS UID RFC822.SIZE INTERNALDATE ENVELOPE BODYSTRUCTURE BODY)\r\n"
    b"b FETCH 3 (BODY.PEEK[1] BODY.PEEK[2.HEADER] BODY.PEEK[2.TEXT] BODY.PEEK[3.MIME] BINARY.PEEK[3] BINARY.SIZE[3])\r\n"
    b"c FETCH 2:4 (BODY[]<2.7> BODY.PEEK[HEADER.FIELDS (Subject From)] BODY.PEEK[HEADER.FIELDS.NOT (Subject)] RFC822.TEXT)\r\n",
    b"a STORE 1:* +FLAGS (k1 k2 k3 k4 k5 k6 k7)\r\nb STORE 1 FLAGS.SILENT (\\Seen k1)\r\nc UID STORE 1:* -FLAGS (k1)\r\n"
    b"d SEARCH OR BODY inner TEXT caf\xc3\xa9 NOT DELETED\r\ne UID SEARCH RETURN (MIN MAX COUNT ALL) ALL\r\n",
    b"a IDLE\r\nDONE\r\nb NOOP\r\nc EXPUNGE\r\nd UID EXPUNGE 1:3\r\ne CHECK\r\n",
    b"a CREATE x/y\r\nb COPY 1:* x/y\r\nc MOVE 2 x\r\nd LIST \"\" *\r\ne LSUB \"\" %\r\nf STATUS x/y (MESSAGES UIDNEXT UNSEEN SIZE)\r\n"
    b"g RENAME INBOX x/old\r\nh SELECT x/old\r\ni FETCH 1:* FLAGS\r\nj DELETE x\r\nk UNSELECT\r\n",
    b"a APPEND INBOX (\\Flagged k9) {12}\r\nSubject: x\r\n\r\nb APPEND INBOX {5+}\r\nhello\r\nc LIST \"\" \"" + b"*" * 300 + b"Z\"\r\n",
    b"a EXAMINE INBOX\r\nb FETCH 1:* (BODY[])\r\nc SELECT nope\r\nd FETCH 1 FLAGS\r\ne SUBSCRIBE x\r\nf CLOSE\r\n",
    # SEARCHRES and an updating search over `$`; IMAP4rev2's names and
    # answers.
    b"a SEARCH RETURN (SAVE MIN) OR 1 3:*\r\nb FETCH $,$,2 FLAGS\r\nc UID SEARCH RETURN (UPDATE COUNT) OR $ UID $,1:*\r\n"
    b"d STORE $ +FLAGS (\\Seen)\r\ne SORT RETURN (SAVE) (SIZE) UTF-8 ALL\r\nf UID MOVE $ x\r\ng SEARCH $\r\n",
    b"a UNSELECT\r\nb ENABLE IMAP4rev2 QRESYNC\r\nc CREATE \"\xc3\xa9t\xc3\xa9 & co\"\r\nd LIST \"\" *\r\n"
    b"e SELECT INBOX\r\nf SEARCH ALL\r\ng STATUS \"\xc3\xa9t\xc3\xa9 & co\" (MESSAGES DELETED SIZE)\r\nh LSUB \"\" *\r\n",
]
for script in session_scripts:
    put("imap_session", script, chunkings=(0, 7, 200))

# Typed targets start from a few arbitrary byte patterns.
for i in range(8):
    put("imap_typed", bytes(range(i * 31 % 256, 256)) + bytes(range(0, 64)), prefix=False)
    put("pop3_typed", bytes(range(i * 17 % 256, 256)), prefix=False)
print("seeds written to", corpus)
