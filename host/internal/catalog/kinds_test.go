package catalog

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"greenroom.dev/greenroom/host/internal/lifecycle"
)

// kindsYAML declares Cluster and Environment (which runs on a Cluster).
const kindsYAML = `
kinds:
  - apiVersion: greenroom.dev/v1
    kind: Cluster
    schema:
      type: object
      required: [region, nodes]
      properties:
        region: {type: string, title: Region}
        nodes: {type: integer, minimum: 1, title: Nodes}
        owner: {type: string}
    relations:
      - {field: spec.owner, kind: Group, type: ownedBy, reverse: ownerOf}
    display:
      titleField: spec.region
      icon: "☁"
      columns:
        - {field: spec.region, filter: true}
        - {field: spec.nodes}
  - apiVersion: greenroom.dev/v1
    kind: Environment
    schema:
      type: object
      required: [cluster]
      properties:
        cluster: {type: string}
        tier: {type: string, enum: [dev, staging, production]}
    relations:
      - {field: spec.cluster, kind: Cluster, type: runsOn, reverse: hosts}
`

func kindsConfig(t *testing.T, extra string) Config {
	t.Helper()
	cfg, err := decodeConfig(t, kindsYAML+extra)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

const clusterEU = `apiVersion: greenroom.dev/v1
kind: Cluster
metadata:
  name: eu-1
spec:
  region: eu-west-1
  nodes: 3
  owner: team-a
`

const envProd = `apiVersion: greenroom.dev/v1
kind: Environment
metadata:
  name: prod
spec:
  cluster: eu-1
  tier: production
`

func TestCustomKindIngest(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "all.yaml"), locationFile("./k.yaml"))
	writeFile(t, filepath.Join(dir, "k.yaml"), clusterEU+"---\n"+envProd)
	cfg := kindsConfig(t, "")
	cfg.Locations = []LocationConfig{{Type: "file", Target: filepath.Join(dir, "all.yaml")}}
	c := newTestCatalog(t, cfg, nil)
	refresh(t, c)

	env := c.ByRef("environment:default/prod")
	if env == nil {
		t.Fatalf("environment missing; location status: %v", statusMessages(t, c.ByRef("location:default/root")))
	}
	if !strings.Contains(string(env), `{"type":"runsOn","targetRef":"cluster:default/eu-1"`) {
		t.Fatalf("environment relations: %s", env)
	}
	cl := c.ByRef("cluster:default/eu-1")
	for _, want := range []string{`{"type":"hosts","targetRef":"environment:default/prod"`, `{"type":"ownedBy","targetRef":"group:default/team-a"`} {
		if !strings.Contains(string(cl), want) {
			t.Fatalf("cluster lacks %s: %s", want, cl)
		}
	}
	// Queried and faceted like the built-in kinds.
	f, err := ParseFilter([]string{"kind=cluster,spec.region=eu-west-1"})
	if err != nil {
		t.Fatal(err)
	}
	if _, total := c.Within(Expr{}).Select(Selection{Filter: f}); total != 1 {
		t.Fatalf("query by spec.region: %d", total)
	}
	f, err = ParseFilter([]string{"relations.runsOn=cluster:default/eu-1"})
	if err != nil {
		t.Fatal(err)
	}
	if items, total := c.Within(Expr{}).Select(Selection{Filter: f, Limit: 10}); total != 1 || !strings.Contains(string(items[0]), `"name":"prod"`) {
		t.Fatalf("query by relations.runsOn: %d", total)
	}
	facets := c.Within(Expr{}).Facets([]string{"kind", "spec.tier"}, nil)
	if !hasFacet(facets["kind"], "Cluster", 1) || !hasFacet(facets["spec.tier"], "production", 1) {
		t.Fatalf("facets: %+v", facets)
	}
	if got := c.Kinds(); len(got) != 2 || got[0].Kind != "Cluster" || got[0].Columns[0].Title != "Region" || got[1].Columns[0].Field != "spec.cluster" {
		t.Fatalf("Kinds: %+v", got)
	}
}

