#!/bin/sh
# Builds plugins/github-actions/github-actions.wasm: the plugin with the standard Go toolchain for
# wasip1, then its manifest (plugin.yaml) packed into the greenroom.manifest section.
#   sh build.sh               build and pack github-actions.wasm
#   sh build.sh --raw FILE    build only, unpacked, into FILE
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
id=github-actions

raw=${2:-}
if [ "${1:-}" != "--raw" ]; then
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	raw=$tmp/$id.raw.wasm
fi

cd "$here"
GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -trimpath -ldflags="-s -w" -o "$raw" .
[ "${1:-}" = "--raw" ] && exit 0

cd "$root"
go run ./host/cmd/greenroom plugin pack --manifest "$here/plugin.yaml" "$raw" -o "$here/$id.wasm"
echo "built $here/$id.wasm"
