package cli

import (
	"context"
	"fmt"
	"net/url"
	"path/filepath"
	"sync"
	"time"

	"greenroom.dev/greenroom/host/internal/config"
	"greenroom.dev/greenroom/host/internal/store"
	"greenroom.dev/greenroom/host/internal/store/pgstore"
)

// openStore opens the store backend.database names: the bbolt file (the default) or
// PostgreSQL (client pg), whose schema it migrates.
func openStore(ctx context.Context, cfg *config.Config) (store.Backend, error) {
	db := cfg.Backend.Database
	if db.Client == "pg" {
		b, err := pgstore.Open(ctx, db.Connection.PostgresURL())
		if err != nil {
			return nil, fmt.Errorf("backend.database: %w", err)
		}
		return b, nil
	}
	return store.OpenFile(resolve(cfg, db.Connection.Value))
}

// dataDir is the directory of the host's local files (the search index): the bbolt
// file's directory, or with PostgreSQL the default one's (data/ beside the first
// config file).
func dataDir(cfg *config.Config) string {
	if cfg.Backend.Database.Client == "pg" {
		return filepath.Dir(resolve(cfg, config.DefaultDatabase))
	}
	return filepath.Dir(resolve(cfg, cfg.Backend.Database.Connection.Value))
}

// storeName says which store the host uses, without a password.
func storeName(cfg *config.Config) string {
	db := cfg.Backend.Database
	if db.Client != "pg" {
		return resolve(cfg, db.Connection.Value)
	}
	u, err := url.Parse(db.Connection.PostgresURL())
	if err != nil {
		return "pg"
	}
	if u.User != nil {
		u.User = url.User(u.User.Username())
	}
	u.RawQuery = ""
	return u.String()
}

// leaseName is the processing lease of the catalog among replicas on one database.
const leaseName = "catalog-processing"

// replicaPoll is how often a replica without the processing lease tries to take it
// (and the holder checks its session): a quarter of catalog.processingInterval, between
// 100ms and 1s, so that another replica takes over within one interval of the holder's
// end.
func replicaPoll(interval time.Duration) time.Duration {
	if interval <= 0 {
		return time.Second
	}
	return min(max(interval/4, 100*time.Millisecond), time.Second)
}

// runCatalogReplica runs the catalog as one of several replicas on one PostgreSQL
// database: every replica reloads its in-memory catalog when another commits a catalog
// write (LISTEN/NOTIFY, at most one reload running and one pending, so a stream of
// writes costs one reload at a time), and the one replica that holds the processing
// lease runs the processing loop. A replica is ready once it has loaded what the
// database holds (catalog.Options.Shared); it listened before loading, so it reloads
// only for writes committed since.
func (h *host) runCatalogReplica(ctx context.Context, db *pgstore.DB) error {
	poll := replicaPoll(h.cfg.Catalog.Interval())
	var wg sync.WaitGroup
	defer wg.Wait()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-ctx.Done():
				return
			case <-h.catalogWatch.Changed():
				if err := h.catalog.Reload(ctx); err != nil && ctx.Err() == nil {
					h.log.Error("catalog: reload from the database", "err", err)
				}
			}
		}
	}()
	return db.Lead(ctx, leaseName, poll, h.log, func(lctx context.Context) {
		h.leading.Store(true)
		defer h.leading.Store(false)
		_ = h.catalog.Lead(lctx)
	})
}

// databaseDetail is /readyz's database field with PostgreSQL (nil with bbolt): whether
// this replica's session with the database answers (and since when), its replica id,
// and whether it holds the catalog's processing lease. A replica that lost the
// database stays ready (200): it serves reads from memory and answers writes 503.
func (h *host) databaseDetail() map[string]any {
	db, ok := h.file.(*pgstore.DB)
	if !ok {
		return nil
	}
	hl := db.Health()
	d := map[string]any{
		"client":    "pg",
		"connected": hl.Connected,
		"since":     hl.Since.UTC().Format(time.RFC3339),
		"replica":   db.ReplicaID(),
		"leader":    h.leading.Load(),
	}
	if !hl.Connected && hl.Err != nil {
		d["error"] = hl.Err.Error()
	}
	return d
}
