package cli

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// headless starts Debian's chromium, sending the test token with every request (the
// proxy endpoints need a caller), or skips when it is missing (fails with
// GREENROOM_REQUIRE_TOOLS or CI set).
func headless(t *testing.T) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("GREENROOM_REQUIRE_TOOLS") != "" || os.Getenv("CI") != "" {
			t.Fatal("chromium is not installed (Debian: chromium), and GREENROOM_REQUIRE_TOOLS or CI is set")
		}
		t.Skip("chromium is not installed (Debian: chromium)")
	}
	actx, cancel := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck, chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 900))
	t.Cleanup(cancel)
	ctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	// The whole browser session may outlast a slow start of a fixture on a loaded
	// machine; each page load has its own bound (visibleText).
	ctx, cancel3 := context.WithTimeout(ctx, 6*time.Minute)
	t.Cleanup(cancel3)
	if err := chromedp.Run(ctx, network.Enable(), network.SetExtraHTTPHeaders(network.Headers{"Authorization": "Bearer " + testToken})); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	return ctx
}

// visibleText navigates to url and returns the text of the active tab panel, as
// Chromium renders it.
func visibleText(t *testing.T, ctx context.Context, url string) string {
	t.Helper()
	var s string
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := chromedp.Run(ctx, chromedp.Navigate(url), chromedp.WaitVisible("main", chromedp.ByQuery), chromedp.Text("main", &s, chromedp.ByQuery)); err != nil {
		t.Fatalf("%s: %v", url, err)
	}
	return s
}

// TestBrowserCITabAndMetricsCard: in Chromium, the CI tab shows the runs and a run's
// jobs from the fake GitHub, a click on the run's Re-run button re-runs it once and comes
// back to the run's view, and the entity page shows the metrics card's chart and alert
// from a real Prometheus.
func TestBrowserCITabAndMetricsCard(t *testing.T) {
	ctx := headless(t)
	base, gh := startGitHubActions(t)
	ci := visibleText(t, ctx, base+"/catalog/default/component/payments/ci")
	for _, want := range []string{"Workflow runs of acme/payments (562)", "Update README.md #1 #561", "octocat", "3m 25s"} {
		if !strings.Contains(ci, want) {
			t.Errorf("the CI tab in Chromium lacks %q:\n%s", want, ci)
		}
	}
	run := visibleText(t, ctx, base+"/catalog/default/component/payments/ci?run=30433643")
	for _, want := range []string{"Job test (linux)", "Run go test ./...", "Job lint"} {
		if !strings.Contains(run, want) {
			t.Errorf("the run view in Chromium lacks %q:\n%s", want, run)
		}
	}

	// The Re-run button: Chromium posts its form (with the portal's Origin) and follows
	// the 303 back to a new load of the run's view, which has no marker set on the old one.
	var clicked bool
	if err := chromedp.Run(ctx, chromedp.Evaluate(`window.grBeforeRerun = true`, &clicked),
		chromedp.Click(`form.gr-action[action$="/runs/30433643/rerun"] button`, chromedp.ByQuery)); err != nil {
		t.Fatalf("clicking Re-run: %v", err)
	}
	var back bool
	for deadline := time.Now().Add(time.Minute); !back && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if err := chromedp.Run(ctx, chromedp.Evaluate(`window.grBeforeRerun === undefined && document.readyState === "complete" && location.pathname + location.search === "/catalog/default/component/payments/ci?run=30433643"`, &back)); err != nil {
			back = false
		}
	}
	gh.mu.Lock()
	reruns := gh.reruns
	gh.mu.Unlock()
	var after string
	chromedp.Run(ctx, chromedp.Text("main", &after, chromedp.ByQuery))
	if !back || reruns != 1 || !strings.Contains(after, "Job lint") {
		t.Errorf("after clicking Re-run: back on the run's view %v, %d re-runs reached GitHub, the page:\n%s", back, reruns, after)
	}

	prom := startPrometheusPortal(t, startPrometheus(t))
	var svgs int
	page := visibleText(t, ctx, prom+"/catalog/default/component/payments")
	if err := chromedp.Run(ctx, chromedp.Evaluate(`document.querySelectorAll("figure.gr-chart svg rect").length`, &svgs)); err != nil {
		t.Fatal(err)
	}
	if svgs < 1 || !strings.Contains(page, "Requests served") || !strings.Contains(page, "PaymentsBusy") {
		t.Errorf("the metrics card in Chromium: %d chart bars,\n%s", svgs, page)
	}
}