func hasFacet(vs []FacetCount, value string, count int) bool {
	for _, v := range vs {
		if v.Value == value && v.Count == count {
			return true
		}
	}
	return false
}

// An entity that breaks its kind's schema is reported with the file, the line, the
// entity and the schema path, on the Location entity that lists the file.
func TestCustomKindSchemaErrors(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "k.yaml")
	writeFile(t, filepath.Join(dir, "all.yaml"), locationFile("./k.yaml"))
	writeFile(t, file, clusterEU+"---\n"+`apiVersion: greenroom.dev/v1
kind: Cluster
metadata:
  name: tiny
spec:
  region: eu-west-2
  nodes: 0
---
apiVersion: greenroom.dev/v9
kind: Environment
metadata:
  name: wrong-version
spec:
  cluster: eu-1
---
apiVersion: greenroom.dev/v1
kind: Environment
metadata:
  name: not-a-cluster
spec:
  cluster: component:web
`)
	cfg := kindsConfig(t, "")
	cfg.Locations = []LocationConfig{{Type: "file", Target: filepath.Join(dir, "all.yaml")}}
	c := newTestCatalog(t, cfg, nil)
	refresh(t, c)
	if c.ByRef("cluster:default/eu-1") == nil || c.ByRef("cluster:default/tiny") != nil {
		t.Fatal("the valid cluster must be stored and the invalid one not")
	}
	msgs := strings.Join(statusMessages(t, c.ByRef("location:default/root")), "\n")
	for _, want := range []string{
		file + ":10: cluster:default/tiny: /spec/nodes: minimum: got 0, want 1 (schema of kind Cluster in catalog.kinds, at #/properties/nodes/minimum)",
		file + ":18: environment:default/wrong-version: apiVersion \"greenroom.dev/v9\" does not match kind Environment",
		file + ":25: environment:default/not-a-cluster: spec.cluster: refers to component:default/web, which is not a Cluster",
	} {
		if !strings.Contains(msgs, want) {
			t.Errorf("location status lacks\n  %s\nin\n%s", want, msgs)
		}
	}
	if errs := c.ValidateEntity(map[string]any{"apiVersion": "greenroom.dev/v1", "kind": "Cluster", "metadata": map[string]any{"name": "x"}, "spec": map[string]any{"region": "r"}}); len(errs) != 1 || !strings.Contains(errs[0].Error(), "missing property 'nodes'") {
		t.Fatalf("ValidateEntity: %v", errs)
	}
}

