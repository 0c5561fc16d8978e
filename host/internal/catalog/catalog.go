package catalog

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha1"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"greenroom.dev/greenroom/host/internal/catalog/model"
)

// Options configure a Catalog.
type Options struct {
	Config Config
	// BaseDir resolves relative `file` targets of catalog.locations (the directory of
	// app-config.yaml). Empty means the working directory.
	BaseDir string
	Store   Store        // nil means an in-memory store
	Reader  Reader       // nil means a BasicReader
	Logger  *slog.Logger // nil means slog.Default()
	// Workers read and parse files in parallel; 0 means 4.
	Workers int
	// Observer is told of every processing pass (the host's metrics); nil observes
	// nothing.
	Observer Observer
	// Shared says the store is shared with other replicas (PostgreSQL): the catalog is
	// Ready once loaded, since it serves what the shared store holds, and Reload keeps
	// it current.
	Shared bool
}

// entity is the in-memory state of one catalog entity.
//
// What is served is doc (the processed body with uid and etag filled in) with the
// entity's relations and status spliced in before its closing brace: relations are
// written at serve time from fwd and the edges stored at the entity (Catalog.rels), and
// status is kept as its JSON tail, which is nil for most entities. The etag hashes the
// whole served document; stitching recomputes it whenever relations or status change.
type entity struct {
	key       string // lower-cased ref, the map key
	ref       string // kind:namespace/name (name as written)
	kind      string // lower-cased kind
	uid       string
	hash      [sha1.Size]byte // hash of the body (with the uid placeholder), to skip unchanged entities
	source    string          // location key that emits it ("type:target")
	origin    string          // root location key
	errors    []StatusItem
	conflicts map[string]string // conflicting location key -> message
	orphan    bool

	doc     []byte    // the stitched body (uid, etag), without relations and status
	status  []byte    // `,"status":{...}` to splice after relations, or nil
	fwd     []ownEdge // relations the entity emits about itself
	slot    uint32    // kept by the index (index.go); see index.holds
	indexed bool      // kept by the index
	pend    *pending  // set from processing until the entity is stitched
}

// pending is an entity's processed state between processing and stitching.
type pending struct {
	body  []byte // processed entity JSON (etag placeholder, no relations/status)
	pairs []pair // search rows of the body; nil means decode them from body
}

// hashed reports whether the entity has been processed (it has a body hash).
func (e *entity) hashed() bool { return e.hash != [sha1.Size]byte{} }

// bodyBytes returns the processed entity JSON (etag placeholder, no relations/status).
// After stitching it is rebuilt from doc, so each entity keeps one copy in memory.
func (e *entity) bodyBytes() []byte {
	if e.pend != nil && e.pend.body != nil {
		return e.pend.body
	}
	if e.doc == nil {
		return nil
	}
	out := append([]byte(nil), e.doc...)
	if i := bytes.Index(out, etagPrefix); i >= 0 && i+len(etagMarker) <= len(out) {
		copy(out[i:], etagMarker)
	}
	return out
}

// relations recomputes the relations an entity emits from its body, by the kind's
// rules in force now (the built-in kinds' or catalog.kinds').
func (c *Catalog) relations(e *entity) []model.Relation {
	var doc map[string]any
	if json.Unmarshal(e.bodyBytes(), &doc) != nil {
		return nil
	}
	rels, _ := c.relationsOf(doc)
	return rels
}

// Catalog is safe for concurrent use: queries run in parallel under a read lock, and
// processing applies each batch under the write lock.
type Catalog struct {
	opts   Options
	kinds  map[string]bool // kinds catalog.rules allows everywhere (Config.allowed)
	log    *slog.Logger
	store  Store
	reader Reader

	mu        sync.RWMutex
	ents      map[string]*entity
	byUID     map[string]*entity
	rels      map[string][]relEdge // lower-cased source ref -> edges
	intern    map[string]string
	sources   map[string]*sourceState
	locations map[string]*Location       // id -> registered location
	warned    map[string]map[string]bool // source key -> processing errors already logged
	idx       *index
	version   atomic.Uint64
	qcache    queryCache
	fcache    facetCache
	journal   journal // what each recent version changed (changes.go)
	// entVers and srcVers are the row versions of the entities and sources last read
	// from a VersionedStore (nil on another store), so that Reload reads only the rows
	// that changed since (replica.go). Guarded by procMu.
	entVers, srcVers map[string]uint64

	// Allocation of long-lived entity memory (see newEntity, docSlab, maybeRepack):
	// entities and document bytes handed out since the last repack, and live documents.
	entChunk []entity
	entAlloc int
	docAlloc int
	docLive  int

	procMu  sync.Mutex  // one processing pass at a time
	running atomic.Bool // Run has been called
	ready   atomic.Bool // Run's first pass has finished
	// lastPass is when the last processing pass over every location finished without
	// error, in Unix nanoseconds (LastRefresh).
	lastPass atomic.Int64

	// custom is catalog.kinds, compiled (kinds.go); SetKinds swaps it on reload, and
	// asks the processing loop for a pass through kick.
	custom atomic.Pointer[kindSet]
	kick   chan struct{}
}

