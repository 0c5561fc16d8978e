package main

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"strings"
	"sync"
	"testing"

	"gopkg.in/yaml.v3"

	greenroom "greenroom.dev/greenroom/sdk/go"
)

// These tests run the plugin natively on the SDK's TestHost; host/internal/cli's
// TestTechDocs* run it built for wasip1 through the whole server.

func TestManifest(t *testing.T) {
	b, err := os.ReadFile("plugin.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc any
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	j, _ := json.Marshal(doc)
	m, err := greenroom.ParseManifest(j)
	if err != nil {
		t.Fatalf("plugin.yaml: %v", err)
	}
	if err := greenroom.CheckManifest(m); err != nil {
		t.Error(err)
	}
	if err := greenroom.CheckExtensions(m); err != nil {
		t.Error(err)
	}
}

// fakeHost answers the host functions the plugin calls besides files_* (which TestHost
// keeps in memory): one entity with docs, and its tree.
func fakeHost(t *testing.T, failRead bool) *greenroom.TestHost {
	entity := `{"apiVersion":"backstage.io/v1alpha1","kind":"Component","metadata":{"name":"svc","namespace":"default","annotations":{"backstage.io/techdocs-ref":"url:file:///srv/svc"}},"spec":{"owner":"team-a"}}`
	tree := map[string]string{"mkdocs.yml": "site_name: Svc\n", "docs/index.md": "# Svc\n\nHello.\n", "docs/more.md": "# More\n"}
	h := &greenroom.TestHost{Call: func(fn string, req []byte) []byte {
		switch fn {
		case "catalog_query":
			return []byte(`{"result":{"items":[` + entity + `],"totalItems":1,"pageInfo":{}}}`)
		case "catalog_get":
			return []byte(`{"result":` + entity + `}`)
		case "url_read_tree":
			if failRead {
				return []byte(`{"error":{"code":"unavailable","message":"read file:///srv/svc: upstream answered 500"}}`)
			}
			var files []map[string]any
			for p, c := range tree {
				files = append(files, map[string]any{"path": p, "content": base64.StdEncoding.EncodeToString([]byte(c)), "size": len(c)})
			}
			b, _ := json.Marshal(map[string]any{"result": map[string]any{"files": files, "etag": "e1"}})
			return b
		}
		return []byte(`{"error":{"code":"capability_denied","message":"` + fn + ` is not faked"}}`)
	}}
	t.Cleanup(greenroom.UseTestHost(h))
	cfgOnce, cfg = sync.Once{}, Config{}
	return h
}

// TestBuildTask: the build task builds every entity with docs into the plugin's files.
func TestBuildTask(t *testing.T) {
	h := fakeHost(t, false)
	if rc, out := h.CallTask([]byte(`{"name":"build","scheduledAt":"2026-12-01T10:00:00Z"}`)); rc != 0 {
		t.Fatalf("gr_task: %s", out)
	}
	files := h.Files()
	for _, f := range []string{"sites/default/component/svc/index.html", "sites/default/component/svc/more/index.html", "sites/default/component/svc/techdocs_metadata.json", "state/default/component/svc.json"} {
		if _, ok := files[f]; !ok {
			t.Errorf("no %s in %v", f, keys(files))
		}
	}
	if !strings.Contains(string(files["state/default/component/svc.json"]), `"etag":"e1"`) {
		t.Errorf("state: %s", files["state/default/component/svc.json"])
	}
}

// TestBuildTaskFailure: a source that fails is logged and recorded; the task goes on.
func TestBuildTaskFailure(t *testing.T) {
	h := fakeHost(t, true)
	if rc, out := h.CallTask([]byte(`{"name":"build","scheduledAt":"2026-12-01T10:00:00Z"}`)); rc != 0 {
		t.Fatalf("gr_task: %s", out)
	}
	if st := string(h.Files()["state/default/component/svc.json"]); !strings.Contains(st, "upstream answered 500") {
		t.Errorf("state: %s", st)
	}
	found := false
	for _, l := range h.Logs() {
		found = found || strings.Contains(l, "techdocs: build failed") && strings.Contains(l, "component:default/svc")
	}
	if !found {
		t.Errorf("logs: %v", h.Logs())
	}
}

func keys(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestExternalBuilder: with builder external (sites published by CI), nothing is built.
func TestExternalBuilder(t *testing.T) {
	h := fakeHost(t, false)
	h.Config = map[string]any{"builder": "external"}
	if rc, out := h.CallTask([]byte(`{"name":"build","scheduledAt":"2026-12-01T10:00:00Z"}`)); rc != 0 {
		t.Fatalf("gr_task: %s", out)
	}
	if files := h.Files(); len(files) != 0 {
		t.Errorf("an external builder built: %v", keys(files))
	}
	rc, out := h.CallHTTP([]byte(`{"method":"GET","path":"/sync/default/component/svc","route":"/sync/:namespace/:kind/:name","params":{"namespace":"default","kind":"component","name":"svc"}}`))
	var resp struct{ Body []byte }
	if err := json.Unmarshal(out, &resp); rc != 0 || err != nil || !strings.Contains(string(resp.Body), "techdocs.builder is external") || !strings.Contains(string(resp.Body), `{"updated":false}`) {
		t.Errorf("sync: %d %s", rc, resp.Body)
	}
}
