package catalog

import (
	"time"
)

// Observer is told of every processing pass over the registered locations (Run's
// passes, RefreshAll), for the host's metrics. Plain values only, so that no metrics
// library reaches this package.
type Observer interface {
	// ObserveProcessing reports one pass: how long it took and whether it failed (a
	// failed pass is retried at the next interval; errors in the catalog's files are not
	// failures, they are counted by ProcessingErrors).
	ObserveProcessing(took time.Duration, failed bool)
}

func (c *Catalog) passDone(began time.Time, err error) {
	if err == nil {
		c.lastPass.Store(time.Now().UnixNano())
	}
	if c.opts.Observer != nil {
		c.opts.Observer.ObserveProcessing(time.Since(began), err != nil)
	}
}

// LastRefresh is when the last processing pass over every location finished without
// failing; zero before the first.
func (c *Catalog) LastRefresh() time.Time {
	if ns := c.lastPass.Load(); ns != 0 {
		return time.Unix(0, ns)
	}
	return time.Time{}
}

// CountByKind counts the entities of each kind (lower-cased, as the index keeps it).
func (c *Catalog) CountByKind() map[string]int {
	out := map[string]int{}
	for _, f := range c.Facets([]string{"kind"}, Filter{})["kind"] {
		out[f.Value] = f.Count
	}
	return out
}
