package search

import (
	"cmp"
	"slices"
	"strings"
	"unicode/utf8"
)

// Field bits of a posting: which of a document's fields hold the term.
const (
	inTitle uint8 = 1 << iota
	inText
)

// plist is a term's postings: the ids of the documents holding it (ascending: ids are
// handed out in order) and, for each, the fields it is in.
type plist struct {
	ids   []uint32
	masks []uint8
}

// slot is one document of the index. A replaced or removed document stays as a dead
// slot until the index compacts: its id is then no longer in any posting.
type slot struct {
	doc      Document
	typ      string
	source   string
	sortKey  string // lower-cased title, the tie-break between equal scores
	words    string // the title's words joined by spaces, to spot a term that is the title
	titleLen int    // tokens in the title: a shorter title ranks first among equals
	dead     bool
}

// index is the inverted index. The Engine's lock guards it.
type index struct {
	slots    []slot
	dead     int
	sources  map[string][]uint32 // type + "\x00" + source -> ids of its live documents
	types    map[string]int      // type -> live documents
	postings map[string]*plist
	prefix   map[string][]string            // the first three letters of a term -> terms (3+ letters)
	byLen    map[int][]string               // rune length -> terms with a letter, for typo tolerance
	intern   map[string]string              // field keys and values, shared between documents
	fields   map[string]map[string][]uint32 // field key -> lower-cased value -> ids, for filters
	// ranks orders the first len(ranks) slots by title (sortKey, then id), so that the
	// tie-break between equal scores compares numbers, not strings; later slots fall
	// back to comparing titles until the next reranking.
	ranks []uint32
}

