package e2e

import (
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// TestBrowserSearch: in Chromium, a term typed in the top bar's search box lands on
// /search with results; filtering by kind narrows them; a result opens its entity.
func TestBrowserSearch(t *testing.T) {
	p := startPortal(t, "", "")
	ctx := browser(t)

	if err := chromedp.Run(ctx,
		chromedp.Navigate(p.base+"/catalog"),
		chromedp.WaitVisible(`form[role="search"] input[name="query"]`, chromedp.ByQuery),
	); err != nil {
		t.Fatal(err)
	}
	// The catalog's first pass is indexed within a second of its end; retry the search
	// until the results arrive.
	deadline := time.Now().Add(20 * time.Second)
	var results string
	for {
		if err := chromedp.Run(ctx,
			chromedp.Navigate(p.base+"/catalog"),
			chromedp.SendKeys(`form[role="search"] input[name="query"]`, "payments\n", chromedp.ByQuery),
			chromedp.WaitVisible(`//h1[normalize-space()="Search"]`, chromedp.BySearch),
		); err != nil {
			t.Fatal(err)
		}
		results = text(t, ctx, "main")
		if strings.Contains(results, "payments-service") || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	var loc string
	chromedp.Run(ctx, chromedp.Location(&loc))
	if !strings.Contains(loc, "/search?query=payments") {
		t.Fatalf("the search box led to %s", loc)
	}
	shot(t, ctx, "search-01-results")
	for _, want := range []string{"payments-service", "payments-api", "Software Catalog"} {
		if !strings.Contains(results, want) {
			t.Errorf("results lack %q:\n%s", want, results)
		}
	}
	var marks int
	if err := chromedp.Run(ctx, chromedp.Evaluate(`document.querySelectorAll("main mark").length`, &marks)); err != nil || marks == 0 {
		t.Errorf("no highlighted words (%v)", err)
	}

	// Filter by kind: only the API stays.
	if err := chromedp.Run(ctx,
		chromedp.SetValue(`main select[name="filters[kind]"]`, "API", chromedp.ByQuery),
		chromedp.Submit(`main select[name="filters[kind]"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`//h1[normalize-space()="Search"]`, chromedp.BySearch),
	); err != nil {
		t.Fatal(err)
	}
	shot(t, ctx, "search-02-kind-api")
	filtered := text(t, ctx, "main")
	if !strings.Contains(filtered, "payments-api") || strings.Contains(filtered, "payments-service") {
		t.Fatalf("kind=API shows:\n%s", filtered)
	}

	// Open the result: its entity page.
	if err := chromedp.Run(ctx,
		chromedp.Click(`//main//a[contains(@href, "/catalog/default/api/payments-api")]`, chromedp.BySearch),
		chromedp.WaitVisible(`//h2[normalize-space()="About"] | //h3[normalize-space()="About"]`, chromedp.BySearch),
		chromedp.Location(&loc),
	); err != nil {
		t.Fatal(err)
	}
	shot(t, ctx, "search-03-result-opened")
	if !strings.HasSuffix(loc, "/catalog/default/api/payments-api") {
		t.Errorf("the result opened %s", loc)
	}
}

// TestBrowserShellScript: the host's one script runs under the pages' CSP (a hash that
// did not match would block it): "/" on a page moves the focus to the top bar's search
// box, and an entity page's Copy ref button puts the entity's ref on the clipboard.
func TestBrowserShellScript(t *testing.T) {
	p := startPortal(t, "", "")
	ctx := browser(t)
	var focused string
	if err := chromedp.Run(ctx,
		cdpbrowser.GrantPermissions([]cdpbrowser.PermissionType{cdpbrowser.PermissionTypeClipboardReadWrite, cdpbrowser.PermissionTypeClipboardSanitizedWrite}).WithOrigin(p.base),
		chromedp.Navigate(p.base+"/catalog/default/component/payments-service"),
		chromedp.WaitVisible(`button[data-gr-copy]`, chromedp.ByQuery),
		chromedp.KeyEvent("/"),
		chromedp.Evaluate(`document.activeElement ? document.activeElement.name : ""`, &focused),
	); err != nil {
		t.Fatal(err)
	}
	if focused != "query" {
		t.Errorf(`after "/", the focus is on %q, not the search box`, focused)
	}
	var copied string
	if err := chromedp.Run(ctx,
		chromedp.Click(`button[data-gr-copy]`, chromedp.ByQuery),
		chromedp.WaitVisible(`button[data-gr-copied]`, chromedp.ByQuery),
		chromedp.Evaluate(`navigator.clipboard.readText()`, &copied, func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }),
	); err != nil {
		t.Fatal(err)
	}
	if copied != "component:default/payments-service" {
		t.Errorf("Copy ref copied %q", copied)
	}
}
