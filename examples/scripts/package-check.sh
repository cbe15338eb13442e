#!/usr/bin/env bash
# Packages every library crate as `cargo publish` would (cargo builds each
# packaged crate), then unpacks each .crate into a scratch folder outside
# the workspace and runs its tests there with every feature: a published
# package must build and test from its own files alone.
#
#   examples/scripts/package-check.sh [SCRATCH_DIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
scratch=${1:-$(mktemp -d)}
mkdir -p "$scratch"
scratch=$(cd "$scratch" && pwd)
crates=(imap-wire pop3-wire mail-codec)

args=()
for c in "${crates[@]}"; do args+=(-p "$c"); done
# --allow-dirty: CI runs on a clean clone; by hand the tree may have edits.
cargo package "${args[@]}" --allow-dirty

version=$(cargo metadata --format-version 1 --no-deps |
    python3 -c 'import json,sys; print(next(p["version"] for p in json.load(sys.stdin)["packages"] if p["name"]=="imap-wire"))')
for c in "${crates[@]}"; do
    rm -rf "$scratch/$c-$version"
    tar -xzf "target/package/$c-$version.crate" -C "$scratch"
done

# The unpublished sibling crates come from their unpacked packages, not
# from the workspace: what is tested is exactly what would be uploaded.
patch=(--config "patch.crates-io.imap-wire.path=\"$scratch/imap-wire-$version\""
       --config "patch.crates-io.pop3-wire.path=\"$scratch/pop3-wire-$version\"")
export CARGO_TARGET_DIR="$scratch/target"
for c in "${crates[@]}"; do
    echo "== cargo test --all-features in the unpacked $c-$version"
    (cd "$scratch/$c-$version" && cargo test -q --all-features "${patch[@]}")
done
echo "package check passed: ${crates[*]}"
