package cli

import (
	"context"
	"encoding/json"
	"strings"

	"greenroom.dev/greenroom/host/internal/catalog"
	"greenroom.dev/greenroom/host/internal/frontend"
	"greenroom.dev/greenroom/host/internal/frontend/ext"
)

// catalogSource serves the catalog pages from the catalog's indexes.
type catalogSource struct{ c *catalog.Catalog }

func (s catalogSource) QueryEntities(ctx context.Context, q frontend.EntityQuery) (frontend.EntityPage, error) {
	var conds []string
	add := func(key, v string) {
		if v != "" && !strings.ContainsAny(v, ",=") {
			conds = append(conds, key+"="+v)
		}
	}
	add("kind", q.Kind)
	add("spec.type", q.Type)
	add("relations.ownedBy", q.Owner)
	add("spec.lifecycle", q.Lifecycle)
	for _, t := range q.Tags {
		add("metadata.tags", t)
	}
	var filter catalog.Filter
	if len(conds) > 0 {
		f, err := catalog.ParseFilter([]string{strings.Join(conds, ",")})
		if err != nil {
			return frontend.EntityPage{}, err
		}
		filter = f
	}
	sel := catalog.Selection{
		Filter: filter,
		Order:  []catalog.OrderField{{Field: "metadata.name"}},
		Offset: q.Offset,
		Limit:  q.Limit,
	}
	if q.Text != "" {
		sel.FullText = catalog.FullText{Term: q.Text, Fields: []string{"metadata.name", "metadata.title", "metadata.description"}}
	}
	items, total := s.c.Select(sel)
	page := frontend.EntityPage{TotalItems: total, Items: make([]ext.Entity, 0, len(items))}
	for _, b := range items {
		var e ext.Entity
		if err := json.Unmarshal(b, &e); err != nil {
			return frontend.EntityPage{}, err
		}
		e.JSON = b
		page.Items = append(page.Items, e)
	}
	return page, nil
}

func (s catalogSource) GetEntity(ctx context.Context, ref string) (*ext.Entity, error) {
	b, err := s.c.GetEntity(ref, nil)
	if err != nil {
		return nil, err
	}
	if b == nil { // the catalog has no such entity
		return nil, nil
	}
	var e ext.Entity
	if err := json.Unmarshal(b, &e); err != nil {
		return nil, err
	}
	e.JSON = b // the served bytes, which plugins receive as they are (gr_render)
	return &e, nil
}

func (s catalogSource) Facets(ctx context.Context, fields []string) (map[string][]frontend.FacetCount, error) {
	res := s.c.Facets(fields, nil)
	out := make(map[string][]frontend.FacetCount, len(res))
	for k, vs := range res {
		l := make([]frontend.FacetCount, len(vs))
		for i, v := range vs {
			l[i] = frontend.FacetCount{Value: v.Value, Count: v.Count}
		}
		out[k] = l
	}
	return out, nil
}
