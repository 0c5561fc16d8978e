package ext

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"greenroom.dev/greenroom/host/internal/frontend/ui"
)

// Core data refs. Plugin manifests name them by id.
var (
	// RoutePath is the path a page is mounted at, e.g. /catalog or
	// /catalog/:namespace/:kind/:name (':name' segments become RenderContext.Params).
	RoutePath = NewRef[string]("core.routing.path")
	// NavTargetRef is a navigation item: title and path.
	NavTargetRef = NewRef[NavTarget]("core.nav.target")
	// ElementRef is something that renders UI.
	ElementRef = NewRef[Element]("core.ui.element")
	// TitleRef is a title, e.g. of an entity tab.
	TitleRef = NewRef[string]("core.title")
	// EntityFilterRef limits an entity card or tab to the entities a filter matches.
	EntityFilterRef = NewRef[EntityFilter]("catalog.entity-filter-expression")
)

func init() {
	for _, r := range []AnyRef{RoutePath, NavTargetRef, ElementRef, TitleRef, EntityFilterRef} {
		RegisterRef(r)
	}
}

// NavTarget is a navigation item.
type NavTarget struct {
	Title string `json:"title"`
	Path  string `json:"path"`
	Icon  string `json:"icon,omitempty"`
}

func (n *NavTarget) validate() error {
	if n.Title == "" || n.Path == "" {
		return fmt.Errorf("a nav target needs a title and a path")
	}
	return nil
}

// Element renders UI. Elements in a tree's outputs are wrapped in a Boundary, so a
// failing one renders an error box naming its extension instead of failing the page.
type Element interface {
	Render(ctx context.Context, rc *RenderContext) (ui.Node, error)
}

// ElementFunc adapts a function to Element.
type ElementFunc func(ctx context.Context, rc *RenderContext) (ui.Node, error)

// Render calls f.
func (f ElementFunc) Render(ctx context.Context, rc *RenderContext) (ui.Node, error) {
	return f(ctx, rc)
}

// RenderContext is one page request as elements see it. An element that passes it
// on to child elements may change Params and Entity for them.
type RenderContext struct {
	// Path is the request path, e.g. /catalog/default/component/api.
	Path string
	// Query is the request's query parameters.
	Query url.Values
	// Params are the matched route's parameters.
	Params map[string]string
	// Entity is the current entity on entity pages, nil elsewhere.
	Entity *Entity

	status int
}

// SetStatus sets the HTTP status of the page (e.g. 404 for an unknown entity). The
// first call wins; error boxes from failing extensions leave it at 200.
func (rc *RenderContext) SetStatus(code int) {
	if rc.status == 0 {
		rc.status = code
	}
}

// Status is the status set with SetStatus, or 200.
func (rc *RenderContext) Status() int {
	if rc.status == 0 {
		return 200
	}
	return rc.status
}

// Entity is a catalog entity as the frontend sees it: Backstage's JSON envelope, with
// the fields the host's pages use decoded.
type Entity struct {
	APIVersion string           `json:"apiVersion"`
	Kind       string           `json:"kind"`
	Metadata   EntityMetadata   `json:"metadata"`
	Spec       map[string]any   `json:"spec,omitempty"`
	Relations  []EntityRelation `json:"relations,omitempty"`
	Status     *EntityStatus    `json:"status,omitempty"`

	// JSON is the whole entity as the catalog serves it (the body of GET
	// /api/catalog/entities/by-name/...), uid, etag, status and every metadata and spec
	// field included, when the CatalogSource has it. It is what gr_render receives
	// (Envelope). Code that builds or changes an Entity leaves it nil.
	JSON json.RawMessage `json:"-"`
}

// Envelope is the entity in Backstage's JSON envelope, as plugins receive it: JSON when
// the catalog gave it, else the decoded fields encoded.
func (e *Entity) Envelope() (json.RawMessage, error) {
	if len(e.JSON) > 0 {
		return e.JSON, nil
	}
	return json.Marshal(e)
}

// EntityStatus is an entity's status: what the catalog reports about processing it.
type EntityStatus struct {
	Items []EntityStatusItem `json:"items,omitempty"`
}

// EntityStatusItem is one of status.items.
type EntityStatusItem struct {
	Type    string             `json:"type"`
	Level   string             `json:"level"`
	Message string             `json:"message"`
	Error   *EntityStatusError `json:"error,omitempty"`
}

// EntityStatusError is the error of a status item.
type EntityStatusError struct {
	Name    string `json:"name"`
	Message string `json:"message"`
}

// ProcessingStatusType is the status item type of catalog processing errors.
const ProcessingStatusType = "backstage.io/catalog-processing"

// ProcessingErrors returns the errors of the entity's status items that Backstage's
// entity page shows as processing errors: type backstage.io/catalog-processing, level
// error, with an error.
func (e *Entity) ProcessingErrors() []EntityStatusError {
	if e.Status == nil {
		return nil
	}
	var out []EntityStatusError
	for _, it := range e.Status.Items {
		if it.Type == ProcessingStatusType && it.Level == "error" && it.Error != nil {
			out = append(out, *it.Error)
		}
	}
	return out
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
}

// EntityLink is one of metadata.links.
type EntityLink struct {
	URL   string `json:"url"`
	Title string `json:"title,omitempty"`
	Icon  string `json:"icon,omitempty"`
	Type  string `json:"type,omitempty"`
}

// EntityRelation is one of relations.
type EntityRelation struct {
	Type      string `json:"type"`
	TargetRef string `json:"targetRef"`
}

