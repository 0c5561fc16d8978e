package frontend

import (
	"context"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"greenroom.dev/greenroom/host/internal/frontend/ext"
	"greenroom.dev/greenroom/host/internal/frontend/ui"
)

// Built-in pages and cards: the home page, nav items, the catalog index page and the
// entity page with its About, Relations and Links cards.
func pages(opts Options) []ext.Extension {
	src := opts.Catalog
	kinds := indexKinds(opts.Kinds)
	home := Page("page:home", "/", func(_ context.Context, in ext.FactoryInput) (ext.Element, error) {
		links := quickLinks(in.Config["quickLinks"])
		return element(func(ctx context.Context, _ *ext.RenderContext) (ui.Node, error) {
			return homePage(ctx, opts, links), nil
		}), nil
	})
	home.ConfigSchema = schema(strProp("path", "/", `,"pattern":"^/"`) + `,"quickLinks":{"type":"array","default":[],"items":{"type":"object","required":["title","url"],"additionalProperties":false,"properties":{"title":{"type":"string","minLength":1},"url":{"type":"string","minLength":1}}}}`)

	catalog := Page("page:catalog", "/catalog", func(_ context.Context, in ext.FactoryInput) (ext.Element, error) {
		size := in.ConfigInt("pageSize", 20)
		return element(func(ctx context.Context, rc *ext.RenderContext) (ui.Node, error) {
			return catalogIndex(ctx, src, opts, kinds, rc, size)
		}), nil
	})
	catalog.ConfigSchema = schema(strProp("path", "/catalog", `,"pattern":"^/"`) + `,"pageSize":{"type":"integer","minimum":1,"maximum":100,"default":20}`)

	entity := Page("page:catalog/entity", "/catalog/:namespace/:kind/:name/*", func(_ context.Context, in ext.FactoryInput) (ext.Element, error) {
		var cards, tabs []entityPart
		for _, a := range in.Input("cards") {
			cards = append(cards, partOf(a))
		}
		for _, a := range in.Input("tabs") {
			tabs = append(tabs, partOf(a))
		}
		return element(func(ctx context.Context, rc *ext.RenderContext) (ui.Node, error) {
			return entityPage(ctx, src, opts.Authorizer, opts.Favourites, kinds, rc, cards, tabs)
		}), nil
	})
	entity.ConfigSchema = nil // its path is fixed: entity links are built with EntityPath
	entity.Inputs = []ext.Input{
		{Name: "cards", Refs: []ext.AnyRef{ext.ElementRef, ext.EntityFilterRef.Optional()}},
		{Name: "tabs", Refs: []ext.AnyRef{ext.ElementRef, ext.TitleRef, ext.RoutePath, ext.EntityFilterRef.Optional()}},
	}

	about := EntityCard("entity-card:catalog/about", "", func(context.Context, ext.FactoryInput) (ext.Element, error) {
		return element(func(ctx context.Context, rc *ext.RenderContext) (ui.Node, error) {
			return aboutCard(ctx, src, kinds, rc)
		}), nil
	})
	relations := EntityCard("entity-card:catalog/relations", "", func(context.Context, ext.FactoryInput) (ext.Element, error) {
		return element(func(ctx context.Context, rc *ext.RenderContext) (ui.Node, error) { return relationsCard(ctx, src, rc) }), nil
	})
	links := EntityCard("entity-card:catalog/links", "has:links", func(context.Context, ext.FactoryInput) (ext.Element, error) {
		return element(linksCard), nil
	})
	definition := EntityTab("entity-content:catalog/definition", "Definition", "definition", "kind:api", func(context.Context, ext.FactoryInput) (ext.Element, error) {
		return element(definitionTab), nil
	})
	profile := EntityCard("entity-card:org/profile", "kind:user,group", func(context.Context, ext.FactoryInput) (ext.Element, error) {
		return element(func(ctx context.Context, rc *ext.RenderContext) (ui.Node, error) { return profileCard(ctx, src, rc) }), nil
	})
	ownership := EntityCard("entity-card:org/ownership", "kind:user,group", func(context.Context, ext.FactoryInput) (ext.Element, error) {
		return element(func(ctx context.Context, rc *ext.RenderContext) (ui.Node, error) { return ownershipCard(ctx, src, rc) }), nil
	})
	register := Page("page:catalog-import", RegisterPath, func(context.Context, ext.FactoryInput) (ext.Element, error) {
		return element(func(ctx context.Context, rc *ext.RenderContext) (ui.Node, error) {
			return registerPage(ctx, opts.Registrar, opts.Authorizer, rc)
		}), nil
	})
	searchPg := Page("page:search", SearchPath, func(context.Context, ext.FactoryInput) (ext.Element, error) {
		return element(func(ctx context.Context, rc *ext.RenderContext) (ui.Node, error) {
			return searchPage(ctx, opts.Search, rc)
		}), nil
	})
	out := []ext.Extension{
		trusted(home), trusted(catalog), trusted(entity), trusted(about), trusted(relations), trusted(links), trusted(definition),
		trusted(profile), trusted(ownership), trusted(register),
		NavItem("nav-item:home", "Home", "/"),
		NavItem("nav-item:catalog", "Catalog", "/catalog"),
	}
	if opts.Search != nil {
		out = append(out, trusted(searchPg), NavItem("nav-item:search", "Search", SearchPath))
	}
	return out
}

