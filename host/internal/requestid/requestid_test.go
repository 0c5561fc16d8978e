package requestid

import (
	"context"
	"regexp"
	"strings"
	"testing"
)

func TestValid(t *testing.T) {
	for _, tc := range []struct {
		id   string
		want bool
	}{
		{"0b6f3c1e-5d0a-4f43-9d36-2a1f0c9b7e11", true},
		{"abc123", true},
		{"Root=1-67891233-abcdef012345678912345678", true},
		{"YWJj+/==", true},
		{"", false},
		{strings.Repeat("a", MaxLen), true},
		{strings.Repeat("a", MaxLen+1), false},
		{"has space", false},
		{"quote\"", false},
		{"new\nline", false},
		{"semi;colon", false},
		{"ünïcode", false},
		{"<script>", false},
	} {
		if got := Valid([]byte(tc.id)); got != tc.want {
			t.Errorf("Valid(%q) = %v, want %v", tc.id, got, tc.want)
		}
	}
}

func TestNew(t *testing.T) {
	uuid := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	seen := map[string]bool{}
	for range 1000 {
		id := New()
		if !uuid.MatchString(id) || !Valid([]byte(id)) {
			t.Fatalf("New() = %q, not a valid v4 UUID", id)
		}
		if seen[id] {
			t.Fatalf("New() repeated %q", id)
		}
		seen[id] = true
	}
}

func TestContext(t *testing.T) {
	if From(context.Background()) != "" {
		t.Fatal("an ID from an empty context")
	}
	if got := From(With(context.Background(), "abc")); got != "abc" {
		t.Fatalf("From(With(abc)) = %q", got)
	}
}
