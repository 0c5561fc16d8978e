package catalog

import (
	"fmt"
	"strings"
)

// CheckConsistency verifies the invariants between locations, sources and entities as
// loaded from the store: every entity is claimed by a known source of a registered
// location, and every source's entities exist. It returns the first few violations.
func (c *Catalog) CheckConsistency() error {
	c.mu.RLock()
	defer c.mu.RUnlock()
	roots := map[string]bool{}
	for _, l := range c.locations {
		roots[l.Key()] = true
	}
	var problems []string
	add := func(format string, a ...any) {
		if len(problems) < 10 {
			problems = append(problems, fmt.Sprintf(format, a...))
		}
	}
	for key, e := range c.ents {
		if strings.HasPrefix(e.source, virtualPrefix) {
			if !roots[strings.TrimPrefix(e.source, virtualPrefix)] && !e.orphan {
				add("entity %s comes from unregistered location %s", key, e.source)
			}
		} else if c.sources[e.source] == nil && !e.orphan {
			add("entity %s comes from unknown source %s", key, e.source)
		}
		if c.byUID[e.uid] != e {
			add("entity %s: uid index mismatch", key)
		}
		if !c.idx.holds(e) {
			add("entity %s is not indexed", key)
		}
	}
	for key, s := range c.sources {
		if !roots[s.Root] {
			add("source %s belongs to unregistered location %s", key, s.Root)
		}
		for _, ref := range s.Refs {
			if c.ents[ref] == nil {
				add("source %s lists missing entity %s", key, ref)
			}
		}
	}
	if c.idx.live() != len(c.ents) {
		add("index holds %d entities, catalog %d", c.idx.live(), len(c.ents))
	}
	if len(problems) > 0 {
		return fmt.Errorf("catalog inconsistent: %s", strings.Join(problems, "; "))
	}
	return nil
}