// Changing a kind's schema is SetKinds (a config reload): an entity that no longer
// validates keeps its last valid version and shows the error; nothing is dropped.
func TestCustomKindReload(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "all.yaml"), locationFile("./k.yaml"))
	writeFile(t, filepath.Join(dir, "k.yaml"), clusterEU+"---\n"+envProd)
	cfg := kindsConfig(t, "")
	cfg.Locations = []LocationConfig{{Type: "file", Target: filepath.Join(dir, "all.yaml")}}
	c := newTestCatalog(t, cfg, nil)
	refresh(t, c)
	ctx := context.Background()

	// nodes must now be at least 5: eu-1 (3 nodes) no longer validates.
	stricter := strings.Replace(kindsYAML, "minimum: 1", "minimum: 5", 1)
	// and Environment's runsOn becomes deployedTo.
	stricter = strings.Replace(stricter, "type: runsOn", "type: deployedTo", 1)
	next, err := decodeConfig(t, stricter)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.SetKinds(ctx, next.Kinds); err != nil {
		t.Fatal(err)
	}
	env := string(c.ByRef("environment:default/prod"))
	if !strings.Contains(env, `"type":"deployedTo"`) || strings.Contains(env, `"runsOn"`) {
		t.Fatalf("relations after SetKinds: %s", env)
	}
	refresh(t, c)
	cl := c.ByRef("cluster:default/eu-1")
	if cl == nil {
		t.Fatal("the cluster that no longer validates was dropped")
	}
	msgs := statusMessages(t, cl)
	if len(msgs) != 1 || !strings.Contains(msgs[0], "/spec/nodes: minimum: got 3, want 5") {
		t.Fatalf("status of the cluster: %v", msgs)
	}
	// The cluster, and the Location entity that lists its file.
	if n, _ := c.ProcessingErrors(); n != 2 {
		t.Fatalf("entities with errors: %d", n)
	}
	if !strings.Contains(string(c.ByRef("cluster:default/eu-1")), `"type":"hosts"`) {
		t.Fatal("the reverse relation must stay while the environment runs on the cluster")
	}

	// Undeclaring Environment: its entity stays, with an error saying why.
	only, err := decodeConfig(t, strings.SplitN(kindsYAML, "  - apiVersion: greenroom.dev/v1\n    kind: Environment", 2)[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := c.SetKinds(ctx, only.Kinds); err != nil {
		t.Fatal(err)
	}
	refresh(t, c)
	env2 := c.ByRef("environment:default/prod")
	if env2 == nil {
		t.Fatal("the entity of an undeclared kind was dropped")
	}
	if msgs := statusMessages(t, env2); len(msgs) == 0 || !strings.Contains(msgs[0], "No processor recognized the entity") {
		t.Fatalf("status of the environment: %v", msgs)
	}
}

// Bad catalog.kinds: each error names the YAML path and the fix.
func TestKindsConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		name, yaml string
		want       []string
	}{
		{"invalid JSON Schema", `
kinds:
  - apiVersion: greenroom.dev/v1
    kind: Cluster
    schema: {type: object, properties: {nodes: {type: integr}}}
`, []string{"catalog.kinds[0].schema: is not a valid JSON Schema", "properties/nodes/type", "fix it against draft 2020-12"}},
		{"schema not an object schema", `
kinds:
  - {apiVersion: greenroom.dev/v1, kind: Cluster, schema: {type: string}}
`, []string{"catalog.kinds[0].schema: has type string, but a spec is an object; use type: object"}},
		{"missing schema", `
kinds:
  - {apiVersion: greenroom.dev/v1, kind: Cluster}
`, []string{"catalog.kinds[0].schema: is missing; give the JSON Schema"}},
		{"collides with a built-in kind", `
kinds:
  - {apiVersion: greenroom.dev/v1, kind: component, schema: {type: object}}
`, []string{`catalog.kinds[0].kind: "component" is a built-in kind; a custom kind needs a name of its own`}},
		{"declared twice", `
kinds:
  - {apiVersion: greenroom.dev/v1, kind: Cluster, schema: {type: object}}
  - {apiVersion: greenroom.dev/v2, kind: cluster, schema: {type: object}}
`, []string{`catalog.kinds[1].kind: "cluster" is declared twice in catalog.kinds`}},
		{"reference to an undeclared kind", `
kinds:
  - apiVersion: greenroom.dev/v1
    kind: Environment
    schema: {type: object}
    relations:
      - {field: spec.cluster, kind: Cluster, type: runsOn, reverse: hosts}
`, []string{`catalog.kinds[0].relations[0].kind: "Cluster" is neither a built-in kind nor declared in catalog.kinds; declare it under catalog.kinds or refer to a built-in kind`}},
		{"bad relation field and type", `
kinds:
  - apiVersion: greenroom.dev/v1
    kind: Environment
    schema: {type: object}
    relations:
      - {field: cluster, kind: Group, type: "runs on", reverse: hosts}
`, []string{`catalog.kinds[0].relations[0].field: "cluster" is not a spec field; write spec.<name>`, `catalog.kinds[0].relations[0].type: "runs on" is not a relation type`}},
		{"bad apiVersion and display", `
kinds:
  - apiVersion: "greenroom.dev/v 1"
    kind: Cluster
    schema: {type: object}
    display: {titleField: region, icon: "a very long icon", columns: [{field: spec}]}
`, []string{`catalog.kinds[0].apiVersion: "greenroom.dev/v 1" is not a valid apiVersion`, `catalog.kinds[0].display.titleField: "region" is not a field`,
			`catalog.kinds[0].display.icon: is 16 characters`, `catalog.kinds[0].display.columns[0].field: "spec" is not a field`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bad, err := decodeConfigNoValidate(t, tc.yaml)
			if err != nil {
				t.Fatal(err)
			}
			var msgs []string
			for _, e := range bad.Validate() {
				msgs = append(msgs, lifecycle.Under([]string{"catalog"}, e).Error())
			}
			all := strings.Join(msgs, "\n")
			for _, w := range tc.want {
				if !strings.Contains(all, w) {
					t.Errorf("errors lack %q:\n%s", w, all)
				}
			}
			c := newTestCatalog(t, Config{}, nil)
			if err := c.SetKinds(context.Background(), bad.Kinds); err == nil {
				t.Fatal("SetKinds took a bad catalog.kinds")
			}
		})
	}
}

