#!/usr/bin/env python3
"""Records the IMAP flows the state machines must follow against a real
server (normally the throw-away Dovecot from dovecot-test-server.sh, which
has a self-signed certificate), each as a pair of application byte streams
DIR/dovecot-imap-NAME.c2s and .s2c:

- starttls: STARTTLS, then CAPABILITY, LOGIN and a SELECT inside TLS (the
  recording holds the bytes before and inside TLS, as the replay expects);
- idle: a client idles on INBOX while a second connection appends, flags
  and expunges messages; the updates arrive during IDLE;
- pipelined: several commands written at once, answered in order.

    record-imap-flows.py HOST PORT DIR
"""
import os
import re
import socket
import ssl
import sys
import time

host, port, outdir = sys.argv[1], int(sys.argv[2]), sys.argv[3]


class Conn:
    """A connection that records the application bytes both ways."""

    def __init__(self):
        self.sock = socket.create_connection((host, port), timeout=10)
        self.c2s = bytearray()
        self.s2c = bytearray()
        self.pending = bytearray()
        self.counter = 0

    def send(self, data):
        self.c2s.extend(data)
        self.sock.sendall(data)

    def fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise EOFError("server closed")
        self.s2c.extend(chunk)
        self.pending.extend(chunk)

    def read_line(self):
        """One response, with the literal data it announces."""
        out = bytearray()
        while True:
            while b"\n" not in self.pending:
                self.fill()
            i = self.pending.index(b"\n") + 1
            line, self.pending = self.pending[:i], self.pending[i:]
            out.extend(line)
            m = re.search(rb"\{(\d+)\}\r\n$", bytes(line))
            data = out.startswith(b"* ") and not re.match(rb"\* (OK|NO|BAD|BYE|PREAUTH)\b", bytes(out), re.I)
            if not (m and data):
                return bytes(out)
            n = int(m.group(1))
            while len(self.pending) < n:
                self.fill()
            out.extend(self.pending[:n])
            self.pending = self.pending[n:]

    def tag(self):
        self.counter += 1
        return b"F%03d" % self.counter

    def until_tagged(self, tag, expect=b"OK"):
        while True:
            line = self.read_line()
            if line.startswith(tag + b" "):
                assert line.split(b" ")[1] == expect, line
                return line

    def command(self, text, expect=b"OK"):
        tag = self.tag()
        self.send(tag + b" " + text + b"\r\n")
        return self.until_tagged(tag, expect)

    def starttls(self):
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        self.sock = context.wrap_socket(self.sock, server_hostname="localhost")

    def finish(self, name):
        try:
            while True:
                chunk = self.sock.recv(65536)
                if not chunk:
                    break
                self.s2c.extend(chunk)
        except (OSError, ssl.SSLError):
            pass
        prefix = os.path.join(outdir, f"dovecot-imap-{name}")
        open(prefix + ".c2s", "wb").write(self.c2s)
        open(prefix + ".s2c", "wb").write(self.s2c)
        print(f"{name}: {len(self.c2s)} bytes client to server, {len(self.s2c)} bytes server to client")


# STARTTLS: the recorded streams continue inside TLS.
c = Conn()
c.read_line()
c.command(b"CAPABILITY")
c.command(b"STARTTLS")
c.starttls()
c.command(b"CAPABILITY")
c.command(b"LOGIN alice secret")
c.command(b"SELECT INBOX")
c.command(b"LOGOUT")
c.finish("starttls")

# IDLE while a second connection changes the mailbox.
a = Conn()
a.read_line()
a.command(b"LOGIN alice secret")
a.command(b"SELECT INBOX")
idle = a.tag()
a.send(idle + b" IDLE\r\n")
assert a.read_line().startswith(b"+")
b = socket.create_connection((host, port), timeout=10)
other = b.makefile("rwb")


def other_command(line):
    other.write(line + b"\r\n")
    other.flush()
    tag = line.split(b" ")[0]
    while True:
        reply = other.readline()
        if reply.startswith(tag + b" "):
            assert reply.split(b" ")[1] == b"OK", reply
            return


other.readline()
other_command(b"o1 LOGIN alice secret")
other_command(b"o2 SELECT INBOX")
message = b"From: carol@example.org\r\nSubject: arrives during IDLE\r\n\r\nHi.\r\n"
other.write(b"o3 APPEND INBOX {%d+}\r\n" % len(message) + message + b"\r\n")
other.flush()
while not other.readline().startswith(b"o3 "):
    pass
other_command(b"o4 STORE 1 +FLAGS (\\Flagged)")
other_command(b"o5 STORE 2 +FLAGS.SILENT (\\Deleted)")
other_command(b"o6 EXPUNGE")
other_command(b"o7 LOGOUT")
b.close()
# Let the idling connection see every change before DONE.
deadline = time.time() + 5
a.sock.settimeout(0.5)
seen = bytearray()
while time.time() < deadline and not (b"EXPUNGE" in seen and b"EXISTS" in seen and b"FETCH" in seen):
    try:
        seen.extend(a.read_line())
    except socket.timeout:
        pass
a.sock.settimeout(10)
a.send(b"DONE\r\n")
a.until_tagged(idle)
a.command(b"LOGOUT")
a.finish("idle")

# Pipelined commands, written in one go.
p = Conn()
p.read_line()
p.command(b"LOGIN alice secret")
p.command(b"SELECT INBOX")
tags = [p.tag() for _ in range(5)]
batch = [b"NOOP", b"FETCH 1:* (FLAGS UID)", b"UID SEARCH ALL", b"LIST \"\" %", b"STATUS INBOX (MESSAGES UIDNEXT)"]
p.send(b"".join(t + b" " + cmd + b"\r\n" for t, cmd in zip(tags, batch)))
waiting = set(tags)
while waiting:
    line = p.read_line()
    tag = line.split(b" ")[0]
    if tag in waiting:
        assert line.split(b" ")[1] == b"OK", line
        waiting.remove(tag)
p.command(b"LOGOUT")
p.finish("pipelined")
