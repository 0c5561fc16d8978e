#!/bin/sh
# Builds examples/hello-rust into hello-rust.wasm with Debian's rustc and
# libstd-rust-dev-wasm32 (no cargo, no crates), then packs plugin.yaml into its
# greenroom.manifest section. "greenroom plugin build" in this directory does the same.
# opt-level=3 and bulk-memory (memory.copy instead of a byte-loop memcpy): see
# RATIONALE.md, "The Rust SDK has no crates and its own allocator".
#   sh build.sh               build and pack hello-rust.wasm
#   sh build.sh -o FILE       build and pack into FILE instead
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=$here/hello-rust.wasm
if [ "${1:-}" = "-o" ]; then
	out=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
rustc=${RUSTC:-/usr/bin/rustc}
"$rustc" --edition 2021 --target wasm32-unknown-unknown --crate-type rlib -C opt-level=3 \
	-C target-feature=+bulk-memory \
	--crate-name greenroom "$root/sdk/rust/src/lib.rs" --out-dir "$tmp"
"$rustc" --edition 2021 --target wasm32-unknown-unknown --crate-type cdylib -C opt-level=3 \
	-C target-feature=+bulk-memory \
	-C strip=symbols --extern greenroom="$tmp/libgreenroom.rlib" "$here/src/lib.rs" -o "$tmp/raw.wasm"
cd "$root"
go run ./host/cmd/greenroom plugin pack --manifest "$here/plugin.yaml" "$tmp/raw.wasm" -o "$out"
echo "built $out"
