package cli

import (
	"context"
	"path/filepath"
	"time"

	"greenroom.dev/greenroom/host/internal/search"
)

// searchFile is where the search index keeps its documents: beside the store, in the
// data directory. With PostgreSQL each replica keeps its own index in its data
// directory, which its collators build from the catalog.
func searchFile(h *host) string {
	return filepath.Join(dataDir(h.cfg), "search", "index")
}

// startSearch opens the search index with the documents it kept (a missing or
// corrupt file starts it empty; the collators fill it).
func (h *host) startSearch(context.Context) error {
	h.search = search.New(search.Options{Config: h.cfg.Search, File: searchFile(h), Logger: h.log})
	h.favourites = newFavourites(h.file.StateBucket("home"))
	return nil
}

// runSearch runs the catalog's collator and saves the index while it changes (and
// once more when the host stops).
func (h *host) runSearch(ctx context.Context) error {
	done := make(chan error, 1)
	go func() { done <- h.search.SaveEvery(ctx, 5*time.Second) }()
	err := (&search.CatalogCollator{Catalog: h.catalog, Engine: h.search}).Run(ctx)
	<-done
	return err
}

func (h *host) searchStopped(err error) {
	h.log.Error("search collators stopped", "err", err)
}
