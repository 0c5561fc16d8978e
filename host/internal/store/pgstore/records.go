package pgstore

import (
	"context"
	"encoding/binary"
	"fmt"

	"github.com/jackc/pgx/v5"

	"greenroom.dev/greenroom/host/internal/store"
)

var _ store.Copyable = (*DB)(nil)

// areaQueries read each area in store.Records' order (COLLATE "C" is byte order).
var areaQueries = []struct{ area, sql string }{
	{store.AreaCatalog, `SELECT bucket, key, value FROM catalog_rows ORDER BY bucket COLLATE "C", key`},
	{store.AreaKV, `SELECT plugin, key, value FROM plugin_kv ORDER BY plugin COLLATE "C", key`},
	{store.AreaFiles, `SELECT plugin, path, int8send(modified_at) || content FROM plugin_files ORDER BY plugin COLLATE "C", path`},
	{store.AreaState, `SELECT namespace, key, value FROM host_state ORDER BY namespace COLLATE "C", key`},
}

// Records implements store.Copyable, in one repeatable-read snapshot.
func (db *DB) Records(ctx context.Context, fn func(store.Record) error) error {
	return pgx.BeginTxFunc(ctx, db.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		for _, q := range areaQueries {
			rows, err := tx.Query(ctx, q.sql)
			if err != nil {
				return fmt.Errorf("records %s: %w", q.area, err)
			}
			for rows.Next() {
				var r store.Record
				if err := rows.Scan(&r.Space, &r.Key, &r.Value); err != nil {
					rows.Close()
					return fmt.Errorf("records %s: %w", q.area, err)
				}
				r.Area = q.area
				if r.Value == nil {
					r.Value = []byte{}
				}
				if err := fn(r); err != nil {
					rows.Close()
					return err
				}
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return fmt.Errorf("records %s: %w", q.area, err)
			}
		}
		return nil
	})
}

// Empty implements store.Copyable.
func (db *DB) Empty(ctx context.Context) (bool, error) {
	var found bool
	err := db.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM catalog_rows) OR EXISTS (SELECT 1 FROM plugin_kv)
		OR EXISTS (SELECT 1 FROM plugin_files) OR EXISTS (SELECT 1 FROM host_state)`).Scan(&found)
	return !found, err
}

// PutRecords implements store.Copyable: one transaction.
func (db *DB) PutRecords(ctx context.Context, recs []store.Record) error {
	return db.tx(ctx, func(tx pgx.Tx) error {
		b := &pgx.Batch{}
		for _, r := range recs {
			v := r.Value
			if v == nil {
				v = []byte{}
			}
			switch r.Area {
			case store.AreaCatalog:
				b.Queue(`INSERT INTO catalog_rows (bucket, key, value) VALUES ($1, $2, $3) ON CONFLICT (bucket, key) DO UPDATE SET value = excluded.value`, r.Space, r.Key, v)
			case store.AreaKV:
				b.Queue(`INSERT INTO plugin_kv (plugin, key, value) VALUES ($1, $2, $3) ON CONFLICT (plugin, key) DO UPDATE SET value = excluded.value`, r.Space, r.Key, v)
			case store.AreaFiles:
				if len(v) < 8 {
					return fmt.Errorf("records: file %s/%s: value of %d bytes has no write time", r.Space, r.Key, len(v))
				}
				b.Queue(`INSERT INTO plugin_files (plugin, path, modified_at, content) VALUES ($1, $2, $3, $4)
					ON CONFLICT (plugin, path) DO UPDATE SET modified_at = excluded.modified_at, content = excluded.content`,
					r.Space, r.Key, int64(binary.BigEndian.Uint64(v[:8])), v[8:])
			case store.AreaState:
				b.Queue(`INSERT INTO host_state (namespace, key, value) VALUES ($1, $2, $3) ON CONFLICT (namespace, key) DO UPDATE SET value = excluded.value`, r.Space, r.Key, v)
			default:
				return fmt.Errorf("records: area %q is not known", r.Area)
			}
		}
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			return fmt.Errorf("records: %w", err)
		}
		return nil
	})
}
