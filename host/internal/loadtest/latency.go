package loadtest

import (
	"regexp"
	"strconv"
	"testing"
	"time"
)

var p99Line = regexp.MustCompile(`(?m)^\s*99%\s+([0-9.]+)(us|ms|s)\s*$`)

// WrkLatency runs wrk with one thread per 8 connections (at least one) and conns
// connections against url for d, with the Lua script at script unless it is empty, and
// returns requests per second and the 99th percentile of latency (wrk --latency). A
// non-2xx answer, a socket error or a missing wrk fails tb.
func WrkLatency(tb testing.TB, url, script string, d time.Duration, conns int) (reqPerSec float64, p99 time.Duration) {
	tb.Helper()
	args := []string{"-t" + strconv.Itoa(max(conns/8, 1)), "-c" + strconv.Itoa(conns), "-d" + d.String(), "--latency"}
	if script != "" {
		args = append(args, "-s", script)
	}
	out := runWrk(tb, url, args)
	m := requestsPerSec.FindSubmatch(out)
	l := p99Line.FindSubmatch(out)
	if m == nil || l == nil {
		tb.Fatalf("no Requests/sec or 99%% latency in:\n%s", out)
	}
	reqPerSec, _ = strconv.ParseFloat(string(m[1]), 64)
	v, _ := strconv.ParseFloat(string(l[1]), 64)
	unit := map[string]time.Duration{"us": time.Microsecond, "ms": time.Millisecond, "s": time.Second}[string(l[2])]
	return reqPerSec, time.Duration(v * float64(unit))
}
