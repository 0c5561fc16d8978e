package greenroom

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// Entity is a catalog entity in Backstage's shape.
type Entity struct {
	APIVersion string           `json:"apiVersion"`
	Kind       string           `json:"kind"`
	Metadata   EntityMetadata   `json:"metadata"`
	Spec       map[string]any   `json:"spec,omitempty"`
	Relations  []EntityRelation `json:"relations,omitempty"`
	Status     json.RawMessage  `json:"status,omitempty"`
}

// EntityMetadata is an entity's metadata.
type EntityMetadata struct {
	Name        string            `json:"name"`
	Namespace   string            `json:"namespace,omitempty"`
	Title       string            `json:"title,omitempty"`
	Description string            `json:"description,omitempty"`
	Labels      map[string]string `json:"labels,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
	Tags        []string          `json:"tags,omitempty"`
	Links       []EntityLink      `json:"links,omitempty"`
	UID         string            `json:"uid,omitempty"`
	Etag        string            `json:"etag,omitempty"`
}

// EntityLink is one of metadata.links.
type EntityLink struct {
	URL   string `json:"url"`
	Title string `json:"title,omitempty"`
	Icon  string `json:"icon,omitempty"`
	Type  string `json:"type,omitempty"`
}

// EntityRelation is one of an entity's relations.
type EntityRelation struct {
	Type      string `json:"type"`
	TargetRef string `json:"targetRef"`
}

// CatalogFilter is one alternative of a catalog filter, as in Backstage's
// "filter=kind=component,spec.type=service": every key must match one of its values (an
// empty list means "the key exists"). A query's filters are OR-ed. On the wire it is
// Backstage's filter string, keys sorted: {"kind": ["component"], "spec.type": ["service",
// "website"]} is "kind=component,spec.type=service,spec.type=website".
type CatalogFilter map[string][]string

// String is the filter in Backstage's syntax.
func (f CatalogFilter) String() string {
	keys := make([]string, 0, len(f))
	for k := range f {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		if len(f[k]) == 0 {
			parts = append(parts, k)
		}
		for _, v := range f[k] {
			parts = append(parts, k+"="+v)
		}
	}
	return strings.Join(parts, ",")
}

// MarshalJSON writes the filter as a Backstage filter string, as the host reads it.
func (f CatalogFilter) MarshalJSON() ([]byte, error) { return json.Marshal(f.String()) }

// UnmarshalJSON reads a Backstage filter string ("kind=component,spec.type") or an object
// of key to values.
func (f *CatalogFilter) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		var m map[string][]string
		if err := json.Unmarshal(b, &m); err != nil {
			return fmt.Errorf("a catalog filter is a string such as \"kind=component,spec.type=service\"")
		}
		*f = m
		return nil
	}
	out := CatalogFilter{}
	for _, stmt := range strings.Split(s, ",") {
		k, v, hasValue := strings.Cut(stmt, "=")
		k = strings.TrimSpace(k)
		if k == "" {
			continue
		}
		if !hasValue {
			if _, ok := out[k]; !ok {
				out[k] = nil
			}
			continue
		}
		out[k] = append(out[k], strings.TrimSpace(v))
	}
	*f = out
	return nil
}

// CatalogQueryRequest is the request of CatalogQuery.
type CatalogQueryRequest struct {
	Filter []CatalogFilter `json:"filter,omitempty"`
	Fields []string        `json:"fields,omitempty"`
	Limit  int             `json:"limit,omitempty"`
	Cursor string          `json:"cursor,omitempty"`
}

// CatalogPage is the result of CatalogQuery.
type CatalogPage struct {
	Items      []Entity `json:"items"`
	TotalItems int      `json:"totalItems"`
	PageInfo   struct {
		NextCursor string `json:"nextCursor,omitempty"`
		PrevCursor string `json:"prevCursor,omitempty"`
	} `json:"pageInfo"`
}

// FacetCount is one value of a facet and how many entities have it.
type FacetCount struct {
	Value string `json:"value"`
	Count int    `json:"count"`
}

// CatalogGet returns the entity with the given ref ("component:default/web"), or nil when
// there is none. Needs capability catalog.read.
func CatalogGet(ref string) (*Entity, error) {
	var raw json.RawMessage
	if err := call(fnCatalogGet, catalogGetRequest{ref}, &raw); err != nil {
		return nil, err
	}
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var e Entity
	if err := json.Unmarshal(raw, &e); err != nil {
		return nil, Errorf(CodeInternal, "catalog_get: decoding the entity: %v", err)
	}
	return &e, nil
}

// CatalogHas reports whether the entity with the given ref exists and the caller may
// read it, as CatalogGet would return it, without decoding it (which costs a plugin far
// more than the call). Needs capability catalog.read.
func CatalogHas(ref string) (bool, error) {
	resp := current.invoke(fnCatalogGet, append(appendString(append(make([]byte, 0, len(ref)+10), `{"ref":`...), ref), '}'))
	// The host's usual answers, read without encoding/json; anything else is decoded.
	switch {
	case bytes.HasPrefix(resp, []byte(`{"result":{`)):
		return true, nil
	case string(resp) == `{"result":null}`:
		return false, nil
	}
	var raw json.RawMessage
	if err := decodeEnvelope(fnCatalogGet, resp, &raw); err != nil {
		return false, err
	}
	return len(raw) > 0 && string(raw) != "null", nil
}

// CatalogQuery runs a catalog query, one page at a time. Needs capability
// catalog.read.
func CatalogQuery(q CatalogQueryRequest) (*CatalogPage, error) {
	var page CatalogPage
	if err := call(fnCatalogQuery, q, &page); err != nil {
		return nil, err
	}
	return &page, nil
}

// CatalogFacets counts the values of each facet ("kind", "spec.type", ...) over the
// entities that match filter. Needs capability catalog.read.
func CatalogFacets(facets []string, filter []CatalogFilter) (map[string][]FacetCount, error) {
	var res catalogFacetsResult
	if err := call(fnCatalogFacets, catalogFacetsRequest{facets, filter}, &res); err != nil {
		return nil, err
	}
	return res.Facets, nil
}

// CatalogApply upserts entities and deletes the entities with the given refs, in one
// step. Needs capability catalog.write.
func CatalogApply(upsert []Entity, deleteRefs []string) error {
	return call(fnCatalogApply, catalogApplyRequest{upsert, deleteRefs}, nil)
}

// The requests and results of the catalog host functions (abi/SPEC.md section 3.3).
type (
	catalogGetRequest struct {
		Ref string `json:"ref"`
	}
	catalogFacetsRequest struct {
		Facets []string        `json:"facets"`
		Filter []CatalogFilter `json:"filter,omitempty"`
	}
	catalogFacetsResult struct {
		Facets map[string][]FacetCount `json:"facets"`
	}
	catalogApplyRequest struct {
		Upsert []Entity `json:"upsert,omitempty"`
		Delete []string `json:"delete,omitempty"`
	}
)
