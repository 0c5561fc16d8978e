package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// `greenroom catalog validate --config` checks entities of the config's custom kinds
// against their schemas; without it they are of an unknown kind.
func TestCatalogValidateCustomKinds(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "app-config.yaml")
	if err := os.WriteFile(cfg, []byte(`catalog:
  kinds:
    - apiVersion: acme.dev/v1
      kind: Cluster
      schema: {type: object, required: [nodes], properties: {nodes: {type: integer, minimum: 1}}}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	good := filepath.Join(dir, "good.yaml")
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(good, []byte("apiVersion: acme.dev/v1\nkind: Cluster\nmetadata: {name: a}\nspec: {nodes: 2}\n"), 0o644)
	os.WriteFile(bad, []byte("apiVersion: acme.dev/v1\nkind: Cluster\nmetadata: {name: b}\nspec: {nodes: 0}\n"), 0o644)
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"catalog", "validate", "--config", cfg, good}, 0, "all entities are valid"},
		{[]string{"catalog", "validate", "--config", cfg, bad}, 1, bad + ":1: cluster:default/b: /spec/nodes: minimum: got 0, want 1 (schema of kind Cluster in catalog.kinds, at #/properties/nodes/minimum)"},
		{[]string{"catalog", "validate", good}, 1, "No processor recognized the entity cluster:default/a"},
	} {
		code, stdout, stderr := run(t, tc.args...)
		if code != tc.code || !strings.Contains(stdout+stderr, tc.want) {
			t.Errorf("%v: exit %d\n%s%s\nwant %d with %q", tc.args, code, stdout, stderr, tc.code, tc.want)
		}
	}
}
