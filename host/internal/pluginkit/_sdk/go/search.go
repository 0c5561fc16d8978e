package greenroom

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
	var res searchReplaceResult
	if err := call(fnSearchReplace, r, &res); err != nil {
		return 0, err
	}
	return res.Count, nil
}
