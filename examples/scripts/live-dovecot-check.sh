#!/usr/bin/env bash
# Records a fresh IMAP session against a real Dovecot on 127.0.0.1 and
# decodes both directions with mail-inspect --roundtrip. Fails if any
# message does not decode or round-trip.
#
#   examples/scripts/live-dovecot-check.sh [WORKDIR]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=${1:-$(mktemp -d)}
mkdir -p "$work"
"$here/install-dovecot.sh"
# Dovecot's unprivileged processes must be able to reach its files, so the
# server directory lives directly under /tmp, whatever WORKDIR's parents allow.
server=$(mktemp -d /tmp/mailproto-dovecot.XXXXXX)
trap '"$here/dovecot-test-server.sh" stop "$server"; rm -rf "$server"' EXIT
"$here/dovecot-test-server.sh" start "$server" 24143 24110
python3 "$here/record-imap-session.py" 127.0.0.1 24143 "$work/live-imap"
python3 "$here/record-pop3-session.py" 127.0.0.1 24110 "$work/live-pop3"
python3 "$here/record-imap-flows.py" 127.0.0.1 24143 "$work"
cd "$root"
cargo build -q -p mail-examples --bin mail-inspect
for dir in server client; do
    ext=$([ $dir = server ] && echo s2c || echo c2s)
    for chunk in 1 7 65536; do
        ./target/debug/mail-inspect imap --from $dir --roundtrip --chunk $chunk "$work/live-imap.$ext" > "$work/inspect-$dir-$chunk.jsonl" || {
            grep '"error"' "$work/inspect-$dir-$chunk.jsonl" | head -5 >&2
            exit 1
        }
    done
    cmp "$work/inspect-$dir-1.jsonl" "$work/inspect-$dir-65536.jsonl"
    cmp "$work/inspect-$dir-7.jsonl" "$work/inspect-$dir-65536.jsonl"
    echo "live $dir stream: $(tail -1 "$work/inspect-$dir-65536.jsonl")"
done
# IMAP pairs through both state machines: the main session has one
# deliberate error (FETCH with no mailbox selected); the flows none.
for session in live-imap:1 dovecot-imap-starttls:0 dovecot-imap-idle:0 dovecot-imap-pipelined:0; do
    name=${session%%:*}
    expected=${session##*:}
    for chunk in 1 7 65536; do
        ./target/debug/mail-inspect imap --roundtrip --chunk $chunk \
            --client "$work/$name.c2s" --server "$work/$name.s2c" > "$work/pair-$name-$chunk.jsonl" || true
    done
    cmp "$work/pair-$name-1.jsonl" "$work/pair-$name-65536.jsonl"
    cmp "$work/pair-$name-7.jsonl" "$work/pair-$name-65536.jsonl"
    last=$(tail -1 "$work/pair-$name-65536.jsonl")
    echo "live imap pair $name: $last"
    case "$last" in
        *" messages, $expected errors") ;;
        *) grep '"error"' "$work/pair-$name-65536.jsonl" | head -5 >&2; exit 1 ;;
    esac
done
# POP3: the "auth" session sends four bad commands on purpose.
for session in auth:4 user:0; do
    name=${session%%:*}
    expected=${session##*:}
    for chunk in 1 5 65536; do
        ./target/debug/mail-inspect pop3 --roundtrip --chunk $chunk \
            --client "$work/live-pop3-$name.c2s" --server "$work/live-pop3-$name.s2c" > "$work/pop3-$name-$chunk.jsonl" || true
    done
    cmp "$work/pop3-$name-1.jsonl" "$work/pop3-$name-65536.jsonl"
    cmp "$work/pop3-$name-5.jsonl" "$work/pop3-$name-65536.jsonl"
    last=$(tail -1 "$work/pop3-$name-65536.jsonl")
    echo "live pop3 $name session: $last"
    case "$last" in
        *" messages, $expected errors") ;;
        *) grep '"error"' "$work/pop3-$name-65536.jsonl" | head -5 >&2; exit 1 ;;
    esac
done
