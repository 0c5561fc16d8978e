package server

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"greenroom.dev/greenroom/host/internal/audit"
)

func TestAuditAPI(t *testing.T) {
	log := audit.New(io.Discard, 10)
	defer log.Close()
	log.Record(audit.Entry{Time: time.Now(), Plugin: "a", Capability: "kv", Function: "kv_get", Target: "k", Outcome: audit.Outcome("ok")})
	log.Record(audit.Entry{Time: time.Now(), Plugin: "b", Capability: "proxy", Function: "proxy_fetch", Target: "GET /x", Outcome: audit.Outcome("denied"), Error: "not granted"})
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	base := "http://" + serveTest(t, New(Options{Logger: quiet, Audit: log}))

	resp, err := http.Get(base + "/api/audit?outcome=denied")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var page audit.Page
	if resp.StatusCode != 200 || json.Unmarshal(b, &page) != nil || len(page.Items) != 1 || page.Items[0].Plugin != "b" {
		t.Fatalf("filtered audit: %d %s", resp.StatusCode, b)
	}
	resp, _ = http.Get(base + "/api/audit?outcome=maybe")
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 400 || !strings.Contains(string(b), `"InputError"`) {
		t.Fatalf("bad filter: %d %s", resp.StatusCode, b)
	}
	// Without a log the route is not served (the API is off by default).
	off := "http://" + serveTest(t, New(Options{Logger: quiet}))
	resp, _ = http.Get(off + "/api/audit")
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Fatalf("audit API served while off: %d", resp.StatusCode)
	}
}
