#!/usr/bin/env python3
"""Python's poplib against a POP3 server: the stdlib client a lot of
scripts use. Checks every command poplib has, over plain, STLS and POP3_SSL.

    poplib-check.py HOST PORT TLS_PORT CA_FILE USER PASSWORD MESSAGES_DIR

MESSAGES_DIR holds the maildrop's messages as files, in maildrop order; the
maildrop must hold exactly those. Exit status 0 when every check passes.
"""
import os
import poplib
import ssl
import sys

host, port, tls_port, ca, user, password, messages_dir = sys.argv[1:8]
port, tls_port = int(port), int(tls_port)
expected = []
for name in sorted(os.listdir(messages_dir)):
    with open(os.path.join(messages_dir, name), "rb") as f:
        data = f.read()
    # As sent: CRLF line ends.
    expected.append(data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))


def check(condition, what):
    if not condition:
        print("poplib-check: FAILED:", what, file=sys.stderr)
        sys.exit(1)


def session(pop, label):
    check(pop.getwelcome().startswith(b"+OK"), label + " greeting")
    caps = pop.capa()
    check("UIDL" in caps and "TOP" in caps, label + " CAPA lists UIDL and TOP: %r" % caps)
    pop.user(user)
    pop.pass_(password)
    count, size = pop.stat()
    check(count == len(expected), label + " STAT count %d" % count)
    check(size == sum(len(m) for m in expected), label + " STAT size %d" % size)
    _, listing, _ = pop.list()
    check([int(l.split()[1]) for l in listing] == [len(m) for m in expected], label + " LIST sizes")
    _, uidls, _ = pop.uidl()
    check(len(set(uidls)) == len(expected), label + " UIDL unique")
    check(pop.uidl(1).split()[2] == uidls[0].split()[1], label + " UIDL 1 matches the listing")
    for i, message in enumerate(expected, start=1):
        _, lines, octets = pop.retr(i)
        # poplib strips the CRLFs and un-stuffs the dots.
        check(b"\r\n".join(lines) + b"\r\n" == message, label + " RETR %d content" % i)
        _, top, _ = pop.top(i, 0)
        header = message.split(b"\r\n\r\n", 1)[0]
        check(b"\r\n".join(top).rstrip(b"\r\n") == header, label + " TOP %d 0 is the header" % i)
    pop.noop()
    pop.dele(1)
    check(pop.stat()[0] == len(expected) - 1, label + " DELE hides the message")
    pop.rset()
    check(pop.stat()[0] == len(expected), label + " RSET brings it back")
    pop.quit()


context = ssl.create_default_context(cafile=ca)
session(poplib.POP3(host, port), "plain")
stls = poplib.POP3(host, port)
stls.stls(context=context)
session(stls, "STLS")
session(poplib.POP3_SSL(host, tls_port, context=context), "POP3_SSL")
print("poplib-check: all passed")
