package cli

import (
	"cmp"
	"context"
	"fmt"
	"unicode/utf8"

	"greenroom.dev/greenroom/host/internal/catalog"
	"greenroom.dev/greenroom/host/internal/frontend"
	"greenroom.dev/greenroom/host/internal/identity"
	"greenroom.dev/greenroom/host/internal/permission"
	"greenroom.dev/greenroom/host/internal/search"
)

// searchSource serves the search page from the search index, as the page's caller
// may read it: its catalog.entity.read decision hides the catalog's types (DENY) or
// the documents of entities outside its conditions (CONDITIONAL), as the search API
// does.
type searchSource struct {
	e     *search.Engine
	c     *catalog.Catalog
	perms decider
}

func (s searchSource) SearchTypes() []frontend.SearchType {
	var out []frontend.SearchType
	for _, t := range s.e.Types() {
		out = append(out, frontend.SearchType{Name: t.Name, Title: t.Title})
	}
	return out
}

func (s searchSource) Search(ctx context.Context, fq frontend.SearchQuery) (frontend.SearchResults, error) {
	cfg := s.e.Config()
	if n := utf8.RuneCountInString(fq.Term); n > cfg.MaxTermLength {
		return frontend.SearchResults{}, &frontend.SearchInputError{Msg: fmt.Sprintf("The term is %d characters long; the limit is %d (search.maxTermLength).", n, cfg.MaxTermLength)}
	}
	q := search.Query{Term: fq.Term, Limit: fq.Limit}
	for _, t := range fq.Types {
		if _, ok := s.e.Type(t); !ok {
			return frontend.SearchResults{}, &frontend.SearchInputError{Msg: fmt.Sprintf("There is no result type %q.", t)}
		}
		q.Types = append(q.Types, t)
	}
	for k, v := range fq.Filters {
		if q.Filters == nil {
			q.Filters = map[string][]string{}
		}
		q.Filters[k] = []string{v}
	}
	page := 0
	if fq.Cursor != "" {
		p, err := search.DecodeCursor(fq.Cursor)
		if err != nil {
			return frontend.SearchResults{}, &frontend.SearchInputError{Msg: "The page link is broken: " + err.Error()}
		}
		page = p
	}
	q.Offset = page * q.Limit
	if s.perms != nil {
		x, err := catalog.DecisionExpr(s.perms.Decide(identity.From(ctx), permission.CatalogEntityRead))
		if err != nil {
			return frontend.SearchResults{}, fmt.Errorf("search: apply the %s decision: %w", permission.CatalogEntityRead.Name, err)
		}
		if !x.All() {
			if x.None() {
				for _, t := range s.e.Types() {
					if t.CatalogRead {
						q.Hidden = append(q.Hidden, t.Name)
					}
				}
			}
			q.Visible = s.c.Within(x).Has
		}
	}
	res := s.e.Search(q)
	out := frontend.SearchResults{Total: res.Total}
	if res.More {
		out.NextCursor = search.EncodeCursor(page + 1)
	}
	if page > 0 {
		out.PrevCursor = search.EncodeCursor(page - 1)
	}
	tags := s.e.Tags()
	for _, h := range res.Hits {
		r := frontend.SearchResult{Type: h.Type, Title: h.Doc.Title, Text: h.Doc.Text, Location: h.Doc.Location}
		var name, entityTitle string
		for _, f := range h.Doc.Fields {
			switch f.Key {
			case "name":
				name = f.Value
			case "entityTitle":
				entityTitle = f.Value
			case "kind":
				r.Kind = f.Value
			case "lifecycle":
				r.Lifecycle = f.Value
			case "owner":
				r.Owner = f.Value
			}
		}
		if h.Type == search.TypeTechDocs {
			r.Docs = cmp.Or(entityTitle, name)
		}
		if h.Highlight != nil {
			r.TitleMarks, r.TextMarks = tags.Segments(h.Highlight["title"]), tags.Segments(h.Highlight["text"])
		}
		out.Results = append(out.Results, r)
	}
	return out, nil
}
