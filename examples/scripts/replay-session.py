#!/usr/bin/env python3
"""Replays the client side of a recorded IMAP session against a server and
compares the answers with the recorded ones, command by command.

    replay-session.py HOST PORT RECORDED.c2s RECORDED.s2c [--uidvalidity OLD]
                      [--replace OLD NEW]... [--allowed FILE]

Each command of RECORDED.c2s (synchronizing literals wait for `+`, as the
recording client did) is sent once the previous one is answered. Per tag,
the tagged status (OK, NO, BAD) and the kinds of untagged responses before
it (`EXISTS`, `FETCH`, `OK [HIGHESTMODSEQ]`, ...) are compared with the
recording's, and the lines of SEARCH, ESEARCH (without its TAG), SORT,
THREAD and QUOTA results whole. `--uidvalidity OLD` replaces the recorded INBOX UIDVALIDITY in
the commands with the server's (asked with STATUS before the replay, on a
connection of its own). The replay stops after a COMPRESS command is
answered (what follows is compressed).

`--allowed FILE` lists the differences an RFC allows, one per line:
`TAG<TAB>what differs<TAB>the rule`; each is printed with its rule and does
not fail the run. Exit status: 0 when every other answer matches, 1 when
one does not, 2 for usage errors or a server that cannot be reached.
"""

import argparse
import base64
import re
import socket
import sys

TAG = re.compile(rb"^([A-Za-z0-9]+) ")
LITERAL = re.compile(rb"\{(\d+)(\+?)\}\r\n")


def split_commands(c2s):
    """The recorded commands, each with its literals, in order."""
    commands = []
    rest = c2s
    while rest:
        end = 0
        while True:
            line_end = rest.find(b"\r\n", end)
            if line_end < 0:
                line_end = len(rest) - 2
            line = rest[end:line_end + 2]
            m = re.search(rb"\{(\d+)\+?\}\r\n$", line)
            if m:
                end = line_end + 2 + int(m.group(1))
                continue
            end = line_end + 2
            break
        commands.append(rest[:end])
        rest = rest[end:]
    return commands


def responses(s2c):
    """The recorded responses by tag: (status, [untagged kinds])."""
    by_tag = {}
    pending = []
    # The greeting answers no command.
    for line in logical_lines(s2c)[1:]:
        if line.startswith(b"+"):
            continue
        if line.startswith(b"* "):
            pending.append(line)
            continue
        m = TAG.match(line)
        if m:
            by_tag[m.group(1).decode()] = (status_of(line), pending)
            pending = []
    return by_tag


# Results compared line by line, not only by kind: they depend only on the
# messages, which the replay seeds as the recording had them.
EXACT = {"SEARCH", "ESEARCH", "SORT", "THREAD", "QUOTA"}


def exact_lines(lines):
    out = []
    for line in lines:
        if kind(line) not in EXACT:
            continue
        text = re.sub(rb' \(TAG "[^"]*"\)', b"", line).decode(errors="replace")
        if kind(line) == "ESEARCH":
            # Its return data items come in any order (RFC 4731 3).
            words = text.split(" ")
            head = 3 if len(words) > 2 and words[2] == "UID" else 2
            pairs = sorted(" ".join(words[i:i + 2]) for i in range(head, len(words), 2))
            text = " ".join(words[:head] + pairs)
        out.append(text)
    return sorted(out)


def logical_lines(data):
    """Lines with their literals folded in (a literal's bytes dropped)."""
    out = []
    i = 0
    current = b""
    while i < len(data):
        j = data.find(b"\r\n", i)
        if j < 0:
            current += data[i:]
            break
        current += data[i:j]
        m = re.search(rb"\{(\d+)\+?\}$", data[i:j])
        i = j + 2
        if m:
            i += int(m.group(1))
            continue
        out.append(current)
        current = b""
    if current:
        out.append(current)
    return out


def kind(line):
    """`* 4 EXISTS` -> EXISTS; `* OK [UIDNEXT 5] ...` -> OK [UIDNEXT]."""
    words = line[2:].split(b" ")
    if words and words[0].isdigit() and len(words) > 1:
        return words[1].decode(errors="replace").upper()
    first = words[0].decode(errors="replace").upper()
    if first in ("OK", "NO", "BAD", "BYE", "PREAUTH") and len(words) > 1 and words[1].startswith(b"["):
        code = words[1][1:].rstrip(b"]").decode(errors="replace").upper()
        return f"{first} [{code}]"
    return first


def status_of(line):
    words = line.split(b" ")
    return words[1].decode(errors="replace").upper() if len(words) > 1 else "?"


