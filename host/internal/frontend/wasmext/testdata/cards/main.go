// Command cards is a test plugin for package wasmext: a page with a nav item, entity
// cards that work (one of them calls catalog_get while rendering, one shows the entity as
// the host sent it), and cards that fail in every way a render can fail: an error, a
// panic, a crash of the instance, a malformed UI tree and an endless loop.
package main

import (
	"encoding/json"
	"sort"
	"strconv"
	"unsafe"

	greenroom "greenroom.dev/greenroom/sdk/go"
	"greenroom.dev/greenroom/sdk/go/ui"
)

func init() {
	greenroom.Page("page:cards", "/cards", func(r *greenroom.RenderRequest) (ui.Node, error) {
		return ui.Page("Cards", ui.Text("query q="+r.QueryValue("q"))), nil
	})
	greenroom.NavItem("nav-item:cards", "Cards", "/cards")
	greenroom.Extension("entity-card:cards/owner", func(r *greenroom.ExtensionRequest) (*greenroom.Outputs, error) {
		state, err := greenroom.ElementState(map[string]string{"heading": r.ConfigString("heading", "Owner")})
		return &greenroom.Outputs{Element: state, EntityFilter: "kind:component"}, err
	})
	greenroom.Render("entity-card:cards/owner", owner)
	greenroom.EntityCard("entity-card:cards/facts", "", facts)
	greenroom.EntityCard("entity-card:cards/table", "", table)
	greenroom.EntityCard("entity-card:cards/markdown", "", func(r *greenroom.RenderRequest) (ui.Node, error) {
		return ui.Card("About "+r.Entity.Metadata.Name, ui.Markdown("# "+r.Entity.Metadata.Name+"\n\n"+r.Entity.Metadata.Description+"\n\n* owner: `"+r.Entity.SpecString("owner")+"`")), nil
	})
	greenroom.EntityCard("entity-card:cards/chart", "", func(r *greenroom.RenderRequest) (ui.Node, error) {
		var bars []ui.Bar
		for i := 1; i <= 6; i++ {
			bars = append(bars, ui.Bar{Label: "week " + strconv.Itoa(i), Value: float64(i * len(r.Entity.Metadata.Name))})
		}
		return ui.Card("Deploys", ui.BarChart(bars...)), nil
	})

	greenroom.EntityCard("entity-card:cards/envelope", "", envelope)

	greenroom.EntityCard("entity-card:cards/fails", "", func(*greenroom.RenderRequest) (ui.Node, error) {
		return ui.Node{}, greenroom.Errorf(greenroom.CodeUnavailable, "the CI server is down")
	})
	greenroom.EntityCard("entity-card:cards/panics", "", func(r *greenroom.RenderRequest) (ui.Node, error) {
		var m map[string]int
		//lint:ignore SA5000 deliberate: a runtime panic, as a real bug would cause
		m[r.Entity.Metadata.Name]++ // assignment to a nil map
		return ui.Text("unreachable"), nil
	})
	greenroom.EntityCard("entity-card:cards/crashes", "", func(r *greenroom.RenderRequest) (ui.Node, error) {
		return ui.Text(strconv.Itoa(int(outOfBounds(len(r.Path))))), nil
	})
	greenroom.EntityCard("entity-card:cards/malformed", "", func(*greenroom.RenderRequest) (ui.Node, error) {
		return ui.Card("Bad", ui.Node{Type: "blink", Text: "<script>alert(1)</script>"}), nil
	})
	greenroom.EntityCard("entity-card:cards/loops", "", func(r *greenroom.RenderRequest) (ui.Node, error) {
		n := 0
		for r.Path != "" {
			n++
		}
		return ui.Text(strconv.Itoa(n)), nil
	})
	greenroom.Extension("entity-card:cards/bad-factory", func(*greenroom.ExtensionRequest) (*greenroom.Outputs, error) {
		return nil, greenroom.Errorf(greenroom.CodeInvalidArgument, "this card needs config it did not get")
	})
}

func main() {}

// outOfBounds reads past the end of linear memory: a WebAssembly trap, which Go cannot
// recover from.
func outOfBounds(n int) byte {
	return *(*byte)(unsafe.Add(unsafe.Pointer(&anchor), 0xF0000000-n))
}

var anchor byte

func owner(r *greenroom.RenderRequest) (ui.Node, error) {
	var s struct{ Heading string }
	if err := r.DecodeElement(&s); err != nil {
		return ui.Node{}, err
	}
	ref := r.Entity.SpecString("owner")
	o, err := greenroom.CatalogGet(ref)
	if err != nil {
		return ui.Node{}, err
	}
	if o == nil {
		return ui.Card(s.Heading, ui.Empty("Unknown owner", ref+" is not in the catalog")), nil
	}
	title := o.Metadata.Title
	if title == "" {
		title = o.Metadata.Name
	}
	return ui.Card(s.Heading, ui.KV(ui.P("Team", ui.Text(title)), ui.P("Kind", ui.Badge(o.Kind, ui.ToneInfo)))), nil
}

func facts(r *greenroom.RenderRequest) (ui.Node, error) {
	kv := ui.KV()
	for i := 0; i < 10; i++ {
		kv.Pairs = append(kv.Pairs, ui.P("key "+strconv.Itoa(i), ui.Badge(r.Entity.Metadata.Name, ui.ToneInfo)))
	}
	return ui.Card("Facts", kv), nil
}

func table(r *greenroom.RenderRequest) (ui.Node, error) {
	t := ui.Table([]string{"Build", "Status", "Link"})
	for i := 0; i < 20; i++ {
		t.Rows = append(t.Rows, ui.Row(ui.Text(strconv.Itoa(i)), ui.Badge("passed", ui.ToneSuccess), ui.Link("logs", "https://ci.example/"+r.Entity.Metadata.Name+"/"+strconv.Itoa(i))))
	}
	return ui.Card("CI builds", t), nil
}

// envelope shows what the card received of the entity: uid, etag and status through the
// SDK's Entity, every metadata key that Entity has no field for, and the whole entity as
// the host sent it (EntityJSON).
func envelope(r *greenroom.RenderRequest) (ui.Node, error) {
	var doc struct{ Metadata map[string]json.RawMessage }
	if err := json.Unmarshal(r.EntityJSON, &doc); err != nil {
		return ui.Node{}, err
	}
	kv := ui.KV(ui.P("uid", ui.Text(r.Entity.Metadata.UID)), ui.P("etag", ui.Text(r.Entity.Metadata.Etag)),
		ui.P("status", ui.Text(string(r.Entity.Status))))
	known := map[string]bool{"name": true, "namespace": true, "title": true, "description": true, "labels": true,
		"annotations": true, "tags": true, "links": true, "uid": true, "etag": true}
	var custom []string
	for k := range doc.Metadata {
		if !known[k] {
			custom = append(custom, k)
		}
	}
	sort.Strings(custom)
	for _, k := range custom {
		kv.Pairs = append(kv.Pairs, ui.P("metadata."+k, ui.Text(string(doc.Metadata[k]))))
	}
	return ui.Card("Envelope", kv, ui.Code("json", string(r.EntityJSON))), nil
}
