#!/usr/bin/env python3
"""Records real POP3 sessions (as user bob) against a server (normally the throw-away
Dovecot from dovecot-test-server.sh) as byte streams PREFIX-NAME.c2s
(client to server) and PREFIX-NAME.s2c (server to client).

    record-pop3-session.py HOST PORT PREFIX

Session "auth": CAPA, AUTH PLAIN with a continuation, STAT, LIST, UIDL,
TOP, RETR (messages with dot-stuffed lines), DELE, RSET, errors, a
pipelined burst, QUIT. Session "user": USER/PASS with a wrong password
first, then a mailbox walk and QUIT in TRANSACTION (UPDATE)."""
import base64
import socket
import sys

host, port, prefix = sys.argv[1], int(sys.argv[2]), sys.argv[3]


class Session:
    def __init__(self):
        self.sock = socket.create_connection((host, port), timeout=10)
        self.c2s = bytearray()
        self.s2c = bytearray()
        self.pending = bytearray()

    def line(self):
        while b"\n" not in self.pending:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("server closed")
            self.s2c.extend(chunk)
            self.pending.extend(chunk)
        i = self.pending.index(b"\n") + 1
        out, self.pending = bytes(self.pending[:i]), self.pending[i:]
        return out

    def multiline(self):
        while self.line() not in (b".\r\n", b".\n"):
            pass

    def send(self, data):
        self.c2s.extend(data)
        self.sock.sendall(data)

    def command(self, text, multi=False, expect=b"+OK"):
        self.send(text + b"\r\n")
        return self.reply(multi, expect)

    def reply(self, multi=False, expect=b"+OK"):
        status = self.line()
        assert status.startswith(expect), (status, expect)
        if multi and status.startswith(b"+OK"):
            self.multiline()
        return status

    def finish(self, name):
        try:
            while True:
                chunk = self.sock.recv(65536)
                if not chunk:
                    break
                self.s2c.extend(chunk)
        except OSError:
            pass
        open(f"{prefix}-{name}.c2s", "wb").write(self.c2s)
        open(f"{prefix}-{name}.s2c", "wb").write(self.s2c)
        print(f"{name}: {len(self.c2s)} bytes client to server, {len(self.s2c)} bytes server to client")


s = Session()
s.line()  # greeting
s.command(b"CAPA", multi=True)
s.command(b"STAT", expect=b"-ERR")  # not valid before login
s.send(b"AUTH PLAIN\r\n")
assert s.line().startswith(b"+")
s.send(base64.b64encode(b"\0bob\0secret") + b"\r\n")
s.reply()
s.command(b"CAPA", multi=True)
s.command(b"STAT")
s.command(b"LIST", multi=True)
s.command(b"LIST 2")
s.command(b"UIDL", multi=True)
s.command(b"UIDL 3")
s.command(b"TOP 1 0", multi=True)
s.command(b"TOP 2 5", multi=True)
s.command(b"RETR 1", multi=True)
s.command(b"RETR 2", multi=True)
s.command(b"RETR 3", multi=True)
s.command(b"DELE 3")
s.command(b"LIST 3", expect=b"-ERR")
s.command(b"RETR 99", expect=b"-ERR")
s.command(b"RETR 0", expect=b"-ERR")
s.command(b"DELE 1 2", expect=b"-ERR")
s.command(b"XYZZY", expect=b"-ERR")
s.command(b"RSET")
s.command(b"NOOP")
# A pipelined burst (Dovecot announces PIPELINING).
s.send(b"STAT\r\nLIST\r\nUIDL 1\r\nNOOP\r\n")
s.reply()
s.reply(multi=True)
s.reply()
s.reply()
s.command(b"QUIT")
s.finish("auth")

s = Session()
s.line()
s.command(b"USER bob")
s.command(b"PASS wrong password", expect=b"-ERR")
s.command(b"USER bob")
s.command(b"PASS secret")
s.command(b"STAT")
s.command(b"RETR 1", multi=True)
s.command(b"DELE 2")
s.command(b"QUIT")
s.finish("user")
