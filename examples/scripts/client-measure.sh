#!/usr/bin/env bash
# Measures the command-line clients' bulk work, two builds side by side in
# the same run: `imap-client sync` of a mailbox of N messages and
# `pop3-client download` of a maildrop of M messages, each time (wall
# clock, without tracing) and the number of fsync-family calls (counted by
# strace in a second run), against one of our servers (from NEW).
#
#   examples/scripts/client-measure.sh OLD_BIN_DIR NEW_BIN_DIR [N] [M]
#
# OLD_BIN_DIR and NEW_BIN_DIR hold imap-client and pop3-client (NEW also
# imap-server and pop3-server), e.g. target/release of two checkouts.
# Defaults: N = 10000, M = 2000. Needs strace.
set -euo pipefail
old=$(cd "$1" && pwd)
new=$(cd "$2" && pwd)
n=${3:-10000}
m=${4:-2000}
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

seed() { # DIR COUNT: a Maildir INBOX of COUNT messages of about 3 KB
    mkdir -p "$1"/{new,cur,tmp}
    python3 - "$1" "$2" <<'EOF'
import sys, os
root, count = sys.argv[1], int(sys.argv[2])
body = "".join(f"line {i} of a message body, long enough to look like mail.\r\n" for i in range(48))
for i in range(count):
    text = (f"From: sender{i % 50}@example.org\r\nTo: alice@example.org\r\n"
            f"Subject: message {i}\r\nMessage-ID: <{i}@example.org>\r\n\r\n{body}")
    with open(os.path.join(root, "cur", f"17000{i:05d}.M{i}P1.seed:2,S"), "w") as f:
        f.write(text)
EOF
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

wait_port() {
    for _ in $(seq 100); do
        if (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null; then return 0; fi
        sleep 0.1
    done
    echo "server on port $1 did not start" >&2
    exit 1
}

echo "alice:secret" > "$work/users"
seed "$work/imap/alice" "$n"
seed "$work/pop/alice" "$m"
imap_port=$(free_port)
pop_port=$(free_port)
"$new/imap-server" --listen "127.0.0.1:$imap_port" --users "$work/users" --mail-root "$work/imap" 2>/dev/null &
"$new/pop3-server" --listen "127.0.0.1:$pop_port" --users "$work/users" --mail-root "$work/pop" 2>/dev/null &
wait_port "$imap_port"
wait_port "$pop_port"
export MEASURE_PASSWORD=secret
common=(--host 127.0.0.1 --tls none --user alice --password-env MEASURE_PASSWORD)

# LABEL NAME BIN_DIR ARGS...: seconds, then fsync calls (a second run,
# traced).
measure() {
    local label=$1 name=$2 bin=$3
    shift 3
    rm -rf "$work/out"
    local start end
    start=$(date +%s.%N)
    "$bin/$name" "${common[@]}" "$@" > "$work/summary"
    end=$(date +%s.%N)
    rm -rf "$work/out"
    strace -f -c -e trace=fsync,fdatasync,syncfs,sync_file_range -o "$work/strace" \
        "$bin/$name" "${common[@]}" "$@" > /dev/null
    local calls
    calls=$(awk '/^[ 0-9.]+ +[0-9.]+ +[0-9]+ +[0-9]+/ && $NF ~ /sync/ {s += $4} END {print s + 0}' "$work/strace")
    printf '%-4s %-22s %8.2f s %7d fsyncs   (%s)\n' "$label" "$name $3" \
        "$(echo "$end - $start" | bc)" "$calls" "$(tr -d '\n' < "$work/summary")"
}

echo "sync of $n messages, download of $m (server: $new)"
measure old imap-client "$old" --port "$imap_port" sync INBOX "$work/out"
measure new imap-client "$new" --port "$imap_port" sync INBOX "$work/out"
measure old pop3-client "$old" --port "$pop_port" download "$work/out" --keep
measure new pop3-client "$new" --port "$pop_port" download "$work/out" --keep
