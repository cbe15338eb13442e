#!/usr/bin/env bash
# Replays examples/sessions/dovecot-imap-extensions (recorded against
# Dovecot 2.3) against our imap-server, started here on 127.0.0.1 with the
# state Dovecot had when it was recorded: alice's INBOX holding the four
# messages of examples/sessions/mail, Sent (subscribed) and Trash, a
# storage limit of 1 GiB. The recording's INBOX UIDVALIDITY becomes ours,
# its mailbox Projects/2026 our Projects.2026 (our delimiter is `.`), its
# quota root "User quota" ours, "" (what a client learns from NAMESPACE
# and GETQUOTAROOT). Differences an RFC allows are listed, with the rule,
# in examples/sessions/dovecot-imap-extensions.allowed; any other fails.
#
#   examples/scripts/replay-dovecot-extensions.sh [IMAP_SERVER_BINARY]
set -euo pipefail
cd "$(dirname "$0")/../.."
server=${1:-target/debug/imap-server}
[ -x "$server" ] || cargo build -q -p mail-examples --bin imap-server
work=$(mktemp -d)
port=$((20000 + RANDOM % 20000))
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
printf 'alice:secret\n' > "$work/users"
mkdir -p "$work/root/alice"
for dir in "" .Sent .Trash; do
    mkdir -p "$work/root/alice/$dir"/{cur,new,tmp}
done
printf 'Sent\n' > "$work/root/alice/subscriptions"
i=1
for f in examples/sessions/mail/*.eml; do
    cp "$f" "$work/root/alice/new/170000000$i.M${i}P1Q$i.seed"
    i=$((i + 1))
done
"$server" --listen "127.0.0.1:$port" --users "$work/users" --mail-root "$work/root" \
    --storage-limit 1073741824 > "$work/server.log" 2>&1 &
pid=$!
for _ in $(seq 50); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.1
done
python3 examples/scripts/replay-session.py 127.0.0.1 "$port" \
    examples/sessions/dovecot-imap-extensions.c2s examples/sessions/dovecot-imap-extensions.s2c \
    --uidvalidity 1795807736 --replace Projects/2026 Projects.2026 --replace '"User quota"' '""' \
    --allowed examples/sessions/dovecot-imap-extensions.allowed
