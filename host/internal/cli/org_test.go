package cli

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestOrgPages: over the example catalog, a group's page shows its profile, parent,
// members and what it owns by kind; a user's page its profile and groups; neither has
// an Owner row; an API's page has the Definition tab.
func TestOrgPages(t *testing.T) {
	h := searchPortal(t, t.TempDir())
	defer h.stop(context.Background())
	for !h.catalog.Ready() {
		time.Sleep(10 * time.Millisecond)
	}
	base := "http://" + h.addr
	for _, tc := range []struct {
		path      string
		want, not []string
	}{
		{"/catalog/default/group/team-payments", []string{
			"Group profile", "payments@acme.example", `>Parent</dt>`, `href="/catalog/default/group/engineering">engineering</a>`,
			`href="/catalog/default/user/grace">grace</a>`,
			"Ownership", "Component (", `href="/catalog/default/component/payments-service">`, "API (", `href="/catalog/default/api/payments-api">`,
		}, []string{`<dt>Owner</dt>`, `>Owner</dt>`}},
		{"/catalog/default/user/grace", []string{"Profile", "Grace Hopper", `href="mailto:grace@acme.example"`, `href="/catalog/default/group/team-payments">team-payments</a>`}, []string{`>Owner</dt>`}},
		{"/catalog/default/api/payments-api", []string{`href="/catalog/default/api/payments-api/definition"`}, nil},
	} {
		resp, err := http.Get(base + tc.path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		page := string(b)
		if resp.StatusCode != 200 {
			t.Errorf("%s: %d", tc.path, resp.StatusCode)
		}
		for _, w := range tc.want {
			if !strings.Contains(page, w) {
				t.Errorf("%s lacks %s", tc.path, w)
			}
		}
		for _, w := range tc.not {
			if strings.Contains(page, w) {
				t.Errorf("%s has %s", tc.path, w)
			}
		}
	}
}
