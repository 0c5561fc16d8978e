#!/bin/sh
# Rebuilds examples/hello-action-c/hello-action-c.wasm (committed) from action.c with Debian's clang 14,
# lld and wasi-libc, then packs plugin.yaml into its greenroom.manifest section.
#   sh build.sh               build and pack hello-action-c.wasm
#   sh build.sh -o FILE       build and pack into FILE instead (used by the SDK tests)
#   sh build.sh --raw FILE    build only, unpacked, into FILE
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
id=hello-action-c

raw=${2:-}
out=$here/$id.wasm
if [ "${1:-}" = "-o" ]; then
	out=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
fi
if [ "${1:-}" != "--raw" ]; then
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	raw=$tmp/$id.raw.wasm
fi

cd "$here"
clang --target=wasm32-wasi -O2 -mexec-model=reactor -Wall -Wextra -Werror -Wl,--strip-all \
	-o "$raw" ${GR_CFLAGS:-} action.c
[ "${1:-}" = "--raw" ] && exit 0

cd "$root"
go run ./host/cmd/greenroom plugin pack --manifest "$here/plugin.yaml" "$raw" -o "$out"
echo "built $out"
