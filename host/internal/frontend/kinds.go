package frontend

import (
	"context"
	"encoding/json"
	"sort"
	"strings"

	"greenroom.dev/greenroom/host/internal/frontend/ext"
	"greenroom.dev/greenroom/host/internal/frontend/ui"
)

// CustomKind is a kind the operator declared in catalog.kinds, as the pages show it:
// the catalog table's columns and filters when it lists the kind, the title of its
// entities, its icon and the About card made from its schema.
type CustomKind struct {
	Kind string
	// Icon is a short symbol shown before the kind's name.
	Icon string
	// TitleField (spec.x or metadata.x) titles an entity without metadata.title.
	TitleField string
	// Columns follow Name in the catalog table when it lists this kind.
	Columns []KindColumn
	// Schema is the JSON Schema of the kind's spec; the About card shows its
	// properties, with their titles, in its order of required then the rest by name.
	Schema map[string]any
	// Refs maps spec fields holding entity references (spec.cluster) to the kind they
	// name, so the About card links them.
	Refs map[string]string
}

// KindColumn is one column of a custom kind's catalog table.
type KindColumn struct {
	Field, Title string
	// Filter adds a select of the field's values above the table.
	Filter bool
}

// kindsByName indexes the custom kinds by lower-cased kind.
type kindsByName map[string]*CustomKind

func indexKinds(ks []CustomKind) kindsByName {
	m := make(kindsByName, len(ks))
	for i := range ks {
		m[strings.ToLower(ks[i].Kind)] = &ks[i]
	}
	return m
}

func (m kindsByName) of(kind string) *CustomKind { return m[strings.ToLower(kind)] }

// label is the kind's name with its icon.
func (m kindsByName) label(kind string) string {
	if k := m.of(kind); k != nil && k.Icon != "" {
		return k.Icon + " " + kind
	}
	return kind
}

// entityTitle is metadata.title, else the kind's title field, else the name.
func (m kindsByName) entityTitle(e *ext.Entity) string {
	if e.Metadata.Title != "" {
		return e.Metadata.Title
	}
	if k := m.of(e.Kind); k != nil && k.TitleField != "" {
		if v := formValue(fieldValue(e, k.TitleField)); v != "" {
			return v
		}
	}
	return e.Metadata.Name
}

// fieldValue reads spec.a.b or metadata.x of an entity.
func fieldValue(e *ext.Entity, field string) any {
	segs := strings.Split(field, ".")
	var cur any
	switch segs[0] {
	case "spec":
		cur = e.Spec
	case "metadata":
		switch {
		case len(segs) == 2 && segs[1] == "name":
			return e.Metadata.Name
		case len(segs) == 2 && segs[1] == "title":
			return e.Metadata.Title
		case len(segs) == 2 && segs[1] == "description":
			return e.Metadata.Description
		case len(segs) == 2 && segs[1] == "namespace":
			return e.NamespaceOrDefault()
		}
		var doc struct {
			Metadata map[string]any `json:"metadata"`
		}
		if len(e.JSON) == 0 || json.Unmarshal(e.JSON, &doc) != nil {
			return nil
		}
		cur = doc.Metadata
	default:
		return nil
	}
	for _, s := range segs[1:] {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[s]
	}
	return cur
}

// kindFilters are the select fields of a custom kind's filterable columns, with the
// values chosen in the query (f.<field>=value).
func kindFilters(ck *CustomKind, query func(string) string, facets map[string][]FacetCount) ([]ui.Field, map[string]string) {
	var fields []ui.Field
	chosen := map[string]string{}
	for _, c := range ck.Columns {
		if !c.Filter {
			continue
		}
		v := query("f." + c.Field)
		if v != "" {
			chosen[c.Field] = v
		}
		fields = append(fields, selectField("f."+c.Field, c.Title, v, facets[c.Field]))
	}
	return fields, chosen
}

// kindColumns are the table's headings and cells for a custom kind: Name, the kind's
// columns, Description.
func kindTableColumns(ck *CustomKind) []string {
	cols := []string{"Name"}
	for _, c := range ck.Columns {
		cols = append(cols, c.Title)
	}
	return append(cols, "Description")
}

func kindTableRow(kinds kindsByName, ck *CustomKind, e *ext.Entity) []ui.Node {
	row := []ui.Node{ui.Link(kinds.entityTitle(e), EntityPath(e.NamespaceOrDefault(), e.Kind, e.Metadata.Name))}
	for _, c := range ck.Columns {
		row = append(row, ui.Text(formValue(fieldValue(e, c.Field))))
	}
	return append(row, ui.Text(e.Metadata.Description))
}

// schemaProperties lists a schema's top-level properties: required first, in the
// order listed, then the rest by name.
func schemaProperties(schema map[string]any) []string {
	props, _ := schema["properties"].(map[string]any)
	var out []string
	seen := map[string]bool{}
	if req, ok := schema["required"].([]any); ok {
		for _, r := range req {
			if s, ok := r.(string); ok && props[s] != nil && !seen[s] {
				out = append(out, s)
				seen[s] = true
			}
		}
	}
	var rest []string
	for k := range props {
		if !seen[k] {
			rest = append(rest, k)
		}
	}
	sort.Strings(rest)
	return append(out, rest...)
}

// kindAboutRows are the About card's rows for the spec of an entity of a custom kind:
// one per schema property the entity sets, titled by the property's title, with
// references linked to their entities' pages when the caller may read them.
func kindAboutRows(ctx context.Context, src CatalogSource, ck *CustomKind, e *ext.Entity) ([]ui.Pair, error) {
	ns := e.NamespaceOrDefault()
	props, _ := ck.Schema["properties"].(map[string]any)
	names := schemaProperties(ck.Schema)
	var refs []string
	for _, n := range names {
		kind := ck.Refs["spec."+n]
		if kind == "" {
			continue
		}
		for _, r := range refValues(e.Spec[n]) {
			refs = append(refs, fullRefIn(r, strings.ToLower(kind), ns))
		}
	}
	may, err := readable(ctx, src, refs)
	if err != nil {
		return nil, err
	}
	var out []ui.Pair
	for _, n := range names {
		v, has := e.Spec[n]
		if !has {
			continue
		}
		title := n
		if p, ok := props[n].(map[string]any); ok {
			if t, ok := p["title"].(string); ok && t != "" {
				title = t
			}
		}
		if kind := ck.Refs["spec."+n]; kind != "" {
			g := ui.Node{Type: ui.TypeGroup}
			for _, r := range refValues(v) {
				g.Children = append(g.Children, refLink(r, strings.ToLower(kind), ns, may))
			}
			out = append(out, ui.Pair{Key: title, Value: g})
			continue
		}
		out = append(out, ui.Pair{Key: title, Value: ui.Text(formValue(v))})
	}
	return out, nil
}

func refValues(v any) []string {
	switch t := v.(type) {
	case string:
		return []string{t}
	case []any:
		var out []string
		for _, x := range t {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// kindFacetFields are the facets a custom kind's filters need.
func kindFacetFields(ck *CustomKind) []string {
	var out []string
	for _, c := range ck.Columns {
		if c.Filter {
			out = append(out, c.Field)
		}
	}
	return out
}
