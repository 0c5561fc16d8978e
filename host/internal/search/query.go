package search

import (
	"cmp"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"
)

// Query is one search, as Serve parses it from the query string.
type Query struct {
	// Term is plain text: it is split into words, and every word must match (as a
	// word, a word's prefix, or a word one or two typos away).
	Term string
	// Types restricts results to these document types; empty means every type.
	Types []string
	// Filters restrict results to documents whose field (key) has one of the values,
	// compared case-insensitively. A document without the field is left out.
	Filters map[string][]string
	// Offset and Limit cut the page.
	Offset, Limit int
	// Visible, when set, reports which of the given lower-cased catalog refs the caller
	// may read; documents whose ResourceRef it refuses are left out.
	Visible func(refs []string) []bool
	// Hidden are types the caller may not read at all.
	Hidden []string
}

// Hit is one result.
type Hit struct {
	Type string
	Doc  Document
	// Rank is the 1-based position of the result over every page.
	Rank int
	// Highlight is the title and text with the matched words between the engine's
	// tags, or nil for an empty term.
	Highlight map[string]string
}

// Result is a page of hits.
type Result struct {
	Hits []Hit
	// Total is the number of results over every page, or -1 when counting them would
	// mean checking every match against the caller's permissions.
	Total int
	// More reports whether there is a next page.
	More bool
}

// Ranking weights: a field's weakest match outweighs the next field's strongest, and
// within a field an exact word outweighs a prefix, which outweighs a typo.
const (
	wTitleExact  = 1000
	wTitlePrefix = 300
	wTitleFuzzy  = 100
	wTextExact   = 30
	wTextPrefix  = 10
	wTextFuzzy   = 3
	// wWholeTitle is added when the term's words are the title's words.
	wWholeTitle = 5000
)

// maxQueryTokens bounds the words of a term that are matched (the rest are ignored).
const maxQueryTokens = 16

// checkAllBelow is how many matches are checked against the caller's permissions in
// full, giving an exact total; past it only as many as the page needs are checked.
const checkAllBelow = 5000

type scratch struct {
	cur   []int32
	total []int32
	hits  []uint8
	last  []uint8
	tok   []uint32 // ids the current word touched
	cands []uint32 // ids every word so far matched
}

var scratchPool = sync.Pool{New: func() any { return &scratch{} }}

func (s *scratch) size(n int) {
	if cap(s.cur) < n {
		n2 := n + n/4
		s.cur, s.total = make([]int32, n2), make([]int32, n2)
		s.hits, s.last = make([]uint8, n2), make([]uint8, n2)
	}
	s.cur, s.total, s.hits, s.last = s.cur[:n], s.total[:n], s.hits[:n], s.last[:n]
}

// expansion is one indexed term a query word matches, and how.
type expansion struct {
	term          string
	wTitle, wText int32
}

// expand lists the terms a query word matches: itself, the terms it is a prefix of
// (for words of 3+ letters), and those within its typo distance.
func (ix *index) expand(t string, dst []expansion) []expansion {
	if _, ok := ix.postings[t]; ok {
		dst = append(dst, expansion{t, wTitleExact, wTextExact})
	}
	n := utf8.RuneCountInString(t)
	if n >= 3 {
		for _, term := range ix.prefix[prefixKey(t)] {
			if len(term) > len(t) && strings.HasPrefix(term, t) {
				dst = append(dst, expansion{term, wTitlePrefix, wTextPrefix})
			}
		}
	}
	if d := fuzzyDistance(t); d > 0 {
		for l := n - d; l <= n+d; l++ {
			for _, term := range ix.byLen[l] {
				if term != t && !strings.HasPrefix(term, t) && within(term, t, d) {
					dst = append(dst, expansion{term, wTitleFuzzy, wTextFuzzy})
				}
			}
		}
	}
	return dst
}

type cand struct {
	id    uint32
	score int32
}

var candPool sync.Pool

func getCands(n int) []cand {
	if p, ok := candPool.Get().(*[]cand); ok && cap(*p) >= n {
		return (*p)[:0]
	}
	return make([]cand, 0, n)
}

func putCands(c []cand) {
	if cap(c) >= 1024 {
		candPool.Put(&c)
	}
}

// search runs q over the index. Callers hold the engine's lock (read).
func (ix *index) search(q *Query) Result {
	words := tokenize(nil, q.Term)
	if len(words) > maxQueryTokens {
		words = words[:maxQueryTokens]
	}
	words = uniqueWords(words)
	filter := ix.filter(q)
	var cands []cand
	defer func() { putCands(cands) }()
	if len(words) == 0 {
		cands = getCands(ix.live())
		for id := range ix.slots {
			if filter(uint32(id)) {
				cands = append(cands, cand{uint32(id), 0})
			}
		}
	} else {
		cands = ix.match(words, filter)
	}
	less := func(a, b cand) int {
		if a.score != b.score {
			return cmp.Compare(b.score, a.score)
		}
		if la, lb := ix.slots[a.id].titleLen, ix.slots[b.id].titleLen; la != lb {
			return cmp.Compare(la, lb)
		}
		return ix.titleOrder(a.id, b.id)
	}
	need := q.Offset + q.Limit + 1
	var page []cand
	total := len(cands)
	switch {
	case q.Visible == nil:
		page = topK(cands, need, less)
	case len(cands) <= checkAllBelow:
		cands = ix.visible(cands, q.Visible)
		total = len(cands)
		page = topK(cands, need, less)
	default:
		total = -1
		for k := need * 2; ; k *= 4 {
			top := topK(cands, k, less)
			page = ix.visible(top, q.Visible)
			if len(page) >= need || len(top) == len(cands) {
				if len(top) == len(cands) {
					total = len(page)
				}
				break
			}
		}
		if len(page) > need {
			page = page[:need]
		}
	}
	res := Result{Total: total}
	if len(page) > q.Offset+q.Limit {
		res.More = true
		page = page[:q.Offset+q.Limit]
	}
	if q.Offset < len(page) {
		page = page[q.Offset:]
	} else {
		page = nil
	}
	for i, c := range page {
		s := &ix.slots[c.id]
		h := Hit{Type: s.typ, Doc: s.doc, Rank: q.Offset + i + 1}
		if len(words) > 0 {
			h.Highlight = highlight(&s.doc, words)
		}
		res.Hits = append(res.Hits, h)
	}
	return res
}

