package frontend

import (
	"context"

	"greenroom.dev/greenroom/host/internal/frontend/ext"
	"greenroom.dev/greenroom/host/internal/frontend/ui"
	"greenroom.dev/greenroom/host/internal/identity"
)

// Favourites keeps each signed-in user's starred entities and the entities they
// visited last, for the home page and the entity page's Star button. Refs are full and
// lower-cased (component:default/web). The caller is identity.From(ctx); for a caller
// who is not a signed-in user, Starred and Recent are empty and Visited does nothing.
type Favourites interface {
	Starred(ctx context.Context) ([]string, error)
	Recent(ctx context.Context) ([]string, error)
	Visited(ctx context.Context, ref string)
}

// StarAction is the host route the entity page's Star button posts to: a form with
// entityRef, star ("true" to star, "false" to unstar) and redirect. The server serves
// it for signed-in users, for forms posted from the portal's own pages only.
const StarAction = "/api/app/star"

// maxHomeEntities bounds the starred and recent lists the home page shows.
const maxHomeEntities = 20

// starAction is the entity page's Star (or Unstar) button for a signed-in user.
func starAction(ctx context.Context, f Favourites, e *ext.Entity, redirect string) []ui.Node {
	if f == nil || !identity.From(ctx).IsUser() {
		return nil
	}
	starred, err := f.Starred(ctx)
	if err != nil {
		return nil
	}
	ref := fullRef(e.Ref(), "")
	for _, s := range starred {
		if s == ref {
			return []ui.Node{ui.Action("Unstar", StarAction, "entityRef", ref, "star", "false", "redirect", redirect)}
		}
	}
	return []ui.Node{ui.Action("Star", StarAction, "entityRef", ref, "star", "true", "redirect", redirect)}
}

// QuickLink is one of the home page's quick links (page:home's config quickLinks).
type QuickLink struct {
	Title string `json:"title"`
	URL   string `json:"url"`
}

// entityLinks lists refs as links to their pages, leaving out those the caller may not
// read (or that are gone).
func entityLinks(ctx context.Context, src CatalogSource, refs []string) []ui.Node {
	if len(refs) > maxHomeEntities {
		refs = refs[:maxHomeEntities]
	}
	if src == nil || len(refs) == 0 {
		return nil
	}
	ok, err := src.Readable(ctx, refs)
	if err != nil {
		return nil
	}
	var out []ui.Node
	for i, r := range refs {
		if ok[i] {
			kind, ns, name := parseEntityRef(r, "", "default")
			out = append(out, ui.Link(humanize(kind, ns, name, ""), EntityPath(ns, kind, name)))
		}
	}
	return out
}

// homePage is the portal's front door: search, the caller's starred and recent
// entities, the operator's quick links and the catalog.
func homePage(ctx context.Context, opts Options, links []QuickLink) ui.Node {
	page := ui.Node{Type: ui.TypePage, Title: "Home", Subtitle: "Your developer portal"}
	if opts.Search != nil {
		page.Children = append(page.Children, ui.Node{Type: ui.TypeForm, Action: SearchPath, Submit: "Search", Fields: []ui.Field{
			{Name: "query", Label: "Search the portal", Kind: ui.FieldSearch, Placeholder: "a service, an API, a team, a docs page ..."},
		}})
	}
	grid := ui.Node{Type: ui.TypeGrid}
	if opts.Favourites != nil && identity.From(ctx).IsUser() {
		starred, _ := opts.Favourites.Starred(ctx)
		recent, _ := opts.Favourites.Recent(ctx)
		if l := entityLinks(ctx, opts.Catalog, starred); len(l) > 0 {
			grid.Children = append(grid.Children, ui.Card("Starred entities", ui.Node{Type: ui.TypeList, Children: l}))
		} else {
			grid.Children = append(grid.Children, ui.Card("Starred entities", ui.Text("Star an entity from its page to find it here.")))
		}
		if l := entityLinks(ctx, opts.Catalog, recent); len(l) > 0 {
			grid.Children = append(grid.Children, ui.Card("Recently visited", ui.Node{Type: ui.TypeList, Children: l}))
		} else {
			grid.Children = append(grid.Children, ui.Card("Recently visited", ui.Text("The entities you open appear here.")))
		}
	}
	if len(links) > 0 {
		var l []ui.Node
		for _, q := range links {
			l = append(l, ui.Link(q.Title, q.URL))
		}
		grid.Children = append(grid.Children, ui.Card("Quick links", ui.Node{Type: ui.TypeList, Children: l}))
	}
	grid.Children = append(grid.Children, ui.Card("Software catalog", ui.Text("Every component, API, system and team, with owners and relations."), ui.Link("Browse the catalog", "/catalog")))
	page.Children = append(page.Children, grid)
	return page
}

// quickLinks reads page:home's quickLinks config (checked against its schema).
func quickLinks(v any) []QuickLink {
	list, _ := v.([]any)
	var out []QuickLink
	for _, x := range list {
		m, _ := x.(map[string]any)
		t, _ := m["title"].(string)
		u, _ := m["url"].(string)
		if t != "" && u != "" {
			out = append(out, QuickLink{Title: t, URL: u})
		}
	}
	return out
}
