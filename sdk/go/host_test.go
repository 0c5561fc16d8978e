//go:build !wasip1

package greenroom

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestKV(t *testing.T) {
	h := &TestHost{}
	defer UseTestHost(h)()
	if _, ok, err := KV.Get("counter"); ok || err != nil {
		t.Fatalf("get of absent key: ok %v err %v", ok, err)
	}
	for _, k := range []string{"counter", "countess", "other"} {
		if err := KV.Put(k, []byte(k+"-v")); err != nil {
			t.Fatalf("put %s: %v", k, err)
		}
	}
	if err := KV.Put("empty", nil); err != nil {
		t.Fatal(err)
	}
	if v, ok, err := KV.Get("empty"); !ok || err != nil || len(v) != 0 {
		t.Errorf("empty value: %q %v %v", v, ok, err)
	}
	v, ok, err := KV.Get("counter")
	if !ok || err != nil || string(v) != "counter-v" {
		t.Errorf("get: %q %v %v", v, ok, err)
	}
	keys, err := KV.List("count", 0)
	if err != nil || !reflect.DeepEqual(keys, []string{"counter", "countess"}) {
		t.Errorf("list: %v %v", keys, err)
	}
	if keys, err := KV.List("", 1); err != nil || len(keys) != 1 {
		t.Errorf("list with limit 1: %v %v", keys, err)
	}
	if err := KV.Delete("counter"); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := KV.Get("counter"); ok {
		t.Error("deleted key still there")
	}
	if _, err := KV.List("", -1); ErrorCode(err) != CodeInvalidArgument {
		t.Errorf("negative limit: %v", err)
	}
	err = KV.Put("", []byte("x"))
	var e *Error
	if !errors.As(err, &e) || e.Code != CodeInvalidArgument || !strings.Contains(e.Message, "1-512") {
		t.Errorf("empty key: %v", err)
	}
}

func TestKVDenied(t *testing.T) {
	defer UseTestHost(&TestHost{DenyKV: true})()
	_, _, err := KV.Get("x")
	var e *Error
	if !errors.As(err, &e) || e.Code != CodeCapabilityDenied {
		t.Fatalf("want *Error capability_denied, got %T %v", err, err)
	}
	if r := ErrorResponse(err); r.StatusCode() != 403 {
		t.Errorf("denied call as a response: %d", r.StatusCode())
	}
}

func TestConfig(t *testing.T) {
	defer UseTestHost(&TestHost{Config: map[string]any{"greeting": "hi", "limits": map[string]any{"max": 3}}})()
	if got := ConfigString("greeting"); got != "hi" {
		t.Errorf("ConfigString(greeting) = %q", got)
	}
	if got := ConfigString("limits"); got != `{"max":3}` {
		t.Errorf("ConfigString(limits) = %q", got)
	}
	if v, ok := ConfigValue("absent"); ok || v != "" {
		t.Errorf("absent key: %q %v", v, ok)
	}
	var cfg struct {
		Greeting string
		Limits   struct{ Max int }
	}
	if err := DecodeConfig(&cfg); err != nil || cfg.Greeting != "hi" || cfg.Limits.Max != 3 {
		t.Errorf("DecodeConfig: %+v %v", cfg, err)
	}
	var wrong struct{ Greeting int }
	if err := DecodeConfig(&wrong); ErrorCode(err) != CodeInternal || !strings.Contains(err.Error(), "plugin config") {
		t.Errorf("DecodeConfig into a wrong type: %v", err)
	}
	defer UseTestHost(&TestHost{})()
	if string(Config()) != "{}" {
		t.Errorf("no config gives %s", Config())
	}
}

