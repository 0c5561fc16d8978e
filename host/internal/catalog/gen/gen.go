// Package gen writes a deterministic, realistic catalog of N entities for benchmarks and
// load tests: domains, systems, groups with parents, users with memberships, components
// with owners, systems, dependsOn, providesApis and consumesApis, APIs with definitions
// and resources, about 6.5 relations per entity, spread over files listed by one root
// Location file.
package gen

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
)

// Counts is how many entities of each kind Generate writes.
type Counts struct {
	Domains, Systems, Groups, Users, Components, APIs, Resources int
}

// Total is the number of entities (not counting Location entities).
func (c Counts) Total() int {
	return c.Domains + c.Systems + c.Groups + c.Users + c.Components + c.APIs + c.Resources
}

// Split divides n entities over the kinds in realistic proportions.
func Split(n int) Counts {
	c := Counts{
		Domains: max(n/100, 1), Systems: max(n*4/100, 1), Groups: max(n*5/100, 2),
		Users: n * 25 / 100, APIs: n * 15 / 100, Resources: n * 10 / 100,
	}
	c.Components = max(n-c.Domains-c.Systems-c.Groups-c.Users-c.APIs-c.Resources, 1)
	return c
}

// Version changes whenever the generated catalog changes, so cached copies (keyed by
// it) are not reused across changes.
const Version = 2

// PerFile is how many entities go into one YAML file.
const PerFile = 500

var (
	lifecycles = []string{"production", "production", "production", "experimental", "deprecated"}
	compTypes  = []string{"service", "service", "website", "library", "worker"}
	apiTypes   = []string{"openapi", "grpc", "asyncapi", "graphql"}
	resTypes   = []string{"database", "queue", "s3-bucket", "cache"}
	tags       = []string{"java", "go", "python", "typescript", "rust", "kotlin", "grpc", "web", "batch", "pci"}
)

// Generate writes the catalog for n entities into dir and returns the path of the root
// Location file. The same n and seed always give the same files.
func Generate(dir string, n int, seed uint64) (string, error) {
	return GenerateIn(dir, n, seed, "")
}

