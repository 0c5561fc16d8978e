package search

import (
	"encoding/json"
	"fmt"
	"html"
	"net/url"
	"strings"
)

// TechDocs documents, as Backstage's default TechDocs collator makes them from a
// site's MkDocs search index (search/search_index.json): one document per page and per
// section. TechDocs hands them to the index with Replace(TypeTechDocs, <entity ref>,
// docs), one entity's site at a time (in the host), or a docs plugin through
// search_replace with grants["search.write"].types [techdocs].

// DocsEntity is the entity a TechDocs site belongs to: the fields its documents carry.
type DocsEntity struct {
	Kind, Namespace, Name string
	Title                 string // metadata.title
	Type, Lifecycle       string // spec.type, spec.lifecycle
	Owner                 string // the name part of the ownedBy relation's target
}

type mkdocsIndex struct {
	Docs []struct {
		Location string `json:"location"`
		Title    string `json:"title"`
		Text     string `json:"text"`
	} `json:"docs"`
}

// TechDocsDocuments turns a site's MkDocs search_index.json into search documents:
// title and text HTML-unescaped, location /docs/:namespace/:kind/:name/:path (the
// triplet lower-cased, path MkDocs' location, with its #anchor), and the fields path,
// kind, namespace, name, entityTitle, type, lifecycle and owner. A malformed index is
// an error naming the entity.
func TechDocsDocuments(e DocsEntity, searchIndex []byte) ([]Document, error) {
	var idx mkdocsIndex
	if err := json.Unmarshal(searchIndex, &idx); err != nil {
		return nil, fmt.Errorf("techdocs %s:%s/%s: search_index.json is not MkDocs' search index: %v", e.Kind, e.Namespace, e.Name, err)
	}
	ns := e.Namespace
	if ns == "" {
		ns = "default"
	}
	kind, lns, name := strings.ToLower(e.Kind), strings.ToLower(ns), strings.ToLower(e.Name)
	base := "/docs/" + url.PathEscape(lns) + "/" + url.PathEscape(kind) + "/" + url.PathEscape(name) + "/"
	out := make([]Document, 0, len(idx.Docs))
	for _, d := range idx.Docs {
		title := strings.TrimSpace(html.UnescapeString(d.Title))
		if title == "" {
			continue // MkDocs writes untitled entries for empty sections
		}
		text := html.UnescapeString(d.Text)
		if len(text) > MaxText {
			text = text[:MaxText]
		}
		doc := Document{Title: title, Text: text, Location: base + d.Location, ResourceRef: kind + ":" + lns + "/" + name,
			Fields: []Field{{"path", d.Location}, {"kind", kind}, {"namespace", lns}, {"name", name}}}
		for _, f := range []Field{{"entityTitle", e.Title}, {"type", e.Type}, {"lifecycle", e.Lifecycle}, {"owner", e.Owner}} {
			if f.Value != "" {
				doc.Fields = append(doc.Fields, f)
			}
		}
		out = append(out, doc)
	}
	return out, nil
}