// rerank recomputes the title order once enough slots are not in it. Callers hold the
// engine's lock (write).
func (ix *index) rerank() {
	if n := len(ix.slots) - len(ix.ranks); n == 0 || n < len(ix.slots)/20 && n < 4096 {
		return
	}
	ids := make([]uint32, len(ix.slots))
	for i := range ids {
		ids[i] = uint32(i)
	}
	slices.SortFunc(ids, func(a, b uint32) int {
		if c := strings.Compare(ix.slots[a].sortKey, ix.slots[b].sortKey); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	ranks := make([]uint32, len(ids))
	for r, id := range ids {
		ranks[id] = uint32(r)
	}
	ix.ranks = ranks
}

// titleOrder compares two slots by title, then id.
func (ix *index) titleOrder(a, b uint32) int {
	if int(a) < len(ix.ranks) && int(b) < len(ix.ranks) {
		return cmp.Compare(ix.ranks[a], ix.ranks[b])
	}
	if c := strings.Compare(ix.slots[a].sortKey, ix.slots[b].sortKey); c != 0 {
		return c
	}
	return cmp.Compare(a, b)
}

func newIndex() *index {
	return &index{
		sources:  map[string][]uint32{},
		types:    map[string]int{},
		postings: map[string]*plist{},
		prefix:   map[string][]string{},
		byLen:    map[int][]string{},
		intern:   map[string]string{},
		fields:   map[string]map[string][]uint32{},
	}
}

func sourceKey(typ, source string) string { return typ + "\x00" + source }

func (ix *index) keep(s string) string {
	if k, ok := ix.intern[s]; ok {
		return k
	}
	if len(ix.intern) < 1<<16 {
		ix.intern[s] = s
	}
	return s
}

// replace removes the documents of one source of a type and adds docs in their place.
// A document the source sends again unchanged, at the same location, keeps its slot
// and postings: a docs site rebuilt after an edit sends thousands of documents of
// which a few changed, and tokenizing and posting all of them again was most of the
// index's time. Callers hold mu (write) and have checked the documents.
func (ix *index) replace(typ, source string, docs []Document) {
	key := sourceKey(typ, source)
	old := ix.sources[key]
	var byLocation map[string]uint32
	if len(old) > 0 && len(docs) > 0 {
		byLocation = make(map[string]uint32, len(old))
		for _, id := range old {
			byLocation[ix.slots[id].doc.Location] = id
		}
	}
	typ, source = ix.keep(typ), ix.keep(source)
	kept := make(map[uint32]bool, len(old))
	ids := make([]uint32, 0, len(docs))
	var toks []string
	for i := range docs {
		if id, ok := byLocation[docs[i].Location]; ok && !kept[id] && sameDoc(&ix.slots[id].doc, &docs[i]) {
			kept[id] = true
			ids = append(ids, id)
			continue
		}
		id := uint32(len(ix.slots))
		d := docs[i]
		for j := range d.Fields {
			d.Fields[j] = Field{ix.keep(d.Fields[j].Key), ix.keep(d.Fields[j].Value)}
		}
		toks = tokenize(toks[:0], d.Title)
		s := slot{doc: d, typ: typ, source: source, sortKey: strings.ToLower(d.Title), titleLen: len(toks), words: strings.Join(toks, " ")}
		for _, f := range d.Fields {
			vals := ix.fields[f.Key]
			if vals == nil {
				vals = map[string][]uint32{}
				ix.fields[f.Key] = vals
			}
			v := ix.keep(strings.ToLower(f.Value))
			if l := vals[v]; len(l) == 0 || l[len(l)-1] != id {
				vals[v] = append(l, id)
			}
		}
		toks = tokenize(toks, d.Keywords)
		nTitle := len(toks)
		toks = tokenize(toks, d.Text)
		ix.slots = append(ix.slots, s)
		for j, t := range toks {
			m := inText
			if j < nTitle {
				m = inTitle
			}
			ix.post(t, id, m)
		}
		ids = append(ids, id)
	}
	for _, id := range old {
		if !kept[id] {
			ix.slots[id].dead = true
			ix.slots[id].doc = Document{}
			ix.dead++
		}
	}
	ix.types[typ] += len(ids) - len(old)
	if len(ids) == 0 {
		delete(ix.sources, key)
	} else {
		ix.sources[key] = ids
	}
	if ix.types[typ] == 0 {
		delete(ix.types, typ)
	}
}

// post adds one occurrence of term in document id.
func (ix *index) post(term string, id uint32, m uint8) {
	p := ix.postings[term]
	if p == nil {
		term = strings.Clone(term)
		p = &plist{}
		ix.postings[term] = p
		if utf8.RuneCountInString(term) >= 3 {
			k := prefixKey(term)
			ix.prefix[k] = append(ix.prefix[k], term)
		}
		if n := utf8.RuneCountInString(term); n >= 4 && hasLetter(term) {
			ix.byLen[n] = append(ix.byLen[n], term)
		}
	}
	if n := len(p.ids); n > 0 && p.ids[n-1] == id {
		p.masks[n-1] |= m
		return
	}
	p.ids = append(p.ids, id)
	p.masks = append(p.masks, m)
}

// prefixKey is the bucket of a term (or a prefix of 3+ runes) in index.prefix.
func prefixKey(t string) string {
	n := 0
	for i := range t {
		if n == 3 {
			return t[:i]
		}
		n++
	}
	return t
}

// needsCompaction reports whether dead slots outweigh live ones.
func (ix *index) needsCompaction() bool {
	return ix.dead > 4096 && ix.dead > len(ix.slots)/2
}

// compacted returns a new index of the live documents, without dead slots.
func (ix *index) compacted() *index {
	order := make([]string, 0, len(ix.sources))
	for k := range ix.sources {
		order = append(order, k)
	}
	slices.Sort(order)
	n := newIndex()
	n.slots = make([]slot, 0, ix.live())
	for _, k := range order {
		ids := ix.sources[k]
		docs := make([]Document, len(ids))
		for i, id := range ids {
			docs[i] = ix.slots[id].doc
		}
		o := ix.slots[ids[0]]
		n.replace(o.typ, o.source, docs)
	}
	n.rerank()
	return n
}

// live is the number of live documents.
func (ix *index) live() int { return len(ix.slots) - ix.dead }
