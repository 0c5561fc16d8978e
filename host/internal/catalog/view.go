package catalog

import (
	"context"
	"encoding/json"
)

// View reads the catalog as one caller may: every read through it is limited to the
// entities its scope matches, which the index evaluates with the query (a conditional
// read costs a few set operations, not a pass over the results). It is how the catalog
// applies a caller's catalog.entity.read decision, as Backstage's
// AuthorizedEntitiesCatalog does:
//
//   - lists (Select, SelectJSON, QueryEntities) hold only entities in scope, and their
//     totals count only those; a cursor's next page is selected within the scope again;
//   - facets count only entities in scope;
//   - ByKey, ByRef, ByName, ByUID, ByRefs, Has, GetEntity and LocationByEntity treat an
//     entity outside the scope as absent;
//   - Ancestry refuses an entity outside the scope (NotAllowedError) and ends the chain
//     before the first ancestor outside it;
//   - DeleteByUID and RefreshEntity act only on entities in scope, and take the
//     caller's decision for their own permission.
//
// For DENY the scope is Nothing, and every list is empty. A View is a small value: make
// one per request (Catalog.Within). The Catalog's own read methods are those of the
// View of every entity.
type View struct {
	c     *Catalog
	scope Expr
}

// Within returns the view of the entities scope matches (for a caller, the
// DecisionExpr of its catalog.entity.read decision). The zero Expr is every entity.
func (c *Catalog) Within(scope Expr) View { return View{c: c, scope: scope} }

// Scope is the expression the view's entities match.
func (v View) Scope() Expr { return v.scope }

// visible returns e if it is in the view's scope, else nil. Callers hold c.mu.
func (v View) visible(e *entity) *entity {
	if e == nil || v.scope.All() || v.c.idx.matches(e, v.scope.n) {
		return e
	}
	return nil
}

// The Catalog's read and write methods: those of the View of every entity, with every
// permission allowed.

// Select runs a selection and returns the page's entities (JSON, one new slice each)
// and the total number of matches.
func (c *Catalog) Select(s Selection) ([][]byte, int) { return c.Within(Expr{}).Select(s) }

// SelectJSON is View.SelectJSON over every entity.
func (c *Catalog) SelectJSON(dst []byte, s Selection, fields [][]string) ([]byte, int, int) {
	return c.Within(Expr{}).SelectJSON(dst, s, fields)
}

// Facets counts the values of each facet over the entities matching filter (see
// View.Facets).
func (c *Catalog) Facets(facets []string, filter Filter) map[string][]FacetCount {
	return c.Within(Expr{}).Facets(facets, filter)
}

// ByRef returns the entity for a ref (kind required; namespace defaults to "default"),
// or nil.
func (c *Catalog) ByRef(ref string) []byte { return c.Within(Expr{}).ByRef(ref) }

// ByKey returns the entity for a lower-cased "kind:namespace/name", or nil.
func (c *Catalog) ByKey(key string) []byte { return c.Within(Expr{}).ByKey(key) }

// ByName returns an entity by kind, namespace and name (case-insensitive), or nil.
func (c *Catalog) ByName(kind, namespace, name string) []byte {
	return c.Within(Expr{}).ByName(kind, namespace, name)
}

// ByUID returns an entity by metadata.uid, or nil.
func (c *Catalog) ByUID(uid string) []byte { return c.Within(Expr{}).ByUID(uid) }

// Ancestry returns the entity and the chain of Location entities that emitted it, or a
// NotFoundError if there is no such entity.
func (c *Catalog) Ancestry(kind, namespace, name string) (string, []AncestryItem, error) {
	return c.Within(Expr{}).Ancestry(kind, namespace, name)
}

// LocationByEntity returns the registered location an entity originates from.
func (c *Catalog) LocationByEntity(kind, namespace, name string) (Location, error) {
	return c.Within(Expr{}).LocationByEntity(kind, namespace, name)
}

// GetEntity is catalog_get over every entity (see View.GetEntity).
func (c *Catalog) GetEntity(ref string, kinds []string) (json.RawMessage, error) {
	return c.Within(Expr{}).GetEntity(ref, kinds)
}

// QueryEntities is catalog_query over every entity (see View.QueryEntities).
func (c *Catalog) QueryEntities(q PluginQuery, kinds []string) (QueryResult, error) {
	return c.Within(Expr{}).QueryEntities(q, kinds)
}

// QueryFacets is catalog_facets over every entity (see View.QueryFacets).
func (c *Catalog) QueryFacets(facets, filter, kinds []string) (map[string][]FacetCount, error) {
	return c.Within(Expr{}).QueryFacets(facets, filter, kinds)
}

// DeleteByUID removes an entity (DELETE /entities/by-uid/:uid). If its location still
// emits it, it returns on the next processing pass.
func (c *Catalog) DeleteByUID(ctx context.Context, uid string) error {
	return c.Within(Expr{}).DeleteByUID(ctx, uid, Expr{})
}

// RefreshEntity re-reads the location that emits an entity now (POST /refresh).
func (c *Catalog) RefreshEntity(ctx context.Context, ref string) error {
	return c.Within(Expr{}).RefreshEntity(ctx, ref, Expr{})
}
