// Package excerpt makes the short, escaped excerpts of untrusted text that the host puts
// into error messages shown to clients, written to its log or stored on entities:
// fetched content (an upstream's response body, a catalog file's values) and what a
// plugin says about itself. An excerpt is at most Max bytes of the text, cut at a
// character boundary, with control characters, invalid UTF-8 and other characters that
// do not print escaped as Go escapes them, so that it cannot forge log lines or drive a
// terminal, and "…" after it when it was cut.
package excerpt

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Max is how many bytes of the text an excerpt keeps.
const Max = 200

// Quote returns a quoted excerpt of s: "..." as strconv.Quote writes it, followed by "…"
// when s was cut.
func Quote(s string) string {
	head, cut := cutAt(s, Max)
	q := strconv.Quote(head)
	if cut {
		q += "…"
	}
	return q
}

// Text returns an excerpt of s without quotes, for text that is the message itself: cut
// to Max bytes and escaped as Quote escapes, except that quotes and backslashes are
// kept as they are.
func Text(s string) string { return Limit(s, Max) }

// Limit is Text with a limit of n bytes.
func Limit(s string, n int) string {
	head, cut := cutAt(s, n)
	var b strings.Builder
	b.Grow(len(head) + 16)
	for i := 0; i < len(head); {
		r, size := utf8.DecodeRuneInString(head[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteString(`\x`)
			b.WriteString(hex2(head[i]))
		case r == '"' || r == '\\' || strconv.IsPrint(r):
			b.WriteString(head[i : i+size])
		default:
			q := strconv.QuoteRune(r) // 'x' with the escape inside
			b.WriteString(q[1 : len(q)-1])
		}
		i += size
	}
	if cut {
		b.WriteString("…")
	}
	return b.String()
}

// Bytes is Quote of b.
func Bytes(b []byte) string {
	if len(b) > Max+utf8.UTFMax {
		b = b[:Max+utf8.UTFMax] // convert only what can be kept; it is still cut
	}
	return Quote(string(b))
}

func cutAt(s string, n int) (string, bool) {
	if len(s) <= n {
		return s, false
	}
	i := n
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i], true
}

func hex2(c byte) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[c>>4], digits[c&0xF]})
}
