#!/bin/sh
# Rebuilds examples/hello-assemblyscript/hello-assemblyscript.wasm (committed) from
# hello.ts with AssemblyScript and the official Extism PDK, both pinned in
# package-lock.json, then packs plugin.yaml into its greenroom.manifest section.
#   sh build.sh               build and pack hello-assemblyscript.wasm
#   sh build.sh -o FILE       build and pack into FILE instead (used by the SDK tests)
#   sh build.sh --raw FILE    build only, unpacked, into FILE
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
id=hello-assemblyscript

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
[ -x node_modules/.bin/asc ] || npm ci --no-audit --no-fund
# The host has no env.abort: route AssemblyScript's abort to hello.ts's myAbort.
node node_modules/.bin/asc hello.ts --outFile "$raw" --use abort=hello/myAbort -O3
[ "${1:-}" = "--raw" ] && exit 0

cd "$root"
go run ./host/cmd/greenroom plugin pack --manifest "$here/plugin.yaml" "$raw" -o "$out"
echo "built $out"
