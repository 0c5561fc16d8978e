package cli

import (
	"context"
	"fmt"
	"net/url"
	"path/filepath"

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
