package catalog

import (
	"context"
	"encoding/json"
	"strings"

	"greenroom.dev/greenroom/host/internal/catalog/model"
)

// The operations behind the plugin host functions catalog_get, catalog_query,
// catalog_facets (capability catalog.read) and catalog_apply (catalog.write). Request
// and result shapes follow abi/SPEC.md section 3.3. Kinds, when non-empty, narrows a
// plugin's view to those entity kinds (a narrowed grant). The host calls made on a
// user's behalf go through the user's View (Catalog.Within), so that a plugin sees
// no more than the user may read.

// GetEntity returns the entity for a ref ("kind:namespace/name"; namespace defaults to
// "default"), or nil if there is none.
func (v View) GetEntity(ref string, kinds []string) (json.RawMessage, error) {
	r, err := model.ParseRef(ref, model.RefContext{})
	if err != nil {
		return nil, inputErr("%s", err.Error())
	}
	if len(kinds) > 0 && !containsFold(kinds, r.Kind) {
		return nil, nil
	}
	b := v.ByKey(r.Key())
	if b == nil {
		return nil, nil
	}
	return b, nil
}

// PluginQuery is the request of catalog_query.
type PluginQuery struct {
	Filter []string `json:"filter"`
	Fields []string `json:"fields"`
	Limit  int      `json:"limit"`
	Cursor string   `json:"cursor"`
}

// PageInfo holds by-query cursors.
type PageInfo struct {
	NextCursor string `json:"nextCursor,omitempty"`
	PrevCursor string `json:"prevCursor,omitempty"`
}

// QueryResult is the result of catalog_query, shaped like GET /entities/by-query.
type QueryResult struct {
	Items      []json.RawMessage `json:"items"`
	TotalItems int               `json:"totalItems"`
	PageInfo   PageInfo          `json:"pageInfo"`
}

// QueryEntities runs catalog_query. Limit 0 means 20, as in the REST API; at most 1000.
func (v View) QueryEntities(q PluginQuery, kinds []string) (QueryResult, error) {
	limit := q.Limit
	if limit < 0 {
		return QueryResult{}, inputErr("Invalid limit, must be zero or greater")
	}
	if limit == 0 {
		limit = 20
	}
	limit = min(limit, 1000)
	cur := Cursor{Filter: q.Filter}
	if q.Cursor != "" {
		var err error
		if cur, err = DecodeCursor(q.Cursor); err != nil {
			return QueryResult{}, inputErr("Invalid cursor, %s", err.Error())
		}
	}
	f, err := ParseFilter(cur.Filter)
	if err != nil {
		return QueryResult{}, inputErr("%s", err.Error())
	}
	f = narrow(f, kinds)
	items, total := v.Select(Selection{Filter: f, Order: cur.Order, FullText: cur.FullText, Offset: cur.Offset, Limit: limit})
	fields := ParseFields(q.Fields)
	res := QueryResult{Items: make([]json.RawMessage, len(items)), TotalItems: total}
	for i, it := range items {
		res.Items[i] = Project(it, fields)
	}
	if cur.Offset+len(items) < total {
		next := cur
		next.Offset, next.TotalItems = cur.Offset+len(items), total
		res.PageInfo.NextCursor = EncodeCursor(next)
	}
	if cur.Offset > 0 {
		prev := cur
		prev.Offset, prev.TotalItems = max(cur.Offset-limit, 0), total
		res.PageInfo.PrevCursor = EncodeCursor(prev)
	}
	return res, nil
}

// QueryFacets runs catalog_facets.
func (v View) QueryFacets(facets, filter, kinds []string) (map[string][]FacetCount, error) {
	if len(facets) == 0 {
		return nil, inputErr("Missing facet parameter; give at least one, for example [\"kind\"]")
	}
	f, err := ParseFilter(filter)
	if err != nil {
		return nil, inputErr("%s", err.Error())
	}
	return v.Facets(facets, narrow(f, kinds)), nil
}

// narrow restricts a filter to the given kinds.
func narrow(f Filter, kinds []string) Filter {
	if len(kinds) == 0 {
		return f
	}
	cond := condition{key: "kind"}
	for _, k := range kinds {
		cond.values = append(cond.values, strings.ToLower(k))
	}
	if len(f) == 0 {
		return Filter{{cond}}
	}
	out := make(Filter, len(f))
	for i, set := range f {
		out[i] = append(append(filterSet{}, set...), cond)
	}
	return out
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// ApplyProvider is catalog_apply: the named entity provider (a plugin) adds or replaces
// entities and removes entities by ref. Provider entities pass the same validation as
// file entities; they are not subject to catalog.rules (the operator granted
// catalog.write). Location entities among them are expanded as usual. Removing an
// entity deletes it at once (Backstage's eager deletion for providers).
func (c *Catalog) ApplyProvider(ctx context.Context, provider string, upsert []json.RawMessage, remove []string) error {
	if provider == "" {
		return inputErr("entity provider name must not be empty")
	}
	docs := make([]map[string]any, 0, len(upsert))
	for i, raw := range upsert {
		var doc map[string]any
		if err := json.Unmarshal(raw, &doc); err != nil || doc == nil {
			return inputErr("upsert[%d]: not a JSON object: %v", i, err)
		}
		if errs := c.ValidateEntity(doc); len(errs) > 0 {
			return inputErr("upsert[%d] (%s): %s", i, model.RefOf(doc).String(), joinErrs(errs))
		}
		docs = append(docs, doc)
	}
	drop := map[string]bool{}
	for _, ref := range remove {
		r, err := model.ParseRef(ref, model.RefContext{})
		if err != nil {
			return inputErr("delete %q: %s", ref, err.Error())
		}
		drop[r.Key()] = true
	}
	c.procMu.Lock()
	defer c.procMu.Unlock()
	loc := &Location{ID: stableID("provider:" + provider), Type: "provider", Target: provider, Origin: "provider:" + provider}
	c.mu.RLock()
	_, known := c.locations[loc.ID]
	srcKey := virtualPrefix + loc.Key()
	seen := map[string]bool{}
	for _, d := range docs {
		seen[model.RefOf(d).Key()] = true
	}
	var keep []map[string]any
	for _, e := range c.ents {
		if e.source != srcKey || drop[e.key] || seen[e.key] {
			continue
		}
		var doc map[string]any
		if json.Unmarshal(e.bodyBytes(), &doc) == nil {
			keep = append(keep, doc)
		}
	}
	c.mu.RUnlock()
	if !known {
		if err := c.registerLocation(ctx, loc); err != nil {
			return err
		}
	}
	return c.processRootLocked(ctx, loc, "", append(keep, docs...))
}

func joinErrs(errs []error) string {
	s := make([]string, len(errs))
	for i, e := range errs {
		s[i] = e.Error()
	}
	return strings.Join(s, "; ")
}