func decodeConfigNoValidate(t *testing.T, src string) (Config, error) {
	t.Helper()
	var c Config
	err := yaml.Unmarshal([]byte(src), &c)
	return c, err
}

// SetKinds makes the running processing loop check every entity again at once, even
// with background refresh off.
func TestSetKindsProcessesAtOnce(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "all.yaml"), locationFile("./k.yaml"))
	writeFile(t, filepath.Join(dir, "k.yaml"), clusterEU)
	cfg := kindsConfig(t, "processingInterval: 0s\n")
	cfg.Locations = []LocationConfig{{Type: "file", Target: filepath.Join(dir, "all.yaml")}}
	c := newTestCatalog(t, cfg, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	defer func() { cancel(); <-done }()
	for !c.Ready() {
		time.Sleep(5 * time.Millisecond)
	}
	next, err := decodeConfig(t, strings.Replace(kindsYAML, "minimum: 1", "minimum: 5", 1))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.SetKinds(ctx, next.Kinds); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		if msgs := statusMessages(t, c.ByRef("cluster:default/eu-1")); len(msgs) == 1 && strings.Contains(msgs[0], "minimum: got 3, want 5") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("no pass after SetKinds")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// The example catalog's custom kinds, as app-config.yaml declares them, load without
// an error, and relate clusters, environments and components.
func TestExampleCustomKinds(t *testing.T) {
	cfg := Config{Rules: &allKinds, Kinds: exampleKinds(t), Locations: []LocationConfig{
		{Type: "file", Target: filepath.Join(exampleDir(t), "all.yaml")},
		{Type: "file", Target: filepath.Join(exampleDir(t), "platform", "all.yaml")},
	}}
	if errs := cfg.Validate(); len(errs) > 0 {
		t.Fatal(errs)
	}
	c := newTestCatalog(t, cfg, nil)
	refresh(t, c)
	if n, locs := c.ProcessingErrors(); n != 0 || locs != 0 {
		t.Fatalf("%d entities and %d locations with errors; platform: %v", n, locs, statusMessages(t, c.ByRef("location:default/acme-platform")))
	}
	for ref, want := range map[string]string{
		"environment:default/production-eu":  `{"type":"runsOn","targetRef":"cluster:default/eu-prod-1"}`,
		"cluster:default/eu-prod-1":          `{"type":"hosts","targetRef":"environment:default/production-eu"}`,
		"component:default/checkout-service": `{"type":"deployedIn","targetRef":"environment:default/staging"}`,
		"group:default/team-platform":        `{"type":"ownerOf","targetRef":"cluster:default/staging-1"}`,
	} {
		if got := string(c.ByRef(ref)); !strings.Contains(got, want) {
			t.Errorf("%s lacks %s: %s", ref, want, got)
		}
	}
}

// exampleKinds is catalog.kinds of the repository's app-config.yaml.
func exampleKinds(t testing.TB) []KindConfig {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(exampleDir(t), "..", "..", "app-config.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Catalog struct {
			Kinds []KindConfig `yaml:"kinds"`
		} `yaml:"catalog"`
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Catalog.Kinds
}