// Location is a registered location (from catalog.locations, POST /locations or a
// plugin's entity provider).
type Location struct {
	ID     string `json:"id"`
	Type   string `json:"type"`
	Target string `json:"target"`
	// Origin is "config", "api" or "provider:<name>"; not part of Backstage's shape.
	Origin string `json:"-"`
	Rules  []Rule `json:"-"`
}

// Key is the location key, "type:target".
func (l *Location) Key() string { return l.Type + ":" + l.Target }

type storedLocation struct {
	ID     string `json:"id"`
	Type   string `json:"type"`
	Target string `json:"target"`
	Origin string `json:"origin"`
	Rules  []Rule `json:"rules,omitempty"`
}

// sourceState is what the catalog remembers about one read location target.
type sourceState struct {
	Key      string   `json:"key"`
	Type     string   `json:"type"`
	Target   string   `json:"target"`
	Root     string   `json:"root"`          // root location key
	Via      string   `json:"via,omitempty"` // key of the Location entity that lists it
	ETag     string   `json:"etag,omitempty"`
	Refs     []string `json:"refs,omitempty"`     // entity keys it emits (owned or not)
	Children []string `json:"children,omitempty"` // child source keys
	Errors   []string `json:"errors,omitempty"`
	Optional bool     `json:"optional,omitempty"`
	// Rules fingerprints the kind rules this source was processed under; when they
	// change, the source is read again even if its ETag still matches.
	Rules string `json:"rules,omitempty"`
}

