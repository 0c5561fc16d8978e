package excerpt

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestExcerpt(t *testing.T) {
	long := strings.Repeat("é", 150) // 300 bytes
	cases := []struct {
		name, in, quote, text string
	}{
		{"short", "plain failure", `"plain failure"`, "plain failure"},
		{"quotes", `say "hi" \ bye`, `"say \"hi\" \\ bye"`, `say "hi" \ bye`},
		{"controls", "a\nb\x1b[31mc\x00\u202e", `"a\nb\x1b[31mc\x00\u202e"`, `a\nb\x1b[31mc\x00\u202e`},
		{"invalid utf-8", "a\xffb", `"a\xffb"`, `a\xffb`},
		{"cut at a character", long, `"` + strings.Repeat("é", 100) + `"…`, strings.Repeat("é", 100) + "…"},
	}
	for _, c := range cases {
		if got := Quote(c.in); got != c.quote {
			t.Errorf("%s: Quote = %s, want %s", c.name, got, c.quote)
		}
		if got := Bytes([]byte(c.in)); got != c.quote {
			t.Errorf("%s: Bytes = %s, want %s", c.name, got, c.quote)
		}
		if got := Text(c.in); got != c.text {
			t.Errorf("%s: Text = %s, want %s", c.name, got, c.text)
		}
	}
	// Whatever the input, an excerpt is short, valid UTF-8 and holds no control character.
	evil := strings.Repeat("\x1b[2J\r\n\xff\u2028", 100_000)
	for _, got := range []string{Quote(evil), Bytes([]byte(evil)), Text(evil)} {
		if len(got) > 8*Max || !utf8.ValidString(got) || strings.ContainsFunc(got, func(r rune) bool { return r < 0x20 || r == 0x7f || r == 0x2028 }) {
			t.Errorf("excerpt of hostile text: %d bytes: %q", len(got), got)
		}
	}
}
