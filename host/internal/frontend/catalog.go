package frontend

import (
	"context"
	"sort"
	"strings"

	"greenroom.dev/greenroom/host/internal/frontend/ext"
)

// CatalogSource is what the catalog pages need from the catalog. The host's source
// reads as the caller of the page (identity.From(ctx)) may read, through its
// catalog.entity.read decision: an entity the caller may not read is absent from
// queries, their totals and facet counts, GetEntity answers nil for it (the site's 404)
// and Readable false. MemoryCatalog is a complete in-memory implementation that shows
// every entity to everyone.
type CatalogSource interface {
	// QueryEntities returns one page of the entities that match q, in a stable order,
	// and how many match in all.
	QueryEntities(ctx context.Context, q EntityQuery) (EntityPage, error)
	// GetEntity returns the entity with the full ref kind:namespace/name (compared
	// case-insensitively), or nil and no error when there is none. A source over a
	// catalog that serves JSON sets the entity's JSON to those bytes: plugins receive
	// them as they are.
	GetEntity(ctx context.Context, ref string) (*ext.Entity, error)
	// Facets counts the values of the given fields over all entities, most frequent
	// first. Fields are Backstage facet names: FacetKind, FacetOwner, ... FacetOwner
	// counts owners by their full refs, as relations.ownedBy holds them.
	Facets(ctx context.Context, fields []string) (map[string][]FacetCount, error)
	// Readable reports, for each full ref kind:namespace/name (compared
	// case-insensitively), whether the caller may read that entity: the pages link
	// only to those, since the page of any other is the site's 404. An entity the
	// catalog does not have is not readable either.
	Readable(ctx context.Context, refs []string) ([]bool, error)
}

// Facet fields the catalog index page asks for.
const (
	FacetKind      = "kind"
	FacetType      = "spec.type"
	FacetOwner     = "relations.ownedBy"
	FacetLifecycle = "spec.lifecycle"
	FacetTags      = "metadata.tags"
)

// EntityQuery selects entities. Empty fields match everything; comparisons ignore case.
type EntityQuery struct {
	Kind string
	Type string
	// Owner is the owner's full ref, kind:namespace/name (for example
	// group:default/team-a), which entities that name it as team-a, default/team-a or
	// group:team-a all match, as Backstage resolves spec.owner into relations.ownedBy.
	Owner     string
	Lifecycle string
	// Tags must all be present.
	Tags []string
	// Text must appear in the name, title or description.
	Text string
	// Fields maps fields (spec.region, metadata.x) to the value each must have,
	// compared case-insensitively: a custom kind's column filters.
	Fields map[string]string
	// Offset and Limit select the page.
	Offset, Limit int
}

// EntityPage is one page of a query.
type EntityPage struct {
	Items      []ext.Entity
	TotalItems int
}

// FacetCount is one value of a facet and how many entities have it.
type FacetCount struct {
	Value string
	Count int
}

// MemoryCatalog is a CatalogSource over a fixed set of entities, sorted by name.
type MemoryCatalog struct {
	entities []ext.Entity
	lower    []memKey
	byRef    map[string]int
	facets   map[string][]FacetCount
}

type memKey struct{ kind, typ, owner, lifecycle, text string }

// NewMemoryCatalog indexes the entities (it keeps the slice).
func NewMemoryCatalog(entities []ext.Entity) *MemoryCatalog {
	sort.SliceStable(entities, func(i, j int) bool {
		a, b := &entities[i], &entities[j]
		if a.Metadata.Name != b.Metadata.Name {
			return a.Metadata.Name < b.Metadata.Name
		}
		return a.Ref() < b.Ref()
	})
	m := &MemoryCatalog{entities: entities, lower: make([]memKey, len(entities)), byRef: make(map[string]int, len(entities))}
	counts := map[string]map[string]int{}
	count := func(field, v string) {
		if v == "" {
			return
		}
		if counts[field] == nil {
			counts[field] = map[string]int{}
		}
		counts[field][v]++
	}
	for i := range entities {
		e := &entities[i]
		m.byRef[e.Ref()] = i
		m.lower[i] = memKey{
			kind: strings.ToLower(e.Kind), typ: strings.ToLower(e.SpecString("type")),
			owner: ownerRef(e), lifecycle: strings.ToLower(e.SpecString("lifecycle")),
			text: strings.ToLower(e.Metadata.Name + "\x00" + e.Metadata.Title + "\x00" + e.Metadata.Description),
		}
		count(FacetKind, e.Kind)
		count(FacetType, e.SpecString("type"))
		count(FacetOwner, ownerRef(e))
		count(FacetLifecycle, e.SpecString("lifecycle"))
		for _, t := range e.Metadata.Tags {
			count(FacetTags, t)
		}
	}
	m.facets = map[string][]FacetCount{}
	for field, vals := range counts {
		fc := make([]FacetCount, 0, len(vals))
		for v, c := range vals {
			fc = append(fc, FacetCount{v, c})
		}
		sort.Slice(fc, func(i, j int) bool {
			if fc[i].Count != fc[j].Count {
				return fc[i].Count > fc[j].Count
			}
			return fc[i].Value < fc[j].Value
		})
		m.facets[field] = fc
	}
	return m
}

