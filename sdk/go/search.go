package greenroom

import (
	"encoding/json"
	"sort"
)

// SearchReplace is what a plugin's search collator sends: its documents of one type,
// which replace every document it sent before for that type and Source.
type SearchReplace struct {
	// Type is the document type: the plugin's id unless the grant lists others.
	Type string `json:"type"`
	// Title names the type on the search page's tabs; default the type.
	Title string `json:"title,omitempty"`
	// Source splits a type's documents into sets replaced one at a time.
	Source    string           `json:"source,omitempty"`
	Documents []SearchDocument `json:"documents"`
}

// SearchDocument is one search document. Fields values are a string or a []string.
type SearchDocument struct {
	Title       string         `json:"title"`
	Text        string         `json:"text,omitempty"`
	Location    string         `json:"location"`
	Fields      map[string]any `json:"fields,omitempty"`
	ResourceRef string         `json:"resourceRef,omitempty"`
}

type searchReplaceResult struct {
	Count int `json:"count"`
}

// ReplaceSearchDocuments hands the host's search index this plugin's documents of
// r.Type (and r.Source), replacing those it sent before, and returns how many the
// index holds for them. Needs capability search.write.
func ReplaceSearchDocuments(r *SearchReplace) (int, error) {
	if r.Documents == nil {
		r.Documents = []SearchDocument{}
	}
	b, err := r.appendJSON(nil)
	if err != nil {
		return 0, Errorf(CodeInvalidArgument, "%s: encoding the request: %v", fnSearchReplace.name, err)
	}
	var res searchReplaceResult
	if err := decodeEnvelope(fnSearchReplace, current.invoke(fnSearchReplace, b), &res); err != nil {
		return 0, err
	}
	return res.Count, nil
}

// appendJSON is the request as encoding/json writes it, without reflection: a docs site
// sends thousands of documents, and encoding/json's reflection and its sorting of every
// document's fields took a WebAssembly guest about 0.1 s for 3,000 of them. Field
// values other than a string or a []string go through encoding/json.
func (r *SearchReplace) appendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"type":`...)
	b = appendString(b, r.Type)
	if r.Title != "" {
		b = append(b, `,"title":`...)
		b = appendString(b, r.Title)
	}
	if r.Source != "" {
		b = append(b, `,"source":`...)
		b = appendString(b, r.Source)
	}
	b = append(b, `,"documents":`...)
	if r.Documents == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
	}
	var keys []string
	for i := range r.Documents {
		d := &r.Documents[i]
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"title":`...)
		b = appendString(b, d.Title)
		if d.Text != "" {
			b = append(b, `,"text":`...)
			b = appendString(b, d.Text)
		}
		b = append(b, `,"location":`...)
		b = appendString(b, d.Location)
		if len(d.Fields) > 0 {
			keys = keys[:0]
			for k := range d.Fields {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			b = append(b, `,"fields":{`...)
			for j, k := range keys {
				if j > 0 {
					b = append(b, ',')
				}
				b = appendString(b, k)
				b = append(b, ':')
				var err error
				if b, err = appendFieldValue(b, d.Fields[k]); err != nil {
					return nil, err
				}
			}
			b = append(b, '}')
		}
		if d.ResourceRef != "" {
			b = append(b, `,"resourceRef":`...)
			b = appendString(b, d.ResourceRef)
		}
		b = append(b, '}')
	}
	if r.Documents != nil {
		b = append(b, ']')
	}
	return append(b, '}'), nil
}

func appendFieldValue(b []byte, v any) ([]byte, error) {
	switch v := v.(type) {
	case string:
		return appendString(b, v), nil
	case []string:
		if v == nil {
			return append(b, "null"...), nil
		}
		b = append(b, '[')
		for i, s := range v {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, s)
		}
		return append(b, ']'), nil
	}
	j, err := json.Marshal(v)
	return append(b, j...), err
}
