package wasmext

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"greenroom.dev/greenroom/host/internal/frontend/ext"
)

// The gr_render input the host writes is the golden render request of the Go SDK's tests
// (abi/testdata/render-request.json), given the same page request.
func TestRenderRequestIsGolden(t *testing.T) {
	golden, err := os.ReadFile(filepath.Join("..", "..", "..", "..", "abi", "testdata", "render-request.json"))
	if err != nil {
		t.Fatal(err)
	}
	var g struct {
		ext.RenderRequest
		Element json.RawMessage `json:"element"`
	}
	if err := json.Unmarshal(golden, &g); err != nil {
		t.Fatal(err)
	}
	cfg, _ := json.Marshal(g.Config)
	el := newElement("p", g.Extension, cfg, g.Element, nil)
	// The entity as the catalog serves it: the host's pages decode what they use, and the
	// plugin gets the served bytes, uid, etag, status and custom fields included.
	var entity ext.Entity
	if err := json.Unmarshal(g.Entity, &entity); err != nil {
		t.Fatal(err)
	}
	entity.JSON = g.Entity
	got, err := el.request(&ext.RenderContext{Path: g.Path, Query: g.Query, Params: g.Params, Entity: &entity})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(got, []byte(`,"entity":`+string(g.Entity))) {
		t.Errorf("the entity is not passed as served:\n%s", got)
	}
	var want, have any
	json.Unmarshal(golden, &want)
	if err := json.Unmarshal(got, &have); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, got)
	}
	if !reflect.DeepEqual(want, have) {
		t.Errorf("render request\n got %s\nwant %s", got, golden)
	}

	// State {} (or none) is left out; a nil query is {}.
	for _, state := range []string{"{}", " { } ", "null", ""} {
		el := newElement("p", "page:x", json.RawMessage(`{}`), json.RawMessage(state), nil)
		b, _ := el.request(&ext.RenderContext{Path: "/x"})
		if string(b) != `{"extension":"page:x","config":{},"path":"/x","query":{}}` {
			t.Errorf("state %q: %s", state, b)
		}
	}
}

// treeCaller answers every call with one UI tree.
type treeCaller string

func (c treeCaller) Call(context.Context, string, []byte) ([]byte, error) { return []byte(c), nil }

// A plugin's element may return an action that posts to the plugin's routes under its
// config id, and no other: a module configured as "team-ci" may post to /api/team-ci/,
// not to /api/ci/ (its manifest id, another plugin's routes under another config).
func TestElementActionsPostToThePluginsRoutes(t *testing.T) {
	tree := func(action string) treeCaller {
		return treeCaller(`{"type":"action","action":"` + action + `","submit":"Run","fields":[{"name":"redirect","kind":"hidden","value":"/x"}]}`)
	}
	el := newElement("team-ci", "entity-tab:ci/runs", json.RawMessage(`{}`), nil, tree("/api/team-ci/runs/1/rerun"))
	n, err := el.Render(context.Background(), &ext.RenderContext{Path: "/x"})
	if err != nil || n.Action != "/api/team-ci/runs/1/rerun" || len(n.Fields) != 1 {
		t.Fatalf("an action to the plugin's own route: %+v, %v", n, err)
	}
	for _, action := range []string{"/api/ci/runs/1/rerun", "/api/app/refresh", "/api/team-ci/../app/refresh"} {
		el.caller = tree(action)
		if _, err := el.Render(context.Background(), &ext.RenderContext{Path: "/x"}); err == nil || !strings.Contains(err.Error(), "plugin team-ci: gr_render returned a malformed UI tree: root: action: action") {
			t.Errorf("an action to %s: %v", action, err)
		}
	}
}
