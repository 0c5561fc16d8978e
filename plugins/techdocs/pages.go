package main

import (
	"encoding/json"
	"errors"
	"html"
	"sort"
	"strings"

	"greenroom.dev/greenroom/plugins/techdocs/site"
	greenroom "greenroom.dev/greenroom/sdk/go"
	"greenroom.dev/greenroom/sdk/go/ui"
)

// Extension ids, as declared in plugin.yaml.
const (
	indexID  = "page:techdocs"
	navID    = "nav-item:techdocs"
	readerID = "page:techdocs/reader"
	tabID    = "entity-content:techdocs/docs"
)

// tabFilter shows the Docs tab on entities with docs of their own or borrowed.
const tabFilter = "annotation:" + annRef + "," + annEntity

func init() {
	greenroom.Page(indexID, "/docs", index)
	greenroom.NavItem(navID, "Docs", "/docs")
	greenroom.Page(readerID, "/docs/:namespace/:kind/:name/*", reader)
	greenroom.EntityTab(tabID, "Docs", "docs", tabFilter, tab)
}

// index is /docs: every entity with docs the caller may read, filtered by owner, kind
// and text, as Backstage's TechDocs index.
func index(r *greenroom.RenderRequest) (ui.Node, error) {
	var items []greenroom.Entity
	for cursor := ""; ; {
		page, err := greenroom.CatalogQuery(greenroom.CatalogQueryRequest{
			Filter: []greenroom.CatalogFilter{{"metadata.annotations." + annRef: nil}, {"metadata.annotations." + annEntity: nil}},
			Fields: []string{"kind", "metadata", "spec.owner", "spec.type"},
			Limit:  500, Cursor: cursor,
		})
		if err != nil {
			return ui.Node{}, err
		}
		items = append(items, page.Items...)
		if cursor = page.PageInfo.NextCursor; cursor == "" || len(items) >= 10000 {
			break
		}
	}
	owner, kind, q := r.QueryValue("owner"), r.QueryValue("kind"), strings.ToLower(strings.TrimSpace(r.QueryValue("q")))
	owners, kinds := map[string]bool{}, map[string]bool{}
	table := ui.Table([]string{"Document", "Owner", "Kind", "Type"})
	n := 0
	sort.Slice(items, func(i, j int) bool { return strings.ToLower(title(&items[i])) < strings.ToLower(title(&items[j])) })
	for i := range items {
		e := &items[i]
		o, _ := e.Spec["owner"].(string)
		typ, _ := e.Spec["type"].(string)
		owners[o], kinds[e.Kind] = true, true
		if owner != "" && o != owner || kind != "" && !strings.EqualFold(kind, e.Kind) {
			continue
		}
		if q != "" && !strings.Contains(strings.ToLower(title(e)+" "+e.Metadata.Description+" "+e.Metadata.Name), q) {
			continue
		}
		doc := ui.Link(title(e), entityTriplet(e).readerURL())
		if e.Metadata.Description != "" {
			doc = ui.Group(doc, ui.Text(" — "+e.Metadata.Description))
		}
		table.Rows = append(table.Rows, ui.Row(doc, ui.Text(o), ui.Text(e.Kind), ui.Text(typ)))
		n++
	}
	form := ui.Form("/docs", "Filter",
		ui.Field{Name: "q", Label: "Search", Kind: "text", Value: r.QueryValue("q"), Placeholder: "title or description"},
		ui.Field{Name: "owner", Label: "Owner", Kind: "select", Value: owner, Options: options(owners, "Any owner")},
		ui.Field{Name: "kind", Label: "Kind", Kind: "select", Value: kind, Options: options(kinds, "Any kind")},
	)
	var body ui.Node
	if n == 0 {
		body = ui.Empty("No documentation", "No entity you may read has docs that match. An entity gets docs with the annotation "+annRef+": dir:. and a mkdocs.yml beside its catalog-info.yaml.")
	} else {
		body = ui.Card(plural(n, "document"), table)
	}
	return ui.Page("Documentation", form, body).WithSubtitle("Docs-as-code of the catalog's entities"), nil
}

