package search

import (
	"context"
	"encoding/json"
	"runtime"
	"strings"
	"sync"
	"time"

	"greenroom.dev/greenroom/host/internal/catalog"
)

// CatalogSource is what the catalog collator reads: the catalog's documents and the
// entities each of its versions changed (*catalog.Catalog).
type CatalogSource interface {
	Documents(keys []string) ([]catalog.EntityDoc, uint64)
	Changed(since uint64) (keys []string, now uint64, ok bool)
}

// CatalogCollator keeps the software-catalog documents in step with the catalog:
// one full pass at start, then, at each Interval, only the entities the catalog's
// changes name, so an entity's change is searchable within about one Interval.
type CatalogCollator struct {
	Catalog CatalogSource
	Engine  *Engine
	// Interval is how often the catalog's changes are read; default 200ms.
	Interval time.Duration
}

// Run collates until ctx is done.
func (c *CatalogCollator) Run(ctx context.Context) error {
	interval := c.Interval
	if interval <= 0 {
		interval = 200 * time.Millisecond
	}
	version := c.Full()
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
		keys, now, ok := c.Catalog.Changed(version)
		switch {
		case !ok:
			version = c.Full()
		case len(keys) > 0:
			c.Update(keys)
			version = now
		default:
			version = now
		}
	}
}

// Full replaces every software-catalog document with those of the catalog's entities
// now, and returns the catalog version they are of.
func (c *CatalogCollator) Full() uint64 {
	docs, version := c.Catalog.Documents(nil)
	out := transformAll(docs)
	by := make(map[string][]Document, len(out))
	for i, d := range out {
		if d != nil {
			by[docs[i].Key] = []Document{*d}
		}
	}
	c.Engine.replaceType(TypeCatalog, by)
	return version
}

// Update collates the entities with the given lower-cased refs again (removing those
// that are gone).
func (c *CatalogCollator) Update(keys []string) {
	docs, _ := c.Catalog.Documents(keys)
	out := transformAll(docs)
	c.Engine.mu.Lock()
	defer c.Engine.mu.Unlock()
	for i, d := range out {
		if d == nil {
			c.Engine.replaceLocked(TypeCatalog, docs[i].Key, nil)
		} else {
			c.Engine.replaceLocked(TypeCatalog, docs[i].Key, []Document{*d})
		}
	}
	c.Engine.idx.rerank()
}

// transformAll turns entity documents into search documents, in parallel.
func transformAll(docs []catalog.EntityDoc) []*Document {
	out := make([]*Document, len(docs))
	workers := min(runtime.GOMAXPROCS(0), 8, len(docs)/256+1)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(docs); i += workers {
				if docs[i].Doc != nil {
					out[i] = EntityDocument(docs[i].Doc)
				}
			}
		}()
	}
	wg.Wait()
	return out
}

// str decodes a JSON string and ignores any other value (a malformed field of an
// entity is the catalog's to report, not the index's).
type str string

func (s *str) UnmarshalJSON(b []byte) error {
	var v string
	if json.Unmarshal(b, &v) == nil {
		*s = str(v)
	}
	return nil
}

type strs []string

func (s *strs) UnmarshalJSON(b []byte) error {
	var v []any
	if json.Unmarshal(b, &v) == nil {
		for _, x := range v {
			if t, ok := x.(string); ok {
				*s = append(*s, t)
			}
		}
	}
	return nil
}

type entityFields struct {
	Kind     str `json:"kind"`
	Metadata struct {
		Name        str  `json:"name"`
		Namespace   str  `json:"namespace"`
		Title       str  `json:"title"`
		Description str  `json:"description"`
		Tags        strs `json:"tags"`
	} `json:"metadata"`
	Spec struct {
		Type      str `json:"type"`
		Lifecycle str `json:"lifecycle"`
		Owner     str `json:"owner"`
		Profile   struct {
			DisplayName str `json:"displayName"`
			Email       str `json:"email"`
		} `json:"profile"`
	} `json:"spec"`
}

// EntityDocument is the software-catalog document of an entity, as Backstage's
// default catalog collator makes it: title (metadata.title, else the name), text (the
// description, and for users and groups the display name and email, joined by " : "),
// location /catalog/:namespace/:kind/:name (lower-cased), and the fields kind,
// namespace, name, type (spec.type, else "other"), lifecycle, owner and tags. It
// returns nil for a document that is not an entity.
func EntityDocument(doc []byte) *Document {
	var e entityFields
	if json.Unmarshal(doc, &e) != nil || e.Kind == "" || e.Metadata.Name == "" {
		return nil
	}
	ns := string(e.Metadata.Namespace)
	if ns == "" {
		ns = "default"
	}
	kind, name := string(e.Kind), string(e.Metadata.Name)
	d := &Document{Title: string(e.Metadata.Title)}
	if d.Title == "" {
		d.Title = name
	} else {
		d.Keywords = name
	}
	var text []string
	for _, s := range []str{e.Metadata.Description, e.Spec.Profile.DisplayName, e.Spec.Profile.Email} {
		if s != "" {
			text = append(text, string(s))
		}
	}
	d.Text = strings.Join(text, " : ")
	ref := strings.ToLower(kind + ":" + ns + "/" + name)
	d.Location = "/catalog/" + strings.ToLower(ns) + "/" + strings.ToLower(kind) + "/" + strings.ToLower(name)
	d.ResourceRef = ref
	typ := string(e.Spec.Type)
	if typ == "" {
		typ = "other"
	}
	d.Fields = []Field{{"kind", kind}, {"namespace", ns}, {"name", name}, {"type", typ},
		{"lifecycle", string(e.Spec.Lifecycle)}, {"owner", string(e.Spec.Owner)}}
	for _, t := range e.Metadata.Tags {
		d.Fields = append(d.Fields, Field{"tags", t})
	}
	if len(d.Title) > MaxTitle {
		d.Title = d.Title[:MaxTitle]
	}
	if len(d.Text) > MaxText {
		d.Text = d.Text[:MaxText]
	}
	return d
}
