package pgstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"greenroom.dev/greenroom/host/internal/store"
)

// KV is the plugins' key-value store in table plugin_kv (store.KVStore).
type KV struct{ db *DB }

var _ store.KVStore = (*KV)(nil)

func checkKey(key []byte) error {
	if len(key) == 0 || len(key) > store.MaxKVKey {
		return fmt.Errorf("%w: keys are 1-%d bytes, got %d", store.ErrKVBadKey, store.MaxKVKey, len(key))
	}
	if key[0] == 0 {
		return fmt.Errorf("%w: keys may not start with a NUL byte", store.ErrKVBadKey)
	}
	return nil
}

// Get implements store.KVStore.
func (s *KV) Get(plugin string, key []byte) ([]byte, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	ctx, cancel := s.db.ctx()
	defer cancel()
	var v []byte
	err := s.db.pool.QueryRow(ctx, `SELECT value FROM plugin_kv WHERE plugin = $1 AND key = $2`, plugin, key).Scan(&v)
	if isNoRows(err) {
		return nil, store.ErrKVNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("kv %s: get: %w", plugin, s.db.mark(err))
	}
	if v == nil {
		v = []byte{}
	}
	return v, nil
}

func kvUsage(ctx context.Context, q interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}, plugin string) (int64, error) {
	var n int64
	err := q.QueryRow(ctx, `SELECT coalesce(sum(octet_length(key) + octet_length(value)), 0) FROM plugin_kv WHERE plugin = $1`, plugin).Scan(&n)
	return n, err
}

// Put implements store.KVStore.
func (s *KV) Put(plugin string, key, value []byte, quota int64) error {
	if err := checkKey(key); err != nil {
		return err
	}
	if value == nil {
		value = []byte{}
	}
	ctx, cancel := s.db.ctx()
	defer cancel()
	err := s.db.tx(ctx, func(tx pgx.Tx) error {
		if quota > 0 {
			if err := lockPlugin(ctx, tx, "kv", plugin); err != nil {
				return fmt.Errorf("kv %s: lock: %w", plugin, err)
			}
			used, err := kvUsage(ctx, tx, plugin)
			if err != nil {
				return fmt.Errorf("kv %s: usage: %w", plugin, s.db.mark(err))
			}
			var old int64
			err = tx.QueryRow(ctx, `SELECT octet_length(key) + octet_length(value) FROM plugin_kv WHERE plugin = $1 AND key = $2`, plugin, key).Scan(&old)
			if err != nil && !isNoRows(err) {
				return fmt.Errorf("kv %s: put: %w", plugin, err)
			}
			used += int64(len(key)+len(value)) - old
			if used > quota {
				return fmt.Errorf("%w: plugin %s would use %d of its %d bytes", store.ErrKVQuota, plugin, used, quota)
			}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO plugin_kv (plugin, key, value) VALUES ($1, $2, $3)
			ON CONFLICT (plugin, key) DO UPDATE SET value = excluded.value`, plugin, key, value); err != nil {
			return fmt.Errorf("kv %s: put: %w", plugin, err)
		}
		return nil
	})
	if err != nil && !errors.Is(err, store.ErrKVQuota) {
		return s.db.mark(err)
	}
	return err
}

// Delete implements store.KVStore; deleting a missing key is not an error.
func (s *KV) Delete(plugin string, key []byte) error {
	if err := checkKey(key); err != nil {
		return err
	}
	ctx, cancel := s.db.ctx()
	defer cancel()
	if _, err := s.db.pool.Exec(ctx, `DELETE FROM plugin_kv WHERE plugin = $1 AND key = $2`, plugin, key); err != nil {
		return fmt.Errorf("kv %s: delete: %w", plugin, s.db.mark(err))
	}
	return nil
}

// List implements store.KVStore: up to limit keys starting with prefix, in byte order.
func (s *KV) List(plugin string, prefix []byte, limit int) ([][]byte, error) {
	ctx, cancel := s.db.ctx()
	defer cancel()
	cond, args := prefixCond("key", prefix, 2)
	q := `SELECT key FROM plugin_kv WHERE plugin = $1 AND ` + cond + ` ORDER BY key`
	if limit > 0 {
		q += fmt.Sprintf(" LIMIT %d", limit)
	}
	rows, err := s.db.pool.Query(ctx, q, append([]any{plugin}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("kv %s: list: %w", plugin, s.db.mark(err))
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[[]byte])
	if err != nil {
		return nil, fmt.Errorf("kv %s: list: %w", plugin, s.db.mark(err))
	}
	return out, nil
}

// Usage implements store.KVStore.
func (s *KV) Usage(plugin string) (int64, error) {
	ctx, cancel := s.db.ctx()
	defer cancel()
	n, err := kvUsage(ctx, s.db.pool, plugin)
	if err != nil {
		return 0, fmt.Errorf("kv %s: usage: %w", plugin, s.db.mark(err))
	}
	return n, nil
}
