package e2e

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"greenroom.dev/greenroom/host/internal/plugintest"
)

// TestBrowserEntityPages: in Chromium, signed in as guest (Grace): an API's Definition
// tab shows its operations; a group's page lists its members and what it owns; an
// entity starred from its header and the entities opened are on the home page.
func TestBrowserEntityPages(t *testing.T) {
	dir := t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close() // the portal listens on it; its baseUrl must name it for the sign-in redirects
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
  processingInterval: 0s
`, filepath.Join(plugintest.Root(t), "examples/catalog/all.yaml"), base, port)
	if err := os.WriteFile(filepath.Join(dir, "app-config.yaml"), []byte(cfg), 0o644); err != nil {
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

	// The group's members and what it owns.
	if err := chromedp.Run(ctx,
		chromedp.Navigate(p.base+"/catalog/default/group/team-payments"),
		chromedp.WaitVisible(`//h3[normalize-space()="Ownership"]`, chromedp.BySearch),
	); err != nil {
		t.Fatal(err)
	}
	shot(t, ctx, "entity-02-group")
	page := text(t, ctx, "main")
	for _, want := range []string{"Group profile", "grace", "Members", "payments-service", "payments-api", "Relations"} {
		if !strings.Contains(page, want) {
			t.Errorf("the group page lacks %q:\n%s", want, page)
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
	for _, want := range []string{"component:payments-service", "Recently visited", "group:team-payments", "api:checkout-api", "On-call runbook"} {
		if !strings.Contains(home, want) {
			t.Errorf("the home page lacks %q:\n%s", want, home)
		}
	}
}
