package e2e

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"gopkg.in/yaml.v3"

	"greenroom.dev/greenroom/host/internal/plugintest"
)

// exampleKindsYAML is catalog.kinds of the repository's app-config.yaml, as YAML to
// put under catalog:, with the minimum number of a cluster's nodes replaced by min.
func exampleKindsYAML(t *testing.T, min int) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(plugintest.Root(t), "app-config.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Catalog struct {
			Kinds yaml.Node `yaml:"kinds"`
		} `yaml:"catalog"`
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	out, err := yaml.Marshal(map[string]*yaml.Node{"kinds": &doc.Catalog.Kinds})
	if err != nil {
		t.Fatal(err)
	}
	s := strings.Replace(string(out), "minimum: 1", fmt.Sprintf("minimum: %d", min), 1)
	if !strings.Contains(s, fmt.Sprintf("minimum: %d", min)) {
		t.Fatal("app-config.yaml's Cluster schema has no nodes minimum to change")
	}
	return "  " + strings.ReplaceAll(strings.TrimSpace(s), "\n", "\n  ") + "\n"
}

// In Chromium: the example's custom kinds show their schema's columns and filters in
// the catalog table and their About card; a reload with a stricter schema shows the
// entities that no longer validate with their errors, without a restart.
func TestBrowserCustomKinds(t *testing.T) {
	dir := t.TempDir()
	root := plugintest.Root(t)
	cfgFor := func(min int) string {
		return fmt.Sprintf(`
app:
  title: Greenroom E2E
backend:
  listen: {host: 127.0.0.1, port: 0}
  auth:
    externalAccess:
      - {type: static, options: {token: `+testToken+`, subject: e2e-tests}}
catalog:
  rules:
    - allow: [Component, System, API, Resource, Location, Group, User, Domain]
  locations:
    - {type: file, target: %s}
    - {type: file, target: %s}
  processingInterval: 0s
%s`, filepath.Join(root, "examples/catalog/all.yaml"), filepath.Join(root, "examples/catalog/platform/all.yaml"), exampleKindsYAML(t, min))
	}
	cfg := filepath.Join(dir, "app-config.yaml")
	if err := os.WriteFile(cfg, []byte(cfgFor(1)), 0o644); err != nil {
		t.Fatal(err)
	}
	p := startPortalIn(t, dir)
	ctx := browser(t)

	// The catalog table of Clusters: the schema's columns, and a filter on Region.
	if err := chromedp.Run(ctx,
		chromedp.Navigate(p.base+"/catalog?kind=Cluster"),
		chromedp.WaitVisible("table", chromedp.ByQuery),
	); err != nil {
		t.Fatal(err)
	}
	shot(t, ctx, "kinds-01-clusters")
	var heads []string
	if err := chromedp.Run(ctx, chromedp.Evaluate(`[...document.querySelectorAll("main table th")].map(th => th.textContent.trim())`, &heads)); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(heads, "|"); got != "Name|Region|Provider|Nodes|Kubernetes|Description" {
		t.Fatalf("cluster table columns: %s", got)
	}
	table := text(t, ctx, "main table")
	for _, want := range []string{"eu-prod-1", "eu-central-1", "aws", "12", "1.31", "us-prod-1", "staging-1"} {
		if !strings.Contains(table, want) {
			t.Fatalf("cluster table lacks %q:\n%s", want, table)
		}
	}
	if err := chromedp.Run(ctx,
		chromedp.SetValue(`select[name="f.spec.provider"]`, "gcp", chromedp.ByQuery),
		chromedp.Submit(`select[name="f.spec.provider"]`, chromedp.ByQuery),
		chromedp.WaitVisible("table", chromedp.ByQuery),
	); err != nil {
		t.Fatal(err)
	}
	if table := text(t, ctx, "main table"); !strings.Contains(table, "staging-1") || strings.Contains(table, "eu-prod-1") {
		t.Fatalf("provider=gcp filter shows:\n%s", table)
	}

	// An Environment's page: its About card from the schema, the cluster linked.
	if err := chromedp.Run(ctx,
		chromedp.Navigate(p.base+"/catalog?kind=Environment"),
		chromedp.Click(`//table//a[normalize-space()="Production (EU)"]`, chromedp.BySearch),
		chromedp.WaitVisible(`//h3[normalize-space()="About"]`, chromedp.BySearch),
	); err != nil {
		t.Fatal(err)
	}
	shot(t, ctx, "kinds-02-environment")
	about := cardText(t, ctx, "About")
	for _, want := range []string{"Tier", "production", "Runs on", "eu-prod-1", "Services", "checkout-service", "URL", "https://shop.acme.example", "⚑ Environment"} {
		if !strings.Contains(about, want) {
			t.Fatalf("About card lacks %q:\n%s", want, about)
		}
	}
	if err := chromedp.Run(ctx,
		chromedp.Click(`//main//section[h3[normalize-space()="About"]]//a[normalize-space()="eu-prod-1"]`, chromedp.BySearch),
		chromedp.WaitVisible(`//h3[normalize-space()="Relations"]`, chromedp.BySearch),
	); err != nil {
		t.Fatal(err)
	}
	if rel := cardText(t, ctx, "Relations"); !strings.Contains(rel, "hosts") || !strings.Contains(rel, "ownedBy") {
		t.Fatalf("the cluster's relations:\n%s", rel)
	}

	// Search finds entities of custom kinds and leads to their pages.
	deadline := time.Now().Add(20 * time.Second)
	var results string
	for {
		if err := chromedp.Run(ctx,
			chromedp.Navigate(p.base+"/search?query=Virginia"),
			chromedp.WaitVisible(`//h1[normalize-space()="Search"]`, chromedp.BySearch),
		); err != nil {
			t.Fatal(err)
		}
		results = text(t, ctx, "main")
		if strings.Contains(results, "us-prod-1") || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if !strings.Contains(results, "us-prod-1") {
		t.Fatalf("search for the cluster's description:\n%s", results)
	}
	if err := chromedp.Run(ctx,
		chromedp.Click(`//main//a[contains(normalize-space(), "us-prod-1")]`, chromedp.BySearch),
		chromedp.WaitVisible(`//h3[normalize-space()="About"]`, chromedp.BySearch),
	); err != nil {
		t.Fatal(err)
	}
	if about := cardText(t, ctx, "About"); !strings.Contains(about, "us-east-1") {
		t.Fatalf("the search result led to a page whose About card is:\n%s", about)
	}

	// A stricter schema, by reload: clusters with fewer than 10 nodes show the error.
	if err := os.WriteFile(cfg, []byte(cfgFor(10)), 0o644); err != nil {
		t.Fatal(err)
	}
	resp, err := postAuthed(p.base + "/api/admin/reload")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("reload: %d", resp.StatusCode)
	}
	deadline = time.Now().Add(30 * time.Second)
	var page string
	for {
		if err := chromedp.Run(ctx, chromedp.Navigate(p.base+"/catalog/default/cluster/us-prod-1"), chromedp.Text("main", &page, chromedp.ByQuery)); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(page, "Entity processing errors") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no processing error after the reload:\n%s", page)
		}
		time.Sleep(200 * time.Millisecond)
	}
	shot(t, ctx, "kinds-03-invalid-after-reload")
	if !strings.Contains(page, "/spec/nodes: minimum: got 8, want 10") || !strings.Contains(page, "#/properties/nodes/minimum") || !strings.Contains(page, "Nodes") {
		t.Fatalf("cluster page after the reload:\n%s", page)
	}
	// The owner is a row of the schema (linked), not a second built-in one.
	if about := cardText(t, ctx, "About"); strings.Count(about, "team-platform") != 1 {
		t.Fatalf("About card of the cluster:\n%s", about)
	}
}
