package search

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"greenroom.dev/greenroom/host/internal/catalog"
	"greenroom.dev/greenroom/host/internal/permission"
)

// Authorizer decides catalog.entity.read for the caller of one request (the server
// makes one per request from the caller and the permission policy). nil allows all.
type Authorizer func(ctx context.Context, p permission.Permission) (permission.Decision, error)

// Request is one GET /api/search/query.
type Request struct {
	// RawQuery is the query string, in qs' bracket format (types[]=, filters[kind]=).
	RawQuery string
	// URL is the request URL as error bodies show it.
	URL       string
	Authorize Authorizer
}

// Response is the answer: a status and a JSON body.
type Response struct {
	Status int
	Body   []byte
}

// API serves GET /api/search/query over an engine, applying the caller's
// catalog.entity.read decision through the catalog's index.
type API struct {
	Engine  *Engine
	Catalog *catalog.Catalog
	// computed answers filters other parts compute (SetComputedFilter).
	computed map[string]ComputedFilter
}

// Result is one result of the response, as Backstage's API writes it.
type resultJSON struct {
	Type      string         `json:"type"`
	Document  map[string]any `json:"document"`
	Highlight *highlightJSON `json:"highlight,omitempty"`
	Rank      int            `json:"rank"`
}

type highlightJSON struct {
	PreTag  string            `json:"preTag"`
	PostTag string            `json:"postTag"`
	Fields  map[string]string `json:"fields"`
}

type responseJSON struct {
	Results            []resultJSON `json:"results"`
	NextPageCursor     string       `json:"nextPageCursor,omitempty"`
	PreviousPageCursor string       `json:"previousPageCursor,omitempty"`
	NumberOfResults    *int         `json:"numberOfResults,omitempty"`
}

// inputError is a 400 with Backstage's InputError body.
type inputError struct{ msg string }

func (e *inputError) Error() string { return e.msg }

func inputErrorf(format string, args ...any) error {
	return &inputError{fmt.Sprintf(format, args...)}
}

// Serve answers one query.
func (a *API) Serve(ctx context.Context, r *Request) *Response {
	q, page, err := a.parse(r.RawQuery)
	if err != nil {
		return errorResponse(r, 400, "InputError", err.Error())
	}
	if err := a.authorize(ctx, r, &q); err != nil {
		return errorResponse(r, 500, "Error", err.Error())
	}
	if err := a.applyComputed(&q); err != nil {
		return errorResponse(r, 400, "InputError", err.Error())
	}
	res := a.Engine.Search(q)
	out := responseJSON{Results: make([]resultJSON, 0, len(res.Hits))}
	tags := a.Engine.Tags()
	for _, h := range res.Hits {
		rj := resultJSON{Type: h.Type, Document: h.Doc.JSON(), Rank: h.Rank}
		if h.Highlight != nil {
			rj.Highlight = &highlightJSON{PreTag: tags.Pre, PostTag: tags.Post, Fields: h.Highlight}
		}
		out.Results = append(out.Results, rj)
	}
	if res.More {
		out.NextPageCursor = EncodeCursor(page + 1)
	}
	if page > 0 {
		out.PreviousPageCursor = EncodeCursor(page - 1)
	}
	if res.Total >= 0 {
		out.NumberOfResults = &res.Total
	}
	b, err := json.Marshal(out)
	if err != nil {
		return errorResponse(r, 500, "Error", "encode the results: "+err.Error())
	}
	return &Response{Status: 200, Body: b}
}

// authorize applies the caller's catalog.entity.read decision to q: DENY hides the
// types that stand for catalog entities, CONDITIONAL checks each result's entity
// against the conditions through the catalog's index.
func (a *API) authorize(ctx context.Context, r *Request, q *Query) error {
	if r.Authorize == nil {
		return nil
	}
	d, err := r.Authorize(ctx, permission.CatalogEntityRead)
	if err != nil {
		return fmt.Errorf("search: decide %s: %w", permission.CatalogEntityRead.Name, err)
	}
	x, err := catalog.DecisionExpr(d)
	if err != nil {
		return fmt.Errorf("search: apply the %s decision: %w", permission.CatalogEntityRead.Name, err)
	}
	switch {
	case x.All():
		return nil
	case x.None():
		for _, t := range a.Engine.Types() {
			if t.CatalogRead {
				q.Hidden = append(q.Hidden, t.Name)
			}
		}
	}
	view := a.Catalog.Within(x)
	q.Visible = view.Has
	return nil
}