type entityPart struct {
	id     string
	el     ext.Element
	filter ext.EntityFilter
	title  string
	path   string
}

func partOf(a ext.Attachment) entityPart {
	p := entityPart{id: a.ID}
	p.el, _ = ext.ElementRef.Get(a.Data)
	p.filter, _ = ext.EntityFilterRef.Get(a.Data)
	p.title, _ = ext.TitleRef.Get(a.Data)
	p.path, _ = ext.RoutePath.Get(a.Data)
	p.path = strings.Trim(p.path, "/")
	return p
}

// catalogQuery is the index page's query parameters.
type catalogQuery struct {
	kind, typ, owner, lifecycle, tag, text string
	page                                   int
	fields                                 map[string]string // a custom kind's filters
}

func (q catalogQuery) values(page int) url.Values {
	v := url.Values{}
	for k, s := range map[string]string{"kind": q.kind, "type": q.typ, "owner": q.owner, "lifecycle": q.lifecycle, "tag": q.tag, "q": q.text} {
		if s != "" {
			v.Set(k, s)
		}
	}
	for f, s := range q.fields {
		v.Set("f."+f, s)
	}
	if page > 1 {
		v.Set("page", strconv.Itoa(page))
	}
	return v
}

func catalogIndex(ctx context.Context, src CatalogSource, opts Options, kinds kindsByName, rc *ext.RenderContext, size int) (ui.Node, error) {
	page := ui.Node{Type: ui.TypePage, Title: "Catalog"}
	if src == nil {
		page.Children = []ui.Node{ui.Empty("No catalog", "The catalog is not configured on this host.")}
		return page, nil
	}
	q := catalogQuery{
		kind: rc.Query.Get("kind"), typ: rc.Query.Get("type"), owner: fullRef(rc.Query.Get("owner"), "group"),
		lifecycle: rc.Query.Get("lifecycle"), tag: rc.Query.Get("tag"), text: strings.TrimSpace(rc.Query.Get("q")), page: 1,
	}
	if p := rc.Query.Get("page"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 1_000_000 {
			rc.SetStatus(400)
			page.Children = []ui.Node{ui.ErrorBox("Bad page number",
				fmt.Sprintf("page=%q is not a page number; use page=1, 2, 3 ...", p)), ui.Link("First page", "?"+q.values(1).Encode())}
			return page, nil
		}
		q.page = n
	}
	// A custom kind's table: its columns, and filters on those it marks.
	ck := kinds.of(q.kind)
	facetFields := []string{FacetKind, FacetType, FacetOwner, FacetLifecycle, FacetTags}
	if ck != nil {
		_, q.fields = kindFilters(ck, rc.Query.Get, nil)
		facetFields = append(facetFields, kindFacetFields(ck)...)
	}
	res, err := src.QueryEntities(ctx, EntityQuery{Kind: q.kind, Type: q.typ, Owner: q.owner, Lifecycle: q.lifecycle,
		Tags: nonEmpty(q.tag), Text: q.text, Fields: q.fields, Offset: (q.page - 1) * size, Limit: size})
	if err != nil {
		return ui.Node{}, fmt.Errorf("catalog query: %w", err)
	}
	facets, err := src.Facets(ctx, facetFields)
	if err != nil {
		return ui.Node{}, fmt.Errorf("catalog facets: %w", err)
	}
	pages := (res.TotalItems + size - 1) / size
	page.Subtitle = fmt.Sprintf("%d entities", res.TotalItems)
	if res.TotalItems == 1 {
		page.Subtitle = "1 entity"
	}
	form := ui.Node{Type: ui.TypeForm, Action: rc.Path, Submit: "Filter", Fields: []ui.Field{
		selectField("kind", "Kind", q.kind, facets[FacetKind]),
		selectField("type", "Type", q.typ, facets[FacetType]),
		selectFieldLabeled("owner", "Owner", q.owner, facets[FacetOwner], func(ref string) string { return humanizeRef(ref, "group") }),
		selectField("lifecycle", "Lifecycle", q.lifecycle, facets[FacetLifecycle]),
		selectField("tag", "Tag", q.tag, facets[FacetTags]),
		{Name: "q", Label: "Search", Kind: ui.FieldSearch, Value: q.text, Placeholder: "name, title or description"},
	}}
	if ck != nil {
		extra, _ := kindFilters(ck, rc.Query.Get, facets)
		form.Fields = append(form.Fields, extra...)
	}
	page.Children = append(page.Children, form)
	if opts.Registrar != nil {
		page.Children = append(page.Children, ui.Node{Type: ui.TypeButton, Text: "Register existing component", Href: RegisterPath})
	}
	if len(res.Items) == 0 {
		msg := "No entities match these filters."
		if q.page > 1 && res.TotalItems > 0 {
			rc.SetStatus(404)
			msg = fmt.Sprintf("There is no page %d; the last page is %d.", q.page, pages)
		}
		page.Children = append(page.Children, ui.Empty("Nothing found", msg, ui.Link("Clear filters", rc.Path)))
		return page, nil
	}
	owners := make([]string, 0, len(res.Items))
	for i := range res.Items {
		if o := ownerRef(&res.Items[i]); o != "" {
			owners = append(owners, o)
		}
	}
	may, err := readable(ctx, src, owners)
	if err != nil {
		return ui.Node{}, err
	}
	table := ui.Node{Type: ui.TypeTable, Columns: []string{"Name", "Kind", "Type", "Owner", "Lifecycle", "Description", "Tags"}}
	if ck != nil {
		table.Columns = kindTableColumns(ck)
	}
	for i := range res.Items {
		e := &res.Items[i]
		if ck != nil {
			table.Rows = append(table.Rows, kindTableRow(kinds, ck, e))
			continue
		}
		name := kinds.entityTitle(e)
		tagNodes := make([]ui.Node, 0, len(e.Metadata.Tags))
		for _, t := range e.Metadata.Tags {
			tagNodes = append(tagNodes, ui.Badge(t, ui.ToneNeutral))
		}
		table.Rows = append(table.Rows, []ui.Node{
			ui.Link(name, EntityPath(e.NamespaceOrDefault(), e.Kind, e.Metadata.Name)),
			ui.Text(kinds.label(e.Kind)),
			ui.Text(e.SpecString("type")),
			ownerLink(e, may),
			ui.Text(e.SpecString("lifecycle")),
			ui.Text(e.Metadata.Description),
			{Type: ui.TypeGroup, Children: tagNodes},
		})
	}
	page.Children = append(page.Children, table)
	if pages > 1 {
		pager := ui.Node{Type: ui.TypeList, Children: []ui.Node{ui.Text(fmt.Sprintf("Page %d of %d", q.page, pages))}}
		if q.page > 1 {
			pager.Children = append(pager.Children, ui.Link("Previous page", "?"+q.values(q.page-1).Encode()))
		}
		if q.page < pages {
			pager.Children = append(pager.Children, ui.Link("Next page", "?"+q.values(q.page+1).Encode()))
		}
		page.Children = append(page.Children, pager)
	}
	return page, nil
}

func nonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

func selectField(name, label, value string, counts []FacetCount) ui.Field {
	return selectFieldLabeled(name, label, value, counts, func(v string) string { return v })
}

// selectFieldLabeled is selectField with option labels made from the values.
func selectFieldLabeled(name, label, value string, counts []FacetCount, show func(string) string) ui.Field {
	f := ui.Field{Name: name, Label: label, Kind: ui.FieldSelect, Value: value, Options: []ui.Option{{Value: "", Label: "All"}}}
	found := value == ""
	const maxOptions = 200
	for i, c := range counts {
		if i >= maxOptions {
			break
		}
		f.Options = append(f.Options, ui.Option{Value: c.Value, Label: fmt.Sprintf("%s (%d)", show(c.Value), c.Count)})
		if !found && strings.EqualFold(c.Value, value) {
			found, f.Value = true, c.Value
		}
	}
	if !found {
		f.Options = append(f.Options, ui.Option{Value: value, Label: show(value)})
	}
	return f
}

// readable asks src which of refs (full refs, any case) the caller may read, keyed by
// the lower-cased ref: the pages link only to those.
func readable(ctx context.Context, src CatalogSource, refs []string) (map[string]bool, error) {
	if len(refs) == 0 {
		return nil, nil
	}
	ok, err := src.Readable(ctx, refs)
	if err != nil {
		return nil, fmt.Errorf("catalog: which entities may be read: %w", err)
	}
	may := make(map[string]bool, len(refs))
	for i, r := range refs {
		if i < len(ok) && ok[i] {
			may[strings.ToLower(r)] = true
		}
	}
	return may, nil
}

