//go:build !wasip1

package greenroom

import (
	"maps"
	"testing"
)

// TestScanMatchesIndex checks that comparing routes one by one (scan, used for up to
// scanRoutes routes) finds the same handler as the map (indexed) for every method and
// every registered pattern, and nothing for a pattern no route has.
func TestScanMatchesIndex(t *testing.T) {
	// A pattern with a handler for GET and one for any method, and one for HEAD alone,
	// so that the order of preference of the two lookups is compared; registered for
	// this test only.
	saved, savedIndex := routes, routeIndex
	routes, routeIndex = append([]*route(nil), routes...), maps.Clone(routeIndex)
	t.Cleanup(func() { routes, routeIndex = saved, savedIndex })
	HandleFunc("GET /r/both", func(*Request) *Response { return Text(200, "get") })
	HandleFunc("/r/both", func(*Request) *Response { return Text(200, "any") })
	HandleFunc("HEAD /r/head", func(*Request) *Response { return Text(200, "head") })
	HandleFunc("/r/head", func(*Request) *Response { return Text(200, "any") })

	patterns := []string{"/nope", "/r/both/x"}
	for _, r := range routes {
		patterns = append(patterns, r.pattern)
	}
	for _, method := range []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"} {
		for _, p := range patterns {
			got, want := scan(method, p), indexed(method, p)
			if got != want {
				t.Errorf("%s %s: scan finds %+v, the index %+v", method, p, got, want)
			}
		}
	}
	if r := scan("HEAD", "/r/both"); r == nil || r.method != "GET" {
		t.Errorf("HEAD /r/both: scan finds %+v, want the GET handler before the any-method one", r)
	}
	if r := scan("HEAD", "/r/head"); r == nil || r.method != "HEAD" {
		t.Errorf("HEAD /r/head: scan finds %+v, want the HEAD handler", r)
	}
}
