package frontend

import (
	"context"
	"errors"
	"fmt"
	"html"
	"net/url"
	"strings"

	"greenroom.dev/greenroom/host/internal/frontend/ext"
	"greenroom.dev/greenroom/host/internal/frontend/ui"
)

// SearchSource backs the search page and the shell's search bar: the host's search
// index, read as the page's caller (identity.From(ctx)) may.
type SearchSource interface {
	Search(ctx context.Context, q SearchQuery) (SearchResults, error)
	// SearchTypes lists the document types, for the page's tabs.
	SearchTypes() []SearchType
}

// SearchQuery is one search from the page: Backstage's URL state.
type SearchQuery struct {
	Term    string
	Types   []string
	Filters map[string]string
	// Cursor is the pageCursor of a previous result, "" for the first page.
	Cursor string
	Limit  int
}

// SearchResults is a page of results.
type SearchResults struct {
	Results []SearchResult
	// Total is the number of results, or -1 when unknown.
	Total                  int
	NextCursor, PrevCursor string
}

// SearchResult is one result: the document's fields and its highlighted title and
// text, as segments (odd-numbered segments are matches).
type SearchResult struct {
	Type, Title, Text, Location string
	Kind, Lifecycle, Owner      string
	TitleMarks, TextMarks       []string
	// Docs is, for a TechDocs page, the entity it documents (its title, else its
	// name): the result reads "<page> | <entity> docs", as Backstage's.
	Docs string
}

// SearchType is one document type.
type SearchType struct{ Name, Title string }

// SearchInputError is an error of the query itself (a too long term, a broken
// cursor): the page answers 400 and says why.
type SearchInputError struct{ Msg string }

func (e *SearchInputError) Error() string { return e.Msg }

// SearchPath is the search page's path, as Backstage's.
const SearchPath = "/search"

// searchBar is the shell's search box: a GET form to the search page.
func searchBar(rc *ext.RenderContext) ui.Node {
	value := ""
	if rc.Path == SearchPath {
		value = rc.Query.Get("query")
	}
	return ui.Node{Type: ui.TypeForm, Action: SearchPath, Submit: "Search", Fields: []ui.Field{
		{Name: "query", Label: "Search", Kind: ui.FieldSearch, Value: value, Placeholder: "Search the catalog and docs (Alt+/)"},
	}}
}

// searchKinds and searchLifecycles are the search page's filter choices, as
// Backstage's example search page offers.
var (
	searchKinds      = []string{"Component", "API", "System", "Domain", "Resource", "Group", "User", "Template", "Location"}
	searchLifecycles = []string{"experimental", "production", "deprecated"}
)

const searchPageSize = 25

