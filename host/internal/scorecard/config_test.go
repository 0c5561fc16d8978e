package scorecard

import (
	"errors"
	"strings"
	"testing"

	"greenroom.dev/greenroom/host/internal/lifecycle"
)

// TestConfigErrors: a rule that does not compile, is not a boolean or names an unknown
// level is an error at its YAML path that names the scorecard and the rule.
func TestConfigErrors(t *testing.T) {
	levels := []Level{{Name: "Bronze"}, {Name: "Gold", Color: "#ffd700"}}
	for _, tc := range []struct {
		name string
		def  Definition
		path string
		want []string
	}{
		{"does not compile", Definition{ID: "ready", Levels: levels, Rules: []Rule{
			{ID: "ok", Level: "Bronze", Expression: "true"},
			{ID: "broken", Level: "Gold", Expression: `entity.spec.owner ==`}}},
			"definitions.[0].rules.[1].expression", []string{"scorecard ready, rule broken", "does not compile"}},
		{"unknown variable", Definition{ID: "ready", Levels: levels, Rules: []Rule{
			{ID: "typo", Level: "Bronze", Expression: `entiti.spec.owner != ""`}}},
			"definitions.[0].rules.[0].expression", []string{"scorecard ready, rule typo", "undeclared reference to 'entiti'"}},
		{"not a boolean", Definition{ID: "ready", Levels: levels, Rules: []Rule{
			{ID: "count", Level: "Bronze", Expression: `size(entity.relations)`}}},
			"definitions.[0].rules.[0].expression", []string{"scorecard ready, rule count", "not a boolean"}},
		{"empty expression", Definition{ID: "ready", Levels: levels, Rules: []Rule{
			{ID: "empty", Level: "Bronze"}}},
			"definitions.[0].rules.[0].expression", []string{"rule empty", "empty"}},
		{"unknown level", Definition{ID: "ready", Levels: levels, Rules: []Rule{
			{ID: "r", Level: "Platinum", Expression: "true"}}},
			"definitions.[0].rules.[0].level", []string{"level \"Platinum\"", "Bronze, Gold"}},
		{"bad colour", Definition{ID: "ready", Levels: []Level{{Name: "Bronze", Color: "brown"}}},
			"definitions.[0].levels.[0].color", []string{"not a CSS hex colour"}},
		{"no levels", Definition{ID: "ready"}, "definitions.[0].levels", []string{"has no levels"}},
		{"bad id", Definition{ID: "Ready Now", Levels: levels}, "definitions.[0].id", []string{"lower-case"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := Config{Definitions: []Definition{tc.def}}
			c.ApplyDefaults()
			errs := c.Validate()
			if len(errs) != 1 {
				t.Fatalf("got %d errors, want 1: %v", len(errs), errors.Join(errs...))
			}
			var fe *lifecycle.FieldError
			if !errors.As(errs[0], &fe) {
				t.Fatalf("%v is not a FieldError", errs[0])
			}
			if got := strings.Join(fe.Path, "."); got != tc.path {
				t.Errorf("path %s, want %s", got, tc.path)
			}
			for _, w := range tc.want {
				if !strings.Contains(fe.Msg, w) {
					t.Errorf("%q does not say %q", fe.Msg, w)
				}
			}
		})
	}
}
