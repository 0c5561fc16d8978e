package search

import (
	"crypto/rand"
	"encoding/hex"
	"strings"
	"unicode/utf8"
)

// Tags mark the matched words in a highlighted field. They are made afresh for each
// engine, as Backstage's engines do, so that no document text can forge them; clients
// split on the tags the response names.
type Tags struct{ Pre, Post string }

func newTags() Tags {
	var b [8]byte
	_, _ = rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	return Tags{Pre: "<" + h + ">", Post: "</" + h + ">"}
}

// excerptWords is about how many words of a long text a highlighted excerpt keeps (as
// Postgres' ts_headline's MaxWords).
const excerptWords = 35

// markers are the placeholders highlight puts around matches; Serve replaces them with
// the engine's tags.
const (
	markPre  = "\x00\x01"
	markPost = "\x00\x02"
)

// highlight returns the title and text of d with the words that match words marked,
// the text cut to an excerpt around its first match when it is long.
func highlight(d *Document, words []string) map[string]string {
	return map[string]string{
		"title": mark(d.Title, words, false),
		"text":  mark(d.Text, words, true),
	}
}

func matchesWord(tok string, words []string) bool {
	for _, w := range words {
		if tok == w || utf8.RuneCountInString(w) >= 3 && strings.HasPrefix(tok, w) {
			return true
		}
		if d := fuzzyDistance(w); d > 0 && within(tok, w, d) {
			return true
		}
	}
	return false
}

func mark(s string, words []string, excerpt bool) string {
	sp := spans(s)
	lo, hi := 0, len(s)
	if excerpt && len(sp) > excerptWords {
		first := 0
		for i, x := range sp {
			if matchesWord(x.tok, words) {
				first = i
				break
			}
		}
		from := max(0, first-excerptWords/3)
		to := min(len(sp), from+excerptWords)
		lo, hi = sp[from].start, sp[to-1].end
	}
	var b strings.Builder
	if lo > 0 {
		b.WriteString("... ")
	}
	at := lo
	for _, x := range sp {
		if x.start < lo || x.end > hi || !matchesWord(x.tok, words) {
			continue
		}
		b.WriteString(plain(s[at:x.start]))
		b.WriteString(markPre)
		b.WriteString(s[x.start:x.end])
		b.WriteString(markPost)
		at = x.end
	}
	b.WriteString(plain(s[at:hi]))
	if hi < len(s) {
		b.WriteString(" ...")
	}
	return b.String()
}

// tagged replaces the placeholders with the tags.
func (t Tags) tagged(s string) string {
	if !strings.Contains(s, "\x00") {
		return s
	}
	return strings.NewReplacer(markPre, t.Pre, markPost, t.Post).Replace(s)
}

// plain drops NUL characters from unmatched text, so that a document cannot forge the
// placeholders.
func plain(s string) string {
	if strings.IndexByte(s, 0) < 0 {
		return s
	}
	return strings.ReplaceAll(s, "\x00", "")
}

// Segments splits a highlighted field at the tags: the odd-numbered segments are the
// matches.
func (t Tags) Segments(s string) []string {
	var out []string
	for {
		i := strings.Index(s, t.Pre)
		if i < 0 {
			return append(out, s)
		}
		j := strings.Index(s[i+len(t.Pre):], t.Post)
		if j < 0 {
			return append(out, s)
		}
		out = append(out, s[:i], s[i+len(t.Pre):i+len(t.Pre)+j])
		s = s[i+len(t.Pre)+j+len(t.Post):]
	}
}
