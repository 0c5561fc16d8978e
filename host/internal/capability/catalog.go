package capability

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"

	"greenroom.dev/greenroom/abi"
	"greenroom.dev/greenroom/host/internal/catalog"
	"greenroom.dev/greenroom/host/internal/config"
	"greenroom.dev/greenroom/host/internal/permission"
)

// The catalog.read and catalog.write capabilities. A catalog.write grant narrows by
// entity kind and namespace: every upserted entity and deleted ref must be covered.

// readable is the part of the catalog the caller of ctx may read: its
// catalog.entity.read decision as an index expression (everything, nothing, or the
// entities a conditional decision's rules match).
func (s *Services) readable(ctx context.Context) (catalog.View, error) {
	x, err := catalog.DecisionExpr(s.decide(ctx, permission.CatalogEntityRead))
	if err != nil {
		return catalog.View{}, abi.Errorf(abi.CodeInternal, "catalog: the read decision cannot be applied: %v", err)
	}
	return s.Catalog.Within(x), nil
}

func catalogGet(s *Services, p *config.Plugin) Call[abi.CatalogGetRequest, json.RawMessage] {
	if s.Catalog == nil {
		return nil
	}
	return func(ctx context.Context, r *abi.CatalogGetRequest) (json.RawMessage, error) {
		v, err := s.readable(ctx)
		if err != nil {
			return nil, err
		}
		e, err := v.GetEntity(r.Ref, nil)
		return e, catalogError(err)
	}
}

func catalogQuery(s *Services, p *config.Plugin) Call[abi.CatalogQueryRequest, abi.CatalogQueryResult] {
	if s.Catalog == nil {
		return nil
	}
	return func(ctx context.Context, r *abi.CatalogQueryRequest) (abi.CatalogQueryResult, error) {
		v, err := s.readable(ctx)
		if err != nil {
			return abi.CatalogQueryResult{}, err
		}
		res, err := v.QueryEntities(catalog.PluginQuery{Filter: r.Filter, Fields: r.Fields, Limit: r.Limit, Cursor: r.Cursor}, nil)
		if err != nil {
			return abi.CatalogQueryResult{}, catalogError(err)
		}
		return abi.CatalogQueryResult{
			Items:      res.Items,
			TotalItems: res.TotalItems,
			PageInfo:   abi.CatalogPageInfo{NextCursor: res.PageInfo.NextCursor, PrevCursor: res.PageInfo.PrevCursor},
		}, nil
	}
}

func catalogFacets(s *Services, p *config.Plugin) Call[abi.CatalogFacetsRequest, abi.CatalogFacetsResult] {
	if s.Catalog == nil {
		return nil
	}
	return func(ctx context.Context, r *abi.CatalogFacetsRequest) (abi.CatalogFacetsResult, error) {
		v, err := s.readable(ctx)
		if err != nil {
			return abi.CatalogFacetsResult{}, err
		}
		f, err := v.QueryFacets(r.Facets, r.Filter, nil)
		if err != nil {
			return abi.CatalogFacetsResult{}, catalogError(err)
		}
		res := abi.CatalogFacetsResult{Facets: make(map[string][]abi.CatalogFacetCount, len(f))}
		for name, counts := range f {
			out := make([]abi.CatalogFacetCount, len(counts))
			for i, c := range counts {
				out[i] = abi.CatalogFacetCount{Value: c.Value, Count: c.Count}
			}
			res.Facets[name] = out
		}
		return res, nil
	}
}

// entityHead is what catalog_apply's narrowing and audit target read of an entity.
type entityHead struct {
	Kind     string `json:"kind"`
	Metadata struct {
		Name      string `json:"name"`
		Namespace string `json:"namespace"`
	} `json:"metadata"`
}

func (h entityHead) namespace() string {
	if h.Metadata.Namespace == "" {
		return "default"
	}
	return h.Metadata.Namespace
}

func headOf(raw json.RawMessage) (h entityHead) {
	_ = json.Unmarshal(raw, &h)
	return h
}

