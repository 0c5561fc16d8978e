package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"greenroom.dev/greenroom/host/internal/plugintest"
)

// TestBrowserDay2Action: over the example catalog, a guest opens a service's page, runs
// the day-2 action its Actions card offers (Change lifecycle, whose form opens with the
// service and its lifecycle filled in), follows the task to its end, and finds it
// listed on the service's page; a website, which the action does not target, is not
// offered it.
func TestBrowserDay2Action(t *testing.T) {
	dir := t.TempDir()
	port := freePort(t)
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	root := plugintest.Root(t)
	cfg := fmt.Sprintf(`
app: {title: Greenroom E2E, baseUrl: %[1]s}
backend:
  baseUrl: %[1]s
  listen: {host: 127.0.0.1, port: %[2]d}
auth:
  environment: development
  providers: {guest: {}}
runtime:
  compilationCache: %[3]s
catalog:
  rules: [{allow: [Component, System, API, Resource, Location, Template, Group, User, Domain]}]
  locations:
    - {type: file, target: %[4]s}
  processingInterval: 0s
`, base, port, filepath.Join(os.TempDir(), "greenroom-test-wasm-cache"), filepath.Join(root, "examples/catalog/all.yaml"))
	os.WriteFile(filepath.Join(dir, "app-config.yaml"), []byte(cfg), 0o644)
	p := startPortalIn(t, dir)
	ctx := browser(t)
	loc := func() string {
		var s string
		chromedp.Run(ctx, chromedp.Location(&s))
		return s
	}
	const service = "/catalog/default/component/ledger-worker"
	run := `//a[normalize-space()="Run Change lifecycle"]`
	if err := chromedp.Run(ctx,
		chromedp.Navigate(p.base+"/signin?redirect="+service),
		chromedp.Click(`//a[normalize-space()="Enter as guest"]`, chromedp.BySearch),
		chromedp.WaitVisible(run, chromedp.BySearch),
	); err != nil {
		t.Fatalf("sign in and the service's page: %v (at %s)\n%s", err, loc(), text(t, ctx, "main"))
	}
	shot(t, ctx, "day2-01-entity")
	if err := chromedp.Run(ctx,
		chromedp.Click(run, chromedp.BySearch),
		chromedp.WaitVisible(`select[name="p.lifecycle"]`, chromedp.ByQuery),
	); err != nil {
		t.Fatalf("open the action: %v (at %s)", err, loc())
	}
	shot(t, ctx, "day2-02-form")
	var component, lifecycle string
	if err := chromedp.Run(ctx,
		chromedp.Value(`select[name="p.component"]`, &component, chromedp.ByQuery),
		chromedp.Value(`select[name="p.lifecycle"]`, &lifecycle, chromedp.ByQuery),
	); err != nil {
		t.Fatal(err)
	}
	if component != "component:default/ledger-worker" || lifecycle != "experimental" {
		t.Errorf("the form opened with component %q, lifecycle %q; want the service and its lifecycle", component, lifecycle)
	}
	if err := chromedp.Run(ctx,
		chromedp.SetValue(`select[name="p.lifecycle"]`, "production", chromedp.ByQuery),
		chromedp.SetValue(`input[name="p.reason"]`, "it books every payment now", chromedp.ByQuery),
		chromedp.Click(`//button[normalize-space()="Next"]`, chromedp.BySearch),
		chromedp.WaitVisible(`//button[normalize-space()="Create"]`, chromedp.BySearch),
		chromedp.Click(`//button[normalize-space()="Create"]`, chromedp.BySearch),
		chromedp.WaitVisible(`//h3[normalize-space()="Steps"] | //h2[normalize-space()="Steps"]`, chromedp.BySearch),
	); err != nil {
		t.Fatalf("review and create: %v (at %s)\n%s", err, loc(), text(t, ctx, "main"))
	}
	taskURL := loc()
	for i := 0; ; i++ {
		if page := text(t, ctx, "main"); strings.Contains(page, "Open the component") {
			break
		} else if i > 100 || strings.Contains(page, "The task failed") {
			t.Fatalf("the task never completed:\n%s", page)
		}
		time.Sleep(100 * time.Millisecond)
		chromedp.Run(ctx, chromedp.Reload())
	}
	shot(t, ctx, "day2-03-task")
	if page := text(t, ctx, "main"); !strings.Contains(page, "Acted on") || !strings.Contains(page, "component:default/ledger-worker") ||
		!strings.Contains(page, "lifecycle: production") || !strings.Contains(page, "from: experimental") {
		t.Errorf("task page:\n%s", page)
	}
	// Back on the service's page, its Actions card lists the run.
	id := taskURL[strings.LastIndex(taskURL, "/")+1:]
	if err := chromedp.Run(ctx,
		chromedp.Navigate(p.base+service),
		chromedp.WaitVisible(`a[href="/create/tasks/`+id+`"]`, chromedp.ByQuery),
	); err != nil {
		t.Fatalf("the service's page does not list the task: %v\n%s", err, text(t, ctx, "main"))
	}
	shot(t, ctx, "day2-04-listed")
	if page := text(t, ctx, "main"); !strings.Contains(page, "completed") || !strings.Contains(page, "guest") {
		t.Errorf("the service's page lists:\n%s", page)
	}
	// A website is not a target of the action.
	if err := chromedp.Run(ctx,
		chromedp.Navigate(p.base+"/catalog/default/component/storefront-web"),
		chromedp.WaitVisible(`//h2[normalize-space()="About"] | //h3[normalize-space()="About"]`, chromedp.BySearch),
	); err != nil {
		t.Fatal(err)
	}
	if page := text(t, ctx, "main"); strings.Contains(page, "Change lifecycle") {
		t.Errorf("the website's page offers the action:\n%s", page)
	}
}
