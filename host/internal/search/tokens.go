package search

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxTokenLen bounds one token: longer runs of letters are cut, so that a pasted blob
// cannot make a term longer than any word worth finding.
const maxTokenLen = 64

// tokenize appends the lower-cased word tokens of s to dst: runs of letters and digits,
// split at everything else (spaces, punctuation, hyphens, dots). Every character of a
// query syntax is a separator here, so a term is always plain text.
func tokenize(dst []string, s string) []string {
	start := -1
	flush := func(end int) {
		if start >= 0 {
			dst = append(dst, normToken(s[start:end]))
			start = -1
		}
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' {
				if start < 0 {
					start = i
				}
			} else {
				flush(i)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if start < 0 {
				start = i
			}
		} else {
			flush(i)
		}
		i += n
	}
	flush(len(s))
	return dst
}

func normToken(t string) string {
	if len(t) > maxTokenLen {
		t = t[:maxTokenLen]
		for len(t) > 0 && !utf8.ValidString(t) {
			t = t[:len(t)-1]
		}
	}
	for i := 0; i < len(t); i++ {
		if c := t[i]; c >= 'A' && c <= 'Z' || c >= utf8.RuneSelf {
			return strings.ToLower(t)
		}
	}
	return t
}

// span is a token's place in a field's text, for highlighting.
type span struct {
	start, end int
	tok        string
}

// spans is tokenize with the byte offsets of each token.
func spans(s string) []span {
	var out []span
	start := -1
	for i := 0; i <= len(s); {
		var r rune
		n := 1
		if i < len(s) {
			r, n = utf8.DecodeRuneInString(s[i:])
		}
		word := i < len(s) && (unicode.IsLetter(r) || unicode.IsDigit(r))
		if word && start < 0 {
			start = i
		}
		if !word && start >= 0 {
			out = append(out, span{start, i, normToken(s[start:i])})
			start = -1
		}
		i += n
	}
	return out
}

// hasLetter reports whether a token has a letter (typo tolerance is for words, not
// numbers).
func hasLetter(t string) bool {
	for _, r := range t {
		if unicode.IsLetter(r) {
			return true
		}
	}
	return false
}

// within reports whether the edit distance between a and b (as runes) is at most d,
// stopping as soon as every path is over it. ASCII words of up to 64 bytes, nearly
// every word, are compared without allocating.
func within(a, b string, d int) bool {
	if abs(len(a)-len(b)) > 4*d {
		return false // each rune is at most 4 bytes
	}
	if len(a) <= 64 && len(b) <= 64 && ascii(a) && ascii(b) {
		if abs(len(a)-len(b)) > d {
			return false
		}
		var prevA, curA [65]int
		return withinSeq(len(a), len(b), func(i, j int) bool { return a[i] == b[j] }, prevA[:len(b)+1], curA[:len(b)+1], d)
	}
	ra, rb := []rune(a), []rune(b)
	if abs(len(ra)-len(rb)) > d {
		return false
	}
	return withinSeq(len(ra), len(rb), func(i, j int) bool { return ra[i] == rb[j] }, make([]int, len(rb)+1), make([]int, len(rb)+1), d)
}

func withinSeq(na, nb int, eq func(i, j int) bool, prev, cur []int, d int) bool {
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= na; i++ {
		cur[0] = i
		best := cur[0]
		for j := 1; j <= nb; j++ {
			cost := 1
			if eq(i-1, j-1) {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			best = min(best, cur[j])
		}
		if best > d {
			return false
		}
		prev, cur = cur, prev
	}
	return prev[nb] <= d
}

func ascii(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// fuzzyDistance is the edit distance a query token of n runes tolerates: none under
// five letters, one up to seven, two from eight.
func fuzzyDistance(tok string) int {
	n := utf8.RuneCountInString(tok)
	switch {
	case n < 5 || !hasLetter(tok):
		return 0
	case n < 8:
		return 1
	default:
		return 2
	}
}