// entityLink links text to the page of the entity kind:namespace/name when may holds
// its ref; otherwise it is text, since that page would be the site's 404 for this
// caller.
func entityLink(text, kind, ns, name string, may map[string]bool) ui.Node {
	if !may[strings.ToLower(kind+":"+ns+"/"+name)] {
		return ui.Text(text)
	}
	return ui.Link(text, EntityPath(ns, kind, name))
}

// ownerLink shows an entity's owner by its short name (Backstage's humanizeEntityRef
// with default kind Group: team-a, other-namespace/team-b, user:jane), linked to the
// owner's page when may holds the owner's ref.
func ownerLink(e *ext.Entity, may map[string]bool) ui.Node {
	ref := e.SpecString("owner")
	if ref == "" {
		return ui.Text("")
	}
	kind, ns, name := parseEntityRef(ref, "group", e.NamespaceOrDefault())
	return entityLink(humanize(kind, ns, name, "group"), kind, ns, name, may)
}

// refLink shows ref, linked to its entity's page when may holds the entity's ref.
func refLink(ref, defKind, defNamespace string, may map[string]bool) ui.Node {
	if ref == "" {
		return ui.Text("")
	}
	kind, ns, name := parseEntityRef(ref, defKind, defNamespace)
	return entityLink(ref, kind, ns, name, may)
}