// New loads the catalog from the store. Call Run to begin processing.
func New(ctx context.Context, opts Options) (*Catalog, error) {
	if errs := opts.Config.Validate(); len(errs) > 0 {
		return nil, fmt.Errorf("catalog: %w", errors.Join(errs...))
	}
	if opts.Store == nil {
		opts.Store = NewMemoryStore()
	}
	if opts.Reader == nil {
		opts.Reader = &BasicReader{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Workers <= 0 {
		opts.Workers = 4
	}
	c := &Catalog{
		opts: opts, kinds: opts.Config.allowed(), log: opts.Logger, store: opts.Store, reader: opts.Reader,
		ents: map[string]*entity{}, byUID: map[string]*entity{}, rels: map[string][]relEdge{}, intern: map[string]string{},
		sources: map[string]*sourceState{}, locations: map[string]*Location{}, idx: newIndex(),
		warned: map[string]map[string]bool{}, kick: make(chan struct{}, 1),
	}
	ks, _ := compileKinds(opts.Config.Kinds) // Validate has reported any error
	c.custom.Store(ks)
	if err := c.load(ctx); err != nil {
		return nil, fmt.Errorf("catalog: load from store: %w", err)
	}
	if err := c.syncConfigLocations(ctx); err != nil {
		return nil, fmt.Errorf("catalog: register catalog.locations: %w", err)
	}
	if opts.Shared {
		c.ready.Store(true)
	}
	return c, nil
}

// configLocations turns catalog.locations into Locations with stable ids.
func (c *Catalog) configLocations() []*Location {
	var out []*Location
	for _, l := range c.opts.Config.Locations {
		target := l.Target
		if l.Type == "file" && !filepath.IsAbs(target) {
			target = filepath.Join(c.opts.BaseDir, target)
			if abs, err := filepath.Abs(target); err == nil {
				target = abs
			}
		}
		loc := &Location{Type: l.Type, Target: target, Origin: "config", Rules: l.Rules}
		loc.ID = stableID(loc.Key())
		out = append(out, loc)
	}
	return out
}

// syncConfigLocations registers config locations and drops those removed from config
// (their entities are orphaned on the next pass).
func (c *Catalog) syncConfigLocations(ctx context.Context) error {
	want := map[string]*Location{}
	for _, l := range c.configLocations() {
		want[l.ID] = l
	}
	var ops []Op
	c.mu.Lock()
	var removed []*Location
	for id, l := range c.locations {
		if l.Origin == "config" && want[id] == nil {
			removed = append(removed, l)
			delete(c.locations, id)
			ops = append(ops, Op{Bucket: BucketLocations, Key: id})
		}
	}
	for id, l := range want {
		c.locations[id] = l
		ops = append(ops, Op{Bucket: BucketLocations, Key: id, Value: mustJSON(storedLocation{ID: l.ID, Type: l.Type, Target: l.Target, Origin: l.Origin, Rules: l.Rules})})
	}
	c.mu.Unlock()
	if err := c.store.Apply(ctx, ops); err != nil {
		return err
	}
	for _, l := range removed {
		if err := c.removeRoot(ctx, l, c.opts.Config.OrphanStrategy != "keep"); err != nil {
			return err
		}
	}
	return nil
}

// Run processes every registered location once, then refreshes them at the
// processing interval (catalog.processingInterval; none when it is 0) until ctx is
// done. It returns only when everything it started has stopped: a pass that is running
// when ctx is done is cancelled between files. It returns ctx's error once ctx is done,
// or sooner the error of the first pass if that fails (then it never becomes Ready); a
// later pass's error is logged and the next pass tries again. Run may be called once.
func (c *Catalog) Run(ctx context.Context) error {
	if !c.running.CompareAndSwap(false, true) {
		return errors.New("catalog: Run called twice")
	}
	start := time.Now()
	if err := c.RefreshAll(ctx); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err // the pass did not finish
	}
	withErrors, badLocations := c.ProcessingErrors()
	c.log.Info("catalog: initial processing done", "entities", c.Count(), "entitiesWithErrors", withErrors, "locationsWithErrors", badLocations, "took", time.Since(start).Round(time.Millisecond))
	c.ready.Store(true)
	return c.refreshLoop(ctx)
}

// refreshLoop processes every location every catalog.processingInterval (never when
// it is 0), and at once when SetKinds has changed the kinds, until ctx is done.
func (c *Catalog) refreshLoop(ctx context.Context) error {
	var tick <-chan time.Time
	if interval := c.opts.Config.Interval(); interval > 0 {
		t := time.NewTicker(interval)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick:
		case <-c.kick:
		}
		if err := c.RefreshAll(ctx); err != nil && ctx.Err() == nil {
			c.log.Error("catalog: refresh", "err", err)
		}
	}
}

// Ready reports whether Run's first pass over every location has finished, so that
// every entity the locations emit is served (the host's /readyz waits for it).
func (c *Catalog) Ready() bool { return c.ready.Load() }

// RefreshAll processes every registered location once (unchanged sources cost one
// conditional read).
func (c *Catalog) RefreshAll(ctx context.Context) error {
	began := time.Now()
	err := c.refreshAll(ctx)
	c.passDone(began, err)
	return err
}

func (c *Catalog) refreshAll(ctx context.Context) error {
	c.mu.RLock()
	var roots []*Location
	for _, l := range c.locations {
		if !strings.HasPrefix(l.Origin, "provider:") {
			roots = append(roots, l)
		}
	}
	c.mu.RUnlock()
	for _, l := range roots {
		if err := c.processRoot(ctx, l, ""); err != nil {
			return err
		}
	}
	return nil
}

// Count returns the number of entities.
func (c *Catalog) Count() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.ents)
}

// ProcessingErrors counts the entities whose status holds processing errors (see
// StatusItem) and the locations (catalog files and URLs) whose last read failed or
// produced errors, such as a missing file or an entity that breaks a validation rule.
func (c *Catalog) ProcessingErrors() (entities, locations int) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	for _, e := range c.ents {
		if e.status != nil {
			entities++
		}
	}
	for _, s := range c.sources {
		if len(s.Errors) > 0 {
			locations++
		}
	}
	return entities, locations
}

// Version changes whenever the catalog changes.
func (c *Catalog) Version() uint64 { return c.version.Load() }

func newUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// stableID derives a UUID-shaped id from a key, so config locations keep their ids.
func stableID(key string) string {
	h := hashBytes([]byte(key))
	return h[0:8] + "-" + h[8:12] + "-5" + h[13:16] + "-a" + h[17:20] + "-" + h[20:32]
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}
