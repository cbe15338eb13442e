#!/usr/bin/env bash
# imaptest-check.sh WORKDIR [STRESS_SECS] [LOAD_SECS]
#
# Dovecot's IMAP compliance tester against our imap-server, beside a real
# Dovecot on the same machine, all on 127.0.0.1:
#   1. imaptest's scripted test groups (../shared/tools/imaptest/run.sh):
#      every failing group must be listed, with its reason, in
#      examples/imaptest-known-failures.txt (the list only shrinks), and
#      every group Dovecot runs must run against ours (none skipped for a
#      capability ours does not offer);
#   2. imaptest's stress mode (state tracking, 20 clients, own_flags) for
#      STRESS_SECS (default 30): no error may be reported;
#   3. imap-load: 500 sessions at once, each selecting, fetching, storing
#      and idling, for LOAD_SECS (default 30): every session logs in, no
#      command fails; commands per second and the server's peak memory
#      (the sum of PSS over its processes).
# Dovecot (tuned for speed: login processes reused, service_count = 0)
# gets the same runs; its figures are reported, not judged.
# Prints a summary table; exit status 0 when our server passes all three.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
shared=${SHARED:-$(cd "$repo/../shared" 2>/dev/null && pwd || true)}
[ -d "$shared/tools/imaptest" ] || { echo "imaptest-check: ../shared/tools/imaptest not found (set SHARED)" >&2; exit 2; }
work=${1:?usage: imaptest-check.sh WORKDIR [STRESS_SECS] [LOAD_SECS]}
stress_secs=${2:-30}
load_secs=${3:-30}
mkdir -p "$work"
work=$(cd "$work" && pwd)
chmod 755 "$work"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

echo "== building imaptest and the release binaries"
[ -x "$work/it/bin/imaptest" ] || "$shared/tools/imaptest/build.sh" "$work/it" >"$work/imaptest-build.log" 2>&1 \
    || { tail -20 "$work/imaptest-build.log"; exit 1; }
(cd "$repo" && cargo build -q --release -p mail-examples --bin imap-server --bin imap-load)
server_bin=$repo/target/release/imap-server
load_bin=$repo/target/release/imap-load

ours_port=$(free_port)
rm -rf "$work/ours"; mkdir -p "$work/ours/root"
printf 'testuser:testpass\ntestuser2:testpass\n' >"$work/ours/users"
# Every imaptest and imap-load session comes from 127.0.0.1: the limits
# per address (50 by default) and in all are raised, as the test Dovecot's.
"$server_bin" --listen "127.0.0.1:$ours_port" --users "$work/ours/users" --mail-root "$work/ours/root" \
    --max-connections 2000 --max-connections-per-ip 2000 >"$work/ours/server.log" 2>&1 &
ours_pid=$!
dovecot_port=$(free_port)
cleanup() {
    kill "$ours_pid" 2>/dev/null || true
    "$shared/tools/imaptest/dovecot.sh" stop "$work/dovecot" >/dev/null 2>&1 || true
}
trap cleanup EXIT
"$shared/tools/imaptest/dovecot.sh" start "$work/dovecot" "$dovecot_port" >"$work/dovecot-start.log" 2>&1 \
    || { cat "$work/dovecot-start.log"; exit 1; }
# Dovecot tuned for speed, as its documentation's high-performance mode
# has it: login processes are reused for many connections
# (service_count = 0) and two are kept ready, instead of the test
# configuration's process per login.
"$shared/tools/imaptest/dovecot.sh" stop "$work/dovecot" >/dev/null 2>&1
sed -i 's/^  process_min_avail = 2$/  process_min_avail = 2\n  service_count = 0/' "$work/dovecot/dovecot.conf"
grep -q 'service_count = 0' "$work/dovecot/dovecot.conf" || { echo "imaptest-check: could not tune Dovecot" >&2; exit 1; }
dovecot -c "$work/dovecot/dovecot.conf" </dev/null >"$work/dovecot/dovecot.stdio" 2>&1
for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$dovecot_port") 2>/dev/null && break; sleep 0.2; done
for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$ours_port") 2>/dev/null && break; sleep 0.1; done

scripted() { # NAME PORT -> prints the summary line, leaves the failed list in $work/NAME.failed
    local log=$work/$1-scripted.log
    IMAPTEST_LOG=$work/$1-imaptest.log "$work/it/bin/run.sh" 127.0.0.1 "$2" testuser testpass user2=testuser2 \
        >"$log" 2>&1 || true
    grep -E '^failed tests:' "$log" | sed 's/^failed tests: *//' | tr ' ' '\n' | sed '/^$/d' >"$work/$1.failed" || true
    grep -E '^imaptest: ' "$log" | tail -1
    grep -E '^[0-9]+ test groups' "$log" | tail -1
}
stress() { # NAME PORT
    SECS=$stress_secs CLIENTS=20 "$work/it/bin/bench.sh" 127.0.0.1 "$2" testuser testpass own_flags \
        >"$work/$1-stress.log" 2>&1 || true
    grep -E '^total |^imaptest exit' "$work/$1-stress.log" | tr '\n' ' '
    echo
}

