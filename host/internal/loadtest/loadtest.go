// Package loadtest runs Debian's wrk for the benchmarks that state their goals in wrk's
// terms (16 connections), and takes medians of repeated rounds, since a shared machine's
// noise is larger than one run can judge. It is for tests and benchmarks only.
package loadtest

import (
	"os/exec"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

var requestsPerSec = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)

// Wrk runs wrk with two threads and 16 connections against url for d, with the Lua
// script at script unless it is empty and each header ("Name: value") on every request,
// and returns requests per second. A non-2xx
// answer, a socket error or a missing wrk fails tb.
func Wrk(tb testing.TB, url, script string, d time.Duration, headers ...string) float64 {
	tb.Helper()
	args := []string{"-t2", "-c16", "-d" + d.String()}
	if script != "" {
		args = append(args, "-s", script)
	}
	for _, h := range headers {
		args = append(args, "-H", h)
	}
	out := runWrk(tb, url, args)
	m := requestsPerSec.FindSubmatch(out)
	if m == nil {
		tb.Fatalf("no Requests/sec in:\n%s", out)
	}
	v, _ := strconv.ParseFloat(string(m[1]), 64)
	return v
}

// runWrk runs wrk with args against url and returns its report; a missing wrk, a
// non-2xx answer or a socket error fails tb.
func runWrk(tb testing.TB, url string, args []string) []byte {
	tb.Helper()
	out, err := exec.Command("wrk", append(args, url)...).CombinedOutput()
	if err != nil {
		tb.Fatalf("wrk (install Debian's wrk): %v\n%s", err, out)
	}
	if strings.Contains(string(out), "Non-2xx or 3xx responses") || strings.Contains(string(out), "Socket errors") {
		tb.Fatalf("wrk saw errors on %s:\n%s", url, out)
	}
	return out
}

// WrkCPU runs Wrk and also returns the CPU time this process spent per request while
// it ran (user and system, from getrusage). With the server under test in this process
// and wrk in its own, that is the server's cost of a request: on a shared machine it
// varies far less than requests per second, which other processes' load moves.
func WrkCPU(tb testing.TB, url, script string, d time.Duration, headers ...string) (reqPerSec float64, cpuPerReq time.Duration) {
	tb.Helper()
	c0 := ProcessCPU()
	rps := Wrk(tb, url, script, d, headers...)
	used := ProcessCPU() - c0
	if n := rps * d.Seconds(); n > 0 {
		cpuPerReq = time.Duration(float64(used) / n)
	}
	return rps, cpuPerReq
}

// ProcessCPU is the CPU time (user and system) this process has used.
func ProcessCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// Median returns the median of v (the upper one of an even count).
func Median(v []float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	return s[len(s)/2]
}
