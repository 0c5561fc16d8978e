// Command gencatalog writes a deterministic, generated catalog (package gen) for load
// tests and benchmarks: domains, systems, groups, users, components, APIs and resources,
// 500 entities to a file, and a root Location file, all.yaml, that lists the files.
//
// Usage:
//
//	go run ./host/internal/catalog/gen/gencatalog -n 100000 -out /tmp/catalog-100k
//
// Then point catalog.locations at <out>/all.yaml, with catalog.rules allowing every kind.
//
// The flags are:
//
//	-n N            the number of entities (default 10000)
//	-out DIR        the directory to write into (required)
//	-seed S         the random seed; the same n and seed give the same files (default 42)
//	-namespace NS   the namespace of every entity (default: the default namespace), so
//	                that several generated catalogs can be loaded side by side
//
// It exits 2 on bad flags and 1 when the files cannot be written.
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
