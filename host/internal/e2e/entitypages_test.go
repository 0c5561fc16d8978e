package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"greenroom.dev/greenroom/host/internal/plugintest"
)

// TestBrowserEntityPages: in Chromium, signed in as guest (Grace): an API's Definition
// tab shows its operations, and a GraphQL API's its SDL highlighted in both themes; a
// group's page lists its members and what it owns; an entity starred from its header
// and the entities opened are on the home page, each in its card.
func TestBrowserEntityPages(t *testing.T) {
	dir := t.TempDir()
	port := freePort(t)
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	cfg := fmt.Sprintf(`
app:
  title: Greenroom E2E
  baseUrl: %[2]s
  extensions:
    - page:home:
        config:
          quickLinks: [{title: On-call runbook, url: "https://runbooks.example.com/"}]
backend:
  baseUrl: %[2]s
  listen: {host: 127.0.0.1, port: %[3]d}
auth:
  providers:
    guest: {userEntityRef: user:default/grace}
catalog:
  rules:
    - allow: [Component, System, API, Resource, Location, Group, User, Domain]
  locations:
    - {type: file, target: %[1]s}
    - {type: file, target: %[4]s}
  processingInterval: 0s
`, filepath.Join(plugintest.Root(t), "examples/catalog/all.yaml"), base, port, filepath.Join(dir, "graph-api.yaml"))
	if err := os.WriteFile(filepath.Join(dir, "app-config.yaml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	// A GraphQL API, whose Definition tab shows its SDL highlighted.
	if err := os.WriteFile(filepath.Join(dir, "graph-api.yaml"), []byte(`apiVersion: backstage.io/v1alpha1
kind: API
metadata: {name: orders-graph}
spec:
  type: graphql
  lifecycle: production
  owner: team-checkout
  definition: |
    "An order, as the shop sees it."
    type Order @key(fields: "id") {
      id: ID!
      # in minor units
      total(currency: String = "EUR"): Int
    }
`), 0o644); err != nil {
		t.Fatal(err)
	}
	p := startPortalIn(t, dir)
	ctx := browser(t)

	if err := chromedp.Run(ctx,
		chromedp.Navigate(p.base+"/signin"),
		chromedp.Click(`//a[normalize-space()="Enter as guest"]`, chromedp.BySearch),
		chromedp.WaitVisible(`summary.gr-menu-button`, chromedp.ByQuery),
	); err != nil {
		t.Fatal(err)
	}

	// The API's operations.
	if err := chromedp.Run(ctx,
		chromedp.Navigate(p.base+"/catalog/default/api/checkout-api"),
		chromedp.Click(`//a[normalize-space()="Definition"]`, chromedp.BySearch),
		chromedp.WaitVisible(`//h3[normalize-space()="Raw definition"]`, chromedp.BySearch),
	); err != nil {
		t.Fatal(err)
	}
	shot(t, ctx, "entity-01-api-definition")
	if page := text(t, ctx, "main"); !strings.Contains(page, "POST") || !strings.Contains(page, "/orders") || !strings.Contains(page, "Place an order") || !strings.Contains(page, "Checkout API") {
		t.Errorf("the Definition tab lacks the operation:\n%s", page)
	}

	// A GraphQL API's SDL, highlighted: keywords, types, fields, descriptions,
	// comments and directives each in the theme's colours, which the theme switch
	// changes.
	var before, after map[string]string
	colours := `Object.fromEntries(["kw","type","field","str","com","dir"].map(c => {
		const e = document.querySelector("main code.language-graphql .gr-hl-" + c);
		return [c, e ? getComputedStyle(e).color : "missing"];
	}).concat([["text", getComputedStyle(document.querySelector("main code.language-graphql")).color]]))`
	if err := chromedp.Run(ctx,
		chromedp.Navigate(p.base+"/catalog/default/api/orders-graph/definition"),
		chromedp.WaitVisible(`//h3[normalize-space()="GraphQL schema"]`, chromedp.BySearch),
		chromedp.Evaluate(colours, &before),
		chromedp.Evaluate(`document.getElementById("gr-theme").click()`, nil),
		chromedp.Evaluate(colours, &after),
	); err != nil {
		t.Fatal(err)
	}
	shot(t, ctx, "entity-01b-graphql-dark")
	if sdl := text(t, ctx, "main code.language-graphql"); !strings.Contains(sdl, `type Order @key(fields: "id") {`) {
		t.Errorf("the GraphQL schema does not read as written:\n%s", sdl)
	}
	for c, v := range before {
		switch {
		case v == "missing":
			t.Errorf("the SDL has no %s token highlighted", c)
		case c != "text" && v == before["text"]:
			t.Errorf("a %s token has the text's colour %s", c, v)
		case after[c] == v:
			t.Errorf("a %s token keeps its colour %s in the other theme", c, v)
		}
	}
	chromedp.Run(ctx, chromedp.Evaluate(`document.getElementById("gr-theme").click()`, nil))

	// The group's members and what it owns, each in its card.
	if err := chromedp.Run(ctx,
		chromedp.Navigate(p.base+"/catalog/default/group/team-payments"),
		chromedp.WaitVisible(`//h3[normalize-space()="Ownership"]`, chromedp.BySearch),
	); err != nil {
		t.Fatal(err)
	}
	shot(t, ctx, "entity-02-group")
	page := text(t, ctx, "main")
	for _, want := range []string{"Group profile", "Relations"} {
		if !strings.Contains(page, want) {
			t.Errorf("the group page lacks %q:\n%s", want, page)
		}
	}
	for card, want := range map[string][]string{
		"Group profile": {"Members (", "grace"},
		"Ownership":     {"payments-service", "payments-api"},
	} {
		got := cardText(t, ctx, card)
		for _, w := range want {
			if !strings.Contains(got, w) {
				t.Errorf("the group's %s card lacks %q:\n%s", card, w, got)
			}
		}
	}
	var boxes int
	if err := chromedp.Run(ctx, chromedp.Evaluate(`document.querySelectorAll("main svg rect.gr-graph-node").length`, &boxes)); err != nil || boxes < 2 {
		t.Errorf("the relations graph has %d nodes (%v)", boxes, err)
	}

	// Star an entity from its header; the home page lists it and what was opened.
	if err := chromedp.Run(ctx,
		chromedp.Navigate(p.base+"/catalog/default/component/payments-service"),
		chromedp.Click(`//button[normalize-space()="Star"]`, chromedp.BySearch),
		chromedp.WaitVisible(`//button[normalize-space()="Unstar"]`, chromedp.BySearch),
		chromedp.Navigate(p.base+"/"),
		chromedp.WaitVisible(`//h3[normalize-space()="Starred entities"]`, chromedp.BySearch),
	); err != nil {
		t.Fatal(err)
	}
	shot(t, ctx, "entity-03-home")
	home := text(t, ctx, "main")
	if !strings.Contains(home, "On-call runbook") {
		t.Errorf("the home page lacks its quick link:\n%s", home)
	}
	for card, want := range map[string][]string{
		"Starred entities": {"component:payments-service"},
		"Recently visited": {"component:payments-service", "group:team-payments", "api:orders-graph", "api:checkout-api"},
	} {
		got := cardText(t, ctx, card)
		for _, w := range want {
			if !strings.Contains(got, w) {
				t.Errorf("the home page's %s card lacks %q:\n%s", card, w, got)
			}
		}
	}
	if got := cardText(t, ctx, "Starred entities"); strings.Contains(got, "group:team-payments") {
		t.Errorf("the Starred card lists an entity that was only visited:\n%s", got)
	}
}

// cardText is the text of the main area's card titled title.
func cardText(t *testing.T, ctx context.Context, title string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var s string
	if err := chromedp.Run(ctx, chromedp.Text(`//main//section[h3[normalize-space()="`+title+`"]]`, &s, chromedp.BySearch)); err != nil {
		t.Fatalf("text of the %s card: %v", title, err)
	}
	return s
}
