package abi

import (
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"
)

// sdkSearchReplace is the Go SDK's search_replace request type: its messages are what
// encoding/json writes of it (the SDK's hand-written encoder is checked against that).
type sdkSearchReplace struct {
	Type      string `json:"type"`
	Title     string `json:"title,omitempty"`
	Source    string `json:"source,omitempty"`
	Documents []struct {
		Title       string         `json:"title"`
		Text        string         `json:"text,omitempty"`
		Location    string         `json:"location"`
		Fields      map[string]any `json:"fields,omitempty"`
		ResourceRef string         `json:"resourceRef,omitempty"`
	} `json:"documents"`
}

func sdkSearchMessage(t testing.TB, typ, title, source string, docs ...map[string]any) string {
	t.Helper()
	var r sdkSearchReplace
	r.Type, r.Title, r.Source = typ, title, source
	b, _ := json.Marshal(docs)
	if err := json.Unmarshal(b, &r.Documents); err != nil {
		t.Fatal(err)
	}
	if r.Documents == nil {
		r.Documents = make([]struct {
			Title       string         `json:"title"`
			Text        string         `json:"text,omitempty"`
			Location    string         `json:"location"`
			Fields      map[string]any `json:"fields,omitempty"`
			ResourceRef string         `json:"resourceRef,omitempty"`
		}, 0)
	}
	out, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// searchReplaceCases are messages DecodeFast must take (fast) or leave to encoding/json.
func searchReplaceCases(t testing.TB) []struct {
	msg  string
	fast bool
} {
	odd := "tab\t nl\n quote\" back\\ slash/ html<&> \u2028\u2029 é 😀 \x01 \u007f end"
	doc := map[string]any{"title": "T", "location": "/docs/x/#a", "text": odd, "resourceRef": "component:default/x",
		"fields": map[string]any{"kind": "component", "path": "a/#" + odd, "tags": []string{"a", odd}, "empty": []string{}}}
	golden, err := os.ReadFile("testdata/search-replace.json")
	if err != nil {
		t.Fatal(err)
	}
	return []struct {
		msg  string
		fast bool
	}{
		{sdkSearchMessage(t, "techdocs", "", ""), true},
		{sdkSearchMessage(t, "techdocs", "Docs", "component:default/x", doc, map[string]any{"title": odd, "location": odd}), true},
		{sdkSearchMessage(t, "adr", odd, odd, map[string]any{"title": "t", "location": "/l", "fields": map[string]any{}}), true},
		{`{"type":"t","documents":[{"title":"a\u0000\u00e9\u20ac\/","location":"/l"}]}`, true},
		{`{"type":"t","documents":[{"title":"\ud83d\ude00","location":"/l"}]}`, true},                                   // a surrogate pair
		{`{"type":"t","documents":[{"title":"\ud800","location":"/l"}]}`, true},                                         // a lone surrogate: U+FFFD
		{"{\"type\":\"t\",\"documents\":[{\"title\":\"bad\xff\",\"location\":\"/l\"}]}", true},                          // U+FFFD
		{"{\"type\":\"t\",\"documents\":[{\"title\":\"t\",\"location\":\"/l\",\"fields\":{\"k\":\"bad\xff\"}}]}", true}, // kept raw
		{`{"type":"t","documents":[{"title":"t","location":"/l","fields":{"n":1}}]}`, false},
		{`{"type":"t","documents":[{"title":"t","location":"/l","fields":{"n":["a",1]}}]}`, false},
		{`{"type":"t","documents":[{"title":"t","location":"/l","fields":{"n":null}}]}`, false},
		{`{"type":"t","documents":[{"title":"a\x","location":"/l"}]}`, false},
		{`{"type":"t","documents":[{"title":"t","location":"/l","fields":{"k":"a\x"}}]}`, false},
		{`{"type":"t","documents":[{"title":"t","location":"/l","fields":{"k":["a\u00e9","b\q"]}}]}`, false},
		{`{"type":"t","documents":[{"title":"t","location":"/l","fields":{"k":["a\u00e9","\"<\u003e"]}}]}`, true},
		{`{"type":"t","documents":[{"title":"a\"","location":"/l"}]}`, true},
		{`{"type":"t","documents":[{"title":"a\\","location":"/l"}]}`, true},
		{`{"type":"t","documents":[{"title":"a\u12","location":"/l"}]}`, false},
		{"{\"type\":\"t\",\"documents\":[{\"title\":\"a\tb\",\"location\":\"/l\"}]}", false},
		{string(golden), false}, // spaces
		{`{"type":"t","documents":null}`, false},
		{`{"type":"t","documents":[{"location":"/l","title":"t"}]}`, false},
		{`{"type":"t","documents":[{"title":"t","location":"/l","extra":1}]}`, false},
		{`{"type":"t","documents":[{"title":"t","location":"/l"},]}`, false},
		{`{"type":"t","documents":[{"title":"t","location":"/l"}]} `, false},
		{`{"type":"t","documents":[{"title":"t","location":"/l"}]`, false},
		{`{"type":"t","documents":[{"title":"t","location":"/l","fields":{"a":"b",}}]}`, false},
		{`{"type":"t","title":"a","title":"b","documents":[]}`, false},
		{`{"Type":"t","documents":[]}`, false},
		{`{"type":"t","documents":[{"title":"t","location":"/l","fields":{"a":"1","a":"2"}}]}`, true},
		{`{"type":"t","documents":[{"title":"t`, false},
		{``, false},
	}
}

// TestSearchReplaceDecodeFast: what DecodeFast takes it decodes as encoding/json does, it
// takes the Go SDK's messages, and it leaves every other shape (and the request) to
// encoding/json.
func TestSearchReplaceDecodeFast(t *testing.T) {
	checkDecodeFast(t, searchReplaceCases(t), SearchReplaceRequest{Type: "untouched"})
}

// FuzzSearchReplaceDecodeFast: whatever DecodeFast takes, encoding/json takes too and
// decodes to the same request.
func FuzzSearchReplaceDecodeFast(f *testing.F) {
	for _, c := range searchReplaceCases(f) {
		f.Add(c.msg)
	}
	f.Fuzz(func(t *testing.T, msg string) {
		var fast SearchReplaceRequest
		if !fast.DecodeFast([]byte(msg)) {
			return
		}
		var want SearchReplaceRequest
		if err := json.Unmarshal([]byte(msg), &want); err != nil {
			t.Fatalf("%q: taken, but encoding/json refuses it: %v", msg, err)
		}
		if !reflect.DeepEqual(fast, want) {
			t.Fatalf("%q:\n fast %+v\n json %+v", msg, fast, want)
		}
	})
}

// BenchmarkSearchReplaceDecode decodes a docs site's search_replace request (3,000
// documents, as the TechDocs plugin sends for 300 pages) with DecodeFast and with
// encoding/json.
func BenchmarkSearchReplaceDecode(b *testing.B) {
	var docs []map[string]any
	for i := 0; i < 3000; i++ {
		docs = append(docs, map[string]any{"title": "Topic 1", "location": "/docs/default/component/big/section-1/page-2/#topic-1",
			"text": strings.Repeat("The service reads its configuration at start-up, validates it & refuses <x>. ", 4), "resourceRef": "component:default/big",
			"fields": map[string]any{"kind": "component", "namespace": "default", "name": "big", "type": "service", "lifecycle": "production", "owner": "team-a", "path": "section-1/page-2/#topic-1"}})
	}
	msg := []byte(sdkSearchMessage(b, "techdocs", "", "component:default/big", docs...))
	b.Run("fast", func(b *testing.B) {
		b.SetBytes(int64(len(msg)))
		for i := 0; i < b.N; i++ {
			var r SearchReplaceRequest
			if !r.DecodeFast(msg) {
				b.Fatal("not taken")
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.SetBytes(int64(len(msg)))
		for i := 0; i < b.N; i++ {
			var r SearchReplaceRequest
			if err := json.Unmarshal(msg, &r); err != nil {
				b.Fatal(err)
			}
		}
	})
}