// ownerRef is the full, lower-cased ref of an entity's spec.owner: a bare name is a
// Group in the entity's namespace, as Backstage resolves it into relations.ownedBy.
func ownerRef(e *ext.Entity) string {
	owner := e.SpecString("owner")
	if owner == "" {
		return ""
	}
	return fullRefIn(owner, "group", e.NamespaceOrDefault())
}

// QueryEntities implements CatalogSource.
func (m *MemoryCatalog) QueryEntities(ctx context.Context, q EntityQuery) (EntityPage, error) {
	kind, typ, owner, lc := strings.ToLower(q.Kind), strings.ToLower(q.Type), strings.ToLower(q.Owner), strings.ToLower(q.Lifecycle)
	text := strings.ToLower(q.Text)
	var page EntityPage
	for i := range m.entities {
		k := &m.lower[i]
		if (kind != "" && k.kind != kind) || (typ != "" && k.typ != typ) || (owner != "" && k.owner != owner) ||
			(lc != "" && k.lifecycle != lc) || (text != "" && !strings.Contains(k.text, text)) {
			continue
		}
		if len(q.Tags) > 0 && !hasTags(&m.entities[i], q.Tags) {
			continue
		}
		if !fieldsMatch(&m.entities[i], q.Fields) {
			continue
		}
		if page.TotalItems >= q.Offset && (q.Limit <= 0 || len(page.Items) < q.Limit) {
			page.Items = append(page.Items, m.entities[i])
		}
		page.TotalItems++
		if page.TotalItems%4096 == 0 && ctx.Err() != nil {
			return EntityPage{}, ctx.Err()
		}
	}
	return page, nil
}

func hasTags(e *ext.Entity, tags []string) bool {
	for _, want := range tags {
		found := false
		for _, t := range e.Metadata.Tags {
			if strings.EqualFold(t, want) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// GetEntity implements CatalogSource.
func (m *MemoryCatalog) GetEntity(_ context.Context, ref string) (*ext.Entity, error) {
	i, ok := m.byRef[strings.ToLower(ref)]
	if !ok {
		return nil, nil
	}
	e := m.entities[i]
	return &e, nil
}

// Readable implements CatalogSource: the refs of the catalog's entities.
func (m *MemoryCatalog) Readable(_ context.Context, refs []string) ([]bool, error) {
	out := make([]bool, len(refs))
	for i, r := range refs {
		_, out[i] = m.byRef[strings.ToLower(r)]
	}
	return out, nil
}

// Facets implements CatalogSource.
func (m *MemoryCatalog) Facets(_ context.Context, fields []string) (map[string][]FacetCount, error) {
	out := make(map[string][]FacetCount, len(fields))
	for _, f := range fields {
		if fc, ok := m.facets[f]; ok {
			out[f] = fc
			continue
		}
		counts := map[string]int{}
		for i := range m.entities {
			if v := formValue(fieldValue(&m.entities[i], f)); v != "" {
				counts[v]++
			}
		}
		fc := make([]FacetCount, 0, len(counts))
		for v, c := range counts {
			fc = append(fc, FacetCount{v, c})
		}
		sort.Slice(fc, func(i, j int) bool {
			if fc[i].Count != fc[j].Count {
				return fc[i].Count > fc[j].Count
			}
			return fc[i].Value < fc[j].Value
		})
		out[f] = fc
	}
	return out, nil
}

func fieldsMatch(e *ext.Entity, fields map[string]string) bool {
	for f, want := range fields {
		if !strings.EqualFold(formValue(fieldValue(e, f)), want) {
			return false
		}
	}
	return true
}
