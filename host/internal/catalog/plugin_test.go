package catalog

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func exampleCatalog(t *testing.T) *Catalog {
	rules := allKinds
	c := newTestCatalog(t, Config{Rules: &rules, Locations: []LocationConfig{{Type: "file", Target: filepath.Join(exampleDir(t), "all.yaml")}}}, nil)
	refresh(t, c)
	return c
}

func TestPluginReadOperations(t *testing.T) {
	c := exampleCatalog(t)
	e, err := c.GetEntity("component:checkout-service", nil)
	if err != nil || e == nil {
		t.Fatalf("get: %v", err)
	}
	if e, _ := c.GetEntity("component:checkout-service", []string{"API"}); e != nil {
		t.Fatal("kind narrowing ignored")
	}
	if _, err := c.GetEntity("nokind", nil); err == nil || !strings.Contains(err.Error(), "missing or empty kind") {
		t.Fatalf("bad ref: %v", err)
	}
	res, err := c.QueryEntities(PluginQuery{Filter: []string{"kind=user"}, Fields: []string{"metadata.name"}, Limit: 2}, nil)
	if err != nil || res.TotalItems != 5 || len(res.Items) != 2 || res.PageInfo.NextCursor == "" || string(res.Items[0])[:11] != `{"metadata"` {
		t.Fatalf("query: %+v %v", res, err)
	}
	all := len(res.Items)
	for res.PageInfo.NextCursor != "" {
		res, err = c.QueryEntities(PluginQuery{Cursor: res.PageInfo.NextCursor, Limit: 2}, nil)
		if err != nil {
			t.Fatal(err)
		}
		all += len(res.Items)
	}
	if all != 5 {
		t.Fatalf("paged %d", all)
	}
	res, _ = c.QueryEntities(PluginQuery{Limit: 100}, []string{"Group"})
	if res.TotalItems != 5 {
		t.Fatalf("narrowed query: %d", res.TotalItems)
	}
	if _, err := c.QueryEntities(PluginQuery{Cursor: "###"}, nil); err == nil {
		t.Fatal("bad cursor accepted")
	}
	f, err := c.QueryFacets([]string{"spec.lifecycle"}, []string{"kind=api"}, nil)
	if err != nil || len(f["spec.lifecycle"]) != 2 {
		t.Fatalf("facets: %v %v", f, err)
	}
	if _, err := c.QueryFacets(nil, nil, nil); err == nil {
		t.Fatal("missing facets accepted")
	}
}

func TestProviderWritePath(t *testing.T) {
	c := exampleCatalog(t)
	ctx := context.Background()
	up := []json.RawMessage{
		json.RawMessage(`{"apiVersion":"backstage.io/v1alpha1","kind":"Component","metadata":{"name":"from-plugin"},"spec":{"type":"service","lifecycle":"production","owner":"team-platform"}}`),
		json.RawMessage(`{"apiVersion":"backstage.io/v1alpha1","kind":"Resource","metadata":{"name":"plugin-db"},"spec":{"type":"database","owner":"team-platform"}}`),
	}
	if err := c.ApplyProvider(ctx, "github-discovery", up, nil); err != nil {
		t.Fatal(err)
	}
	e := mustDecode(t, c.ByRef("component:from-plugin"))
	ann := e["metadata"].(map[string]any)["annotations"].(map[string]any)
	if ann["backstage.io/managed-by-location"] != "provider:github-discovery" {
		t.Fatalf("annotations: %v", ann)
	}
	// the group now owns it (relation stitched on the group)
	if !bytes.Contains(c.ByRef("group:team-platform"), []byte(`"targetRef":"component:default/from-plugin"`)) {
		t.Fatal("reverse relation missing on the owner")
	}
	// delta: remove one, keep the other
	if err := c.ApplyProvider(ctx, "github-discovery", nil, []string{"component:default/from-plugin"}); err != nil {
		t.Fatal(err)
	}
	if c.ByRef("component:from-plugin") != nil || c.ByRef("resource:plugin-db") == nil {
		t.Fatal("delta not applied")
	}
	// invalid input is refused as a whole, naming the entity and the rule
	err := c.ApplyProvider(ctx, "github-discovery", []json.RawMessage{json.RawMessage(`{"apiVersion":"backstage.io/v1alpha1","kind":"Component","metadata":{"name":"x"},"spec":{}}`)}, nil)
	if err == nil || !strings.Contains(err.Error(), "upsert[0] (component:default/x): /spec must have required property 'type'") {
		t.Fatalf("invalid: %v", err)
	}
	// a provider cannot take an entity another location owns
	if err := c.ApplyProvider(ctx, "other", []json.RawMessage{json.RawMessage(`{"apiVersion":"backstage.io/v1alpha1","kind":"Resource","metadata":{"name":"plugin-db"},"spec":{"type":"cache","owner":"x"}}`)}, nil); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(c.ByRef("resource:plugin-db"), []byte(`"type":"database"`)) {
		t.Fatal("second provider took the entity")
	}
	if err := c.CheckConsistency(); err != nil {
		t.Fatal(err)
	}
}

func TestValidateFiles(t *testing.T) {
	var out bytes.Buffer
	files, _ := filepath.Glob(filepath.Join(exampleDir(t), "*.yaml"))
	more, _ := filepath.Glob(filepath.Join(exampleDir(t), "*", "*.yaml"))
	if n := ValidateFilesWith(&out, exampleKinds(t), append(files, more...)...); n != 0 {
		t.Fatalf("example catalog invalid:\n%s", out.String())
	}
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	writeFile(t, bad, comp("ok", "")+"---\n"+comp("Bad Name", "  dependsOn: [x]\n")+"---\nkind: Component\n")
	syntax := filepath.Join(dir, "syntax.yaml")
	writeFile(t, syntax, "a: [\n")
	indent := filepath.Join(dir, "indent.yaml")
	writeFile(t, indent, "# web\n"+comp("web", "  system: shop\n tags: [x]\n"))
	out.Reset()
	n := ValidateFiles(&out, bad, syntax, indent, filepath.Join(dir, "missing.yaml"))
	s := out.String()
	for _, want := range []string{
		bad + `:10: component:default/Bad Name: "metadata.name" is not valid`,
		bad + ":20: component:default/: <root> must have required property 'apiVersion' - missingProperty: apiVersion",
		bad + ":20: component:default/: <root> must have required property 'metadata'",
		syntax + ": line 1: did not find expected node content",
		indent + ": line 11: did not find expected key", // not line 1, where the file's mapping starts
		"missing.yaml: stat",
		"3 entities checked, 2 invalid; 3 files could not be read or parsed",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%s", want, s)
		}
	}
	if n != 5 {
		t.Fatalf("invalid = %d", n)
	}
	_ = os.Remove(bad)
}