echo "== imaptest scripted groups"
ours_scripted=$(scripted ours "$ours_port")
dovecot_scripted=$(scripted dovecot "$dovecot_port")
echo "ours:    $ours_scripted"
echo "Dovecot: $dovecot_scripted"
known=$repo/examples/imaptest-known-failures.txt
unexpected=$(grep -vxF -f <(sed -e 's/[[:space:]]*#.*//' -e '/^$/d' "$known") "$work/ours.failed" || true)
fixed=$(sed -e 's/[[:space:]]*#.*//' -e '/^$/d' "$known" | grep -vxF -f "$work/ours.failed" || true)
status=0
if [ -n "$unexpected" ]; then
    echo "imaptest-check: groups failing that are not in $known:" $unexpected >&2
    grep -A8 -E '^\*\*\* Test' "$work/ours-imaptest.log" | head -60 >&2 || true
    status=1
fi
[ -z "$fixed" ] || echo "imaptest-check: now passing, remove from the known failures: $fixed"
# Every group Dovecot runs, ours runs: a group skipped for a missing
# capability on ours only is a failure too.
skipped() { # NAME -> the groups skipped, one per line
    grep -E '^expected skips' "$work/$1-scripted.log" | sed -e 's/^[^:]*: *//' -e 's/([^)]*)//g' | tr ' ' '\n' |
        sed '/^$/d' | sort -u
}
extra_skips=$(comm -23 <(skipped ours) <(skipped dovecot) | tr '\n' ' ')
if [ -n "${extra_skips// /}" ]; then
    echo "imaptest-check: groups Dovecot runs that ours skips (capability not offered): $extra_skips" >&2
    status=1
fi
if ! grep -qE '^[0-9]+ test groups' <<<"$ours_scripted"; then
    echo "imaptest-check: imaptest gave no summary for our server (crash, refused login, timeout)" >&2
    tail -20 "$work/ours-scripted.log" >&2
    status=1
fi

echo "== imaptest stress, 20 clients, own_flags, $stress_secs s"
ours_stress=$(stress ours "$ours_port")
ours_stress_rss=$(awk '/VmHWM/ {print $2}' "/proc/$ours_pid/status")
dovecot_stress=$(stress dovecot "$dovecot_port")
echo "ours:    $ours_stress (server peak RSS $((ours_stress_rss / 1024)) MiB so far)"
echo "ours:    CPU $(awk '{printf "%.1f s user, %.1f s system", $14/100, $15/100}' "/proc/$ours_pid/stat") so far"
echo "Dovecot: $dovecot_stress"
if ! grep -q 'imaptest exit 0, 0 error lines' <<<"$ours_stress"; then
    echo "imaptest-check: the stress run against our server reported errors:" >&2
    grep -E 'Error|Fatal|Panic' "$work/ours-stress.log" | head -20 >&2 || true
    status=1
fi

echo "== imap-load: 500 sessions, $load_secs s (select, fetch, store, idle)"
if ours_load=$("$load_bin" --port "$ours_port" --login testuser:testpass --login testuser2:testpass \
    --sessions 500 --seconds "$load_secs" --rss-pid "$ours_pid" 2>"$work/ours-load.err"); then :; else
    echo "imaptest-check: the load run against our server failed: $ours_load $(cat "$work/ours-load.err")" >&2
    status=1
fi
dovecot_comms=(--rss-comm imap --rss-comm imap-login --rss-comm dovecot --rss-comm auth --rss-comm config
    --rss-comm anvil --rss-comm log --rss-comm stats)
dovecot_load=$("$load_bin" --port "$dovecot_port" --login testuser:testpass --login testuser2:testpass \
    --sessions 500 --seconds "$load_secs" "${dovecot_comms[@]}" 2>"$work/dovecot-load.err" || true)
echo "ours:    $ours_load"
echo "Dovecot: $dovecot_load $(tr '\n' ' ' <"$work/dovecot-load.err")"

echo "== summary"
printf '%-8s | %s\n' "server" "scripted groups | stress ($stress_secs s, 20 clients) | load (500 sessions, $load_secs s)"
printf '%-8s | %s | %s | %s\n' ours "$(tail -1 <<<"$ours_scripted")" "$ours_stress" "$ours_load"
printf '%-8s | %s | %s | %s\n' Dovecot "$(tail -1 <<<"$dovecot_scripted")" "$dovecot_stress" "$dovecot_load"
exit $status
