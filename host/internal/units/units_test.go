package units

import (
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

func TestByteSize(t *testing.T) {
	for _, c := range []struct {
		in   string
		want ByteSize
		err  string
	}{
		{"512", 512, ""},
		{"64KiB", 64 << 10, ""},
		{"10MiB", 10 << 20, ""},
		{"1GiB", 1 << 30, ""},
		{"10MB", 10 << 20, ""},
		{" 2 M", 2 << 20, ""},
		{"-1", 0, "line 1: \"-1\" is not a size like 64MiB"},
		{"lots", 0, "is not a size like 64MiB"},
		{"99999999999GiB", 0, "not a size"},
		{"[1]", 0, "line 1: want a size like 64MiB"},
	} {
		var v ByteSize
		err := yaml.Unmarshal([]byte(c.in), &v)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%q: %v, want an error containing %q", c.in, err, c.err)
			}
			continue
		}
		if err != nil || v != c.want {
			t.Errorf("%q: %v %v, want %v", c.in, v, err, c.want)
		}
		if back, _ := ParseByteSize(v.String()); back != v {
			t.Errorf("%q: String %s does not parse back", c.in, v)
		}
	}
}

func TestDuration(t *testing.T) {
	for _, c := range []struct {
		in   string
		want time.Duration
		err  string
	}{
		{"500ms", 500 * time.Millisecond, ""},
		{"1h30m", 90 * time.Minute, ""},
		{"{minutes: 5}", 5 * time.Minute, ""},
		{"{hours: 1, minutes: 30}", 90 * time.Minute, ""},
		{"{seconds: 1.5}", 1500 * time.Millisecond, ""},
		{"-5s", 0, "line 1: \"-5s\" is not a duration"},
		{"soon", 0, "is not a duration like 500ms"},
		{"{fortnights: 1}", 0, "line 1: unknown unit \"fortnights\""},
		{"{minutes: -1}", 0, "minutes: \"-1\" is not a non-negative number"},
		{"[5s]", 0, "want a duration like 5s"},
	} {
		var v Duration
		err := yaml.Unmarshal([]byte(c.in), &v)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%q: %v, want an error containing %q", c.in, err, c.err)
			}
			continue
		}
		if err != nil || v.D() != c.want {
			t.Errorf("%q: %v %v, want %v", c.in, v, err, c.want)
		}
	}
}

// A bad value in a larger document names its own line, as the loader needs.
func TestErrorLine(t *testing.T) {
	var v struct {
		A Duration `yaml:"a"`
		B ByteSize `yaml:"b"`
	}
	err := yaml.Unmarshal([]byte("a: 5s\nb: lots\n"), &v)
	var te *yaml.TypeError
	if !errorsAs(err, &te) || len(te.Errors) != 1 || !strings.HasPrefix(te.Errors[0], "line 2: ") {
		t.Fatalf("%v", err)
	}
}

func errorsAs(err error, te **yaml.TypeError) bool {
	t, ok := err.(*yaml.TypeError)
	*te = t
	return ok
}
