package search

import (
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
)

// The document types the host's own collators write.
const (
	TypeCatalog  = "software-catalog"
	TypeTechDocs = "techdocs"
)

// TypeInfo describes a registered document type.
type TypeInfo struct {
	// Name is the type as queries name it (types[]=...).
	Name string `json:"name"`
	// Title is how the search page's tabs name it.
	Title string `json:"title"`
	// CatalogRead marks a type whose documents stand for catalog entities (or pages of
	// them): a caller whose catalog.entity.read decision is DENY sees none of them.
	CatalogRead bool `json:"catalogRead"`
	// Owner is the plugin whose collator writes it, "" for the host's.
	Owner string `json:"owner,omitempty"`
}

// Sink is what a collator writes to: the interface TechDocs and the plugins' host
// function use. Replace swaps the documents one source of a type contributed
// (a plugin's whole set, or one entity's TechDocs pages) for docs, in one step:
// queries see either the old set or the new one. An empty docs removes the source.
type Sink interface {
	Replace(typ, source string, docs []Document) error
}

// Engine is the search index and its registered types. It is safe for concurrent
// use: queries share a read lock, and each Replace holds the write lock for the
// time it takes to post its documents.
type Engine struct {
	cfg  atomic.Pointer[Config] // swapped whole by SetConfig on a config reload
	log  *slog.Logger
	tags Tags
	file string // where the documents are kept; "" for none

	mu    sync.RWMutex
	idx   *index
	types map[string]TypeInfo

	dirty   atomic.Bool
	saveMu  sync.Mutex
	changes atomic.Uint64
}

// Options configure an Engine.
type Options struct {
	Config Config
	// File keeps the index's documents across restarts (in the data directory); ""
	// keeps them in memory only.
	File   string
	Logger *slog.Logger
}

// New returns an Engine with the host's types registered, and the documents of
// opts.File when it holds a good index. A missing file starts empty; a corrupt one is
// kept beside it (FILE.corrupt) and logged, and the collators fill the index again.
func New(opts Options) *Engine {
	opts.Config.ApplyDefaults()
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	e := &Engine{log: opts.Logger, tags: newTags(), file: opts.File, idx: newIndex(), types: map[string]TypeInfo{}}
	e.cfg.Store(&opts.Config)
	e.Register(TypeInfo{Name: TypeCatalog, Title: "Software Catalog", CatalogRead: true})
	e.Register(TypeInfo{Name: TypeTechDocs, Title: "Documentation", CatalogRead: true})
	if opts.File != "" {
		e.load()
	}
	return e
}

// Config is the engine's config, with its defaults.
func (e *Engine) Config() Config { return *e.cfg.Load() }

// SetConfig applies a reloaded search section: the next query and the next set of
// documents a source hands over are checked against its limits. Documents already
// in the index stay.
func (e *Engine) SetConfig(c Config) {
	c.ApplyDefaults()
	e.cfg.Store(&c)
}

// Tags are the engine's highlight tags.
func (e *Engine) Tags() Tags { return e.tags }

// Register adds a document type (a plugin's collator registers its own). Registering
// a type again replaces its description.
func (e *Engine) Register(t TypeInfo) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.types[t.Name] = t
}

// Types lists the registered types, the host's first, then by name.
func (e *Engine) Types() []TypeInfo {
	e.mu.RLock()
	defer e.mu.RUnlock()
	out := make([]TypeInfo, 0, len(e.types))
	for _, t := range e.types {
		out = append(out, t)
	}
	rank := func(n string) int {
		switch n {
		case TypeCatalog:
			return 0
		case TypeTechDocs:
			return 1
		}
		return 2
	}
	sort.Slice(out, func(i, j int) bool {
		if ri, rj := rank(out[i].Name), rank(out[j].Name); ri != rj {
			return ri < rj
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// Type returns a registered type.
func (e *Engine) Type(name string) (TypeInfo, bool) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	t, ok := e.types[name]
	return t, ok
}

// Replace implements Sink. It refuses the whole set, keeping the source's previous
// documents, when the type is not registered, when there are more than
// search.maxSourceDocuments, or when a document is malformed (the error names it).
func (e *Engine) Replace(typ, source string, docs []Document) error {
	if _, ok := e.Type(typ); !ok {
		return fmt.Errorf("search: %s %q: type %q is not registered", typ, source, typ)
	}
	if limit := e.Config().MaxSourceDocuments; len(docs) > limit {
		return fmt.Errorf("search: %s %q: %d documents, over search.maxSourceDocuments (%d); send fewer, or raise the limit", typ, source, len(docs), limit)
	}
	for i := range docs {
		if err := docs[i].check(); err != nil {
			return fmt.Errorf("search: %s %q: document %d (%q): %w", typ, source, i, excerptOf(docs[i].Title), err)
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.replaceLocked(typ, source, docs)
	e.idx.rerank()
	return nil
}

func (e *Engine) replaceLocked(typ, source string, docs []Document) {
	if e.same(typ, source, docs) {
		return
	}
	e.idx.replace(typ, source, docs)
	if e.idx.needsCompaction() {
		e.idx = e.idx.compacted()
	}
	e.dirty.Store(true)
	e.changes.Add(1)
}

// replaceType replaces every source of a type: those in bySource get its documents,
// the others are removed. The documents are the host's own (checked by their maker).
func (e *Engine) replaceType(typ string, bySource map[string][]Document) {
	e.mu.Lock()
	defer e.mu.Unlock()
	var gone []string
	for _, ids := range e.idx.sources {
		if len(ids) > 0 && e.idx.slots[ids[0]].typ == typ {
			if src := e.idx.slots[ids[0]].source; bySource[src] == nil {
				gone = append(gone, src)
			}
		}
	}
	for _, src := range gone {
		e.replaceLocked(typ, src, nil)
	}
	keys := make([]string, 0, len(bySource))
	for k := range bySource {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		e.replaceLocked(typ, k, bySource[k])
	}
	e.idx.rerank()
}

// same reports whether a source already holds exactly docs. Callers hold mu.
func (e *Engine) same(typ, source string, docs []Document) bool {
	ids := e.idx.sources[sourceKey(typ, source)]
	if len(ids) != len(docs) {
		return false
	}
	for i, id := range ids {
		if !sameDoc(&e.idx.slots[id].doc, &docs[i]) {
			return false
		}
	}
	return true
}

func sameDoc(a, b *Document) bool {
	return a.Title == b.Title && a.Text == b.Text && a.Location == b.Location && a.Keywords == b.Keywords &&
		a.ResourceRef == b.ResourceRef && slices.Equal(a.Fields, b.Fields)
}

// Search runs a query. Its Limit is used as given (Serve applies the defaults).
func (e *Engine) Search(q Query) Result {
	e.mu.RLock()
	defer e.mu.RUnlock()
	res := e.idx.search(&q)
	for i := range res.Hits {
		for k, v := range res.Hits[i].Highlight {
			res.Hits[i].Highlight[k] = e.tags.tagged(v)
		}
	}
	return res
}

// Count returns the number of documents of a type ("" for every type).
func (e *Engine) Count(typ string) int {
	e.mu.RLock()
	defer e.mu.RUnlock()
	if typ == "" {
		return e.idx.live()
	}
	return e.idx.types[typ]
}

// Changes counts the index's changes, so that a test or a page can wait for one.
func (e *Engine) Changes() uint64 { return e.changes.Load() }