func entityPage(ctx context.Context, src CatalogSource, authz Authorizer, fav Favourites, kinds kindsByName, rc *ext.RenderContext, cards, tabs []entityPart) (ui.Node, error) {
	if src == nil {
		return ui.Node{Type: ui.TypePage, Title: "Entity", Children: []ui.Node{ui.Empty("No catalog", "The catalog is not configured on this host.")}}, nil
	}
	kind, ns, name := rc.Params["kind"], rc.Params["namespace"], rc.Params["name"]
	ref := kind + ":" + ns + "/" + name
	e, err := src.GetEntity(ctx, ref)
	if err != nil {
		return ui.Node{}, fmt.Errorf("catalog: get %s: %w", ref, err)
	}
	if e == nil {
		return notFound(rc, fmt.Sprintf("The catalog has no entity %s.", ref)), nil
	}
	rc.Entity = e
	if fav != nil {
		fav.Visited(ctx, fullRef(e.Ref(), ""))
	}
	title := kinds.entityTitle(e)
	badges := []ui.Node{ui.Badge(kinds.label(e.Kind), ui.ToneInfo)}
	if t := e.SpecString("type"); t != "" {
		badges = append(badges, ui.Badge(t, ui.ToneNeutral))
	}
	if l := e.SpecString("lifecycle"); l != "" {
		tone := ui.ToneNeutral
		switch strings.ToLower(l) {
		case "production":
			tone = ui.ToneSuccess
		case "experimental":
			tone = ui.ToneWarning
		case "deprecated":
			tone = ui.ToneDanger
		}
		badges = append(badges, ui.Badge(l, tone))
	}
	page := ui.Node{Type: ui.TypePage, Title: title, Subtitle: e.Metadata.Description, Children: []ui.Node{
		{Type: ui.TypeHeader, Title: e.Ref(), Children: append(append(append(badges, entityActions(ctx, authz, e)...),
			starAction(ctx, fav, e, EntityPath(e.NamespaceOrDefault(), e.Kind, e.Metadata.Name))...),
			ui.Copy("Copy ref", e.Ref()))},
	}}
	if errs := e.ProcessingErrors(); len(errs) > 0 {
		page.Children = append(page.Children, processingErrorsCard(errs))
	}
	base := EntityPath(e.NamespaceOrDefault(), e.Kind, e.Metadata.Name)
	sub := strings.Trim(rc.Params["*"], "/")
	overview := ui.Tab{ID: "overview", Title: "Overview", Href: base, Selected: sub == ""}
	tabNodes := []ui.Tab{overview}
	var selected *entityPart
	for i := range tabs {
		t := &tabs[i]
		if !t.filter.Match(e) || t.path == "" {
			continue
		}
		// A tab owns the paths below its own (the Docs tab's pages: docs/guide/setup).
		in := sub == t.path || strings.HasPrefix(sub, t.path+"/")
		tabNodes = append(tabNodes, ui.Tab{ID: t.path, Title: t.title, Href: EntityPath(e.NamespaceOrDefault(), e.Kind, e.Metadata.Name, t.path), Selected: in})
		if in && selected == nil {
			selected = t
		}
	}
	var content []ui.Node
	switch {
	case sub == "":
		grid := ui.Node{Type: ui.TypeGrid, Cols: 2}
		for _, c := range cards {
			if c.filter.Match(e) {
				// A card with nothing to say of this entity renders no node.
				if n := render(ctx, c.el, rc); n.Type != "" {
					grid.Children = append(grid.Children, n)
				}
			}
		}
		if len(grid.Children) == 0 {
			content = []ui.Node{ui.Empty("No cards", "No card applies to this entity.")}
		} else {
			content = []ui.Node{grid}
		}
	case selected != nil:
		content = []ui.Node{render(ctx, selected.el, rc)}
	default:
		rc.SetStatus(404)
		content = []ui.Node{ui.Empty("No such tab", fmt.Sprintf("This entity has no tab %q.", sub), ui.Link("Overview", base))}
	}
	for i := range tabNodes {
		if tabNodes[i].Selected {
			tabNodes[i].Children = content
		}
	}
	if selected == nil && sub != "" {
		tabNodes[0].Selected = true
		tabNodes[0].Children = content
	}
	page.Children = append(page.Children, ui.Node{Type: ui.TypeTabs, Tabs: tabNodes})
	return page, nil
}

// processingErrorsCard lists an entity's processing errors at the top of its page, as
// Backstage's EntityProcessingErrorsPanel does: each error's name and message. A
// Location entity's errors include those of the files it lists, so an entity that
// failed validation and was never stored shows up on its Location's page.
func processingErrorsCard(errs []ext.EntityStatusError) ui.Node {
	card := ui.Card("Entity processing errors")
	for _, e := range errs {
		card.Children = append(card.Children, ui.ErrorBox(e.Name, e.Message))
	}
	return card
}

func aboutCard(ctx context.Context, src CatalogSource, kinds kindsByName, rc *ext.RenderContext) (ui.Node, error) {
	e := rc.Entity
	if e == nil {
		return ui.Node{}, fmt.Errorf("no entity on this page")
	}
	ns := e.NamespaceOrDefault()
	var refs []string
	if o := ownerRef(e); o != "" {
		refs = append(refs, o)
	}
	for _, k := range []string{"system", "domain"} {
		if r := e.SpecString(k); r != "" {
			refs = append(refs, fullRefIn(r, k, ns))
		}
	}
	may, err := readable(ctx, src, refs)
	if err != nil {
		return ui.Node{}, err
	}
	kv := ui.Node{Type: ui.TypeKV}
	add := func(k string, v ui.Node) { kv.Pairs = append(kv.Pairs, ui.Pair{Key: k, Value: v}) }
	desc := e.Metadata.Description
	if desc == "" {
		desc = "No description."
	}
	add("Description", ui.Text(desc))
	// A custom kind's spec is shown by its schema (kindAboutRows), after these.
	ck := kinds.of(e.Kind)
	// Users and groups have no owner: Backstage's About card leaves the row out.
	if k := strings.ToLower(e.Kind); ck == nil && (k != "user" && k != "group" || e.SpecString("owner") != "") {
		add("Owner", ownerLink(e, may))
	}
	if s := e.SpecString("system"); s != "" && ck == nil {
		add("System", refLink(s, "system", ns, may))
	}
	if d := e.SpecString("domain"); d != "" && ck == nil {
		add("Domain", refLink(d, "domain", ns, may))
	}
	add("Kind", ui.Text(kinds.label(e.Kind)))
	if t := e.SpecString("type"); t != "" && ck == nil {
		add("Type", ui.Text(t))
	}
	if l := e.SpecString("lifecycle"); l != "" && ck == nil {
		add("Lifecycle", ui.Text(l))
	}
	add("Namespace", ui.Text(e.NamespaceOrDefault()))
	if ck != nil {
		rows, err := kindAboutRows(ctx, src, ck, e)
		if err != nil {
			return ui.Node{}, err
		}
		kv.Pairs = append(kv.Pairs, rows...)
	}
	if len(e.Metadata.Tags) > 0 {
		tags := ui.Node{Type: ui.TypeGroup}
		for _, t := range e.Metadata.Tags {
			tags.Children = append(tags.Children, ui.Badge(t, ui.ToneNeutral))
		}
		add("Tags", tags)
	}
	return ui.Card("About", kv), nil
}

