package gen

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
)

// CustomKindsYAML declares, as catalog.kinds, the custom kinds GenerateCustom writes:
// Cluster (owned by a group) and Deployment (of a component, on a cluster, using
// resources, owned by a group), with schemas that use types, enums, patterns,
// minimums and required properties.
const CustomKindsYAML = `
- apiVersion: bench.greenroom.dev/v1
  kind: Cluster
  schema:
    type: object
    required: [region, provider, nodes, owner]
    additionalProperties: false
    properties:
      region: {type: string, pattern: '^[a-z]+-[a-z]+-[0-9]+$'}
      provider: {type: string, enum: [aws, gcp, azure]}
      nodes: {type: integer, minimum: 1, maximum: 1000}
      owner: {type: string}
  relations:
    - {field: spec.owner, kind: Group, type: ownedBy, reverse: ownerOf}
  display:
    columns: [{field: spec.region, filter: true}, {field: spec.provider}, {field: spec.nodes}]
- apiVersion: bench.greenroom.dev/v1
  kind: Deployment
  schema:
    type: object
    required: [component, cluster, environment, replicas, owner]
    properties:
      component: {type: string}
      cluster: {type: string}
      environment: {type: string, enum: [development, staging, production]}
      replicas: {type: integer, minimum: 1}
      image: {type: string, pattern: '^[a-z0-9./-]+:[a-z0-9.]+$'}
      owner: {type: string}
      resources: {type: array, items: {type: string}, maxItems: 10}
  relations:
    - {field: spec.component, kind: Component, type: deploys, reverse: deployedIn}
    - {field: spec.cluster, kind: Cluster, type: runsOn, reverse: hosts}
    - {field: spec.owner, kind: Group, type: ownedBy, reverse: ownerOf}
    - {field: spec.resources, kind: Resource, type: uses, reverse: usedBy}
`

// GenerateCustom writes a catalog of n entities of which half are of the custom kinds
// CustomKindsYAML declares (a tenth of them Clusters, the rest Deployments) and half
// are Generate's catalog of n/2 entities, which the custom ones reference. It returns
// the root Location file; the same n and seed always give the same files.
func GenerateCustom(dir string, n int, seed uint64) (string, error) {
	builtin := n - n/2
	root, err := GenerateIn(dir, builtin, seed, "")
	if err != nil {
		return "", err
	}
	c := Split(builtin)
	r := rand.New(rand.NewPCG(seed, 0x6a09e667f3bcc909))
	name := func(kind string, i int) string { return fmt.Sprintf("%s-%06d", kind, i) }
	custom := n / 2
	clusters := max(custom/10, 1)
	regions := []string{"eu-west-1", "eu-central-1", "us-east-1", "us-west-2", "ap-south-1"}
	providers := []string{"aws", "gcp", "azure"}
	envs := []string{"development", "staging", "production"}
	w := &writer{dir: dir}
	for i := 0; i < clusters; i++ {
		w.add("clusters", fmt.Sprintf(`apiVersion: bench.greenroom.dev/v1
kind: Cluster
metadata:
  name: %s
  description: Cluster %d
spec:
  region: %s
  provider: %s
  nodes: %d
  owner: %s
`, name("cluster", i), i, regions[r.IntN(len(regions))], providers[r.IntN(len(providers))], 1+r.IntN(200), name("group", r.IntN(c.Groups))))
	}
	for i := 0; i < custom-clusters; i++ {
		var res []string
		for range 1 + r.IntN(2) {
			res = append(res, name("resource", r.IntN(max(c.Resources, 1))))
		}
		w.add("deployments", fmt.Sprintf(`apiVersion: bench.greenroom.dev/v1
kind: Deployment
metadata:
  name: %s
  title: Deployment %d
  description: Deployment number %d of the generated catalog
  tags: [%s]
spec:
  component: %s
  cluster: %s
  environment: %s
  replicas: %d
  image: registry.example.com/app-%d:1.%d
  owner: %s
  resources: [%s]
`, name("deployment", i), i, i, tags[r.IntN(len(tags))], name("component", r.IntN(c.Components)), name("cluster", r.IntN(clusters)),
			envs[r.IntN(len(envs))], 1+r.IntN(20), i, r.IntN(50), name("group", r.IntN(c.Groups)), strings.Join(uniq(res), ", ")))
	}
	files, err := w.flush()
	if err != nil {
		return "", err
	}
	f, err := os.OpenFile(root, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return "", err
	}
	for _, file := range files {
		fmt.Fprintf(f, "    - ./%s\n", file)
	}
	if err := f.Close(); err != nil {
		return "", err
	}
	return filepath.Clean(root), nil
}