func uniqueWords(w []string) []string {
	out := w[:0]
	for i, x := range w {
		if !slices.Contains(w[:i], x) {
			out = append(out, x)
		}
	}
	return out
}

// match scores the documents that every word matches and filter accepts.
func (ix *index) match(words []string, filter func(uint32) bool) []cand {
	s := scratchPool.Get().(*scratch)
	defer scratchPool.Put(s)
	s.size(len(ix.slots))
	s.cands = s.cands[:0]
	var exp []expansion
	for wi, w := range words {
		exp = ix.expand(w, exp[:0])
		if len(exp) == 0 {
			for _, id := range s.cands {
				s.hits[id], s.total[id] = 0, 0
			}
			return nil
		}
		s.tok = s.tok[:0]
		for _, e := range exp {
			p := ix.postings[e.term]
			for i, id := range p.ids {
				if int(s.hits[id]) != wi {
					continue // missed an earlier word
				}
				var sc int32
				if p.masks[i]&inTitle != 0 {
					sc += e.wTitle
				}
				if p.masks[i]&inText != 0 {
					sc += e.wText
				}
				if s.last[id] == 0 {
					s.last[id] = 1
					s.cur[id] = sc
					s.tok = append(s.tok, id)
				} else if sc > s.cur[id] {
					s.cur[id] = sc
				}
			}
		}
		for _, id := range s.tok {
			s.hits[id]++
			s.total[id] += s.cur[id]
			s.last[id] = 0
		}
		// Documents that matched the earlier words but not this one drop out.
		if wi == 0 {
			s.cands = append(s.cands, s.tok...)
		} else {
			kept := s.cands[:0]
			for _, id := range s.cands {
				if int(s.hits[id]) == wi+1 {
					kept = append(kept, id)
				} else {
					s.hits[id], s.total[id] = 0, 0
				}
			}
			s.cands = kept
		}
	}
	joined := strings.Join(words, " ")
	out := getCands(len(s.cands))
	for _, id := range s.cands {
		sc := s.total[id]
		s.hits[id], s.total[id] = 0, 0
		if ix.slots[id].dead || !filter(id) {
			continue
		}
		if ix.slots[id].titleLen == len(words) && ix.slots[id].words == joined {
			sc += wWholeTitle
		}
		out = append(out, cand{id, sc})
	}
	return out
}

// filter returns the check of q's types, hidden types and field filters. Field
// filters are read from the index's field lists into one bit set per query.
func (ix *index) filter(q *Query) func(uint32) bool {
	types := map[string]bool{}
	for _, t := range q.Types {
		types[t] = true
	}
	hidden := q.Hidden
	var bits []uint64
	for k, vals := range q.Filters {
		set := make([]uint64, len(ix.slots)/64+1) // 14 KiB at 110k documents
		for _, v := range vals {
			for _, id := range ix.fields[k][strings.ToLower(v)] {
				set[id/64] |= 1 << (id % 64)
			}
		}
		if bits == nil {
			bits = set
		} else {
			for i := range bits {
				bits[i] &= set[i]
			}
		}
	}
	return func(id uint32) bool {
		s := &ix.slots[id]
		if s.dead || len(types) > 0 && !types[s.typ] || len(hidden) > 0 && slices.Contains(hidden, s.typ) {
			return false
		}
		return bits == nil || bits[id/64]&(1<<(id%64)) != 0
	}
}

// visible keeps the candidates the caller may read, in order.
func (ix *index) visible(cands []cand, visible func([]string) []bool) []cand {
	var refs []string
	var at []int
	for i, c := range cands {
		if r := ix.slots[c.id].doc.ResourceRef; r != "" {
			refs = append(refs, r)
			at = append(at, i)
		}
	}
	if len(refs) == 0 {
		return cands
	}
	ok := visible(refs)
	drop := make([]bool, len(cands))
	for j, i := range at {
		drop[i] = !ok[j]
	}
	out := make([]cand, 0, len(cands))
	for i, c := range cands {
		if !drop[i] {
			out = append(out, c)
		}
	}
	return out
}

// topK returns the k best candidates in order (all of them when there are fewer),
// without sorting the rest.
func topK(cands []cand, k int, less func(a, b cand) int) []cand {
	if len(cands) <= k || len(cands) <= 64 {
		out := slices.Clone(cands)
		slices.SortFunc(out, less)
		if len(out) > k {
			out = out[:k]
		}
		return out
	}
	top := make([]cand, 0, k+1)
	for _, c := range cands {
		if len(top) == k && less(c, top[k-1]) >= 0 {
			continue
		}
		i, _ := slices.BinarySearchFunc(top, c, less)
		top = slices.Insert(top, i, c)
		if len(top) > k {
			top = top[:k]
		}
	}
	return top
}
