package capability

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"greenroom.dev/greenroom/abi"
	"greenroom.dev/greenroom/host/internal/config"
	"greenroom.dev/greenroom/host/internal/search"
)

// The search.write capability: a plugin's search collator hands the index its
// documents of the types its grant names.

var searchType = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)

func searchReplace(s *Services, p *config.Plugin) Call[abi.SearchReplaceRequest, abi.SearchReplaceResult] {
	g := p.Grants.SearchWrite
	if s.Search == nil || g == nil {
		return nil
	}
	types := g.Types
	if len(types) == 0 {
		types = []string{p.ID}
	}
	return func(_ context.Context, r *abi.SearchReplaceRequest) (abi.SearchReplaceResult, error) {
		if !slices.Contains(types, r.Type) {
			return abi.SearchReplaceResult{}, abi.Errorf(abi.CodeCapabilityDenied, "search_replace: plugin %s may not write documents of type %q; it may write %s (add the type to %s.grants[\"search.write\"].types)", p.ID, r.Type, strings.Join(types, ", "), p.Path())
		}
		if !searchType.MatchString(r.Type) {
			return abi.SearchReplaceResult{}, abi.Errorf(abi.CodeInvalidArgument, "search_replace: type %q is not lower-case letters, digits, '.', '_' and '-' (at most 64)", r.Type)
		}
		if max := s.Search.Config().MaxSourceDocuments; len(r.Documents) > max {
			return abi.SearchReplaceResult{}, abi.Errorf(abi.CodeTooLarge, "search_replace: %d documents, over search.maxSourceDocuments (%d); send fewer, or split them into sources", len(r.Documents), max)
		}
		docs := make([]search.Document, len(r.Documents))
		for i, d := range r.Documents {
			doc, err := searchDocument(d)
			if err != nil {
				return abi.SearchReplaceResult{}, abi.Errorf(abi.CodeInvalidArgument, "search_replace: documents[%d]: %v", i, err)
			}
			docs[i] = doc
		}
		if _, ok := s.Search.Type(r.Type); !ok {
			title := r.Title
			if title == "" {
				title = r.Type
			}
			s.Search.Register(search.TypeInfo{Name: r.Type, Title: title, Owner: p.ID})
		}
		source := "plugin:" + p.ID
		if r.Source != "" {
			source += "/" + r.Source
		}
		if err := s.Search.Replace(r.Type, source, docs); err != nil {
			return abi.SearchReplaceResult{}, abi.Errorf(abi.CodeInvalidArgument, "%v", err)
		}
		return abi.SearchReplaceResult{Count: len(docs)}, nil
	}
}

// searchDocument reads one document of the request; the index checks the rest.
func searchDocument(d abi.SearchDocument) (search.Document, error) {
	out := search.Document{Title: d.Title, Text: d.Text, Location: d.Location, ResourceRef: strings.ToLower(d.ResourceRef)}
	keys := make([]string, 0, len(d.Fields))
	for k := range d.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		raw := d.Fields[k]
		if v, ok := plainJSONString(raw); ok {
			out.Fields = append(out.Fields, search.Field{Key: k, Value: v})
			continue
		}
		var one string
		if json.Unmarshal(raw, &one) == nil {
			out.Fields = append(out.Fields, search.Field{Key: k, Value: one})
			continue
		}
		var many []string
		if err := json.Unmarshal(raw, &many); err != nil {
			return out, fmt.Errorf("field %q is neither a string nor an array of strings", k)
		}
		for _, v := range many {
			out.Fields = append(out.Fields, search.Field{Key: k, Value: v})
		}
	}
	return out, nil
}

// plainJSONString is the value of a JSON string without escapes, control characters or
// invalid UTF-8, which is its bytes between the quotes; anything else is left to
// encoding/json. A docs site's request has eight such field values per document, and
// encoding/json took a fifth of the host's time for it.
func plainJSONString(raw []byte) (string, bool) {
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return "", false
	}
	s := raw[1 : len(raw)-1]
	for _, c := range s {
		if c < 0x20 || c == '"' || c == '\\' || c >= utf8.RuneSelf {
			return "", false
		}
	}
	return string(s), true
}
