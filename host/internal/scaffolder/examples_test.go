package scaffolder

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// exampleTemplate reads a template of the example catalog with its directory's files,
// as a dry-run receives them.
func exampleTemplate(t testing.TB, name string) (*Template, map[string][]byte) {
	t.Helper()
	dir := filepath.Join("..", "..", "..", "examples", "catalog", "templates")
	b, err := os.ReadFile(filepath.Join(dir, name+".yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	jb, _ := json.Marshal(doc)
	tpl, err := ParseTemplate(jb)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	filepath.WalkDir(filepath.Join(dir, name), func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		c, _ := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		files[filepath.ToSlash(rel)] = c
		return nil
	})
	return tpl, files
}

// TestExampleTemplates dry-runs the example catalog's templates.
func TestExampleTemplates(t *testing.T) {
	s, _ := newTestScaffolder(t, 0, &memCatalog{entities: map[string]map[string]any{
		"component:default/ledger-worker": fromYAML(t, `apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: ledger-worker, description: Books every payment event into the ledger., tags: [java]}
spec: {type: service, lifecycle: experimental, owner: team-payments, system: payments, providesApis: [ledger-events], dependsOn: [resource:payments-db]}
`)}})
	tests := []struct {
		name   string
		values map[string]any
		want   map[string]string
	}{
		{"new-go-service", map[string]any{"name": "orders", "owner": "group:default/team-checkout", "port": 9000.0, "remoteUrl": "https://git.example.com/acme/orders.git"}, map[string]string{
			"catalog-info.yaml":         "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: orders\n  annotations:\n    backstage.io/techdocs-ref: dir:.\nspec:\n  type: service\n  lifecycle: experimental\n  owner: group:default/team-checkout\n",
			"go.mod":                    "module example.com/orders\n\ngo 1.26\n",
			"README.md":                 "# orders\n\nA Go HTTP service.\n\nOwned by `group:default/team-checkout`.\n",
			".github/workflows/ci.yaml": "REF: ${{ github.ref }}",
			"main.go":                   `log.Fatal(http.ListenAndServe(":9000", nil))`,
			"Dockerfile":                "EXPOSE 9000\n",
		}},
		{"docs-page", map[string]any{"component": "component:default/orders", "title": "Orders", "sections": []any{"Overview", "On call"}, "withApi": true}, map[string]string{
			"mkdocs.yml":       "site_name: Orders\nnav:\n  - Home: index.md\n  - Overview: overview.md\n  - On call: on-call.md\n  - API: api.md\nplugins:\n  - techdocs-core\n",
			"docs/index.md":    "# Orders\n\nDocumentation of `orders`.\n",
			"docs/on-call.md":  "# On call\n\nThis page of `component:default/orders` is still to be written.\n",
			"docs/overview.md": "# Overview\n",
			"docs/api.md":      "# API\n",
		}},
		// A day-2 action: its target exists and is a service.
		{"change-lifecycle", map[string]any{"component": "component:default/ledger-worker", "lifecycle": "production", "reason": "it is live"}, map[string]string{
			"catalog-info.yaml":     "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  description: Books every payment event into the ledger.\n  name: ledger-worker\n  tags:\n    - java\nspec:\n  dependsOn:\n    - resource:payments-db\n  lifecycle: production\n  owner: team-payments\n  providesApis:\n    - ledger-events\n  system: payments\n  type: service\n",
			"lifecycle-change.yaml": "entity: component:default/ledger-worker\nfrom: experimental\nreason: it is live\n",
		}},
	}
	for _, tt := range tests {
		tpl, files := exampleTemplate(t, tt.name)
		res, err := s.DryRun(context.Background(), tpl, tt.values, nil, files)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		got := map[string]string{}
		for _, f := range res.DirectoryContents {
			c, _ := base64.StdEncoding.DecodeString(f.Base64Content)
			got[f.Path] = string(c)
		}
		for p, w := range tt.want {
			if !strings.Contains(got[p], w) {
				t.Errorf("%s: %s = %q, want it to hold %q (log %v)", tt.name, p, got[p], w, res.Log)
			}
		}
		for _, st := range res.Steps {
			if st["status"] == "failed" {
				t.Errorf("%s: step %v failed: %v", tt.name, st["id"], res.Log)
			}
		}
	}
}
