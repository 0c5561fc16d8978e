//go:build !wasip1

package greenroom_test

import (
	"fmt"

	greenroom "greenroom.dev/greenroom/sdk/go"
	"greenroom.dev/greenroom/sdk/go/ui"
)

// An entity card: the host calls gr_extension once for its outputs, then gr_render for
// every entity page it shows on.
func ExampleEntityCard() {
	greenroom.EntityCard("entity-card:example/owner", "kind:component", func(r *greenroom.RenderRequest) (ui.Node, error) {
		return ui.Card("Owner", ui.KV(
			ui.P("Team", ui.Link(r.Entity.SpecString("owner"), "/catalog/default/group/"+r.Entity.SpecString("owner"))),
			ui.P("Lifecycle", ui.Badge(r.Entity.SpecString("lifecycle"), ui.ToneSuccess)),
		)), nil
	})

	h := &greenroom.TestHost{}
	_, out := h.CallExtension([]byte(`{"extension":"entity-card:example/owner","config":{}}`))
	fmt.Println(string(out))
	_, out = h.CallRender([]byte(`{"extension":"entity-card:example/owner","config":{},"path":"/catalog/default/component/web","query":{},
		"entity":{"kind":"Component","metadata":{"name":"web"},"spec":{"owner":"team-a","lifecycle":"production"}}}`))
	fmt.Println(string(out))
	// Output:
	// {"core.ui.element":{},"catalog.entity-filter-expression":"kind:component"}
	// {"type":"card","title":"Owner","children":[{"type":"kv","pairs":[{"key":"Team","value":{"type":"link","text":"team-a","href":"/catalog/default/group/team-a"}},{"key":"Lifecycle","value":{"type":"badge","text":"production","tone":"success"}}]}]}
}
