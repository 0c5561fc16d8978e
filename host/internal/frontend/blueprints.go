// Package frontend is Greenroom's web UI: the host's built-in extensions (the app
// shell, navigation, routes, home page, catalog index and entity pages with their
// cards), blueprints for declaring page, nav item, entity card and entity tab
// extensions, and App, which resolves the extension tree and renders pages to HTML.
//
// The HTTP layer calls App.RenderPage (or Render) and writes the result with
// ui.ContentSecurityPolicy; nothing here depends on an HTTP framework.
package frontend

import (
	"context"
	"fmt"
	"strconv"

	"greenroom.dev/greenroom/host/internal/frontend/ext"
)

// The inputs of the host's shell that plugins attach to, and the data refs each
// requires of its attachments.
var (
	// NavItems takes core.nav.target.
	NavItems = ext.AttachPoint{ID: "app/nav", Input: "items"}
	// Routes takes core.routing.path and core.ui.element.
	Routes = ext.AttachPoint{ID: "app/routes", Input: "routes"}
	// EntityCards takes core.ui.element, and optionally catalog.entity-filter-expression.
	EntityCards = ext.AttachPoint{ID: "page:catalog/entity", Input: "cards"}
	// EntityTabs takes core.ui.element, core.title and core.routing.path (the tab's
	// path below the entity's, e.g. "/docs"), and optionally catalog.entity-filter-expression.
	EntityTabs = ext.AttachPoint{ID: "page:catalog/entity", Input: "tabs"}
)

// MakeElement builds an extension's element from its factory input (config, inputs).
type MakeElement func(ctx context.Context, in ext.FactoryInput) (ext.Element, error)

const filterPattern = `^\s*([a-zA-Z]+:[^\s,]+(,[^\s,]+)*(\s+|$))*$`

func schema(props string) []byte {
	return []byte(`{"type":"object","additionalProperties":false,"properties":{` + props + `}}`)
}

func strProp(name, def string, extra string) string {
	return strconv.Quote(name) + `:{"type":"string","default":` + strconv.Quote(def) + extra + `}`
}

// Page declares a page (kind page) attached to Routes. Config: path (default
// defaultPath; literal segments, :params and a final *).
func Page(id, defaultPath string, mk MakeElement) ext.Extension {
	return ext.Extension{
		ID:           id,
		AttachTo:     Routes,
		Output:       []ext.AnyRef{ext.RoutePath, ext.ElementRef},
		ConfigSchema: schema(strProp("path", defaultPath, `,"pattern":"^/"`)),
		Source:       "host",
		Factory: ext.FactoryFunc(func(ctx context.Context, in ext.FactoryInput) ([]ext.Value, error) {
			path := in.ConfigString("path", defaultPath)
			if _, err := compilePage(path); err != nil {
				return nil, err
			}
			el, err := mk(ctx, in)
			if err != nil {
				return nil, err
			}
			return []ext.Value{ext.RoutePath.Value(path), ext.ElementRef.Value(el)}, nil
		}),
	}
}

// NavItem declares a navigation item (kind nav-item) attached to NavItems. Config:
// title and path.
func NavItem(id, title, path string) ext.Extension {
	return ext.Extension{
		ID:           id,
		AttachTo:     NavItems,
		Output:       []ext.AnyRef{ext.NavTargetRef},
		ConfigSchema: schema(strProp("title", title, `,"minLength":1`) + "," + strProp("path", path, `,"pattern":"^/"`)),
		Source:       "host",
		Factory: ext.FactoryFunc(func(_ context.Context, in ext.FactoryInput) ([]ext.Value, error) {
			return []ext.Value{ext.NavTargetRef.Value(ext.NavTarget{Title: in.ConfigString("title", title), Path: in.ConfigString("path", path)})}, nil
		}),
	}
}

func filterValue(in ext.FactoryInput, def string) ([]ext.Value, error) {
	expr := in.ConfigString("filter", def)
	if expr == "" {
		return nil, nil
	}
	f, err := ext.ParseEntityFilter(expr)
	if err != nil {
		return nil, fmt.Errorf("config filter: %w", err)
	}
	return []ext.Value{ext.EntityFilterRef.Value(f)}, nil
}

// EntityCard declares a card on the entity page (kind entity-card) attached to
// EntityCards. Config: filter, an entity filter expression (default filter; empty
// shows the card on every entity). The element sees the entity in RenderContext.Entity.
func EntityCard(id, filter string, mk MakeElement) ext.Extension {
	return ext.Extension{
		ID:           id,
		AttachTo:     EntityCards,
		Output:       []ext.AnyRef{ext.ElementRef, ext.EntityFilterRef.Optional()},
		ConfigSchema: schema(strProp("filter", filter, `,"pattern":`+strconv.Quote(filterPattern))),
		Source:       "host",
		Factory: ext.FactoryFunc(func(ctx context.Context, in ext.FactoryInput) ([]ext.Value, error) {
			vals, err := filterValue(in, filter)
			if err != nil {
				return nil, err
			}
			el, err := mk(ctx, in)
			if err != nil {
				return nil, err
			}
			return append(vals, ext.ElementRef.Value(el)), nil
		}),
	}
}

// EntityTab declares a tab of the entity page (kind entity-content) attached to
// EntityTabs. Config: title, path (the tab's path segment) and filter.
func EntityTab(id, title, path, filter string, mk MakeElement) ext.Extension {
	return ext.Extension{
		ID:       id,
		AttachTo: EntityTabs,
		Output:   []ext.AnyRef{ext.ElementRef, ext.TitleRef, ext.RoutePath, ext.EntityFilterRef.Optional()},
		ConfigSchema: schema(strProp("title", title, `,"minLength":1`) + "," +
			strProp("path", path, `,"pattern":"^[a-z0-9][a-z0-9-]*$"`) + "," +
			strProp("filter", filter, `,"pattern":`+strconv.Quote(filterPattern))),
		Source: "host",
		Factory: ext.FactoryFunc(func(ctx context.Context, in ext.FactoryInput) ([]ext.Value, error) {
			vals, err := filterValue(in, filter)
			if err != nil {
				return nil, err
			}
			el, err := mk(ctx, in)
			if err != nil {
				return nil, err
			}
			return append(vals, ext.ElementRef.Value(el), ext.TitleRef.Value(in.ConfigString("title", title)),
				ext.RoutePath.Value("/"+in.ConfigString("path", path))), nil
		}),
	}
}
