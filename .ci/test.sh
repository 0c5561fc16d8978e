#!/bin/sh
# The README's test command (`go tool task test`) runs this: the hygiene gates and every
# test of every Go module in the repository. It runs every step even after one fails,
# then lists each failing step and package, and exits non-zero if any failed.
#   sh .ci/test.sh               gates and tests
#   sh .ci/test.sh --lint-only   gates only (gofmt, go vet, go mod tidy, staticcheck)
set -u
cd "$(dirname "$0")/.."
root=$(pwd)
lint_only=false
[ "${1:-}" = "--lint-only" ] && lint_only=true

# The staticcheck version the gate runs; deliberate exceptions live in staticcheck.conf.
staticcheck_pkg=honnef.co/go/tools/cmd/staticcheck@v0.8.2

failures=$(mktemp)
log=$(mktemp)
rcfile=$(mktemp)
trap 'rm -f "$failures" "$log" "$rcfile"' EXIT

# step NAME DIR COMMAND...: runs COMMAND in DIR, echoing its output; on failure records
# NAME and every "FAIL <package>" line go test printed.
step() {
	name=$1 dir=$2
	shift 2
	echo "==> $name"
	{
		(cd "$root/$dir" && "$@")
		echo $? >"$rcfile"
	} 2>&1 | tee "$log"
	rc=$(cat "$rcfile")
	if [ $rc -ne 0 ]; then
		echo "FAILED: $name (exit $rc)" >>"$failures"
		grep -E '^(FAIL|---[[:space:]]FAIL)' "$log" | sed 's/^/    /' >>"$failures"
	fi
}

# Every module, with the platform it is checked for: "host" modules natively; "wasm"
# modules only for wasip1 (a test fixture written with the Extism go-pdk, which builds for
# nothing else). The plugins written with the Greenroom Go SDK build for wasip1 (the SDK's
# tests do that) but are vetted natively, where their tests run against the SDK's test host.
modules='
. host
sdk/go host
sdk/go/wasmtest host
examples/hello-go host
examples/entity-card host
plugins/tech-radar host
plugins/github-actions host
plugins/prometheus host
host/internal/frontend/wasmext/testdata/cards host
host/internal/cli/testdata/kvwriter host
host/internal/runtime/testdata/gopdk wasm
'

# Gate: every Go file is gofmt'ed (node_modules holds no Go, but skip it anyway).
unformatted=$(find . -name '*.go' -not -path '*/node_modules/*' -not -path './.git/*' | xargs gofmt -l)
if [ -n "$unformatted" ]; then
	echo "FAILED: gofmt -l lists files; run gofmt -w on them:" >>"$failures"
	echo "$unformatted" | sed 's/^/    /' >>"$failures"
fi

# staticcheck is built once, at the pinned version, and run in every module.
sc=$root/bin/staticcheck
step "build staticcheck ($staticcheck_pkg)" . env GOBIN="$root/bin" go install "$staticcheck_pkg"

echo "$modules" | while read -r dir kind; do
	[ -n "$dir" ] || continue
	step "go mod tidy -diff ($dir)" "$dir" go mod tidy -diff
	case $kind in
	wasm)
		step "go vet ($dir, wasip1)" "$dir" env GOOS=wasip1 GOARCH=wasm go vet ./...
		step "staticcheck ($dir, wasip1)" "$dir" env GOOS=wasip1 GOARCH=wasm "$sc" ./...
		;;
	host)
		step "go vet ($dir)" "$dir" go vet ./...
		step "staticcheck ($dir)" "$dir" "$sc" ./...
		;;
	esac
done

if ! $lint_only; then
	step "go test -race (.)" . go test -race -timeout 25m ./...
	step "go test -race (sdk/go)" sdk/go go test -race ./...
	# The SDK harness builds plugins in child processes that go test cannot see: never cache.
	step "go test (sdk/go/wasmtest)" sdk/go/wasmtest go test -count=1 ./...
	for dir in examples/hello-go examples/entity-card plugins/tech-radar plugins/github-actions plugins/prometheus; do
		step "go test ($dir)" "$dir" go test ./...
	done
fi

echo
if [ -s "$failures" ]; then
	echo "==> FAILED"
	cat "$failures"
	exit 1
fi
echo "==> all passed"
