package frontend

import (
	"context"
	"sort"
	"strings"

	"greenroom.dev/greenroom/host/internal/frontend/ext"
	"greenroom.dev/greenroom/host/internal/frontend/ui"
	"greenroom.dev/greenroom/host/internal/route"
)

func trusted(e ext.Extension) ext.Extension { e.TrustedUI = true; return e }

func element(f func(ctx context.Context, rc *ext.RenderContext) (ui.Node, error)) ext.Element {
	return ext.ElementFunc(f)
}

func single(in ext.FactoryInput, name string) ext.Element {
	a, _ := in.Single(name)
	el, _ := ext.ElementRef.Get(a.Data)
	return el
}

func render(ctx context.Context, el ext.Element, rc *ext.RenderContext) ui.Node {
	if el == nil {
		return ui.Node{Type: ui.TypeText}
	}
	n, _ := el.Render(ctx, rc) // boundaries never fail
	return n
}

// shell is the host's app shell: app, app/layout, app/nav, app/routes.
func shell(opts Options) []ext.Extension {
	return []ext.Extension{
		trusted(ext.Extension{
			ID: "app", Source: "host",
			Inputs: []ext.Input{{Name: "root", Refs: []ext.AnyRef{ext.ElementRef}, Singleton: true}},
			Output: []ext.AnyRef{ext.ElementRef},
			Factory: ext.FactoryFunc(func(_ context.Context, in ext.FactoryInput) ([]ext.Value, error) {
				return []ext.Value{ext.ElementRef.Value(single(in, "root"))}, nil
			}),
		}),
		trusted(ext.Extension{
			ID: "app/layout", Source: "host", AttachTo: ext.AttachPoint{ID: "app", Input: "root"},
			Inputs: []ext.Input{
				{Name: "nav", Refs: []ext.AnyRef{ext.ElementRef}, Singleton: true},
				{Name: "content", Refs: []ext.AnyRef{ext.ElementRef}, Singleton: true},
			},
			Output:       []ext.AnyRef{ext.ElementRef},
			ConfigSchema: schema(strProp("title", "Greenroom", `,"minLength":1`)),
			Factory: ext.FactoryFunc(func(_ context.Context, in ext.FactoryInput) ([]ext.Value, error) {
				nav, content, title := single(in, "nav"), single(in, "content"), in.ConfigString("title", "Greenroom")
				return []ext.Value{ext.ElementRef.Value(element(func(ctx context.Context, rc *ext.RenderContext) (ui.Node, error) {
					// Content first: it sets the status and may fail; the nav does not depend on it.
					c := render(ctx, content, rc)
					children := []ui.Node{render(ctx, nav, rc), c}
					if opts.SignIn != nil {
						children = append(children, accountArea(ctx, opts.SignIn, opts.Catalog, rc))
					}
					if opts.Search != nil {
						children = append(children, searchBar(rc))
					}
					return ui.Node{Type: ui.TypeLayout, Title: title, Children: children}, nil
				}))}, nil
			}),
		}),
		trusted(ext.Extension{
			ID: "app/nav", Source: "host", AttachTo: ext.AttachPoint{ID: "app/layout", Input: "nav"},
			Inputs: []ext.Input{{Name: "items", Refs: []ext.AnyRef{ext.NavTargetRef}}},
			Output: []ext.AnyRef{ext.ElementRef},
			Factory: ext.FactoryFunc(func(_ context.Context, in ext.FactoryInput) ([]ext.Value, error) {
				var items []ext.NavTarget
				for _, a := range in.Input("items") {
					if t, ok := ext.NavTargetRef.Get(a.Data); ok {
						items = append(items, t)
					}
				}
				return []ext.Value{ext.ElementRef.Value(element(func(_ context.Context, rc *ext.RenderContext) (ui.Node, error) {
					n := ui.Node{Type: ui.TypeNav, Children: make([]ui.Node, 0, len(items))}
					for _, t := range items {
						l := ui.Link(t.Title, t.Path)
						l.Selected = rc.Path == t.Path || (t.Path != "/" && strings.HasPrefix(rc.Path, strings.TrimSuffix(t.Path, "/")+"/"))
						n.Children = append(n.Children, l)
					}
					return n, nil
				}))}, nil
			}),
		}),
		trusted(ext.Extension{
			ID: "app/routes", Source: "host", AttachTo: ext.AttachPoint{ID: "app/layout", Input: "content"},
			Inputs: []ext.Input{{Name: "routes", Refs: []ext.AnyRef{ext.RoutePath, ext.ElementRef}}},
			Output: []ext.AnyRef{ext.ElementRef},
			Factory: ext.FactoryFunc(func(_ context.Context, in ext.FactoryInput) ([]ext.Value, error) {
				type entry struct {
					p  *route.Pattern
					el ext.Element
				}
				var pages []entry
				seen := map[string]bool{}
				for _, a := range in.Input("routes") {
					p, _ := ext.RoutePath.Get(a.Data)
					el, _ := ext.ElementRef.Get(a.Data)
					r, err := compilePage(p)
					if err != nil || seen[p] {
						continue // the first page on a path wins; Page checks patterns
					}
					seen[p] = true
					pages = append(pages, entry{r, el})
				}
				// Most specific first: exact before rest patterns, then longer, then literal.
				sort.SliceStable(pages, func(i, j int) bool { return pages[i].p.MoreSpecific(pages[j].p) })
				// Page paths match with their segments percent-decoded, and any number of
				// slashes around them.
				routes := route.Table[ext.Element]{Decode: true}
				for _, e := range pages {
					routes.AddPattern("*", e.p, e.el)
				}
				return []ext.Value{ext.ElementRef.Value(element(func(ctx context.Context, rc *ext.RenderContext) (ui.Node, error) {
					var buf [8]route.Param
					if r, params, out := routes.Lookup("GET", strings.Trim(rc.Path, "/"), buf[:0]); out == route.Found {
						rc.Params = params.Map()
						return render(ctx, r.Handler, rc), nil
					}
					return notFound(rc, "No page is mounted at "+rc.Path+"."), nil
				}))}, nil
			}),
		}),
	}
}

// notFound is the site's not-found page, with status 404: the page for an unknown path
// and for an entity the catalog does not have. text says what was not found.
func notFound(rc *ext.RenderContext, text string) ui.Node {
	rc.SetStatus(404)
	return ui.Node{Type: ui.TypePage, Title: "Page not found", Children: []ui.Node{
		ui.Empty("Nothing is here", text, ui.Link("Go to the home page", "/")),
	}}
}
