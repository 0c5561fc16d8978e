package e2e

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"greenroom.dev/greenroom/host/internal/plugintest"
)

// freePort is a free port on 127.0.0.1 for a portal to listen on: its baseUrl must
// name the port before it starts, for the sign-in redirects.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// browser starts headless Debian chromium.
func browser(t *testing.T) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatal("chromium not found: install Debian's chromium package (.ci/run does)")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	ctx, cancel3 := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(cancel3)
	if err := chromedp.Run(ctx); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	return ctx
}

func artifacts(t *testing.T) string {
	dir := os.Getenv("GREENROOM_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join(plugintest.Root(t), "test-artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// shot saves a full-page screenshot as a test artifact.
func shot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	var png []byte
	if err := chromedp.Run(ctx, chromedp.FullScreenshot(&png, 100)); err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(artifacts(t), name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	var s string
	if err := chromedp.Run(ctx, chromedp.Text(sel, &s, chromedp.ByQuery)); err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

// frontendPlugins are the tech radar and the entity card, built from source.
func frontendPlugins(t *testing.T, dir string) string {
	radar := plugintest.Copy(t, plugintest.Go(t, "plugins/tech-radar"), filepath.Join(dir, "tech-radar.wasm"))
	card := plugintest.Copy(t, plugintest.Go(t, "examples/entity-card"), filepath.Join(dir, "entity-card.wasm"))
	return "  - {id: tech-radar, source: " + radar + ", limits: {timeout: 5s}}\n" +
		"  - {id: entity-card, source: " + card + ", grants: {catalog.read: {}}, limits: {timeout: 5s}}\n"
}

func TestBrowserJourney(t *testing.T) {
	plugins := frontendPlugins(t, t.TempDir())
	p := startPortal(t, plugins, "")
	ctx := browser(t)

	// The home page.
	if err := chromedp.Run(ctx, chromedp.Navigate(p.base+"/"), chromedp.WaitVisible("nav", chromedp.ByQuery)); err != nil {
		t.Fatal(err)
	}
	shot(t, ctx, "01-home")
	if title := text(t, ctx, "header"); !strings.Contains(title, "Greenroom E2E") {
		t.Fatalf("header says %q", title)
	}

	// Through the nav to the catalog.
	if err := chromedp.Run(ctx,
		chromedp.Click(`//nav//a[normalize-space()="Catalog"]`, chromedp.BySearch),
		chromedp.WaitVisible("table", chromedp.ByQuery),
	); err != nil {
		t.Fatal(err)
	}
	var loc string
	chromedp.Run(ctx, chromedp.Location(&loc))
	if !strings.HasSuffix(strings.SplitN(loc, "?", 2)[0], "/catalog") {
		t.Fatalf("nav led to %s", loc)
	}
	shot(t, ctx, "02-catalog")
	all := text(t, ctx, "table")
	if !strings.Contains(all, "checkout-service") || !strings.Contains(all, "team-payments") {
		t.Fatalf("catalog table lacks entities:\n%s", all)
	}

	// Apply a filter: only APIs.
	if err := chromedp.Run(ctx,
		chromedp.SetValue(`select[name="kind"]`, "API", chromedp.ByQuery),
		chromedp.Submit(`select[name="kind"]`, chromedp.ByQuery),
		chromedp.WaitVisible("table", chromedp.ByQuery),
	); err != nil {
		t.Fatal(err)
	}
	shot(t, ctx, "03-catalog-filtered")
	filtered := text(t, ctx, "table")
	if strings.Contains(filtered, "checkout-service") || !strings.Contains(filtered, "API") {
		t.Fatalf("kind=api filter shows:\n%s", filtered)
	}

	// Open an entity.
	if err := chromedp.Run(ctx,
		chromedp.Navigate(p.base+"/catalog?kind=component"),
		chromedp.Click(`//table//a[normalize-space()="checkout-service"]`, chromedp.BySearch),
		chromedp.WaitVisible(`//h2[normalize-space()="About"] | //h3[normalize-space()="About"]`, chromedp.BySearch),
	); err != nil {
		t.Fatal(err)
	}
	shot(t, ctx, "04-entity")
	page := text(t, ctx, "main")
	// The entity card plugin (Wasm) renders beside the host's own cards, with data it
	// got through catalog.read.
	for _, want := range []string{"component:default/checkout-service", "Relations", "providesApi", "At a glance", "Owner's entities"} {
		if !strings.Contains(page, want) {
			t.Errorf("entity page lacks %q:\n%s", want, page)
		}
	}

	// The tech radar page, through its nav item.
	if err := chromedp.Run(ctx,
		chromedp.Click(`//nav//a[normalize-space()="Tech Radar"]`, chromedp.BySearch),
		chromedp.WaitVisible("main svg", chromedp.ByQuery),
	); err != nil {
		t.Fatal(err)
	}
	shot(t, ctx, "05-tech-radar")
	radar := text(t, ctx, "main")
	for _, want := range []string{"Tech Radar", "Adopt", "Languages & Frameworks"} {
		if !strings.Contains(radar, want) {
			t.Errorf("tech radar lacks %q:\n%s", want, radar)
		}
	}
	var blips int
	if err := chromedp.Run(ctx, chromedp.Evaluate(`document.querySelectorAll("main svg circle").length`, &blips)); err != nil || blips < 5 {
		t.Errorf("radar svg has %d circles (%v)", blips, err)
	}

	// Disable extensions through config (no restart) and see them gone: the catalog's
	// nav item and the plugin's entity card.
	p.reload(t, plugins, "  extensions:\n    - nav-item:catalog: false\n    - entity-card:entity-card/overview: false\n")
	var navText string
	if err := chromedp.Run(ctx, chromedp.Navigate(p.base+"/"), chromedp.Text("nav", &navText, chromedp.ByQuery)); err != nil {
		t.Fatal(err)
	}
	shot(t, ctx, "06-nav-without-catalog")
	if strings.Contains(navText, "Catalog") || !strings.Contains(navText, "Tech Radar") {
		t.Fatalf("nav after disabling nav-item:catalog: %q", navText)
	}
	if err := chromedp.Run(ctx, chromedp.Navigate(p.base+"/catalog/default/component/checkout-service"), chromedp.WaitVisible("main", chromedp.ByQuery)); err != nil {
		t.Fatal(err)
	}
	shot(t, ctx, "07-entity-without-plugin-card")
	if page := text(t, ctx, "main"); strings.Contains(page, "At a glance") || !strings.Contains(page, "Relations") {
		t.Fatalf("entity page after disabling the plugin card:\n%s", page)
	}
}