var filterKey = regexp.MustCompile(`^filters\[([^\[\]]+)\](\[\d*\])?$`)
var typesKey = regexp.MustCompile(`^types(\[\d*\])?$`)

// parse reads the query string: term, types, filters, pageCursor and pageLimit.
func (a *API) parse(raw string) (Query, int, error) {
	var q Query
	vals, err := url.ParseQuery(raw)
	if err != nil {
		return q, 0, inputErrorf("Invalid query string: %v", err)
	}
	cfg := a.Engine.Config()
	q.Term = vals.Get("term")
	if n := utf8.RuneCountInString(q.Term); n > cfg.MaxTermLength {
		return q, 0, inputErrorf("Invalid query string: term is %d characters, over the limit of %d (search.maxTermLength)", n, cfg.MaxTermLength)
	}
	if !utf8.ValidString(q.Term) {
		return q, 0, inputErrorf("Invalid query string: term is not UTF-8")
	}
	for k, vs := range vals {
		switch {
		case typesKey.MatchString(k):
			for _, v := range vs {
				if _, ok := a.Engine.Type(v); !ok {
					return q, 0, inputErrorf("Invalid query string: unknown type %q; the types are %s", excerptOf(v), typeNames(a.Engine.Types()))
				}
				q.Types = append(q.Types, v)
			}
		case strings.HasPrefix(k, "filters["):
			m := filterKey.FindStringSubmatch(k)
			if m == nil {
				return q, 0, inputErrorf("Invalid query string: filter %q is not filters[<field>]=<value>", excerptOf(k))
			}
			if q.Filters == nil {
				q.Filters = map[string][]string{}
			}
			for _, v := range vs {
				q.Filters[m[1]] = append(q.Filters[m[1]], filterValues(v)...)
			}
		}
	}
	q.Limit = DefaultPageLimit
	if s := vals.Get("pageLimit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > cfg.MaxPageLimit {
			return q, 0, inputErrorf("Invalid query string: pageLimit %q is not a number from 1 to %d (search.maxPageLimit)", excerptOf(s), cfg.MaxPageLimit)
		}
		q.Limit = n
	}
	page := 0
	if c := vals.Get("pageCursor"); c != "" {
		if page, err = DecodeCursor(c); err != nil {
			return q, 0, err
		}
	}
	q.Offset = page * q.Limit
	return q, page, nil
}

// filterValues reads a filter's value as Backstage does, JSON when it parses (an
// array is several accepted values), else the text itself.
func filterValues(v string) []string {
	var x any
	if json.Unmarshal([]byte(v), &x) != nil {
		return []string{v}
	}
	switch t := x.(type) {
	case []any:
		var out []string
		for _, e := range t {
			out = append(out, fmt.Sprint(e))
		}
		return out
	case string:
		return []string{t}
	case map[string]any:
		return []string{v}
	default:
		return []string{fmt.Sprint(t)}
	}
}

func typeNames(ts []TypeInfo) string {
	var n []string
	for _, t := range ts {
		n = append(n, t.Name)
	}
	return strings.Join(n, ", ")
}

// maxPage bounds a cursor's page number.
const maxPage = 1 << 20

// EncodeCursor is Backstage's page cursor: the page number as text, in base64.
func EncodeCursor(page int) string {
	return base64.StdEncoding.EncodeToString([]byte(strconv.Itoa(page)))
}

// DecodeCursor reads a page cursor; a malformed one is an InputError.
func DecodeCursor(c string) (int, error) {
	b, err := base64.StdEncoding.DecodeString(c)
	if err != nil {
		return 0, inputErrorf("Invalid query string: pageCursor %q is not a cursor this API returned (not base64)", excerptOf(c))
	}
	n, err := strconv.Atoi(string(b))
	if err != nil || n < 0 || n > maxPage {
		return 0, inputErrorf("Invalid query string: pageCursor %q is not a cursor this API returned (not a page number)", excerptOf(c))
	}
	return n, nil
}

func errorResponse(r *Request, status int, name, msg string) *Response {
	u := r.URL
	if u == "" {
		u = "/api/search/query?" + r.RawQuery
	}
	b, _ := json.Marshal(map[string]any{
		"error":    map[string]string{"name": name, "message": msg},
		"request":  map[string]string{"method": http.MethodGet, "url": u},
		"response": map[string]int{"statusCode": status},
	})
	return &Response{Status: status, Body: b}
}
