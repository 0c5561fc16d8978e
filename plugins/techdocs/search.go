package main

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"strings"
	"unicode/utf8"

	"greenroom.dev/greenroom/plugins/techdocs/site"
	greenroom "greenroom.dev/greenroom/sdk/go"
)

// Search: after each build the plugin hands the portal's search index the site's
// pages and sections (search_replace, capability search.write with types [techdocs]),
// one set per entity, as Backstage's TechDocs collator makes them from the site's
// search/search_index.json.

// searchType is Backstage's document type for TechDocs pages.
const searchType = "techdocs"

// The host's limits on one document (abi/SPEC.md, search_replace): longer titles and
// texts are cut rather than refused.
const (
	maxSearchTitle = 1 << 10
	maxSearchText  = 64 << 10
)

// searchDocuments are the documents of an entity's site: per entry of its search index
// the title and text, location /docs/<namespace>/<kind>/<name>/<path>, the fields path,
// kind, namespace, name (lower case), entityTitle, componentType and type (spec.type),
// lifecycle and owner (the name part of the ownedBy relation's target, else
// spec.owner), and the entity as resourceRef, so search shows them to whoever may read
// the entity.
func searchDocuments(e *greenroom.Entity, entries []site.SearchEntry) []greenroom.SearchDocument {
	t := entityTriplet(e)
	base := map[string]any{"kind": t.kind, "namespace": t.namespace, "name": t.name}
	if v := e.Metadata.Title; v != "" {
		base["entityTitle"] = v
	}
	if v, _ := e.Spec["type"].(string); v != "" {
		base["componentType"], base["type"] = v, v
	}
	if v, _ := e.Spec["lifecycle"].(string); v != "" {
		base["lifecycle"] = v
	}
	if v := owner(e); v != "" {
		base["owner"] = v
	}
	out := make([]greenroom.SearchDocument, 0, len(entries))
	for _, en := range entries {
		title := strings.TrimSpace(en.Title)
		if title == "" {
			continue // mkdocs writes untitled entries for empty sections
		}
		fields := make(map[string]any, len(base)+1)
		for k, v := range base {
			fields[k] = v
		}
		fields["path"] = en.Location
		out = append(out, greenroom.SearchDocument{
			Title: cut(title, maxSearchTitle), Text: cut(en.Text, maxSearchText),
			Location: t.readerURL() + en.Location, Fields: fields, ResourceRef: t.ref(),
		})
	}
	return out
}

// owner is the name part of the entity's owner, as Backstage's collator takes it from
// the ownedBy relation.
func owner(e *greenroom.Entity) string {
	ref := ""
	for _, r := range e.Relations {
		if r.Type == "ownedBy" {
			ref = r.TargetRef
			break
		}
	}
	if ref == "" {
		ref, _ = e.Spec["owner"].(string)
	}
	if i := strings.LastIndexAny(ref, ":/"); i >= 0 {
		ref = ref[i+1:]
	}
	return ref
}

// indexKey names what the documents of an entity's site carry: the build's ETag and
// the entity's fields, so that a change of either indexes the site again.
func indexKey(e *greenroom.Entity, etag string) string {
	h := fnv.New64a()
	for _, d := range searchDocuments(e, []site.SearchEntry{{Title: "-"}}) {
		b, _ := json.Marshal(d.Fields)
		h.Write(b)
	}
	return fmt.Sprintf("%s/%x", etag, h.Sum64())
}

// cut shortens s to at most n bytes, at a character boundary.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// indexSite replaces the entity's documents in the search index with its site's.
func indexSite(e *greenroom.Entity, entries []site.SearchEntry) error {
	_, err := greenroom.ReplaceSearchDocuments(&greenroom.SearchReplace{
		Type: searchType, Source: entityTriplet(e).ref(), Documents: searchDocuments(e, entries),
	})
	return err
}

// indexStored indexes the site the plugin keeps for the entity, from its
// search/search_index.json: for a site built before it was indexed, or whose indexing
// failed.
func indexStored(e *greenroom.Entity) error {
	t := entityTriplet(e)
	b, ok, err := greenroom.Files.Read(t.sitePrefix() + "/" + site.SearchFile)
	if err != nil || !ok {
		return err
	}
	var idx struct {
		Docs []site.SearchEntry `json:"docs"`
	}
	if err := json.Unmarshal(b, &idx); err != nil {
		return err
	}
	return indexSite(e, idx.Docs)
}

// unindex removes an entity's documents from the search index.
func unindex(t triplet) error {
	_, err := greenroom.ReplaceSearchDocuments(&greenroom.SearchReplace{Type: searchType, Source: t.ref()})
	return err
}
