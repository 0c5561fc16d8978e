package search

import (
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"
)

// Document is one search document, as a collator hands it to the index.
type Document struct {
	// Title is shown as the result's link text and matched with the title's weight.
	Title string `json:"title"`
	// Text is the body matched with the text's weight and shown as the excerpt.
	Text string `json:"text"`
	// Location is where the result links to: a path of the portal ("/catalog/...")
	// or an http(s) URL.
	Location string `json:"location"`
	// Keywords are matched with the title's weight but not shown (an entity's name,
	// when its title differs).
	Keywords string `json:"-"`
	// Fields are the document's other fields (kind, owner, path ...): returned in the
	// result's document and matched by filters. A key given more than once has several
	// values (an entity's tags).
	Fields []Field `json:"-"`
	// ResourceRef is the catalog entity whose catalog.entity.read permission covers the
	// document ("kind:namespace/name"), or "" when the document's type decides alone.
	ResourceRef string `json:"-"`
}

// Field is one extra field of a Document.
type Field struct{ Key, Value string }

// Limits on what a collator may hand the index: documents past them are refused with
// an error that names the document and the limit.
const (
	MaxTitle       = 1 << 10
	MaxText        = 64 << 10
	MaxLocation    = 2 << 10
	MaxFields      = 64
	MaxFieldValue  = 1 << 10
	maxTypeNameLen = 64
)

// reservedKeys are the document's own keys, which a Field may not use.
var reservedKeys = map[string]bool{"title": true, "text": true, "location": true, "authorization": true}

// check reports what is wrong with a document, or nil.
func (d *Document) check() error {
	switch {
	case strings.TrimSpace(d.Title) == "":
		return fmt.Errorf("title is empty; every document needs a title")
	case len(d.Title) > MaxTitle:
		return fmt.Errorf("title is %d bytes, over the limit of %d", len(d.Title), MaxTitle)
	case len(d.Text) > MaxText:
		return fmt.Errorf("text is %d bytes, over the limit of %d; split the page into sections", len(d.Text), MaxText)
	case d.Location == "":
		return fmt.Errorf("location is empty; every document needs the path or URL it links to")
	case len(d.Location) > MaxLocation:
		return fmt.Errorf("location is %d bytes, over the limit of %d", len(d.Location), MaxLocation)
	case len(d.Fields) > MaxFields:
		return fmt.Errorf("%d fields, over the limit of %d", len(d.Fields), MaxFields)
	}
	if !safeLocation(d.Location) {
		return fmt.Errorf("location %q is neither a path of the portal nor an http(s) URL", excerptOf(d.Location))
	}
	for _, s := range []string{d.Title, d.Text, d.Keywords} {
		if !utf8.ValidString(s) {
			return fmt.Errorf("text that is not UTF-8")
		}
	}
	for _, f := range d.Fields {
		switch {
		case f.Key == "" || len(f.Key) > maxTypeNameLen:
			return fmt.Errorf("a field's key is empty or over %d bytes", maxTypeNameLen)
		case reservedKeys[f.Key]:
			return fmt.Errorf("field %q is the document's own; set it as the document's %s", f.Key, f.Key)
		case len(f.Value) > MaxFieldValue:
			return fmt.Errorf("field %q is %d bytes, over the limit of %d", f.Key, len(f.Value), MaxFieldValue)
		case !utf8.ValidString(f.Value):
			return fmt.Errorf("field %q is not UTF-8", f.Key)
		}
	}
	return nil
}

// safeLocation accepts a relative reference (a path of the portal) or an http(s) URL,
// as Backstage's search router does: a javascript: or data: link never reaches a page.
func safeLocation(loc string) bool {
	u, err := url.Parse(loc)
	if err != nil {
		return false
	}
	switch strings.ToLower(u.Scheme) {
	case "":
		return !strings.HasPrefix(loc, "//")
	case "http", "https":
		return true
	}
	return false
}

func excerptOf(s string) string {
	if len(s) > 60 {
		s = s[:60] + "..."
	}
	return s
}

// JSON is the document as results show it: title, text, location and the fields (a
// repeated key as an array).
func (d *Document) JSON() map[string]any {
	m := map[string]any{"title": d.Title, "text": d.Text, "location": d.Location}
	for _, f := range d.Fields {
		switch v := m[f.Key].(type) {
		case nil:
			m[f.Key] = f.Value
		case string:
			m[f.Key] = []string{v, f.Value}
		case []string:
			m[f.Key] = append(v, f.Value)
		}
	}
	return m
}
