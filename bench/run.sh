#!/bin/sh
# Runs Greenroom's benchmarks and writes their figures to the file given (default
# bench/results.txt). Every comparison runs side by side in one process, so read the
# ratios: the machines are shared and noisy.
set -eu
out=${1:-bench/results.txt}
cd "$(dirname "$0")/.."
mkdir -p "$(dirname "$out")"
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
{
	echo "# Greenroom benchmarks"
	echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ) $(go version | cut -d' ' -f3-) $(nproc) cores, load: $(cut -d' ' -f1-3 /proc/loadavg)"
	echo
	echo "## ABI round trips (runtime; go-sdk Plugin.Call as the baseline)"
	go test -run '^$' -bench . -benchmem ./host/internal/runtime/
	echo
	echo "## One host function through the capability table (kv_get; the store call alone as the baseline)"
	go test -run '^$' -bench BenchmarkHostFunction -benchmem ./host/internal/capability/
	echo
	echo "## User token verification per request (auth; cached: a token seen before, the hot path; first: its ES256 check). Goal: cached p50 <= 20 us"
	go test -run '^$' -bench BenchmarkVerify -benchmem ./host/internal/auth/
	echo
	echo "## Plugin request path (host side) and request encoding"
	go test -run '^$' -bench . -benchmem ./host/internal/plugin/ ./abi/
	echo
	echo "## HTTP: plugin routes (C, AssemblyScript, Go, Rust, and Go built with TinyGo) vs a native fiber handler (wrk, 16 connections; goals: C and Rust >= 0.85, AssemblyScript >= 0.75, Go >= 0.6)"
	go test -run '^$' -bench BenchmarkHTTPPluginVsNative -benchtime 1x ./host/internal/server/
	echo
	echo "## The github-actions CI tab, 30 runs, GitHub's answer cached (304s): server render through the portal. Goal: p50 <= 5 ms"
	go test -run '^$' -bench BenchmarkGitHubActionsTab -benchtime 300x ./host/internal/cli/
	echo
	echo "## HTTP: a plugin route with the credentials barrier on (a user token per request) and off (wrk, 16 connections; goal on/off >= 0.9)"
	go test -run '^$' -bench BenchmarkHTTPPluginAuth -benchtime 1x ./host/internal/server/
	echo
	echo "## Start to ready with 10 plugins (4 different Go, 3 C, 3 AssemblyScript; warm-same-go: one Go module 4 times)"
	go test -run '^$' -bench BenchmarkStartToReady -benchtime 10x ./host/internal/cli/
	echo
	echo "## Catalog (in process; the 100k memory figure in its own process, so no other catalog is loaded)"
	go test -run '^$' -bench 'Ingest|Latency|Throughput' -benchmem -timeout 60m ./host/internal/catalog/...
	go test -run '^$' -bench Memory100k -benchtime 1x -timeout 30m ./host/internal/catalog/api/
	echo
	echo "## Catalog: ingest of 100k entities, half of them of custom kinds (catalog.kinds: schemas checked, reference fields related), beside 100k of the built-in kinds in the same run (goal custom/builtin <= 1.3)"
	go test -run '^$' -bench BenchmarkCustomKinds100k -benchtime 1x -timeout 30m ./host/internal/catalog/api/
	echo
	echo "## Catalog on PostgreSQL vs bbolt side by side: ingest 100k from files (goal on pg <= 30 s) and a replica's start against the filled store (goal <= 10 s); reads are served from memory on both"
	go test -run '^$' -bench BenchmarkIngest100k -benchtime 1x -timeout 30m ./host/internal/store/pgstore/
	echo "## Replicas at 100k: p99 on a PostgreSQL replica vs a bbolt host (wrk 16 connections; goal <= 1.2x), by-query on two replicas vs one (two wrks of 8 connections, one per replica; goal >= 1.7x), a replica's start to serving all (goal <= 10 s)"
	go test -run '^$' -bench BenchmarkReplicasHTTP100k -benchtime 1x -timeout 30m ./host/internal/cli/
	echo
	echo "## Catalog REST API through the server (wrk, 16 connections, 10k entities; Backstage: by-name 1012, by-query 142, facets 131 req/s)"
	go test -run '^$' -bench BenchmarkCatalogHTTP10k -benchtime 1x -timeout 30m ./host/internal/cli/
	echo
	echo "## Metrics: whole hosts with metrics on and off side by side (wrk, 16 connections; plugin route and by-name over 10k entities; goal on/off >= 0.97), and GET /metrics at 100k entities and 20 plugins (goal p50 <= 20 ms)"
	go test -run '^$' -bench BenchmarkMetricsOverhead -benchtime 1x -timeout 30m ./host/internal/cli/
	go test -run '^$' -bench BenchmarkPluginRouteMetrics -benchtime 3x ./host/internal/server/
	go test -run '^$' -bench BenchmarkMetricsScrape100k -benchtime 50x -timeout 30m ./host/internal/cli/
	echo "## Search (100k entities + 10k docs pages; goals: build <= 10 s, index <= 150 MB, p99 <= 10 ms through the server, >= 100x the substring scan)"
	go test -run '^$' -bench BenchmarkSearch100k -benchtime 1x -timeout 30m ./host/internal/search/
	go test -run '^$' -bench BenchmarkSearchHTTP100k -benchtime 1x -timeout 30m ./host/internal/cli/
	echo
	echo "## Scorecards: 10 rules over a 100k catalog (65k rated): a full evaluation (goal <= 2 s; cpu-s/full is the CPU over both cores, whatever the load) and one entity changed through the catalog until its new result is read (goal <= 50 ms)"
	go test -run '^$' -bench 'BenchmarkFull100k|BenchmarkChangeVisible100k' -benchtime 3x -timeout 30m ./host/internal/scorecard/
	echo
	echo "## Permission decisions (a policy of 50 roles and 500 lines; goal p50 <= 2000 ns; conditional: two roles' conditions with \$ownerRefs filled in)"
	go test -run '^$' -bench BenchmarkDecide -benchmem ./host/internal/permission/
	echo
	echo "## TechDocs: a 300-page site built inside the Wasm plugin through the server vs Debian's mkdocs build on the same tree (goal <= 1 s, >= 10x); a built page served (goal p50 <= 1 ms); an unchanged-source sync"
	go test -run '^$' -bench BenchmarkTechDocs -benchtime 3x -timeout 30m ./host/internal/cli/
	go test -run '^$' -bench BenchmarkTechDocsServe/page -benchtime 2000x -timeout 30m ./host/internal/cli/
	echo "## The host's side of a docs sync: storing the 300-page site (first write, and again after a one-page edit) and indexing its 3,000 search documents with one changed"
	go test -run '^$' -bench BenchmarkFilesWriteSite -benchtime 20x ./host/internal/store/
	go test -run '^$' -bench BenchmarkSearchReplaceDocsSite -benchtime 20x ./host/internal/capability/
	echo
	echo "## Frontend rendering (entity page with 5 Wasm cards; catalog index over 100k entities)"
	go test -run '^$' -bench . -benchmem ./host/internal/frontend/...
	go test -run '^$' -bench BenchmarkCatalogIndex100k -benchtime 30x -timeout 30m ./host/internal/cli/
	echo
	echo "## Scaffolder (dry-run of a 50-file fetch:template, goal p50 <= 30 ms; 20 tasks queued at once, concurrencyLimit 4)"
	go test -run '^$' -bench 'BenchmarkDryRun50|BenchmarkTasks20' -benchmem ./host/internal/scaffolder/
} 2>&1 | tee "$tmp"
mv "$tmp" "$out"
trap - EXIT
echo "wrote $out"
