package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"greenroom.dev/greenroom/host/internal/plugintest"
)

// TestBrowserTechDocs: in Chromium, a signed-in user opens the Docs tab of an example
// component: the site nav, the page, highlighted code and the image show, and an
// internal link leads to the next page, all without script; then the search box finds
// a section of the site on /search's Documentation tab, and the result opens it.
func TestBrowserTechDocs(t *testing.T) {
	root := plugintest.Root(t)
	dir := t.TempDir()
	plugin := plugintest.Copy(t, plugintest.TechDocs(t), filepath.Join(dir, "techdocs.wasm"))
	// Sign-in redirects go through backend.baseUrl, so the port is fixed up front.
	port := freePort(t)
	cfg := fmt.Sprintf(`
app: {title: Greenroom E2E, baseUrl: "http://127.0.0.1:%[5]d"}
backend:
  baseUrl: "http://127.0.0.1:%[5]d"
  listen: {host: 127.0.0.1, port: %[5]d}
  reading: {fileRoots: [%[1]q]}
auth:
  environment: development
  providers: {guest: {}}
runtime: {compilationCache: %[2]q}
catalog:
  rules: [{allow: [Component, System, API, Resource, Location, Template, Group, User, Domain]}]
  locations: [{type: file, target: %[3]q}]
  processingInterval: 0s
plugins:
  - id: techdocs
    source: %[4]s
    grants: {catalog.read: {}, url.read: {}, files: {}, tasks: {}, search.write: {types: [techdocs]}}
    limits: {memory: 256MiB, timeout: 30s}
`, filepath.Join(root, "examples/catalog"), filepath.Join(os.TempDir(), "greenroom-test-wasm-cache"), filepath.Join(root, "examples/catalog/all.yaml"), plugin, port)
	if err := os.WriteFile(filepath.Join(dir, "app-config.yaml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	p := startPortalIn(t, dir)
	ctx := browser(t)
	tab := "/catalog/default/component/checkout-service/docs/"
	// Sign in as the guest: the site's files (the image) are plugin routes, which want a caller.
	if err := chromedp.Run(ctx,
		chromedp.Navigate(p.base+"/api/auth/guest/start?env=development&flow=redirect&redirectUrl="+tab),
		chromedp.WaitVisible(".doc-content", chromedp.ByQuery),
	); err != nil {
		t.Fatal(err)
	}
	shot(t, ctx, "techdocs-01-tab")
	if nav := text(t, ctx, ".doc-nav"); !strings.Contains(nav, "Architecture") || !strings.Contains(nav, "Run it locally") || !strings.Contains(nav, "API reference") {
		t.Fatalf("site nav: %q", nav)
	}
	var imgOK bool
	if err := chromedp.Run(ctx, chromedp.Poll(`(() => { const i = document.querySelector('.doc-content img'); return i && i.complete && i.naturalWidth > 0 })()`, &imgOK)); err != nil || !imgOK {
		t.Fatalf("the image did not load: %v", err)
	}
	// An internal link (to a heading on another page) and the highlighted code there.
	if err := chromedp.Run(ctx,
		chromedp.Click(`//nav[contains(@class,"doc-nav")]//a[normalize-space()="Architecture"]`, chromedp.BySearch),
		chromedp.WaitVisible(".doc-code", chromedp.ByQuery),
	); err != nil {
		t.Fatal(err)
	}
	var loc string
	var keywords int
	if err := chromedp.Run(ctx, chromedp.Location(&loc), chromedp.Evaluate(`document.querySelectorAll('.doc-code .doc-hl-k').length`, &keywords)); err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(loc, tab+"architecture/") || keywords == 0 {
		t.Fatalf("after the link: %s, %d highlighted keywords", loc, keywords)
	}
	var scripts int
	chromedp.Run(ctx, chromedp.Evaluate(`document.querySelectorAll('main script').length`, &scripts))
	if scripts != 0 {
		t.Errorf("the docs run %d scripts", scripts) // the shell has the host's one script
	}
	shot(t, ctx, "techdocs-02-architecture")

	// The sync that built the site indexed its pages: the search box finds a section,
	// the Documentation tab keeps the docs, and the result opens the section.
	if err := chromedp.Run(ctx,
		chromedp.SendKeys(`form[role="search"] input[name="query"]`, "idempotency\n", chromedp.ByQuery),
		chromedp.WaitVisible(`//h1[normalize-space()="Search"]`, chromedp.BySearch),
		chromedp.Click(`//nav[contains(@class,"gr-tablist")]//a[normalize-space()="Documentation"]`, chromedp.BySearch),
		chromedp.WaitVisible(`//a[@aria-current="page"][normalize-space()="Documentation"]`, chromedp.BySearch),
	); err != nil {
		t.Fatal(err)
	}
	shot(t, ctx, "techdocs-03-search")
	if results := text(t, ctx, "main"); !strings.Contains(results, "Payments | checkout-service docs") || !strings.Contains(results, "idempotency key") {
		t.Fatalf("the Documentation tab shows:\n%s", results)
	}
	if err := chromedp.Run(ctx,
		chromedp.Click(`//main//a[contains(@href,"/docs/default/component/checkout-service/architecture/#payments")]`, chromedp.BySearch),
		chromedp.WaitVisible(".doc-content", chromedp.ByQuery),
		chromedp.Location(&loc),
	); err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(loc, "/docs/default/component/checkout-service/architecture/#payments") {
		t.Errorf("the result opened %s", loc)
	}
}
