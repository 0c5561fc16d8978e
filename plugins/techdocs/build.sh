#!/bin/sh
# Builds plugins/techdocs/techdocs.wasm: the plugin's Rust crate (src/lib.rs, with the
# site builder in src/site) for wasm32-unknown-unknown with rustc alone, against the
# Greenroom Rust SDK and Debian's crates (pulldown-cmark, yaml-rust,
# unicode-normalization), then its manifest (plugin.yaml) packed into the
# greenroom.manifest section. The build is pluginkit.TechDocs, which the Taskfile and the
# tests run too; compiled crates are cached in os.UserCacheDir()/greenroom/rust.
#   sh build.sh               build and pack techdocs.wasm
#   sh build.sh --raw FILE    build only, unpacked, into FILE
# Needs (Debian): apt-get install rustc libstd-rust-dev-wasm32 librust-pulldown-cmark-dev
# librust-yaml-rust-dev librust-unicode-normalization-dev
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

case "${1:-}" in
--raw)
	cd "$root"
	go run ./host/internal/pluginkit/rustbuild techdocs -raw -o "$2"
	;;
*)
	cd "$root"
	go run ./host/internal/pluginkit/rustbuild techdocs -o "$here/techdocs.wasm"
	;;
esac
