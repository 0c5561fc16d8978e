package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"greenroom.dev/greenroom/host/internal/catalog"
	"greenroom.dev/greenroom/host/internal/catalog/model"
	"greenroom.dev/greenroom/host/internal/frontend"
	"greenroom.dev/greenroom/host/internal/frontend/ext"
	"greenroom.dev/greenroom/host/internal/identity"
	"greenroom.dev/greenroom/host/internal/permission"
)

// decider decides a permission for a caller: the host's permission.Engine.
type decider interface {
	Decide(p identity.Principal, perm permission.Permission) permission.Decision
}

// catalogSource serves the catalog pages from the catalog's indexes, as the caller of
// each page may read them: every read goes through the View of the caller's
// catalog.entity.read decision (identity.From(ctx)), so an entity the caller may not
// read is absent from lists, totals, facets and links, and its page is the site's 404.
// Without a policy (perms nil) every entity is read.
type catalogSource struct {
	c     *catalog.Catalog
	perms decider
}

// view is the catalog as the page's caller may read it.
func (s catalogSource) view(ctx context.Context) (catalog.View, error) {
	if s.perms == nil {
		return s.c.Within(catalog.Expr{}), nil
	}
	x, err := catalog.DecisionExpr(s.perms.Decide(identity.From(ctx), permission.CatalogEntityRead))
	if err != nil {
		return catalog.View{}, fmt.Errorf("catalog: apply the %s decision: %w", permission.CatalogEntityRead.Name, err)
	}
	return s.c.Within(x), nil
}

func (s catalogSource) QueryEntities(ctx context.Context, q frontend.EntityQuery) (frontend.EntityPage, error) {
	v, err := s.view(ctx)
	if err != nil {
		return frontend.EntityPage{}, err
	}
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
	for f, v := range q.Fields {
		add(f, v)
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
	items, total := v.Select(sel)
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
	v, err := s.view(ctx)
	if err != nil {
		return nil, err
	}
	b, err := v.GetEntity(ref, nil)
	if err != nil {
		return nil, err
	}
	if b == nil { // no such entity, or not one the caller may read
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
	v, err := s.view(ctx)
	if err != nil {
		return nil, err
	}
	res := v.Facets(fields, nil)
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

func (s catalogSource) Readable(ctx context.Context, refs []string) ([]bool, error) {
	v, err := s.view(ctx)
	if err != nil {
		return nil, err
	}
	keys := make([]string, len(refs))
	for i, r := range refs {
		if ref, err := model.ParseRef(r, model.RefContext{}); err == nil {
			keys[i] = ref.Key()
		}
	}
	return v.Has(keys), nil
}