func options(set map[string]bool, any string) []ui.Option {
	out := []ui.Option{{Value: "", Label: any}}
	var keys []string
	for k := range set {
		if k != "" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		out = append(out, ui.Option{Value: k, Label: k})
	}
	return out
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return itoa(n) + " " + what + "s"
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func title(e *greenroom.Entity) string {
	if e.Metadata.Title != "" {
		return e.Metadata.Title
	}
	return e.Metadata.Name
}

// reader is /docs/:namespace/:kind/:name/*: a page of the entity's site with the site
// nav, the page's table of contents, previous/next and the edit link.
func reader(r *greenroom.RenderRequest) (ui.Node, error) {
	t := tripletOf(r.Params["namespace"], r.Params["kind"], r.Params["name"])
	e, err := greenroom.CatalogGet(t.ref())
	if err != nil {
		return ui.Node{}, err
	}
	if e == nil {
		return ui.Page("Documentation", ui.Empty("Page not found.", "The catalog has no entity "+t.ref()+", or you may not read it.")), nil
	}
	body, siteName := docsView(e, r.Params["*"], t.readerURL())
	// Backstage's reader header: the entity, its owner and lifecycle, and the source.
	extra := []ui.Node{ui.Badge(e.Kind, ui.ToneInfo)}
	if o, _ := e.Spec["owner"].(string); o != "" {
		extra = append(extra, ui.Text("Owner: "+o))
	}
	if l, _ := e.Spec["lifecycle"].(string); l != "" {
		extra = append(extra, ui.Badge(l, ui.ToneNeutral))
	}
	extra = append(extra, ui.Link("Entity page", "/catalog/"+t.path()))
	if de, err := docsEntity(e); err == nil {
		if loc, err := source(de); err == nil && strings.HasPrefix(loc.Target, "https://") {
			extra = append(extra, ui.Link("Source", loc.Target))
		}
	}
	header := ui.Header(title(e), e.Metadata.Description, extra...)
	return ui.Page(siteName, append([]ui.Node{header}, body...)...), nil
}

// tab is the entity page's Docs tab: the reader inside the entity page.
func tab(r *greenroom.RenderRequest) (ui.Node, error) {
	if r.Entity == nil {
		return ui.Empty("No entity", "The Docs tab shows on entity pages."), nil
	}
	t := entityTriplet(r.Entity)
	// The entity page's * is the tab's path and the site page below it: docs/guide.
	tabPath := strings.Trim(r.ConfigString("path", "docs"), "/")
	sub := strings.Trim(r.Params["*"], "/")
	sub = strings.TrimPrefix(strings.TrimPrefix(sub, tabPath), "/")
	// backstage.io/techdocs-entity-path opens a borrowed site at one of its pages.
	if p := strings.Trim(r.Entity.Metadata.Annotations[annEntityPath], "/"); sub == "" && p != "" && r.Entity.Metadata.Annotations[annEntity] != "" {
		sub = p
	}
	body, _ := docsView(r.Entity, sub, "/catalog/"+t.path()+"/"+tabPath+"/")
	return ui.Group(body...), nil
}

// docsView syncs the entity's docs (throttled) and shows the page at sub (a site URL;
// "" is the home page) with links under base.
func docsView(e *greenroom.Entity, sub, base string) ([]ui.Node, string) {
	de, err := docsEntity(e)
	if err != nil {
		return []ui.Node{ui.Error("Could not find the documentation", err.Error())}, "Documentation"
	}
	t := entityTriplet(de)
	res := syncDocs(de, false)
	publishSynced(de, res)
	var out []ui.Node
	raw, ok, err := greenroom.Files.Read(t.sitePrefix() + "/" + site.SiteFile)
	// A reader who may not read the sources still gets the site the build task keeps
	// fresh; only a failure of the source or the build is shown.
	var ge *greenroom.Error
	if denied := errors.As(res.Err, &ge) && ge.Code == greenroom.CodeCapabilityDenied; res.Err != nil && !(denied && ok) {
		out = append(out, ui.Error("Could not generate documentation or an error in the TechDocs backend.", res.Err.Error()))
	}
	if err != nil || !ok {
		if res.Err == nil {
			out = append(out, ui.Empty("No documentation yet", "The docs of "+t.ref()+" have not been built."))
		}
		return out, "Documentation"
	}
	var s site.Site
	if err := json.Unmarshal(raw, &s); err != nil {
		return append(out, ui.Error("The stored site is unreadable", err.Error())), "Documentation"
	}
	sub = strings.TrimPrefix(sub, "/")
	if sub != "" && !strings.HasSuffix(sub, "/") {
		sub += "/"
	}
	var pg *site.Page
	for _, p := range s.Pages {
		if p.URL == sub {
			pg = p
		}
	}
	if pg == nil {
		hint := "This site has no page " + sub + "."
		if sub == "" {
			hint = "The site has no home page: add index.md (or README.md) to its docs_dir."
		}
		return append(out, ui.Empty("Page not found.", hint, ui.Link("Documentation home", base))), s.Name
	}
	file, _, err := greenroom.Files.Read(t.sitePrefix() + "/" + pg.URL + "index.html")
	if err != nil {
		return append(out, ui.Error("Could not read the page", err.Error())), s.Name
	}
	content, _ := site.Content(file)
	link := func(u string) string { return base + u }
	var b strings.Builder
	b.WriteString(`<div class="doc-reader">`)
	b.WriteString(site.NavHTML(s.Nav, pg.URL, link))
	b.WriteString(`<article class="doc-content">`)
	b.Write(site.ForReader(content, pg.URL, base, t.staticURL()))
	b.WriteString(site.FooterHTML(pg, link))
	b.WriteString(`</article>`)
	b.WriteString(site.TOCHTML(pg.TOC))
	b.WriteString(`</div>`)
	if st, err := loadState(t); err == nil && len(st.Warnings) > 0 {
		var w strings.Builder
		for _, s := range st.Warnings {
			w.WriteString("<li>" + html.EscapeString(s) + "</li>")
		}
		out = append(out, ui.HTML(`<details class="doc-build-warnings"><summary>`+plural(len(st.Warnings), "build warning")+`</summary><ul>`+w.String()+`</ul></details>`))
	}
	return append(out, ui.HTML(b.String())), s.Name
}
