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

func TestEditBase(t *testing.T) {
	for src, want := range map[string]string{
		"https://github.com/acme/pay/tree/main/docs-site": "https://github.com/acme/pay/edit/main/docs-site/",
		"https://github.com/acme/pay/tree/main":           "https://github.com/acme/pay/edit/main/",
		"https://github.com/acme/pay/blob/main/x":         "",
		"https://gitlab.com/acme/pay/-/tree/main":         "",
		"file:///srv/docs":                                "",
	} {
		if got := editBase(src); got != want {
			t.Errorf("editBase(%q) = %q, want %q", src, got, want)
		}
	}
}

// TestSource: techdocs-ref resolves as Backstage resolves it.
func TestSource(t *testing.T) {
	ent := func(ann map[string]string) *greenroom.Entity {
		return &greenroom.Entity{Kind: "Component", Metadata: greenroom.EntityMetadata{Name: "x", Annotations: ann}}
	}
	for _, c := range []struct {
		ann        map[string]string
		want, fail string
	}{
		{map[string]string{annRef: "dir:.", annManagedBy: "file:/srv/cat/catalog-info.yaml"}, "dir file:///srv/cat", ""},
		{map[string]string{annRef: "dir:./docs", annManagedBy: "file:/srv/cat/catalog-info.yaml"}, "dir file:///srv/cat/docs", ""},
		{map[string]string{annRef: "dir:../other", annManagedBy: "file:/srv/cat/catalog-info.yaml"}, "", "leads outside /srv/cat"},
		{map[string]string{annRef: "dir:.", annManagedBy: "url:https://github.com/o/r/blob/main/catalog-info.yaml"}, "url https://github.com/o/r/tree/main", ""},
		{map[string]string{annRef: "dir:site", annSourceLocation: "url:https://github.com/o/r/tree/main/"}, "url https://github.com/o/r/tree/main/site", ""},
		{map[string]string{annRef: "url:https://github.com/o/r/tree/main/docs"}, "url https://github.com/o/r/tree/main/docs", ""},
		{map[string]string{annRef: "git:x"}, "", `the type "git" is not dir or url`},
		{map[string]string{annRef: "dir:."}, "", "needs the entity's backstage.io/source-location or backstage.io/managed-by-location"},
		{nil, "", "has no backstage.io/techdocs-ref annotation"},
	} {
		loc, err := source(ent(c.ann))
		if c.fail != "" {
			if err == nil || !strings.Contains(err.Error(), c.fail) {
				t.Errorf("%v: %v, want %q", c.ann, err, c.fail)
			}
			continue
		}
		if err != nil || loc.Type+" "+loc.Target != c.want {
			t.Errorf("%v: %+v %v, want %s", c.ann, loc, err, c.want)
		}
	}
}
