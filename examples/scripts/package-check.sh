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
case "$scratch/" in
    "$(pwd)"/*) echo "package-check: SCRATCH_DIR must be outside the checkout (cargo would take the unpacked packages for workspace members)" >&2; exit 2 ;;
esac
crates=(mail-sansio imap-wire pop3-wire mail-codec mail-serve)

version=$(cargo metadata --format-version 1 --no-deps |
    python3 -c 'import json,sys; print(next(p["version"] for p in json.load(sys.stdin)["packages"] if p["name"]=="imap-wire"))')

# cargo verifies the packages against a temporary local registry, and
# takes a registry crate at an unchanged version for unchanged: an unpacking
# or a build left by an earlier run would be reused stale. So the packaging
# gets a fresh target directory, and unpackings of ours from such a
# registry (CARGO_HOME/registry/src/-*) are forgotten first.
cargo_home=${CARGO_HOME:-$HOME/.cargo}
for c in "${crates[@]}"; do
    rm -rf "$cargo_home"/registry/src/-*/"$c-$version" "$cargo_home"/registry/cache/-*/"$c-$version.crate"
done
package_target="$scratch/package-target"
rm -rf "$package_target"

args=()
for c in "${crates[@]}"; do args+=(-p "$c"); done
# --allow-dirty: CI runs on a clean clone; by hand the tree may have edits.
CARGO_TARGET_DIR="$package_target" cargo package "${args[@]}" --allow-dirty

for c in "${crates[@]}"; do
    rm -rf "$scratch/$c-$version"
    tar -xzf "$package_target/package/$c-$version.crate" -C "$scratch"
done

# The unpublished sibling crates come from their unpacked packages, not
# from the workspace: what is tested is exactly what would be uploaded.
patch=()
for c in "${crates[@]}"; do
    patch+=(--config "patch.crates-io.$c.path=\"$scratch/$c-$version\"")
done
export CARGO_TARGET_DIR="$scratch/target"
for c in "${crates[@]}"; do
    echo "== cargo test --all-features in the unpacked $c-$version"
    (cd "$scratch/$c-$version" && cargo test -q --all-features "${patch[@]}")
done
echo "package check passed: ${crates[*]}"
