package proxy

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
)

func TestHostFetch(t *testing.T) {
	port, s := upstream(t)
	p, _, _ := newProxy(t, port, "")
	ctx := context.Background()
	var req FetchRequest
	// The wire form a plugin sends: headers as string or list, body base64.
	if err := json.Unmarshal([]byte(`{"endpoint":"based","method":"POST","path":"/items?x=1","headers":{"content-type":"application/json","x-allowed":["a"],"cookie":"c"},"body":"eyJhIjoxfQ=="}`), &req); err != nil {
		t.Fatal(err)
	}
	resp, err := p.HostFetch(ctx, req, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != 200 || string(resp.Body) != "POST /base/items?x=1" || resp.Headers["x-allowed"][0] != "yes" || resp.Headers["set-cookie"] != nil {
		t.Fatalf("got %+v", resp)
	}
	up := s.last()
	if up.Header.Get("Cookie") != "" || up.Header.Get("X-Allowed") != "a" || up.ContentLength != 7 {
		t.Fatalf("upstream saw %v (length %d)", up.Header, up.ContentLength)
	}
	cases := []struct {
		req  FetchRequest
		max  int64
		code string
	}{
		{FetchRequest{Endpoint: "nope"}, 1 << 20, "not_found"},
		{FetchRequest{}, 1 << 20, "invalid_argument"},
		{FetchRequest{Endpoint: "ro", Method: "DELETE"}, 1 << 20, "invalid_argument"},
		{FetchRequest{Endpoint: "simple", Path: "/download"}, 1 << 20, "too_large"},
		{FetchRequest{Endpoint: "simple", Headers: map[string][]string{"x-bad": {"a\r\nb"}}}, 1 << 20, "invalid_argument"},
	}
	for _, c := range cases {
		_, err := p.HostFetch(ctx, c.req, c.max)
		if err == nil {
			t.Errorf("%+v: no error", c.req)
			continue
		}
		if ae := CallError(err); string(ae.Code) != c.code || ae.Message == "" {
			t.Errorf("%+v: code %s (%v), want %s", c.req, ae.Code, err, c.code)
		}
	}
	_, err = p.HostFetch(ctx, FetchRequest{}, 1)
	if !strings.Contains(err.Error(), "/based") {
		t.Errorf("missing endpoint error does not list endpoints: %v", err)
	}
}