// NamespaceOrDefault is metadata.namespace, or "default".
func (e *Entity) NamespaceOrDefault() string {
	if e.Metadata.Namespace == "" {
		return "default"
	}
	return e.Metadata.Namespace
}

// Ref is the entity's full reference, kind:namespace/name, lower-cased.
func (e *Entity) Ref() string {
	return strings.ToLower(e.Kind + ":" + e.NamespaceOrDefault() + "/" + e.Metadata.Name)
}

// SpecString is spec.<key> when it is a string.
func (e *Entity) SpecString(key string) string {
	s, _ := e.Spec[key].(string)
	return s
}

// EntityFilter is a parsed entity filter expression, Backstage's syntax: clauses
// separated by spaces must all match; a clause is key:value[,value...] and matches
// when any value does (case-insensitive). Keys: kind, type, lifecycle, namespace,
// owner, tag, has (labels, links, annotations, tags), is (orphan), annotation (the
// entity has one of the annotations named, e.g. annotation:backstage.io/techdocs-ref).
// The zero
// EntityFilter matches every entity. Example: "kind:component,api type:service".
type EntityFilter struct {
	expr    string
	clauses []filterClause
}

type filterClause struct {
	key    string
	values []string
}

// ParseEntityFilter parses a filter expression.
func ParseEntityFilter(expr string) (EntityFilter, error) {
	f := EntityFilter{expr: expr}
	for _, word := range strings.Fields(expr) {
		key, vals, ok := strings.Cut(word, ":")
		if !ok || key == "" || vals == "" {
			return EntityFilter{}, fmt.Errorf("entity filter %q: %q is not key:value; write e.g. kind:component type:service", expr, word)
		}
		key = strings.ToLower(key)
		c := filterClause{key: key}
		for _, v := range strings.Split(vals, ",") {
			if v == "" {
				return EntityFilter{}, fmt.Errorf("entity filter %q: empty value in %q", expr, word)
			}
			v = strings.ToLower(v)
			switch key {
			case "kind", "type", "lifecycle", "namespace", "owner", "tag", "annotation":
			case "has":
				if v != "labels" && v != "links" && v != "annotations" && v != "tags" {
					return EntityFilter{}, fmt.Errorf("entity filter %q: has:%s is unknown; use has:labels, has:links, has:annotations or has:tags", expr, v)
				}
			case "is":
				if v != "orphan" {
					return EntityFilter{}, fmt.Errorf("entity filter %q: is:%s is unknown; use is:orphan", expr, v)
				}
			default:
				return EntityFilter{}, fmt.Errorf("entity filter %q: unknown key %q; use kind, type, lifecycle, namespace, owner, tag, has, is or annotation", expr, key)
			}
			c.values = append(c.values, v)
		}
		f.clauses = append(f.clauses, c)
	}
	return f, nil
}

// MustParseEntityFilter is ParseEntityFilter for constant expressions; it panics on error.
func MustParseEntityFilter(expr string) EntityFilter {
	f, err := ParseEntityFilter(expr)
	if err != nil {
		panic(err)
	}
	return f
}

// String is the expression the filter was parsed from.
func (f EntityFilter) String() string { return f.expr }

// MarshalJSON writes the expression.
func (f EntityFilter) MarshalJSON() ([]byte, error) { return []byte(fmt.Sprintf("%q", f.expr)), nil }

// UnmarshalJSON parses an expression string.
func (f *EntityFilter) UnmarshalJSON(b []byte) error {
	var s string
	if err := jsonUnmarshal(b, &s); err != nil {
		return fmt.Errorf("an entity filter is a string expression such as \"kind:component\": %w", err)
	}
	p, err := ParseEntityFilter(s)
	if err != nil {
		return err
	}
	*f = p
	return nil
}

// Match reports whether the entity passes the filter; a nil entity passes only the
// empty filter.
func (f EntityFilter) Match(e *Entity) bool {
	if len(f.clauses) == 0 {
		return true
	}
	if e == nil {
		return false
	}
	for _, c := range f.clauses {
		if !c.match(e) {
			return false
		}
	}
	return true
}

func (c filterClause) match(e *Entity) bool {
	for _, v := range c.values {
		var ok bool
		switch c.key {
		case "kind":
			ok = strings.EqualFold(e.Kind, v)
		case "type":
			ok = strings.EqualFold(e.SpecString("type"), v)
		case "lifecycle":
			ok = strings.EqualFold(e.SpecString("lifecycle"), v)
		case "namespace":
			ok = strings.EqualFold(e.NamespaceOrDefault(), v)
		case "owner":
			o := strings.ToLower(e.SpecString("owner"))
			ok = o == v || strings.HasSuffix(o, "/"+v) || strings.HasSuffix(o, ":"+v)
		case "tag":
			for _, t := range e.Metadata.Tags {
				if strings.EqualFold(t, v) {
					ok = true
				}
			}
		case "has":
			switch v {
			case "labels":
				ok = len(e.Metadata.Labels) > 0
			case "links":
				ok = len(e.Metadata.Links) > 0
			case "annotations":
				ok = len(e.Metadata.Annotations) > 0
			case "tags":
				ok = len(e.Metadata.Tags) > 0
			}
		case "is":
			ok = e.Metadata.Annotations["backstage.io/orphan"] == "true"
		case "annotation":
			for k, a := range e.Metadata.Annotations {
				if a != "" && strings.EqualFold(k, v) {
					ok = true
				}
			}
		}
		if ok {
			return true
		}
	}
	return false
}
