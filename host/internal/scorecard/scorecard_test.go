package scorecard

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"greenroom.dev/greenroom/host/internal/catalog"
	"greenroom.dev/greenroom/host/internal/store"
)

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// component is a Component's YAML; extra lines go under metadata (annotations: ...).
func component(name, lifecycle, owner, meta string) string {
	return fmt.Sprintf("apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: %s\n%sspec:\n  type: service\n  lifecycle: %s\n  owner: %s\n  system: shop\n", name, meta, lifecycle, owner)
}

func testCatalog(t testing.TB, docs ...string) (*catalog.Catalog, string) {
	t.Helper()
	file := filepath.Join(t.TempDir(), "catalog-info.yaml")
	writeCatalog(t, file, docs...)
	rules := []catalog.Rule{{Allow: []string{"Component", "API", "Group", "User", "System", "Location"}}}
	c, err := catalog.New(context.Background(), catalog.Options{
		Config: catalog.Config{Rules: &rules, Locations: []catalog.LocationConfig{{Type: "file", Target: file}}},
		Logger: quiet(),
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.RefreshAll(context.Background()); err != nil {
		t.Fatal(err)
	}
	return c, file
}

func writeCatalog(t testing.TB, file string, docs ...string) {
	t.Helper()
	if err := os.WriteFile(file, []byte(strings.Join(docs, "---\n")), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readiness() Definition {
	return Definition{
		ID: "readiness", Title: "Production readiness",
		Levels: []Level{{Name: "Bronze", Color: "#cd7f32"}, {Name: "Silver", Color: "#c0c0c0"}, {Name: "Gold", Color: "#ffd700"}},
		Rules: []Rule{
			{ID: "has-owner", Level: "Bronze", Expression: `entity.spec.owner != ""`},
			{ID: "has-description", Level: "Silver", Description: "Add metadata.description.", Expression: `has(entity.metadata.description)`},
			{ID: "pagerduty", Level: "Gold", Description: "A production service needs a PagerDuty service: add the pagerduty.com/service-id annotation.",
				Expression: `entity.spec.lifecycle != "production" || "pagerduty.com/service-id" in entity.metadata.annotations`},
			{ID: "ci-success", Level: "Gold", Description: "CI must succeed at least 90% of the time over 30 days.",
				Expression: `"ci.successRate30d" in facts && facts["ci.successRate30d"] >= 0.9`},
		},
	}
}

func newEngine(t testing.TB, c *catalog.Catalog, st StateBucket, defs ...Definition) *Engine {
	t.Helper()
	cfg := Config{Definitions: defs}
	cfg.ApplyDefaults()
	if errs := cfg.Validate(); len(errs) > 0 {
		t.Fatal(errors.Join(errs...))
	}
	e, err := New(Options{Config: cfg, Catalog: c, Store: st, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func level(t *testing.T, e *Engine, id, ref string) string {
	t.Helper()
	for _, r := range e.Entity(ref) {
		if r.Scorecard == id {
			return r.Level
		}
	}
	return "(not rated)"
}

// TestLevels: an entity reaches a level when it passes that level's rules and every
// lower level's; a failing rule says why.
func TestLevels(t *testing.T) {
	c, _ := testCatalog(t,
		component("bare", "experimental", "team-a", ""),
		component("described", "production", "team-a", "  description: Takes orders\n"),
		component("paged", "production", "team-b", "  description: Takes payments\n  annotations:\n    pagerduty.com/service-id: P123\n"),
		"apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: team-a\nspec:\n  type: team\n  children: []\n",
	)
	e := newEngine(t, c, nil, readiness())
	e.Full()
	if _, err := e.Publish("ci", []Fact{{Entity: "component:default/paged", Name: "ci.successRate30d", Value: 0.95}}); err != nil {
		t.Fatal(err)
	}
	e.followFacts()
	for ref, want := range map[string]string{
		"component:default/bare": "Bronze", "component:default/described": "Silver", "component:default/paged": "Gold",
		"group:default/team-a": "(not rated)",
	} {
		if got := level(t, e, "readiness", ref); got != want {
			t.Errorf("%s: level %q, want %q", ref, got, want)
		}
	}
	r := e.Entity("component:default/described")[0]
	var reason string
	for _, rr := range r.Rules {
		if rr.ID == "pagerduty" {
			reason = rr.Reason
		}
	}
	if !strings.Contains(reason, "pagerduty.com/service-id") {
		t.Errorf("the failing rule's reason is %q, want the description naming the annotation", reason)
	}
}

// TestCostLimit: a rule that would run unbounded is stopped by the cost limit; it fails
// for the entity with a reason that says so, and the other rules still count.
func TestCostLimit(t *testing.T) {
	c, _ := testCatalog(t, component("svc", "production", "team-a", ""))
	big := "[" + strings.Repeat("1,", 99) + "1]"
	def := Definition{ID: "costly", Levels: []Level{{Name: "Bronze"}, {Name: "Gold"}}, Rules: []Rule{
		{ID: "has-owner", Level: "Bronze", Expression: `entity.spec.owner != ""`},
		{ID: "unbounded", Level: "Gold", Expression: big + ".all(a, " + big + ".all(b, " + big + ".all(c, a == b)))"},
	}}
	e := newEngine(t, c, nil, def)
	start := time.Now()
	e.Full()
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("evaluation took %s: the cost limit did not stop the rule", d)
	}
	r := e.Entity("component:default/svc")
	if len(r) != 1 || r[0].Level != "Bronze" {
		t.Fatalf("results %+v, want level Bronze", r)
	}
	if rr := r[0].Rules[1]; rr.Passed || !strings.Contains(rr.Reason, "cost limit") {
		t.Errorf("unbounded rule: %+v, want a failure that names the cost limit", rr)
	}
}

// TestIncremental: an entity that changes in the catalog is evaluated again without a
// full pass, and one that is removed loses its result.
func TestIncremental(t *testing.T) {
	c, file := testCatalog(t, component("a", "production", "team-a", ""), component("b", "production", "team-a", ""))
	e := newEngine(t, c, nil, readiness())
	e.Full()
	if got := level(t, e, "readiness", "component:default/a"); got != "Bronze" {
		t.Fatalf("a: %q before the change", got)
	}
	writeCatalog(t, file, component("a", "production", "team-a", "  description: now described\n"))
	if err := c.RefreshAll(context.Background()); err != nil {
		t.Fatal(err)
	}
	e.followCatalog()
	if got := level(t, e, "readiness", "component:default/a"); got != "Silver" {
		t.Errorf("a: %q after its change, want Silver", got)
	}
	if got := level(t, e, "readiness", "component:default/b"); got != "(not rated)" {
		t.Errorf("b: %q after its removal, want no result", got)
	}
	h := e.Entity("component:default/a")[0].History
	if len(h) != 2 || h[0].Level != "Bronze" || h[1].Level != "Silver" {
		t.Errorf("a's history %+v, want Bronze then Silver", h)
	}
}

// TestFactsLimits: a call over maxPerCall, a flood over perMinute and a plugin over
// maxPerPlugin are refused whole; a bad fact is refused with its name.
func TestFactsLimits(t *testing.T) {
	c, _ := testCatalog(t, component("a", "production", "team-a", ""))
	now := time.Unix(1_800_000_000, 0)
	cfg := Config{Facts: FactsConfig{MaxPerCall: 5, PerMinute: 8, MaxPerPlugin: 6}}
	cfg.ApplyDefaults()
	e, err := New(Options{Config: cfg, Catalog: c, Logger: quiet(), Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	facts := func(n int, prefix string) []Fact {
		var out []Fact
		for i := range n {
			out = append(out, Fact{Entity: "component:default/a", Name: fmt.Sprintf("%s%d", prefix, i), Value: float64(i)})
		}
		return out
	}
	if _, err := e.Publish("ci", facts(6, "x")); !errors.Is(err, ErrFlood) || !strings.Contains(err.Error(), "maxPerCall") {
		t.Errorf("6 facts in one call: %v, want ErrFlood naming maxPerCall", err)
	}
	if _, err := e.Publish("ci", facts(5, "x")); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Publish("ci", facts(4, "y")); !errors.Is(err, ErrFlood) || !strings.Contains(err.Error(), "perMinute") {
		t.Errorf("9 facts in a minute: %v, want ErrFlood naming perMinute", err)
	}
	if n := len(e.Facts("component:default/a")); n != 5 {
		t.Errorf("%d facts held after the refused call, want 5 (nothing of it applied)", n)
	}
	now = now.Add(time.Minute)
	if _, err := e.Publish("ci", facts(2, "y")); !errors.Is(err, ErrTooMany) {
		t.Errorf("7 facts held: %v, want ErrTooMany", err)
	}
	if _, err := e.Publish("ci", []Fact{{Entity: "component:default/a", Name: "x0", Value: nil}, {Entity: "component:default/a", Name: "y0", Value: true}}); err != nil {
		t.Errorf("replacing one fact by another within the quota: %v", err)
	}
	if _, err := e.Publish("ci", []Fact{{Entity: "component:default/a", Name: "bad name", Value: 1.0}}); !errors.Is(err, ErrBadFact) || !strings.Contains(err.Error(), "bad name") {
		t.Errorf("bad name: %v", err)
	}
	if _, err := e.Publish("ci", []Fact{{Entity: "component:default/a", Name: "obj", Value: map[string]any{}}}); !errors.Is(err, ErrBadFact) {
		t.Errorf("object value: %v", err)
	}
	// Another plugin has its own bucket.
	if _, err := e.Publish("docs", facts(5, "z")); err != nil {
		t.Errorf("another plugin: %v", err)
	}
}

// TestKeptAcrossRestart: levels' histories, the trend and facts survive a restart
// through the state bucket of a real bbolt file.
func TestKeptAcrossRestart(t *testing.T) {
	c, file := testCatalog(t, component("a", "production", "team-a", ""))
	path := filepath.Join(t.TempDir(), "greenroom.db")
	db, err := store.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	st := db.StateBucket("scorecards")
	e := newEngine(t, c, st, readiness())
	e.Full()
	e.snapshot()
	if _, err := e.Publish("ci", []Fact{{Entity: "component:default/a", Name: "ci.successRate30d", Value: 0.5}}); err != nil {
		t.Fatal(err)
	}
	writeCatalog(t, file, component("a", "production", "team-a", "  description: now described\n"))
	if err := c.RefreshAll(context.Background()); err != nil {
		t.Fatal(err)
	}
	e.followCatalog()
	e.snapshot()
	e.save()
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	db, err = store.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	e2 := newEngine(t, c, db.StateBucket("scorecards"), readiness())
	e2.Full()
	h := e2.Entity("component:default/a")[0].History
	if len(h) != 2 || h[0].Level != "Bronze" || h[1].Level != "Silver" {
		t.Errorf("history after restart %+v, want Bronze then Silver", h)
	}
	tr, err := e2.Trend("readiness")
	if err != nil {
		t.Fatal(err)
	}
	if len(tr) != 2 || tr[0].Levels["Bronze"] != 1 || tr[1].Levels["Silver"] != 1 {
		t.Errorf("trend after restart %+v, want one Bronze point, then one Silver", tr)
	}
	if f := e2.Facts("component:default/a"); len(f) != 1 || f[0].Value != 0.5 || f[0].Plugin != "ci" {
		t.Errorf("facts after restart %+v", f)
	}
}

// TestRunFollowsChanges: Run evaluates a changed entity and a published fact within
// moments, without waiting for the schedule.
func TestRunFollowsChanges(t *testing.T) {
	c, file := testCatalog(t, component("a", "production", "team-a", "  description: d\n  annotations:\n    pagerduty.com/service-id: P1\n"))
	e := newEngine(t, c, nil, readiness())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.Run(ctx) }()
	defer func() { cancel(); <-done }()
	wait := func(want string) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for level(t, e, "readiness", "component:default/a") != want {
			if time.Now().After(deadline) {
				t.Fatalf("level %q, want %q", level(t, e, "readiness", "component:default/a"), want)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	wait("Silver")
	if _, err := e.Publish("ci", []Fact{{Entity: "Component:default/a", Name: "ci.successRate30d", Value: 0.97}}); err != nil {
		t.Fatal(err)
	}
	wait("Gold")
	writeCatalog(t, file, component("a", "production", "team-a", ""))
	if err := c.RefreshAll(context.Background()); err != nil {
		t.Fatal(err)
	}
	wait("Bronze")
}
