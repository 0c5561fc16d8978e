package proxy

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"greenroom.dev/greenroom/host/internal/egress"
)

func TestFetch(t *testing.T) {
	port, s := upstream(t)
	p, _, _ := newProxy(t, port, "")
	ctx := context.Background()
	req := FetchRequest{Endpoint: "based", Method: "POST", Path: "/items?x=1", Body: []byte(`{"a":1}`),
		Header: http.Header{"content-type": {"application/json"}, "x-allowed": {"a"}, "cookie": {"c"}}}
	resp, err := p.Fetch(ctx, req, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != 200 || string(resp.Body) != "POST /base/items?x=1" || resp.Header["x-allowed"][0] != "yes" || resp.Header["set-cookie"] != nil {
		t.Fatalf("got %+v", resp)
	}
	up := s.last()
	if up.Header.Get("Cookie") != "" || up.Header.Get("X-Allowed") != "a" || up.ContentLength != 7 {
		t.Fatalf("upstream saw %v (length %d)", up.Header, up.ContentLength)
	}
	cases := []struct {
		req     FetchRequest
		status  int
		tooBig  bool
		message string
	}{
		{req: FetchRequest{Endpoint: "nope"}, status: 404},
		{req: FetchRequest{}, status: 400, message: "/based"},
		{req: FetchRequest{Endpoint: "ro", Method: "DELETE"}, status: 405},
		{req: FetchRequest{Endpoint: "simple", Path: "/download"}, tooBig: true},
		{req: FetchRequest{Endpoint: "simple", Header: http.Header{"x-bad": {"a\r\nb"}}}, status: 400},
	}
	for _, c := range cases {
		_, err := p.Fetch(ctx, c.req, 1<<20)
		var pe *Error
		switch {
		case err == nil:
			t.Errorf("%+v: no error", c.req)
		case c.tooBig && !errors.Is(err, egress.ErrTooLarge):
			t.Errorf("%+v: %v, want a too-large error", c.req, err)
		case !c.tooBig && (!errors.As(err, &pe) || pe.Status != c.status):
			t.Errorf("%+v: %v, want status %d", c.req, err, c.status)
		case !strings.Contains(err.Error(), c.message):
			t.Errorf("%+v: %v lacks %q", c.req, err, c.message)
		}
	}
}
