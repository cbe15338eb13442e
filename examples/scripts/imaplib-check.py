#!/usr/bin/env python3
"""Python's imaplib against an IMAP server: the stdlib client a lot of
scripts use. Runs login, capability, list, select, fetch, store, search,
append, copy, expunge, close and logout over plain IMAP, STARTTLS and
IMAP4_SSL, and checks each answer.

    imaplib-check.py HOST PORT TLS_PORT CA_FILE USER PASSWORD MESSAGES_DIR

MESSAGES_DIR holds the user's INBOX messages as files, in UID order; INBOX
must hold exactly those, unread, and a folder named Trash must exist.
The run leaves INBOX as it found it. Exit status 0 when every check passes.
"""
import imaplib
import os
import re
import ssl
import sys

host, port, tls_port, ca, user, password, messages_dir = sys.argv[1:8]
port, tls_port = int(port), int(tls_port)
expected = []
for name in sorted(os.listdir(messages_dir)):
    with open(os.path.join(messages_dir, name), "rb") as f:
        data = f.read()
    expected.append(data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))


def check(condition, what):
    if not condition:
        print("imaplib-check: FAILED:", what, file=sys.stderr)
        sys.exit(1)


def ok(result, what):
    typ, data = result
    check(typ == "OK", "%s answered %s %r" % (what, typ, data))
    return data


def session(imap, label):
    check("IMAP4REV1" in imap.capabilities, label + " capabilities %r" % (imap.capabilities,))
    ok(imap.login(user, password), label + " LOGIN")
    listed = ok(imap.list(), label + " LIST")
    names = [re.search(rb'"([^"]*)"$|(\S+)$', line).group(0).strip(b'"') for line in listed]
    check(b"INBOX" in names and b"Trash" in names, label + " LIST names %r" % names)

    count = ok(imap.select("INBOX"), label + " SELECT")
    check(int(count[0]) == len(expected), label + " EXISTS %r" % count)
    # FETCH BODY.PEEK[] of each message, byte for byte.
    data = ok(imap.fetch("1:*", "(UID RFC822.SIZE BODY.PEEK[])"), label + " FETCH")
    bodies = [part[1] for part in data if isinstance(part, tuple)]
    check(bodies == expected, label + " FETCH bodies equal the stored messages")
    for i, part in enumerate(p for p in data if isinstance(p, tuple)):
        size = int(re.search(rb"RFC822\.SIZE (\d+)", part[0]).group(1))
        check(size == len(expected[i]), label + " RFC822.SIZE of %d" % (i + 1))

    # SEARCH and STORE.
    check(ok(imap.search(None, "UNSEEN"), label + " SEARCH")[0].split() == [b"%d" % (i + 1) for i in range(len(expected))],
          label + " all unread")
    ok(imap.store("2", "+FLAGS", r"(\Flagged $Work)"), label + " STORE")
    flagged = ok(imap.search(None, "FLAGGED", "KEYWORD", "$Work"), label + " SEARCH FLAGGED")
    check(flagged[0].split() == [b"2"], label + " SEARCH FLAGGED %r" % flagged)
    ok(imap.store("2", "-FLAGS", r"(\Flagged $Work)"), label + " STORE -FLAGS")
    check(ok(imap.search(None, "FLAGGED"), label + " SEARCH FLAGGED")[0] == b"", label + " flag removed")
    uids = ok(imap.uid("SEARCH", "SUBJECT", "lunch"), label + " UID SEARCH")
    check(len(uids[0].split()) == 1, label + " UID SEARCH SUBJECT lunch %r" % uids)

    # APPEND, then COPY it to Trash and EXPUNGE it here.
    message = b"Subject: from imaplib over " + label.encode() + b"\r\nFrom: py@example.org\r\n\r\nhello\r\n"
    appended = ok(imap.append("INBOX", r"(\Seen)", None, message), label + " APPEND")
    check(b"APPENDUID" in appended[0], label + " APPENDUID %r" % appended)
    new = b"%d" % (len(expected) + 1)
    got = ok(imap.fetch(new, "(FLAGS BODY.PEEK[])"), label + " FETCH appended")
    check(got[0][1] == message and b"\\Seen" in got[0][0], label + " the appended message %r" % got[0][0])
    ok(imap.copy(new, "Trash"), label + " COPY")
    ok(imap.store(new, "+FLAGS", r"(\Deleted)"), label + " STORE \\Deleted")
    expunged = ok(imap.expunge(), label + " EXPUNGE")
    check(expunged == [new], label + " EXPUNGE reported %r" % expunged)
    ok(imap.close(), label + " CLOSE")

    # The copy is in Trash; remove it there too.
    ok(imap.select("Trash"), label + " SELECT Trash")
    found = ok(imap.search(None, "SUBJECT", '"from imaplib over %s"' % label), label + " SEARCH Trash")[0].split()
    check(len(found) == 1, label + " the copy is in Trash %r" % found)
    ok(imap.store(found[0], "+FLAGS", r"(\Deleted)"), label + " STORE in Trash")
    ok(imap.close(), label + " CLOSE Trash")
    ok(imap.noop(), label + " NOOP")
    check(imap.logout()[0] == "BYE", label + " LOGOUT")


context = ssl.create_default_context(cafile=ca)
session(imaplib.IMAP4(host, port), "plain")
imap = imaplib.IMAP4(host, port)
ok(imap.starttls(ssl_context=context), "STARTTLS")
session(imap, "starttls")
session(imaplib.IMAP4_SSL(host, tls_port, ssl_context=context), "imaps")
print("imaplib-check: all passed")