// GenerateIn is Generate with every entity in the given namespace ("" for the default),
// so that several generated catalogs can be loaded side by side.
func GenerateIn(dir string, n int, seed uint64, namespace string) (string, error) {
	r := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	c := Split(n)
	var files []string
	w := &writer{dir: dir, namespace: namespace}
	name := func(kind string, i int) string { return fmt.Sprintf("%s-%06d", kind, i) }

	for i := 0; i < c.Domains; i++ {
		w.add("domains", fmt.Sprintf(`apiVersion: backstage.io/v1alpha1
kind: Domain
metadata:
  name: %s
  description: Business domain %d
spec:
  owner: %s
`, name("domain", i), i, name("group", r.IntN(c.Groups))))
	}
	for i := 0; i < c.Systems; i++ {
		w.add("systems", fmt.Sprintf(`apiVersion: backstage.io/v1alpha1
kind: System
metadata:
  name: %s
  description: System %d
spec:
  owner: %s
  domain: %s
`, name("system", i), i, name("group", r.IntN(c.Groups)), name("domain", r.IntN(c.Domains))))
	}
	for i := 0; i < c.Groups; i++ {
		parent := ""
		if i > 0 {
			parent = "\n  parent: " + name("group", r.IntN(i))
		}
		typ := "team"
		if i == 0 {
			typ = "organization"
		}
		w.add("groups", fmt.Sprintf(`apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: %s
  title: Team %d
spec:
  type: %s%s
  profile:
    email: team-%d@example.com
  children: []
`, name("group", i), i, typ, parent, i))
	}
	for i := 0; i < c.Users; i++ {
		groups := []string{name("group", r.IntN(c.Groups))}
		if r.IntN(3) == 0 {
			groups = append(groups, name("group", r.IntN(c.Groups)))
		}
		w.add("users", fmt.Sprintf(`apiVersion: backstage.io/v1alpha1
kind: User
metadata:
  name: %s
spec:
  profile:
    displayName: User %d
    email: user-%d@example.com
  memberOf: [%s]
`, name("user", i), i, i, strings.Join(uniq(groups), ", ")))
	}
	for i := 0; i < c.APIs; i++ {
		typ := apiTypes[r.IntN(len(apiTypes))]
		w.add("apis", fmt.Sprintf(`apiVersion: backstage.io/v1alpha1
kind: API
metadata:
  name: %s
  description: API %d
  tags: [%s]
spec:
  type: %s
  lifecycle: %s
  owner: %s
  system: %s
  definition: |
    openapi: 3.0.0
    info: {title: API %d, version: 1.0.0}
    paths:
      /items/{id}:
        get: {summary: Get item, responses: {"200": {description: OK}}}
`, name("api", i), i, tags[r.IntN(len(tags))], typ, lifecycles[r.IntN(len(lifecycles))],
			name("group", r.IntN(c.Groups)), name("system", r.IntN(c.Systems)), i))
	}
	for i := 0; i < c.Resources; i++ {
		w.add("resources", fmt.Sprintf(`apiVersion: backstage.io/v1alpha1
kind: Resource
metadata:
  name: %s
spec:
  type: %s
  owner: %s
  system: %s
`, name("resource", i), resTypes[r.IntN(len(resTypes))], name("group", r.IntN(c.Groups)), name("system", r.IntN(c.Systems))))
	}
	for i := 0; i < c.Components; i++ {
		var provides, consumes, deps []string
		if c.APIs > 0 {
			provides = append(provides, name("api", r.IntN(c.APIs)))
			consumes = append(consumes, name("api", r.IntN(c.APIs)))
			if r.IntN(2) == 0 {
				consumes = append(consumes, name("api", r.IntN(c.APIs)))
			}
		}
		if c.Resources > 0 {
			deps = append(deps, "resource:"+name("resource", r.IntN(c.Resources)))
		}
		if i > 0 && r.IntN(2) == 0 {
			deps = append(deps, "component:"+name("component", r.IntN(i)))
		}
		t1, t2 := tags[r.IntN(len(tags))], tags[r.IntN(len(tags))]
		w.add("components", fmt.Sprintf(`apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: %s
  title: Component %d
  description: Component number %d of the generated catalog
  tags: [%s]
  annotations:
    github.com/project-slug: example/%s
  links:
    - url: https://example.com/%s
      title: Dashboard
spec:
  type: %s
  lifecycle: %s
  owner: %s
  system: %s
  providesApis: [%s]
  consumesApis: [%s]
  dependsOn: [%s]
`, name("component", i), i, i, strings.Join(uniq([]string{t1, t2}), ", "), name("component", i), name("component", i),
			compTypes[r.IntN(len(compTypes))], lifecycles[r.IntN(len(lifecycles))], name("group", r.IntN(c.Groups)),
			name("system", r.IntN(c.Systems)), strings.Join(uniq(provides), ", "), strings.Join(uniq(consumes), ", "), strings.Join(uniq(deps), ", ")))
	}
	files, err := w.flush()
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString("apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: generated-catalog\n")
	if namespace != "" {
		b.WriteString("  namespace: " + namespace + "\n")
	}
	b.WriteString("spec:\n  targets:\n")
	for _, f := range files {
		fmt.Fprintf(&b, "    - ./%s\n", f)
	}
	root := filepath.Join(dir, "all.yaml")
	return root, os.WriteFile(root, []byte(b.String()), 0o644)
}

func uniq(s []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range s {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

type writer struct {
	dir       string
	namespace string
	order     []string
	docs      map[string][]string
}

func (w *writer) add(group, doc string) {
	if w.docs == nil {
		w.docs = map[string][]string{}
	}
	if _, ok := w.docs[group]; !ok {
		w.order = append(w.order, group)
	}
	if w.namespace != "" {
		doc = strings.Replace(doc, "\nmetadata:\n", "\nmetadata:\n  namespace: "+w.namespace+"\n", 1)
	}
	w.docs[group] = append(w.docs[group], doc)
}

func (w *writer) flush() ([]string, error) {
	if err := os.MkdirAll(w.dir, 0o755); err != nil {
		return nil, err
	}
	var files []string
	for _, g := range w.order {
		docs := w.docs[g]
		for i := 0; i*PerFile < len(docs); i++ {
			chunk := docs[i*PerFile : min((i+1)*PerFile, len(docs))]
			f := fmt.Sprintf("%s-%03d.yaml", g, i)
			if err := os.WriteFile(filepath.Join(w.dir, f), []byte(strings.Join(chunk, "---\n")), 0o644); err != nil {
				return nil, err
			}
			files = append(files, f)
		}
	}
	return files, nil
}
