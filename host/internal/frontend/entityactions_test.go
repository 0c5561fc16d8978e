package frontend

import (
	"context"
	"strings"
	"testing"

	"greenroom.dev/greenroom/host/internal/frontend/ext"
	"greenroom.dev/greenroom/host/internal/frontend/ui"
)

// TestHostCardWithNothingToShow: a host card that renders no node (the Actions card of
// an entity without actions or tasks) is left out of the entity page, not shown as an
// unknown component; a plugin's card is still checked, so the same is an error box.
func TestHostCardWithNothingToShow(t *testing.T) {
	empty := func(id string) ext.Extension {
		return EntityCard(id, "", func(context.Context, ext.FactoryInput) (ext.Element, error) {
			return ext.ElementFunc(func(context.Context, *ext.RenderContext) (ui.Node, error) { return ui.Node{}, nil }), nil
		})
	}
	a := newApp(t, "", trusted(empty("entity-card:host/nothing")), plugin(empty("entity-card:plugin/nothing"), "plugin test"))
	status, html := get(t, a, "/catalog/default/component/payments")
	if status != 200 || !strings.Contains(html, `<h3 class="gr-card-title">About</h3>`) {
		t.Fatalf("entity page: %d", status)
	}
	if n := strings.Count(html, "Unknown component"); n != 0 {
		t.Errorf("the page shows %d unknown components", n)
	}
	if !strings.Contains(html, "Extension entity-card:plugin/nothing failed") {
		t.Error("a plugin's empty card is not reported")
	}
	if n := strings.Count(html, `class="gr-error"`); n != 1 {
		t.Errorf("%d error boxes, want the plugin's one", n)
	}
}
