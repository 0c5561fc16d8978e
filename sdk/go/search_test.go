package greenroom

import (
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
