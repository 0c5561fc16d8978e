package frontend

import (
	"context"
	"fmt"
	"net/url"

	"greenroom.dev/greenroom/host/internal/frontend/ext"
	"greenroom.dev/greenroom/host/internal/frontend/ui"
)

// Builtins are the host's extensions over opts' catalog, sign-in and authorizer: the
// shell (app, app/layout with the header's account area, app/nav, app/routes),
// page:home, page:catalog, page:catalog/entity, the entity cards
// entity-card:catalog/about, /relations and /links, nav-item:home and
// nav-item:catalog, page:signin and page:user-settings; with opts.Scaffolder, the
// /create pages (page:scaffolder, page:scaffolder/template, page:scaffolder/task),
// nav-item:create and entity-card:scaffolder/actions (day-2 actions); the API Definition tab
// (entity-content:catalog/definition), the user and group cards
// (entity-card:org/profile, /ownership) and page:catalog-import; and, with
// opts.Search, page:search and nav-item:search. opts.Catalog may be nil; the catalog
// pages then say so.
func Builtins(opts Options) []ext.Extension {
	return append(append(append(append(shell(opts), pages(opts)...), accountPages(opts)...), createPages(opts)...), scorecardPages(opts)...)
}

// Options configure an App.
type Options struct {
	// Catalog backs the catalog pages; nil shows "not configured" there. The pages read
	// it as their caller (identity.From(ctx)).
	Catalog CatalogSource
	// SignIn is the host's sign-in, for the sign-in page, the header's account area and
	// the settings page; nil: the host has none, and the header offers no sign-in.
	SignIn *SignIn
	// Authorizer decides the actions the pages offer their caller; nil offers none.
	Authorizer Authorizer
	// Extensions are the frontend plugins' extensions, after the host's built-ins, in
	// the order of the plugins in config. That order is the default order in inputs.
	Extensions []ext.Extension
	// Config is the operator's app.extensions.
	Config ext.Extensions
	// Scaffolder backs the /create pages; nil leaves them (and their nav item) out.
	Scaffolder Scaffolder
	// Search backs the search page and the shell's search bar; nil leaves both out.
	Search SearchSource
	// Favourites keeps the signed-in users' starred and recent entities, for the home
	// page and the entity page's Star button; nil leaves them out.
	Favourites Favourites
	// Registrar backs the "Register existing component" page (/catalog-import); nil
	// leaves the page's form without a preview and the catalog without its button.
	Registrar Registrar
	// Kinds are the custom kinds of catalog.kinds: their columns, filters, titles,
	// icons and About card rows.
	Kinds []CustomKind
	// Scorecards backs page:scorecards (/scorecards), its nav item and the entity
	// page's Scorecards card; nil leaves them out.
	Scorecards ScorecardSource
}

// App is a resolved extension tree ready to render pages. It is safe for concurrent
// use; build a new one to apply changed config (reload).
type App struct {
	tree  *ext.Tree
	root  ext.Element
	title string
}

// New resolves the tree and runs the factories. The error lists every start-up
// problem (see ext.Build), each naming its extension. Failures of single factories
// do not fail New; they are in Problems and shown as error boxes.
func New(ctx context.Context, opts Options) (*App, error) {
	exts := append(Builtins(opts), opts.Extensions...)
	tree, err := ext.Build(ctx, exts, opts.Config)
	if err != nil {
		return nil, fmt.Errorf("app extensions: %w", err)
	}
	a := &App{tree: tree, title: "Greenroom"}
	a.root, _ = ext.ElementRef.Get(tree.Root())
	if t, ok := tree.Config("app/layout")["title"].(string); ok {
		a.title = t
	}
	return a, nil
}

// Problems are the non-fatal start-up problems (see ext.Tree.Problems); log them.
func (a *App) Problems() []error { return a.tree.Problems() }

// Tree is the resolved extension tree.
func (a *App) Tree() *ext.Tree { return a.tree }

// Request is a page request.
type Request struct {
	// Path is the URL path as requested (escaped form), e.g. /catalog/default/component/x.
	Path string
	// Query is the parsed query string.
	Query url.Values
	// Theme forces ui.ThemeLight or ui.ThemeDark (for example from a cookie); ""
	// follows the browser.
	Theme string
	// Session is the caller's browser session, if it has one: the header's user menu
	// offers to end it, and the settings page shows it. The caller itself is
	// identity.From(ctx).
	Session *Session
}

// RenderPage renders the page at path: a complete HTML document and its status
// (200; 404 for unknown pages and entities; 400 for bad query values). A failing
// extension renders as an error box naming it and leaves the status at 200. Send
// the document with Content-Type text/html; charset=utf-8 and the header
// Content-Security-Policy: ui.ContentSecurityPolicy.
func (a *App) RenderPage(ctx context.Context, path string, query url.Values) (status int, html []byte) {
	return a.Render(ctx, Request{Path: path, Query: query})
}

// Render is RenderPage with all request options.
func (a *App) Render(ctx context.Context, req Request) (status int, html []byte) {
	if req.Path == "" {
		req.Path = "/"
	}
	if req.Query == nil {
		req.Query = url.Values{}
	}
	rc := &ext.RenderContext{Path: req.Path, Query: req.Query}
	var n ui.Node
	if a.root == nil {
		rc.SetStatus(500)
		n = ui.Node{Type: ui.TypePage, Title: "Greenroom cannot render pages", Children: []ui.Node{
			ui.ErrorBox("The app failed to start", fmt.Sprint(a.tree.Problems())),
		}}
	} else {
		n = render(withSession(ctx, req.Session), a.root, rc)
	}
	return rc.Status(), ui.Document(&n, ui.DocumentOptions{SiteTitle: a.title, Theme: req.Theme})
}
