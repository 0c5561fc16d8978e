package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"greenroom.dev/greenroom/host/internal/config"
)

// exampleScorecards is the scorecards: section of the repository's app-config.yaml.
func exampleScorecards(t testing.TB) string {
	t.Helper()
	b, err := os.ReadFile("../../../app-config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	out, err := yaml.Marshal(map[string]any{"scorecards": doc["scorecards"]})
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// scorecardPortal starts a host over the example catalog with app-config.yaml's
// scorecards, and extra config.
func scorecardPortal(t *testing.T, dir, extra string) *host {
	t.Helper()
	examples, err := filepath.Abs("../../../examples/catalog/all.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfgPath := filepath.Join(dir, "app-config.yaml")
	os.WriteFile(cfgPath, []byte(fmt.Sprintf(`
backend:
  listen: {host: 127.0.0.1, port: 0}
catalog:
  rules: [{allow: [Component, System, API, Resource, Location, Template, Group, User, Domain]}]
  locations: [{type: file, target: %s}]
%s
%s`, examples, exampleScorecards(t), extra)), 0o644)
	cfg, err := config.Load([]string{cfgPath}, nil)
	if err != nil {
		t.Fatal(err)
	}
	h, err := start(context.Background(), slog.New(slog.NewTextHandler(io.Discard, nil)), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func scoreJSON(t *testing.T, u string, into any) int {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(b, into); err != nil {
		t.Fatalf("GET %s: %d %q", u, resp.StatusCode, b)
	}
	return resp.StatusCode
}

// TestServeScorecards: the example scorecard rates the example components Bronze,
// Silver and Gold through the server, the catalog's filter takes
// scorecard.<id>.level, and an unknown scorecard in a filter is a 400 that names it.
func TestServeScorecards(t *testing.T) {
	h := scorecardPortal(t, t.TempDir(), "")
	defer h.stop(context.Background())
	base := "http://" + h.addr
	var levels map[string]string
	deadline := time.Now().Add(20 * time.Second)
	for {
		var body struct {
			Items []struct{ EntityRef, Level string }
		}
		if st := scoreJSON(t, base+"/api/scorecards/definitions/production-readiness/results", &body); st != 200 {
			t.Fatalf("results: %d", st)
		}
		levels = map[string]string{}
		for _, it := range body.Items {
			levels[it.EntityRef] = it.Level
		}
		if len(levels) == 5 || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	want := map[string]string{
		"Component:default/storefront-web":   "Bronze",
		"Component:default/checkout-service": "Silver",
		"Component:default/payments-service": "Gold",
		"Component:default/ledger-worker":    "Bronze",
		"Component:default/greenroom-portal": "Bronze",
	}
	for ref, l := range want {
		if levels[ref] != l {
			t.Errorf("%s: level %q, want %q (all: %v)", ref, levels[ref], l, levels)
		}
	}
	var ents []struct {
		Metadata struct{ Name string }
	}
	q := url.Values{"filter": {"scorecard.production-readiness.level=Bronze"}}
	if st := scoreJSON(t, base+"/api/catalog/entities?"+q.Encode(), &ents); st != 200 {
		t.Fatalf("catalog filter: %d", st)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Metadata.Name)
	}
	slices.Sort(names)
	if strings.Join(names, ",") != "greenroom-portal,ledger-worker,storefront-web" {
		t.Errorf("filter scorecard.production-readiness.level=Bronze: %v", names)
	}
	var page struct{ TotalItems int }
	q = url.Values{"filter": {"kind=component,scorecard.production-readiness.level=gold,spec.lifecycle=production"}}
	if scoreJSON(t, base+"/api/catalog/entities/by-query?"+q.Encode(), &page); page.TotalItems != 1 {
		t.Errorf("by-query with a scorecard level and other conditions: %d entities, want 1", page.TotalItems)
	}
	// The scorecards page lists the components by level, grouped by owner; the entity
	// card explains a failing rule.
	htmlPage := fetchPage(t, base+"/scorecards")
	for _, want := range []string{"Production readiness", "team-checkout", "checkout-service", "Gold", "Silver", "Bronze", "Production services are paged"} {
		if !strings.Contains(htmlPage, want) {
			t.Errorf("/scorecards lacks %q", want)
		}
	}
	// Each level's badge carries its configured colour (app-config.yaml: Gold #d4af37).
	if !strings.Contains(htmlPage, `<span class="gr-badge gr-tone-success"><svg class="gr-dot" viewBox="0 0 10 10" aria-hidden="true"><circle cx="5" cy="5" r="5" fill="#d4af37"/></svg>Gold</span>`) {
		t.Errorf("/scorecards shows Gold without its colour")
	}
	htmlPage = fetchPage(t, base+"/scorecards?scorecard=production-readiness&level=Gold&group=system")
	if !strings.Contains(htmlPage, "payments") || strings.Contains(htmlPage, "Storefront") {
		t.Errorf("/scorecards?level=Gold shows other levels' entities")
	}
	htmlPage = fetchPage(t, base+"/catalog/default/component/checkout-service")
	for _, want := range []string{"Scorecards", "Failed", "A production component needs an on-call rotation: add the pagerduty.com/service-id annotation."} {
		if !strings.Contains(htmlPage, want) {
			t.Errorf("checkout-service's page lacks %q", want)
		}
	}
	// Search takes the level as a filter: the catalog's documents of Gold entities.
	var found struct {
		Results []struct {
			Type     string
			Document struct{ Title, Location string }
		}
	}
	deadline = time.Now().Add(20 * time.Second)
	for {
		q := url.Values{"filters[scorecard.production-readiness.level]": {"Gold"}}
		scoreJSON(t, base+"/api/search/query?"+q.Encode(), &found)
		if len(found.Results) > 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	var locs []string
	for _, r := range found.Results {
		locs = append(locs, r.Type+" "+r.Document.Location)
	}
	if len(locs) != 1 || locs[0] != "software-catalog /catalog/default/component/payments-service" {
		t.Errorf("search filtered by level Gold: %v", locs)
	}
	var e struct {
		Error struct{ Name, Message string }
	}
	q = url.Values{"filter": {"scorecard.nope.level=Gold"}}
	if st := scoreJSON(t, base+"/api/catalog/entities?"+q.Encode(), &e); st != 400 || !strings.Contains(e.Error.Message, `no scorecard "nope"`) {
		t.Errorf("unknown scorecard: %d %+v", st, e)
	}
}

func fetchPage(t *testing.T, u string) string {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %.300s", u, resp.StatusCode, b)
	}
	return html.UnescapeString(string(b))
}