func catalogApply(s *Services, p *config.Plugin) Call[abi.CatalogApplyRequest, struct{}] {
	g := p.Grants.CatalogWrite
	if s.Catalog == nil || g == nil {
		return nil
	}
	allowed := func(kind, ns string) error {
		if len(g.Kinds) > 0 && !slices.ContainsFunc(g.Kinds, func(k string) bool { return strings.EqualFold(k, kind) }) {
			return abi.Errorf(abi.CodeCapabilityDenied, "plugin %s may not write kind %s; its catalog.write grant allows kinds %s", p.ID, kind, strings.Join(g.Kinds, ", "))
		}
		if len(g.Namespaces) > 0 && !slices.ContainsFunc(g.Namespaces, func(n string) bool { return strings.EqualFold(n, ns) }) {
			return abi.Errorf(abi.CodeCapabilityDenied, "plugin %s may not write namespace %s; its catalog.write grant allows namespaces %s", p.ID, ns, strings.Join(g.Namespaces, ", "))
		}
		return nil
	}
	return func(ctx context.Context, r *abi.CatalogApplyRequest) (struct{}, error) {
		// The caller's permissions, besides the grant: creating entities, and deleting
		// each one (a conditional delete decision must match the entity).
		if len(r.Upsert) > 0 && s.decide(ctx, permission.CatalogEntityCreate).Result != permission.Allow {
			return struct{}{}, deniedFor(ctx, "catalog_apply", permission.CatalogEntityCreate)
		}
		var mayDelete catalog.Expr
		if len(r.Delete) > 0 {
			x, err := catalog.DecisionExpr(s.decide(ctx, permission.CatalogEntityDelete))
			if err != nil {
				return struct{}{}, abi.Errorf(abi.CodeInternal, "catalog: the delete decision cannot be applied: %v", err)
			}
			mayDelete = x
		}
		for _, ref := range r.Delete {
			if mayDelete.All() {
				break
			}
			if e, err := s.Catalog.Within(mayDelete).GetEntity(ref, nil); err == nil && e == nil && s.Catalog.ByRef(ref) != nil {
				return struct{}{}, deniedFor(ctx, "catalog_apply", permission.CatalogEntityDelete)
			}
		}
		for i, raw := range r.Upsert {
			var h entityHead
			if err := json.Unmarshal(raw, &h); err != nil {
				return struct{}{}, abi.Errorf(abi.CodeInvalidArgument, "upsert[%d] is not an entity: %v", i, err)
			}
			if err := allowed(h.Kind, h.namespace()); err != nil {
				return struct{}{}, err
			}
		}
		for _, ref := range r.Delete {
			kind, ns, ok := splitRef(ref)
			if !ok {
				return struct{}{}, abi.Errorf(abi.CodeInvalidArgument, "delete: %q is not a full entity ref kind:namespace/name", ref)
			}
			if err := allowed(kind, ns); err != nil {
				return struct{}{}, err
			}
		}
		return struct{}{}, catalogError(s.Catalog.ApplyProvider(ctx, p.ID, r.Upsert, r.Delete))
	}
}

// splitRef splits kind:namespace/name (namespace defaulting to default).
func splitRef(ref string) (kind, ns string, ok bool) {
	kind, rest, ok := strings.Cut(ref, ":")
	if !ok || kind == "" {
		return "", "", false
	}
	ns, _, hasNS := strings.Cut(rest, "/")
	if !hasNS {
		ns = "default"
	}
	return kind, ns, true
}

// catalogError maps the catalog's errors (Backstage's error names) to ABI errors.
func catalogError(err error) error {
	if err == nil {
		return nil
	}
	switch {
	case errors.Is(err, catalog.ErrNotFound):
		return abi.Errorf(abi.CodeNotFound, "%v", err)
	case errors.Is(err, catalog.ErrTooLarge):
		return abi.Errorf(abi.CodeTooLarge, "%v", err)
	}
	var ce *catalog.Error
	if errors.As(err, &ce) {
		code := abi.CodeInternal
		switch ce.Name {
		case "InputError":
			code = abi.CodeInvalidArgument
		case "NotFoundError":
			code = abi.CodeNotFound
		case "ConflictError":
			code = abi.CodeConflict
		case "NotAllowedError":
			code = abi.CodeCapabilityDenied
		}
		return abi.Errorf(code, "%s", ce.Message)
	}
	return abi.Errorf(abi.CodeInternal, "catalog: %v", err)
}
