#!/usr/bin/env bash
# Builds the fuzz targets and runs each for SECONDS (default 30).
#
#   fuzz/run.sh [SECONDS] [TARGET...]
#
# cargo-fuzz needs nightly-only compiler flags (-Zsanitizer=address and
# friends). On this project's stable toolchain they are unlocked with
# RUSTC_BOOTSTRAP=1, which lets a stable rustc accept them; install
# cargo-fuzz with `cargo install cargo-fuzz --locked`.
#
# Each target starts from its corpus (what fuzzing found, kept minimized;
# committed as one archive per target, fuzz/corpus/TARGET.tar, unpacked into
# fuzz/corpus-work/TARGET for the run) and fuzz/seeds/TARGET (hand-made
# seeds from make-seeds.py, among them the recorded sessions, never
# minimized away). New inputs go to the corpus, which is minimized after the
# run (edge coverage only) and packed again. Crashes land in
# fuzz/artifacts/TARGET. Copy a crash to fuzz/regressions/TARGET/ (with a
# name that says what it found) and list it in
# examples/tests/fuzz_regressions.rs, so `cargo test` replays it forever.
# Statistics of each run are appended to fuzz/runs.log.
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:-30}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    mapfile -t targets < <(ls fuzz_targets | sed 's/\.rs$//')
fi
export RUSTC_BOOTSTRAP=1
if ! command -v cargo-fuzz >/dev/null; then
    cargo install cargo-fuzz --locked
fi
cargo fuzz build -O
status=0
for t in "${targets[@]}"; do
    dict=dict/imap.dict
    case $t in pop3*) dict=dict/pop3.dict ;; esac
    mkdir -p corpus "artifacts/$t"
    rm -rf "corpus-work/$t"
    mkdir -p "corpus-work/$t"
    if [ -f "corpus/$t.tar" ]; then
        tar -C "corpus-work/$t" -xf "corpus/$t.tar"
    fi
    log=$(mktemp)
    started=$(date +%s)
    if ! cargo fuzz run -O "$t" "corpus-work/$t" "seeds/$t" -- \
        -max_total_time="$seconds" -max_len=65536 -timeout=1 -rss_limit_mb=2048 \
        -dict="$dict" -print_final_stats=1 > "$log" 2>&1; then
        status=1
        echo "== $t FAILED"
        grep -E "ERROR|panicked|SUMMARY|Test unit written" "$log" | head -20
    fi
    execs=$(grep -E "stat::number_of_executed_units" "$log" | awk '{print $2}' | tail -1)
    # Keep the committed corpus small: inputs that add edge coverage only.
    cargo fuzz cmin -O "$t" "corpus-work/$t" -- -use_counters=0 -max_len=65536 -timeout=5 \
        -rss_limit_mb=2048 > /dev/null 2>&1 || echo "== cmin of $t failed (corpus left as is)"
    # One archive per target, byte-for-byte the same for the same files.
    tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner \
        -C "corpus-work/$t" -cf "corpus/$t.tar" .
    echo "$(date -u +%FT%TZ) $t seconds=$(( $(date +%s) - started )) of=$seconds execs=${execs:-?}" | tee -a runs.log
    rm -f "$log"
done
exit $status