func TestLog(t *testing.T) {
	h := &TestHost{LogLevel: LevelInfo}
	defer UseTestHost(h)()
	Log.Debug("hidden")
	Log.Info("refreshed", "items", 3, "note", "two words", "err", errors.New("x=y"), "odd")
	Log.Error("failed")
	Log.Log(Level(9), "clamped")
	want := []string{
		`INFO refreshed items=3 note="two words" err="x=y" !BADKEY=odd`,
		"ERROR failed",
		"ERROR clamped",
	}
	if got := h.Logs(); !reflect.DeepEqual(got, want) {
		t.Errorf("logs\n got %q\nwant %q", got, want)
	}
	if Log.Enabled(LevelDebug) || !Log.Enabled(LevelWarn) {
		t.Error("Enabled ignores the host's level")
	}
}

func TestHostCalls(t *testing.T) {
	var seen []string
	h := &TestHost{Call: func(fn string, req []byte) []byte {
		seen = append(seen, fn+" "+string(req))
		switch fn {
		case "catalog_get":
			switch {
			case strings.Contains(string(req), "missing"):
				return []byte(`{"result":null}`)
			case strings.Contains(string(req), "denied"):
				return []byte(`{"error":{"code":"capability_denied","message":"no"}}`)
			case strings.Contains(string(req), "nullspaced"):
				return []byte(`{ "result" : null }`)
			case strings.Contains(string(req), "spaced"):
				return []byte(` { "result" : { "kind" : "Component" } } `)
			}
			return []byte(`{"result":{"apiVersion":"backstage.io/v1alpha1","kind":"Component","metadata":{"name":"web","annotations":{"a":"b"}},"spec":{"type":"service"}}}`)
		case "catalog_query":
			return []byte(`{"result":{"items":[{"apiVersion":"v","kind":"Component","metadata":{"name":"a"}}],"totalItems":1,"pageInfo":{"nextCursor":"c2"}}}`)
		case "catalog_facets":
			return []byte(`{"result":{"facets":{"kind":[{"value":"Component","count":2}]}}}`)
		case "url_read":
			return []byte(`{"result":{"content":"aGk=","etag":"e1"}}`)
		case "url_read_tree", "url_search":
			return []byte(`{"result":{"files":[{"path":"a.md","content":"aGk="}],"etag":"t1"}}`)
		case "proxy_fetch":
			return []byte(`{"result":{"status":200,"headers":{"content-type":"application/json"},"json":{"ok":true}}}`)
		case "catalog_apply":
			return []byte(`{"error":{"code":"capability_denied","message":"catalog.write is not granted"}}`)
		}
		return []byte(`garbage`)
	}}
	defer UseTestHost(h)()

	e, err := CatalogGet("component:default/web")
	if err != nil || e.Metadata.Name != "web" || e.Spec["type"] != "service" || e.Metadata.Annotations["a"] != "b" {
		t.Errorf("CatalogGet: %+v %v", e, err)
	}
	if e, err := CatalogGet("component:default/missing"); e != nil || err != nil {
		t.Errorf("CatalogGet of a missing entity: %+v %v", e, err)
	}
	// CatalogHas: the host's usual answers without decoding, anything else decoded.
	for _, c := range []struct {
		ref  string
		want bool
		code Code
	}{
		{"component:default/web", true, ""}, {"component:default/missing", false, ""},
		{"component:default/spaced", true, ""}, {"component:default/nullspaced", false, ""},
		{"component:default/denied", false, CodeCapabilityDenied},
	} {
		ok, err := CatalogHas(c.ref)
		var e *Error
		if ok != c.want || (c.code == "") != (err == nil) || err != nil && (!errors.As(err, &e) || e.Code != c.code) {
			t.Errorf("CatalogHas(%q) = %v, %v", c.ref, ok, err)
		}
	}
	want, _ := json.Marshal(catalogGetRequest{`a"b\c<`})
	n := len(seen)
	CatalogHas(`a"b\c<`)
	if len(seen) != n+1 || seen[n] != "catalog_get "+string(want) {
		t.Errorf("CatalogHas sent %q, want %s", seen[n:], want)
	}
	// The calls above are not part of the sequence checked below.
	seen = seen[:1]
	page, err := CatalogQuery(CatalogQueryRequest{Filter: []CatalogFilter{{"kind": {"component"}}}, Limit: 10})
	if err != nil || page.TotalItems != 1 || page.Items[0].Metadata.Name != "a" || page.PageInfo.NextCursor != "c2" {
		t.Errorf("CatalogQuery: %+v %v", page, err)
	}
	facets, err := CatalogFacets([]string{"kind"}, nil)
	if err != nil || facets["kind"][0].Count != 2 {
		t.Errorf("CatalogFacets: %+v %v", facets, err)
	}
	f, err := URLRead("https://example.com/a", "")
	if err != nil || string(f.Content) != "hi" || f.ETag != "e1" {
		t.Errorf("URLRead: %+v %v", f, err)
	}
	tree, err := URLReadTree("https://example.com/dir", "", "*.md")
	if err != nil || tree.Files[0].Path != "a.md" || string(tree.Files[0].Content) != "hi" {
		t.Errorf("URLReadTree: %+v %v", tree, err)
	}
	if _, err := URLSearch("https://example.com/**/*.md", "t0"); err != nil {
		t.Errorf("URLSearch: %v", err)
	}
	resp, err := ProxyFetch(&ProxyRequest{Endpoint: "github", Path: "/repos"})
	if err != nil || resp.StatusCode() != 200 || string(resp.Content()) != `{"ok":true}` {
		t.Errorf("ProxyFetch: %+v %v", resp, err)
	}
	err = CatalogApply([]Entity{{Kind: "Component"}}, []string{"component:default/old"})
	if ErrorCode(err) != CodeCapabilityDenied || err.Error() != "capability_denied: catalog.write is not granted" {
		t.Errorf("CatalogApply: %v", err)
	}
	wantReqs := []string{
		`catalog_get {"ref":"component:default/web"}`,
		`catalog_query {"filter":["kind=component"],"limit":10}`,
		`catalog_facets {"facets":["kind"]}`,
		`url_read {"url":"https://example.com/a"}`,
		`url_read_tree {"url":"https://example.com/dir","filter":"*.md"}`,
		`url_search {"url":"https://example.com/**/*.md","etag":"t0"}`,
		`proxy_fetch {"endpoint":"github","path":"/repos"}`,
		`catalog_apply {"upsert":[{"apiVersion":"","kind":"Component","metadata":{"name":""}}],"delete":["component:default/old"]}`,
	}
	got := []string{}
	for _, s := range seen {
		if !strings.Contains(s, "missing") {
			got = append(got, s)
		}
	}
	if !reflect.DeepEqual(got, wantReqs) {
		t.Errorf("requests\n got %q\nwant %q", got, wantReqs)
	}
}

func TestHostCallBadEnvelope(t *testing.T) {
	for _, resp := range []string{`garbage`, ``, `{"result":{"content":5}}`} {
		defer UseTestHost(&TestHost{Call: func(string, []byte) []byte { return []byte(resp) }})()
		_, err := URLRead("u", "")
		if ErrorCode(err) != CodeInternal || !strings.Contains(err.Error(), "url_read") {
			t.Errorf("envelope %q: %v", resp, err)
		}
	}
	defer UseTestHost(&TestHost{})()
	if _, err := ProxyFetch(&ProxyRequest{Endpoint: "x"}); ErrorCode(err) != CodeCapabilityDenied {
		t.Errorf("no Call hook: %v", err)
	}
}

func TestErrorWrapping(t *testing.T) {
	inner := Errorf(CodeNotFound, "no key")
	wrapped := errors.Join(inner)
	if e := asError(wrapped); e.Code != CodeNotFound {
		t.Errorf("asError lost the code: %+v", e)
	}
	b, _ := json.Marshal(inner)
	if string(b) != `{"code":"not_found","message":"no key"}` {
		t.Errorf("Error encodes as %s", b)
	}
	if ErrorCode(errors.New("x")) != "" {
		t.Error("ErrorCode of a plain error")
	}
}