func searchPage(ctx context.Context, src SearchSource, rc *ext.RenderContext) (ui.Node, error) {
	page := ui.Node{Type: ui.TypePage, Title: "Search"}
	if src == nil {
		page.Children = []ui.Node{ui.Empty("No search", "Search is not configured on this host.")}
		return page, nil
	}
	q := SearchQuery{Term: strings.TrimSpace(rc.Query.Get("query")), Cursor: rc.Query.Get("pageCursor"), Limit: searchPageSize, Filters: map[string]string{}}
	for _, t := range append(rc.Query["types[]"], rc.Query["types"]...) {
		if t != "" {
			q.Types = append(q.Types, t)
		}
	}
	for _, k := range []string{"kind", "lifecycle"} {
		if v := rc.Query.Get("filters[" + k + "]"); v != "" {
			q.Filters[k] = v
		}
	}
	state := func(types []string, cursor string) string {
		v := url.Values{}
		if q.Term != "" {
			v.Set("query", q.Term)
		}
		for _, t := range types {
			v.Add("types[]", t)
		}
		for k, f := range q.Filters {
			v.Set("filters["+k+"]", f)
		}
		if cursor != "" {
			v.Set("pageCursor", cursor)
		}
		return SearchPath + "?" + v.Encode()
	}
	// Type tabs: All, then each type; choosing one starts at the first page.
	tabs := ui.Node{Type: ui.TypeTabs}
	tabs.Tabs = append(tabs.Tabs, ui.Tab{Title: "All", Href: state(nil, ""), Selected: len(q.Types) == 0})
	for _, t := range src.SearchTypes() {
		tabs.Tabs = append(tabs.Tabs, ui.Tab{Title: t.Title, Href: state([]string{t.Name}, ""), Selected: len(q.Types) == 1 && q.Types[0] == t.Name})
	}
	form := ui.Node{Type: ui.TypeForm, Action: SearchPath, Submit: "Search", Fields: []ui.Field{
		{Name: "query", Label: "Search", Kind: ui.FieldSearch, Value: q.Term, Placeholder: "name, title, description or docs"},
		choice("filters[kind]", "Kind", q.Filters["kind"], searchKinds),
		choice("filters[lifecycle]", "Lifecycle", q.Filters["lifecycle"], searchLifecycles),
	}}
	if len(q.Types) == 1 {
		form.Fields = append(form.Fields, ui.Field{Name: "types[]", Label: "Type", Kind: ui.FieldSelect, Value: q.Types[0], Options: typeOptions(src.SearchTypes())})
	}
	res, err := src.Search(ctx, q)
	var bad *SearchInputError
	if errors.As(err, &bad) {
		rc.SetStatus(400)
		page.Children = []ui.Node{form, ui.ErrorBox("This search cannot be run", bad.Msg), ui.Link("Start again", SearchPath)}
		return page, nil
	}
	if err != nil {
		return ui.Node{}, fmt.Errorf("search: %w", err)
	}
	switch {
	case res.Total == 1:
		page.Subtitle = "1 result"
	case res.Total >= 0:
		page.Subtitle = fmt.Sprintf("%d results", res.Total)
	}
	var list []ui.Node
	for _, r := range res.Results {
		list = append(list, resultNode(r, src.SearchTypes()))
	}
	if len(list) == 0 {
		list = []ui.Node{ui.Empty("No results", "Nothing matches this search. Try fewer words, or another type or filter.", ui.Link("Clear filters", state(nil, "")))}
	}
	var pager []ui.Node
	if res.PrevCursor != "" {
		pager = append(pager, ui.Link("Previous page", state(q.Types, res.PrevCursor)))
	}
	if res.NextCursor != "" {
		pager = append(pager, ui.Link("Next page", state(q.Types, res.NextCursor)))
	}
	page.Children = []ui.Node{form, tabs, {Type: ui.TypeList, Children: list}}
	if len(pager) > 0 {
		page.Children = append(page.Children, ui.Node{Type: ui.TypeGroup, Children: pager})
	}
	return page, nil
}

func choice(name, label, value string, values []string) ui.Field {
	f := ui.Field{Name: name, Label: label, Kind: ui.FieldSelect, Value: value, Options: []ui.Option{{Value: "", Label: "All"}}}
	for _, v := range values {
		f.Options = append(f.Options, ui.Option{Value: v, Label: v})
	}
	return f
}

func typeOptions(ts []SearchType) []ui.Option {
	out := []ui.Option{{Value: "", Label: "All"}}
	for _, t := range ts {
		out = append(out, ui.Option{Value: t.Name, Label: t.Title})
	}
	return out
}

// marked is HTML of segments, the odd ones (the matches) in <mark>.
func marked(segs []string) string {
	var b strings.Builder
	for i, s := range segs {
		if i%2 == 1 {
			b.WriteString("<mark>" + html.EscapeString(s) + "</mark>")
		} else {
			b.WriteString(html.EscapeString(s))
		}
	}
	return b.String()
}

// resultNode is one result: its highlighted title linking to its location, badges
// for its type, kind and lifecycle, and its highlighted excerpt.
func resultNode(r SearchResult, types []SearchType) ui.Node {
	title := r.TitleMarks
	if title == nil {
		title = []string{r.Title}
	}
	text := r.TextMarks
	if text == nil {
		text = []string{r.Text}
	}
	href := ui.SafeURL(r.Location)
	head := "<strong>" + marked(title) + "</strong>"
	if r.Docs != "" {
		head += " | " + html.EscapeString(r.Docs) + " docs"
	}
	if href != "" {
		head = `<a href="` + html.EscapeString(href) + `">` + head + "</a>"
	}
	typeTitle := r.Type
	for _, t := range types {
		if t.Name == r.Type {
			typeTitle = t.Title
		}
	}
	badges := []ui.Node{ui.Badge(typeTitle, ui.ToneInfo)}
	if r.Kind != "" {
		badges = append(badges, ui.Badge(r.Kind, ui.ToneNeutral))
	}
	if r.Lifecycle != "" {
		badges = append(badges, ui.Badge(r.Lifecycle, ui.ToneNeutral))
	}
	if r.Owner != "" {
		badges = append(badges, ui.Text("owner "+humanizeRef(r.Owner, "group")))
	}
	children := []ui.Node{{Type: ui.TypeHTML, Text: head}, {Type: ui.TypeGroup, Children: badges}}
	if strings.TrimSpace(r.Text) != "" {
		children = append(children, ui.Node{Type: ui.TypeHTML, Text: marked(text)})
	}
	return ui.Node{Type: ui.TypeGroup, Children: children}
}
