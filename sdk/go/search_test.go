package greenroom

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestReplaceSearchDocuments: the request the collator sends is search_replace's
// message, and the count comes back; an error envelope is an *Error.
func TestReplaceSearchDocuments(t *testing.T) {
	var got string
	defer UseTestHost(&TestHost{Call: func(fn string, req []byte) []byte {
		got = fn + " " + string(req)
		if strings.Contains(string(req), `"type":"other"`) {
			return []byte(`{"error":{"code":"capability_denied","message":"search_replace: plugin p may not write documents of type \"other\""}}`)
		}
		return []byte(`{"result":{"count":1}}`)
	}})()
	n, err := ReplaceSearchDocuments(&SearchReplace{Type: "adr", Title: "Decisions", Documents: []SearchDocument{
		{Title: "Use queues", Location: "/adr/1", Fields: map[string]any{"status": "accepted", "tags": []string{"a"}}},
	}})
	want := `search_replace {"type":"adr","title":"Decisions","documents":[{"title":"Use queues","location":"/adr/1","fields":{"status":"accepted","tags":["a"]}}]}`
	if err != nil || n != 1 || got != want {
		t.Errorf("got %d %v\n%s\nwant\n%s", n, err, got, want)
	}
	if n, err := ReplaceSearchDocuments(&SearchReplace{Type: "other"}); n != 0 || ErrorCode(err) != CodeCapabilityDenied {
		t.Errorf("denied: %d %v", n, err)
	}
	if !strings.Contains(got, `"documents":[]`) {
		t.Errorf("an empty set is sent as [] (removing the documents): %s", got)
	}
}

// TestSearchReplaceMatchesEncodingJSON: the hand-written request is byte for byte what
// encoding/json writes, for every shape of document and field value, and a field value
// encoding/json refuses fails the call with invalid_argument before it reaches the host.
func TestSearchReplaceMatchesEncodingJSON(t *testing.T) {
	text := "tab\t nl\n quote\" back\\ ctl\x01 html<&> \u2028\u2029 é 😀 bad\xff end"
	for _, r := range []SearchReplace{
		{Type: "techdocs"},
		{Type: "techdocs", Documents: []SearchDocument{}},
		{Type: "adr", Title: text, Source: "component:default/" + text, Documents: []SearchDocument{
			{Title: text, Text: text, Location: "/docs/x#" + text, ResourceRef: "component:default/x"},
			{Title: "t", Location: "/l", Fields: map[string]any{}},
			{Title: "t", Location: "/l", Fields: map[string]any{
				"z": "last", "a": text, "é": []string{"x", text}, "none": []string(nil), "empty": []string{},
				"n": 3, "b": true, "nil": nil, "m": map[string]int{"k": 1}, text: "key",
			}},
		}},
	} {
		want, err := json.Marshal(&r)
		if err != nil {
			t.Fatal(err)
		}
		got, err := r.appendJSON([]byte("prefix"))
		if err != nil || string(got) != "prefix"+string(want) {
			t.Errorf("%+v: %v\n got %s\nwant prefix%s", r, err, got, want)
		}
	}
	called := false
	defer UseTestHost(&TestHost{Call: func(string, []byte) []byte { called = true; return nil }})()
	_, err := ReplaceSearchDocuments(&SearchReplace{Type: "t", Documents: []SearchDocument{{Title: "t", Location: "/l", Fields: map[string]any{"f": func() {}}}}})
	if ErrorCode(err) != CodeInvalidArgument || !strings.Contains(err.Error(), "search_replace: encoding the request") || called {
		t.Errorf("a field encoding/json refuses: %v (host called: %v)", err, called)
	}
}
