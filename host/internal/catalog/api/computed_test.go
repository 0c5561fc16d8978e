package api_test

import (
	"errors"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"greenroom.dev/greenroom/host/internal/catalog/api"
)

// TestComputedFilter: a filter key another part computes (here: "tier.<x>", answered
// with the uids of the entities whose name is in a table) is ANDed with the set's other
// conditions, ORed across filter parameters, an exists condition takes every entity it
// rates, an error is a 400, and it cannot share a set with metadata.uid.
func TestComputedFilter(t *testing.T) {
	c, plain := exampleServer(t)
	uid := func(name string) string {
		r := do(t, plain.URL, "GET", "/entities/by-name/component/default/"+name, "")
		return decode[map[string]any](t, r)["metadata"].(map[string]any)["uid"].(string)
	}
	gold := []string{uid("payments-service"), uid("checkout-service")}
	rated := append(append([]string{}, gold...), uid("ledger-worker"))
	a := api.New(c)
	a.SetComputedFilter("tier.", func(key string, values []string, exists bool) ([]string, error) {
		if key != "tier.level" {
			return nil, errors.New("no such tier key " + key)
		}
		if exists {
			return rated, nil
		}
		if slices.Contains(values, "gold") || slices.Contains(values, "Gold") {
			return gold, nil
		}
		return nil, nil
	})
	srv := httptest.NewServer(handler(a))
	t.Cleanup(srv.Close)
	for _, tc := range []struct {
		filters []string
		want    string
	}{
		{[]string{"tier.level=Gold"}, "checkout-service,payments-service"},
		{[]string{"tier.level=Gold,spec.system=payments"}, "payments-service"},
		{[]string{"tier.level=Gold,spec.system=payments", "kind=component,spec.lifecycle=experimental"}, "ledger-worker,payments-service"},
		{[]string{"tier.level"}, "checkout-service,ledger-worker,payments-service"},
		{[]string{"tier.level=Bronze"}, ""},
	} {
		q := url.Values{"filter": tc.filters}
		r := do(t, srv.URL, "GET", "/entities?"+q.Encode(), "")
		if r.status != 200 {
			t.Fatalf("%v: %d %s", tc.filters, r.status, r.body)
		}
		got := names(t, decode[[]map[string]any](t, r))
		slices.Sort(got)
		if strings.Join(got, ",") != tc.want {
			t.Errorf("%v: %v, want %s", tc.filters, got, tc.want)
		}
	}
	for _, tc := range []struct{ filter, want string }{
		{"tier.other=x", "Invalid filter, no such tier key tier.other"},
		{"tier.level=Gold,metadata.uid=" + gold[0], "cannot be combined with metadata.uid"},
	} {
		r := do(t, srv.URL, "GET", "/entities?"+url.Values{"filter": {tc.filter}}.Encode(), "")
		if r.status != 400 || !strings.Contains(string(r.body), tc.want) {
			t.Errorf("%s: %d %s, want 400 saying %q", tc.filter, r.status, r.body, tc.want)
		}
	}
}
