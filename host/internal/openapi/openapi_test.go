package openapi

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestDocuments(t *testing.T) {
	want := []string{"admin", "audit", "auth", "catalog", "permission", "scaffolder", "scorecards", "search"}
	if got := IDs(); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("IDs() = %v, want %v", got, want)
	}
	for _, id := range want {
		b, _ := Document(id)
		var d struct {
			OpenAPI    string
			Info       struct{ Title string }
			Components struct{ Schemas map[string]any }
			Paths      map[string]any
		}
		if err := json.Unmarshal(b, &d); err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		if d.OpenAPI != "3.1.0" || d.Info.Title != id || len(d.Paths) == 0 || d.Components.Schemas["Error"] == nil {
			t.Errorf("%s: openapi %q, title %q, %d paths, Error schema %v", id, d.OpenAPI, d.Info.Title, len(d.Paths), d.Components.Schemas["Error"] != nil)
		}
		if err := Check(b); err != nil {
			t.Errorf("%s: Check: %v", id, err)
		}
	}
}

func TestCheck(t *testing.T) {
	for _, tc := range []struct{ doc, want string }{
		{`{"openapi":"3.1.0","info":{"title":"x","version":"1"},"paths":{}}`, ""},
		{`{"openapi":"3.0.3","info":{"title":"x","version":"1"},"paths":{}}`, ""},
		{`[]`, "not a JSON object"},
		{`{"swagger":"2.0","info":{},"paths":{}}`, `no "openapi" version`},
		{`{"openapi":"4.0","info":{},"paths":{}}`, "OpenAPI 3 documents"},
		{`{"openapi":"3.1.0","paths":{}}`, `no "info"`},
		{`{"openapi":"3.1.0","info":{}}`, `no "paths"`},
	} {
		err := Check([]byte(tc.doc))
		if (tc.want == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Check(%s) = %v, want %q", tc.doc, err, tc.want)
		}
	}
}