func relationsCard(ctx context.Context, src CatalogSource, rc *ext.RenderContext) (ui.Node, error) {
	e := rc.Entity
	if e == nil {
		return ui.Node{}, fmt.Errorf("no entity on this page")
	}
	if len(e.Relations) == 0 {
		return ui.Card("Relations", ui.Empty("", "This entity has no relations.")), nil
	}
	rels := append([]ext.EntityRelation(nil), e.Relations...)
	sort.SliceStable(rels, func(i, j int) bool {
		if rels[i].Type != rels[j].Type {
			return rels[i].Type < rels[j].Type
		}
		return rels[i].TargetRef < rels[j].TargetRef
	})
	ns := e.NamespaceOrDefault()
	refs := make([]string, len(rels))
	for i, r := range rels {
		refs[i] = fullRefIn(r.TargetRef, "component", ns)
	}
	may, err := readable(ctx, src, refs)
	if err != nil {
		return ui.Node{}, err
	}
	// Each related entity by its title (looked up for the first maxGraphEntities), in
	// a graph drawn by the host and a table.
	titles := map[string]string{}
	for i, ref := range refs {
		if i >= maxGraphEntities {
			break
		}
		if !may[strings.ToLower(ref)] {
			continue
		}
		if o, err := src.GetEntity(ctx, ref); err == nil && o != nil && o.Metadata.Title != "" {
			titles[strings.ToLower(ref)] = o.Metadata.Title
		}
	}
	self := e.Metadata.Title
	if self == "" {
		self = e.Metadata.Name
	}
	g := &ui.Graph{Nodes: []ui.GraphNode{{ID: e.Ref(), Label: self, Kind: e.Kind}}}
	seen := map[string]bool{}
	t := ui.Node{Type: ui.TypeTable, Columns: []string{"Relation", "Entity", "Kind"}}
	for i, r := range rels {
		kind, rns, name := parseEntityRef(refs[i], "component", ns)
		key := strings.ToLower(refs[i])
		label := titles[key]
		if label == "" {
			label = humanize(kind, rns, name, kind)
		}
		href := ""
		if may[key] {
			href = EntityPath(rns, kind, name)
		}
		if i < maxGraphEntities {
			if !seen[key] {
				seen[key] = true
				g.Nodes = append(g.Nodes, ui.GraphNode{ID: key, Label: label, Kind: kind, Href: href})
			}
			g.Edges = append(g.Edges, ui.GraphEdge{To: key, Label: r.Type})
		}
		t.Rows = append(t.Rows, []ui.Node{ui.Text(r.Type), entityLink(label, kind, rns, name, may), ui.Text(kind)})
	}
	return ui.Card("Relations", ui.Node{Type: ui.TypeChart, Chart: &ui.Chart{Kind: ui.ChartGraph, Graph: g}}, t), nil
}

// maxGraphEntities bounds the related entities the relations graph draws.
const maxGraphEntities = 40

func linksCard(_ context.Context, rc *ext.RenderContext) (ui.Node, error) {
	e := rc.Entity
	if e == nil {
		return ui.Node{}, fmt.Errorf("no entity on this page")
	}
	l := ui.Node{Type: ui.TypeList}
	for _, link := range e.Metadata.Links {
		title := link.Title
		if title == "" {
			title = link.URL
		}
		l.Children = append(l.Children, ui.Link(title, link.URL))
	}
	return ui.Card("Links", l), nil
}
