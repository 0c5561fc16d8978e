package server

import (
	"bufio"
	"bytes"
	"strings"
	"testing"

	"github.com/valyala/fasthttp"

	"greenroom.dev/greenroom/abi"
)

// referenceMessage builds the request message the way the plugin route did before it
// encoded straight from fasthttp: an abi.HTTPRequest with query and header maps, then
// abi.AppendHTTPRequest.
func referenceMessage(req *fasthttp.Request, method, path, route string, params map[string]string, body []byte, caller *abi.Caller, id string) []byte {
	r := &abi.HTTPRequest{Method: method, Path: path, Route: route, Params: params, Body: body, Caller: caller, RequestID: id}
	if q := req.URI().QueryArgs(); q.Len() > 0 {
		r.Query = map[string][]string{}
		q.VisitAll(func(k, v []byte) { r.Query[string(k)] = append(r.Query[string(k)], string(v)) })
	}
	r.Headers = map[string][]string{}
	req.Header.VisitAll(func(k, v []byte) {
		lk := strings.ToLower(string(k))
		if lk == "authorization" || lk == "cookie" {
			return // the caller's credentials stay with the host
		}
		r.Headers[lk] = append(r.Headers[lk], string(v))
	})
	return abi.AppendHTTPRequest(nil, r)
}

func TestRequestMessageMatchesAppendHTTPRequest(t *testing.T) {
	jane := &abi.Caller{Type: "user", UserEntityRef: "user:default/jane", OwnershipEntityRefs: []string{"group:default/team-a", "user:default/jane"}}
	cases := []struct {
		raw    string
		rest   string
		route  string
		params map[string]string
		caller *abi.Caller
		id     string
	}{
		{raw: "GET /api/p/hello?name=X HTTP/1.1\r\nHost: localhost:7007\r\nUser-Agent: wrk\r\n\r\n", rest: "hello", route: "/hello"},
		{raw: "GET /api/p HTTP/1.1\r\nHost: h\r\n\r\n", rest: ""},
		{raw: "GET /api/p/a?b=2&a=1&b=1&a=3&c&=empty&d= HTTP/1.1\r\nHost: h\r\n\r\n", rest: "a", route: "/:x", params: map[string]string{"x": "a"}},
		{raw: "GET /api/p/q?k%20ey=v%2Fal%26ue&%C3%A9=%FF&x=%3Cscript%3E&plus=a+b&u=%E2%80%A8 HTTP/1.1\r\nHost: h\r\n\r\n", rest: "q"},
		{raw: "GET /api/p/h HTTP/1.1\r\nHost: h\r\nX-Multi: 1\r\nx-multi: 2\r\nX-MULTI: 3\r\nAccept: a\r\nZ-Last: \"quoted\" \\ back\r\nA-First: <&>\r\nX-Empty:\r\nX-Ünï: v\r\nX-Bin: \xff\xfe\r\nCookie: a=1; b=2\r\n\r\n", rest: "h"},
		{raw: "POST /api/p/items/42/sub/x%2Fy?q=1 HTTP/1.1\r\nHost: h\r\nContent-Type: application/octet-stream\r\nContent-Length: 5\r\n\r\n\x00\x01\x02\xfa\xff", rest: "items/42/sub/x/y", route: "/items/:id/*",
			params: map[string]string{"id": "42", "*": "sub/x/y", "a": "\"q\"", "b": "é\u2028"}},
		{raw: "PUT /api/p/e HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n", rest: "e"},
		// The caller's credentials never reach the plugin; who the caller is does.
		{raw: "GET /api/p/me HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer secret\r\nCOOKIE: greenroom-session=s\r\nX-Keep: 1\r\n\r\n", rest: "me", caller: jane},
		{raw: "POST /api/p/ci HTTP/1.1\r\nHost: h\r\nauthorization: Bearer ci\r\nContent-Length: 1\r\n\r\nx", rest: "ci", caller: &abi.Caller{Type: "service", Subject: "external:ci-bot"}, id: "0b6f3c1e-5d0a-4f43-9d36-2a1f0c9b7e11"},
		{raw: "GET /api/p/id HTTP/1.1\r\nHost: h\r\nX-Request-Id: abc\r\n\r\n", rest: "id", id: "abc"},
		{raw: "DELETE /api/p/%E2%98%83 HTTP/1.1\r\nHost: h\r\nContent-Type: text/plain\r\nContent-Length: 7\r\n\r\nsnow\n\t\"", rest: "☃", route: "*", params: map[string]string{"*": "☃"}},
	}
	pr := getPluginRequest()
	defer putPluginRequest(pr)
	for _, c := range cases {
		var req fasthttp.Request
		if err := req.Read(bufio.NewReader(strings.NewReader(c.raw))); err != nil {
			t.Fatalf("%q: %v", c.raw, err)
		}
		var body []byte
		if len(req.Body()) > 0 {
			body = req.Body()
		}
		method := string(req.Header.Method())
		pr.req, pr.method, pr.body, pr.caller, pr.reqID = &req, method, body, abi.Caller{}, c.id
		if c.caller != nil {
			pr.caller = *c.caller
		}
		pr.setPath(c.rest)
		got := pr.encode(c.route, c.params)
		want := referenceMessage(&req, method, "/"+c.rest, c.route, c.params, body, c.caller, c.id)
		if bytes.Contains(got, []byte("secret")) || bytes.Contains(got, []byte("greenroom-session")) {
			t.Errorf("%q: the caller's credentials reached the message: %s", c.raw, got)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%q:\ngot  %s\nwant %s", c.raw, got, want)
		}
	}
}

func TestRequestMessageDoesNotAllocate(t *testing.T) {
	var req fasthttp.Request
	raw := "GET /api/p/hello?name=X HTTP/1.1\r\nHost: localhost:7007\r\nUser-Agent: wrk\r\n\r\n"
	if err := req.Read(bufio.NewReader(strings.NewReader(raw))); err != nil {
		t.Fatal(err)
	}
	pr := getPluginRequest()
	defer putPluginRequest(pr)
	pr.req, pr.method, pr.reqID = &req, "GET", "0b6f3c1e-5d0a-4f43-9d36-2a1f0c9b7e11"
	if n := testing.AllocsPerRun(100, func() {
		pr.setPath("hello")
		pr.encode("/hello", nil)
	}); n != 0 {
		t.Errorf("%v allocations per message, want 0", n)
	}
}

func FuzzRequestMessage(f *testing.F) {
	f.Add("name=X&a=1&name=Y", "X-A", "v", "hello", []byte("body"))
	f.Add("%ff=%00&<>=&", "K", "\x7f", "a/b", []byte{})
	f.Fuzz(func(t *testing.T, query, hname, hvalue, rest string, body []byte) {
		var req fasthttp.Request
		req.Header.SetMethod("POST")
		req.SetRequestURI("/api/p/x?" + query)
		req.Header.Set(hname, hvalue)
		req.Header.Add(hname, hvalue+"2")
		req.SetBody(body)
		if len(body) == 0 {
			body = nil
		}
		pr := getPluginRequest()
		defer putPluginRequest(pr)
		pr.req, pr.method, pr.body = &req, "POST", body
		pr.setPath(rest)
		got := pr.encode("/x", map[string]string{"x": rest})
		if want := referenceMessage(&req, "POST", "/"+rest, "/x", map[string]string{"x": rest}, body, nil, ""); !bytes.Equal(got, want) {
			t.Fatalf("got  %s\nwant %s", got, want)
		}
	})
}
