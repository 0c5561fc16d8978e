package wasmext_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"greenroom.dev/greenroom/host/internal/frontend/ext"
	"greenroom.dev/greenroom/host/internal/frontend/ui"
	"greenroom.dev/greenroom/host/internal/plugintest"
)

// The golden gr_extension and gr_render messages that the Go SDK's tests produce and
// consume (abi/testdata) decode strictly into the host's types, so that host and
// SDK agree on the wire.
func TestGoldenFrontendMessages(t *testing.T) {
	dir := filepath.Join(plugintest.Root(t), "abi", "testdata")
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	strict := func(name string, v any) {
		dec := json.NewDecoder(bytes.NewReader(read(name)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(v); err != nil {
			t.Errorf("%s into %T: %v", name, v, err)
		}
	}
	var fr ext.FactoryRequest
	strict("extension-request.json", &fr)
	if fr.Extension != "page:tech-radar" || fr.Config["path"] != "/tech-radar" {
		t.Errorf("extension-request.json: %+v", fr)
	}
	var state json.RawMessage
	vals, err := ext.DecodeOutputs(read("extension-output.json"), func(raw json.RawMessage) (ext.Element, error) {
		state = raw
		return ext.ElementFunc(func(context.Context, *ext.RenderContext) (ui.Node, error) { return ui.Text(""), nil }), nil
	})
	if err != nil || len(vals) != 2 || vals[0].Ref().ID() != "core.routing.path" || string(state) != `{"title": "Tech Radar"}` {
		t.Errorf("extension-output.json: %v %v %s", vals, err, state)
	}
	// The render request is ext.RenderRequest plus the element's state.
	var rr struct {
		ext.RenderRequest
		Element json.RawMessage `json:"element"`
	}
	strict("render-request.json", &rr)
	var e ext.Entity
	if err := json.Unmarshal(rr.Entity, &e); err != nil || e.Ref() != "component:default/payments" || rr.Params["name"] != "payments" || len(rr.Element) == 0 {
		t.Errorf("render-request.json: %+v %v", rr, err)
	}
	n, err := ui.Decode(read("render-output.json"))
	if err != nil || n.Type != ui.TypeCard || len(n.Children) != 3 || n.Children[0].Pairs[1].Value.Tone != ui.ToneSuccess {
		t.Errorf("render-output.json: %+v %v", n, err)
	}
}