class Connection:
    def __init__(self, host, port):
        self.sock = socket.create_connection((host, port), timeout=30)
        self.buffer = b""

    def line(self):
        while b"\r\n" not in self.buffer:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("the server closed the connection")
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\r\n", 1)
        return line

    def logical_line(self):
        line = self.line()
        while True:
            m = re.search(rb"\{(\d+)\+?\}$", line)
            if not m:
                return line
            size = int(m.group(1))
            while len(self.buffer) < size:
                chunk = self.sock.recv(65536)
                if not chunk:
                    raise ConnectionError("the server closed the connection")
                self.buffer += chunk
            self.buffer = self.buffer[size:]
            line = line + b" " + self.line()

    def run(self, command, tag):
        """Sends a command (waiting for `+` at each synchronizing
        literal); returns (status, kinds, lines)."""
        lines = []
        pos = 0
        for m in LITERAL.finditer(command):
            if m.group(2) == b"+":
                continue
            self.sock.sendall(command[pos:m.end()])
            pos = m.end()
            while True:
                line = self.logical_line()
                lines.append(line)
                if line.startswith(b"+"):
                    break
                if TAG.match(line) and line.startswith(tag.encode() + b" "):
                    return status_of(line), [kind(l) for l in lines if l.startswith(b"* ")], lines
        self.sock.sendall(command[pos:])
        while True:
            line = self.logical_line()
            lines.append(line)
            if line.startswith(tag.encode() + b" "):
                kinds = [kind(l) for l in lines if l.startswith(b"* ")]
                return status_of(line), kinds, lines


def inbox_uidvalidity(host, port, user, password):
    c = Connection(host, port)
    c.line()
    auth = base64.b64encode(b"\0" + user.encode() + b"\0" + password.encode())
    c.run(b"v1 AUTHENTICATE PLAIN " + auth + b"\r\n", "v1")
    _, _, lines = c.run(b"v2 STATUS INBOX (UIDVALIDITY)\r\n", "v2")
    c.run(b"v3 LOGOUT\r\n", "v3")
    for line in lines:
        m = re.search(rb"UIDVALIDITY (\d+)", line)
        if m:
            return m.group(1)
    raise SystemExit("no UIDVALIDITY in the server's STATUS")


def credentials(commands):
    """The user and password of the recording's AUTHENTICATE PLAIN."""
    for command in commands:
        m = re.match(rb"\S+ AUTHENTICATE PLAIN (\S+)\r\n", command)
        if m:
            _, user, password = base64.b64decode(m.group(1)).split(b"\0")
            return user.decode(), password.decode()
    raise SystemExit("the recording has no AUTHENTICATE PLAIN with an initial response")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("host")
    p.add_argument("port", type=int)
    p.add_argument("c2s")
    p.add_argument("s2c")
    p.add_argument("--uidvalidity", help="the recorded INBOX UIDVALIDITY, replaced with the server's")
    p.add_argument("--allowed", help="TAG<TAB>difference<TAB>rule lines")
    p.add_argument("--replace", nargs=2, action="append", default=[], metavar=("OLD", "NEW"),
                   help="replace OLD with NEW in the commands (a mailbox name in the server's hierarchy delimiter)")
    args = p.parse_args()
    c2s = open(args.c2s, "rb").read()
    recorded = responses(open(args.s2c, "rb").read())
    commands = split_commands(c2s)
    allowed = {}
    if args.allowed:
        for line in open(args.allowed, encoding="utf-8"):
            if line.strip() and not line.startswith("#"):
                tag, what, rule = line.rstrip("\n").split("\t")
                allowed[tag] = (what, rule)
    try:
        if args.uidvalidity:
            user, password = credentials(commands)
            ours = inbox_uidvalidity(args.host, args.port, user, password)
            commands = [c.replace(args.uidvalidity.encode(), ours) for c in commands]
        for old, new in args.replace:
            commands = [c.replace(old.encode(), new.encode()) for c in commands]
        conn = Connection(args.host, args.port)
        conn.line()
    except (OSError, ConnectionError) as e:
        print(f"replay-session: {e}", file=sys.stderr)
        return 2
    same = differ = excused = 0
    for command in commands:
        tag = TAG.match(command).group(1).decode()
        status, kinds, lines = conn.run(command, tag)
        want_status, want_lines = recorded.get(tag, ("?", []))
        want_kinds = [kind(l) for l in want_lines]
        name = command.split(b" ")[1].split(b"\r")[0].decode(errors="replace")
        ours_exact = exact_lines([l for l in lines if l.startswith(b"* ")])
        if (status, sorted(kinds), ours_exact) == (want_status, sorted(want_kinds), exact_lines(want_lines)):
            same += 1
        else:
            if (status, sorted(kinds)) == (want_status, sorted(want_kinds)):
                diff = f"{tag} {name}: ours {ours_exact}, Dovecot {exact_lines(want_lines)}"
            else:
                diff = f"{tag} {name}: ours {status} {sorted(kinds)}, Dovecot {want_status} {sorted(want_kinds)}"
            if tag in allowed:
                excused += 1
                print(f"allowed  {diff}\n         {allowed[tag][0]}: {allowed[tag][1]}")
            else:
                differ += 1
                print(f"DIFFERS  {diff}")
        if name.upper() == "COMPRESS" and status == "OK":
            break
    print(f"{same} the same, {excused} different as an RFC allows, {differ} different otherwise")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
