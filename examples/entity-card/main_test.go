package main

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	greenroom "greenroom.dev/greenroom/sdk/go"
	"greenroom.dev/greenroom/sdk/go/ui"
)

// These tests run the card natively on the SDK's TestHost, whose Call answers the
// catalog_query host calls; host/internal/frontend/wasmext runs the plugin built for
// wasip1 against the real catalog.

func TestManifest(t *testing.T) {
	b, err := os.ReadFile("plugin.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc any
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("plugin.yaml: %v", err)
	}
	j, _ := json.Marshal(doc)
	m, err := greenroom.ParseManifest(j)
	if err != nil {
		t.Fatalf("plugin.yaml: %v", err)
	}
	if m.ID != "entity-card" || len(m.Capabilities) != 1 || !m.Capabilities[0].Optional {
		t.Errorf("plugin.yaml: %+v", m)
	}
	if err := greenroom.CheckExtensions(m); err != nil {
		t.Error(err)
	}
}

const request = `{"extension":"entity-card:entity-card/overview","config":{"title":"Glance","maxDependents":1},
	"path":"/catalog/default/component/payments-service","query":{},
	"entity":{"apiVersion":"backstage.io/v1alpha1","kind":"Component",
	  "metadata":{"name":"payments-service","tags":["go","pci"],"links":[{"url":"https://runbooks.example/payments","title":"Runbook"},{"url":"https://ci.example/p"}]},
	  "spec":{"type":"service","lifecycle":"production","owner":"team-payments","system":"payments"}}}`

func TestCard(t *testing.T) {
	var calls []string
	h := &greenroom.TestHost{Call: func(fn string, req []byte) []byte {
		calls = append(calls, fn+" "+string(req))
		if strings.Contains(string(req), "dependsOn") {
			return []byte(`{"result":{"items":[{"kind":"Component","metadata":{"name":"ledger-worker","namespace":"default"}}],"totalItems":3,"pageInfo":{}}}`)
		}
		return []byte(`{"result":{"items":[],"totalItems":7,"pageInfo":{}}}`)
	}}
	rc, out := h.CallRender([]byte(request))
	if rc != 0 {
		t.Fatalf("gr_render: %s", out)
	}
	var n ui.Node
	if err := json.Unmarshal(out, &n); err != nil {
		t.Fatal(err)
	}
	if err := n.Validate(); err != nil {
		t.Errorf("the host would refuse the card: %v", err)
	}
	for _, want := range []string{
		`{"type":"card","title":"Glance"`,
		`{"key":"Owner","value":{"type":"link","text":"group:default/team-payments","href":"/catalog/default/group/team-payments"}}`,
		`{"key":"Lifecycle","value":{"type":"badge","text":"production","tone":"success"}}`,
		`{"key":"System","value":{"type":"link","text":"system:default/payments","href":"/catalog/default/system/payments"}}`,
		`{"type":"badge","text":"pci","tone":"info"}`,
		`{"type":"link","text":"https://ci.example/p","href":"https://ci.example/p"}`,
		`{"key":"Depended on by","value":{"type":"list","children":[{"type":"link","text":"component:default/ledger-worker","href":"/catalog/default/component/ledger-worker"},{"type":"text","text":"and 2 more"}]}}`,
		`{"key":"Owner's entities","value":{"type":"text","text":"7"}}`,
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("card lacks %s\n%s", want, out)
		}
	}
	want := []string{
		`catalog_query {"filter":["relations.dependsOn=component:default/payments-service"],"fields":["kind","metadata.name","metadata.namespace"],"limit":1}`,
		`catalog_query {"filter":["relations.ownedBy=group:default/team-payments"],"fields":["kind","metadata.name","metadata.namespace"],"limit":1}`,
	}
	if strings.Join(calls, "\n") != strings.Join(want, "\n") {
		t.Errorf("host calls\n%s\nwant\n%s", strings.Join(calls, "\n"), strings.Join(want, "\n"))
	}
}

func TestCardWithoutCatalogGrant(t *testing.T) {
	h := &greenroom.TestHost{} // no Call: every catalog call answers capability_denied
	rc, out := h.CallRender([]byte(request))
	if rc != 0 || strings.Count(string(out), "grant catalog.read to the entity-card plugin") != 2 || !strings.Contains(string(out), `"key":"Owner"`) {
		t.Errorf("%d %s", rc, out)
	}
	rc, out = h.CallRender([]byte(`{"extension":"entity-card:entity-card/overview","config":{},"path":"/x","query":{}}`))
	if rc == 0 || !strings.Contains(string(out), "attach it to page:catalog/entity") {
		t.Errorf("without an entity: %d %s", rc, out)
	}
}

func TestFactory(t *testing.T) {
	h := &greenroom.TestHost{}
	for in, want := range map[string]string{
		`{"extension":"entity-card:entity-card/overview","config":{"filter":"kind:api"}}`: `{"core.ui.element":{},"catalog.entity-filter-expression":"kind:api"}`,
		`{"extension":"entity-card:entity-card/overview","config":{"filter":""}}`:         `{"core.ui.element":{}}`,
	} {
		if rc, out := h.CallExtension([]byte(in)); rc != 0 || string(out) != want {
			t.Errorf("%s: %d %s, want %s", in, rc, out, want)
		}
	}
}
