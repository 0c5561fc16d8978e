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

// journeyTemplate only writes files; its output links to the component chosen.
const journeyTemplate = `apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata:
  name: journey
  title: Journey template
  description: Writes a README for a component.
  tags: [e2e]
spec:
  owner: team-platform
  type: documentation
  parameters:
    - title: The page
      required: [name, component]
      properties:
        name: {title: Name, type: string, pattern: '^[a-z-]+$'}
        component:
          title: Component
          type: string
          ui:field: EntityPicker
          ui:options: {catalogFilter: {kind: Component}}
  steps:
    - id: write
      name: Write the README
      action: catalog:write
      input:
        filePath: README.yaml
        entity: {name: '${{ parameters.name }}'}
    - id: log
      name: Show it
      action: debug:log
      input: {listWorkspace: with-contents}
  output:
    links:
      - title: Open the component
        entityRef: '${{ parameters.component }}'
`

// TestBrowserScaffolder: a browser signs in as guest, chooses a template on /create,
// fills its form (an error first, shown beside its field), reviews, creates the task,
// follows it to its end and opens its output link.
func TestBrowserScaffolder(t *testing.T) {
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
    - {type: file, target: ./journey.yaml}
  processingInterval: 0s
`, base, port, filepath.Join(os.TempDir(), "greenroom-test-wasm-cache"), filepath.Join(root, "examples/catalog/all.yaml"))
	os.WriteFile(filepath.Join(dir, "app-config.yaml"), []byte(cfg), 0o644)
	os.WriteFile(filepath.Join(dir, "journey.yaml"), []byte(journeyTemplate), 0o644)
	p := startPortalIn(t, dir)
	ctx := browser(t)
	loc := func() string {
		var s string
		chromedp.Run(ctx, chromedp.Location(&s))
		return s
	}

	if err := chromedp.Run(ctx,
		chromedp.Navigate(p.base+"/signin?redirect=/create"),
		chromedp.Click(`//a[normalize-space()="Enter as guest"]`, chromedp.BySearch),
		chromedp.WaitVisible(`//a[normalize-space()="Choose"]`, chromedp.BySearch),
	); err != nil {
		t.Fatalf("sign in and /create: %v (at %s)", err, loc())
	}
	shot(t, ctx, "scaffolder-01-create")
	if list := text(t, ctx, "main"); !strings.Contains(list, "Journey template") || !strings.Contains(list, "New Go service") {
		t.Fatalf("/create lists:\n%s", list)
	}
	if err := chromedp.Run(ctx,
		chromedp.Navigate(p.base+"/create?tag=e2e"),
		chromedp.Click(`//a[normalize-space()="Choose"]`, chromedp.BySearch),
		chromedp.WaitVisible(`input[name="p.name"]`, chromedp.ByQuery),
		chromedp.SetValue(`input[name="p.name"]`, "Not Valid", chromedp.ByQuery),
		chromedp.SetValue(`select[name="p.component"]`, "component:default/checkout-service", chromedp.ByQuery),
		chromedp.Click(`//button[normalize-space()="Next"]`, chromedp.BySearch),
		chromedp.WaitVisible(`.gr-field-error`, chromedp.ByQuery),
	); err != nil {
		t.Fatalf("form with an error: %v (at %s)", err, loc())
	}
	shot(t, ctx, "scaffolder-02-error")
	if e := text(t, ctx, ".gr-field-error"); !strings.Contains(e, "does not match pattern") {
		t.Errorf("the error beside the field says %q", e)
	}
	if err := chromedp.Run(ctx,
		chromedp.SetValue(`input[name="p.name"]`, "journey-page", chromedp.ByQuery),
		chromedp.Click(`//button[normalize-space()="Next"]`, chromedp.BySearch),
		chromedp.WaitVisible(`//button[normalize-space()="Create"]`, chromedp.BySearch),
	); err != nil {
		t.Fatalf("review: %v (at %s)", err, loc())
	}
	shot(t, ctx, "scaffolder-03-review")
	if r := text(t, ctx, "main"); !strings.Contains(r, "journey-page") || !strings.Contains(r, "component:default/checkout-service") {
		t.Errorf("review shows:\n%s", r)
	}
	if err := chromedp.Run(ctx,
		chromedp.Click(`//button[normalize-space()="Create"]`, chromedp.BySearch),
		chromedp.WaitVisible(`//h3[normalize-space()="Steps"] | //h2[normalize-space()="Steps"]`, chromedp.BySearch),
	); err != nil {
		t.Fatalf("create: %v (at %s)", err, loc())
	}
	for i := 0; ; i++ {
		if strings.Contains(text(t, ctx, "main"), "Open the component") {
			break
		}
		if i > 100 {
			t.Fatalf("the task never showed its output:\n%s", text(t, ctx, "main"))
		}
		time.Sleep(100 * time.Millisecond)
		chromedp.Run(ctx, chromedp.Reload())
	}
	shot(t, ctx, "scaffolder-04-task")
	if page := text(t, ctx, "main"); !strings.Contains(page, "completed") || !strings.Contains(page, "README.yaml") {
		t.Errorf("task page:\n%s", page)
	}
	if err := chromedp.Run(ctx,
		chromedp.Click(`//a[normalize-space()="Open the component"]`, chromedp.BySearch),
		chromedp.WaitVisible(`//h2[normalize-space()="About"] | //h3[normalize-space()="About"]`, chromedp.BySearch),
	); err != nil {
		t.Fatalf("output link: %v (at %s)", err, loc())
	}
	if l := loc(); !strings.HasSuffix(l, "/catalog/default/component/checkout-service") {
		t.Errorf("the output link led to %s", l)
	}
}
