package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"gopkg.in/yaml.v3"

	"greenroom.dev/greenroom/host/internal/plugintest"
)

// exampleScorecards is the scorecards: section of the repository's app-config.yaml,
// the one `go tool task run` serves.
func exampleScorecards(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(plugintest.Root(t), "app-config.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	out, err := yaml.Marshal(map[string]any{"scorecards": doc["scorecards"]})
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// TestBrowserScorecards: in Chromium, the scorecards page of the example's scorecard
// lists the example components by level, grouped by owner; the level filter narrows
// them; and a component's page explains its failing rule on the Scorecards card.
func TestBrowserScorecards(t *testing.T) {
	p := startPortal(t, "", exampleScorecards(t))
	ctx := browser(t)

	deadline := time.Now().Add(20 * time.Second)
	var main string
	for {
		if err := chromedp.Run(ctx,
			chromedp.Navigate(p.base+"/scorecards"),
			chromedp.WaitVisible(`//h1[normalize-space()="Scorecards"]`, chromedp.BySearch),
		); err != nil {
			t.Fatal(err)
		}
		main = text(t, ctx, "main")
		if strings.Contains(main, "greenroom-portal") || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	shot(t, ctx, "scorecards-01-page")
	for _, want := range []string{"Production readiness", "Entities by level", "Trend"} {
		if !strings.Contains(main, want) {
			t.Errorf("the scorecards page lacks %q:\n%s", want, main)
		}
	}
	// Each component in its owner's card, at its level.
	for _, c := range []struct{ owner, entity, level string }{
		{"team-checkout", "checkout-service", "Silver"},
		{"team-checkout", "Storefront web app", "Bronze"},
		{"group:default/team-payments", "payments-service", "Gold"},
		{"team-payments", "ledger-worker", "Bronze"},
		{"user:linus", "Greenroom", "Bronze"},
	} {
		var row string
		if err := chromedp.Run(ctx, chromedp.Text(`//main//section[h3[normalize-space()="`+c.owner+`"]]//tr[td//a[normalize-space()="`+c.entity+`"]]`, &row, chromedp.BySearch)); err != nil {
			t.Errorf("%s is not in %s's card: %v", c.entity, c.owner, err)
			continue
		}
		if !strings.Contains(row, c.level) {
			t.Errorf("%s's row reads %q, want level %s", c.entity, row, c.level)
		}
	}

	// The level filter keeps the Gold ones.
	if err := chromedp.Run(ctx,
		chromedp.SetValue(`main select[name="level"]`, "Gold", chromedp.ByQuery),
		chromedp.Submit(`main select[name="level"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`//h1[normalize-space()="Scorecards"]`, chromedp.BySearch),
	); err != nil {
		t.Fatal(err)
	}
	shot(t, ctx, "scorecards-02-gold")
	gold := text(t, ctx, "main")
	if !strings.Contains(gold, "payments-service") || strings.Contains(gold, "checkout-service") {
		t.Errorf("level=Gold shows:\n%s", gold)
	}

	// checkout-service is Silver: production without PagerDuty, and the card says so.
	if err := chromedp.Run(ctx,
		chromedp.Navigate(p.base+"/catalog/default/component/checkout-service"),
		chromedp.WaitVisible(`//main//section[h3[normalize-space()="Scorecards"]]`, chromedp.BySearch),
	); err != nil {
		t.Fatal(err)
	}
	shot(t, ctx, "scorecards-03-entity-card")
	card := cardText(t, ctx, "Scorecards")
	var row string
	if err := chromedp.Run(ctx, chromedp.Text(`//main//section[h3[normalize-space()="Scorecards"]]//tr[td[normalize-space()="Production services are paged"]]`, &row, chromedp.BySearch)); err != nil {
		t.Fatalf("the card has no row for the PagerDuty rule: %v\n%s", err, card)
	}
	if !strings.Contains(row, "Failed") || !strings.Contains(row, "add the pagerduty.com/service-id annotation") {
		t.Errorf("the failing rule's row reads %q, want Failed and its reason", row)
	}
	if !strings.Contains(card, "Silver") {
		t.Errorf("the card does not show the level Silver:\n%s", card)
	}
}
