// Command gencatalog writes a deterministic generated catalog for load tests:
//
//	go run ./host/internal/catalog/gen/gencatalog -n 100000 -out /tmp/catalog-100k
//
// then point catalog.locations at <out>/all.yaml (with rules allowing every kind).
package main

import (
	"flag"
	"fmt"
	"os"

	"greenroom.dev/greenroom/host/internal/catalog/gen"
)

func main() {
	n := flag.Int("n", 10000, "number of entities")
	out := flag.String("out", "", "output directory (required)")
	seed := flag.Uint64("seed", 42, "random seed; the same n and seed give the same files")
	ns := flag.String("namespace", "", "namespace for every entity (default: the default namespace)")
	flag.Parse()
	if *out == "" || *n < 1 {
		fmt.Fprintln(os.Stderr, "gencatalog: give -out DIR and -n N (N ≥ 1)")
		os.Exit(2)
	}
	root, err := gen.GenerateIn(*out, *n, *seed, *ns)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gencatalog:", err)
		os.Exit(1)
	}
	c := gen.Split(*n)
	fmt.Printf("wrote %d entities (%d components, %d APIs, %d resources, %d systems, %d domains, %d groups, %d users); root location %s\n",
		c.Total(), c.Components, c.APIs, c.Resources, c.Systems, c.Domains, c.Groups, c.Users, root)
}
