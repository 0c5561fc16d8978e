package pgstore

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"greenroom.dev/greenroom/host/internal/store"
)

// Bucket is one namespace of the host's own state in table host_state
// (store.StateBucket).
type Bucket struct {
	db   *DB
	name string
}

var _ store.StateBucket = (*Bucket)(nil)

// Get implements store.StateBucket.
func (b *Bucket) Get(key string) ([]byte, bool, error) {
	if key == "" {
		return nil, false, store.ErrBadStateKey
	}
	ctx, cancel := b.db.ctx()
	defer cancel()
	var v []byte
	err := b.db.pool.QueryRow(ctx, `SELECT value FROM host_state WHERE namespace = $1 AND key = $2`, b.name, []byte(key)).Scan(&v)
	if isNoRows(err) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("state %s: get: %w", b.name, b.db.mark(err))
	}
	if v == nil {
		v = []byte{}
	}
	return v, true, nil
}

// Put implements store.StateBucket.
func (b *Bucket) Put(key string, value []byte) error {
	if key == "" {
		return store.ErrBadStateKey
	}
	if value == nil {
		value = []byte{}
	}
	ctx, cancel := b.db.ctx()
	defer cancel()
	if _, err := b.db.pool.Exec(ctx, `INSERT INTO host_state (namespace, key, value) VALUES ($1, $2, $3)
		ON CONFLICT (namespace, key) DO UPDATE SET value = excluded.value`, b.name, []byte(key), value); err != nil {
		return fmt.Errorf("state %s: put: %w", b.name, b.db.mark(err))
	}
	return nil
}

// Delete implements store.StateBucket; deleting a missing key is not an error.
func (b *Bucket) Delete(key string) error {
	if key == "" {
		return store.ErrBadStateKey
	}
	ctx, cancel := b.db.ctx()
	defer cancel()
	if _, err := b.db.pool.Exec(ctx, `DELETE FROM host_state WHERE namespace = $1 AND key = $2`, b.name, []byte(key)); err != nil {
		return fmt.Errorf("state %s: delete: %w", b.name, b.db.mark(err))
	}
	return nil
}

// List implements store.StateBucket.
func (b *Bucket) List(prefix string) (map[string][]byte, error) {
	ctx, cancel := b.db.ctx()
	defer cancel()
	cond, args := prefixCond("key", []byte(prefix), 2)
	rows, err := b.db.pool.Query(ctx, `SELECT key, value FROM host_state WHERE namespace = $1 AND `+cond, append([]any{b.name}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("state %s: list: %w", b.name, b.db.mark(err))
	}
	defer rows.Close()
	out := map[string][]byte{}
	for rows.Next() {
		var k, v []byte
		if err := rows.Scan(&k, &v); err != nil {
			return nil, fmt.Errorf("state %s: list: %w", b.name, b.db.mark(err))
		}
		if v == nil {
			v = []byte{}
		}
		out[string(k)] = v
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("state %s: list: %w", b.name, b.db.mark(err))
	}
	return out, nil
}

// Update implements store.StateBucket: the row is read FOR UPDATE, so a concurrent
// Update or Claim of the key on any replica waits for this one's commit.
func (b *Bucket) Update(key string, fn func(value []byte, ok bool) (next []byte, write bool)) (bool, error) {
	return b.update(key, false, fn)
}

// Claim implements store.StateBucket: the row is read FOR UPDATE SKIP LOCKED, so a
// key another replica is claiming or updating is passed over rather than waited for.
func (b *Bucket) Claim(key string, fn func(value []byte) (next []byte, write bool)) (bool, error) {
	return b.update(key, true, func(v []byte, ok bool) ([]byte, bool) {
		if !ok {
			return nil, false
		}
		return fn(v)
	})
}

func (b *Bucket) update(key string, skipLocked bool, fn func(value []byte, ok bool) (next []byte, write bool)) (bool, error) {
	if key == "" {
		return false, store.ErrBadStateKey
	}
	lock := "FOR UPDATE"
	if skipLocked {
		lock += " SKIP LOCKED"
	}
	ctx, cancel := b.db.ctx()
	defer cancel()
	wrote := false
	err := b.db.tx(ctx, func(tx pgx.Tx) error {
		var old []byte
		err := tx.QueryRow(ctx, `SELECT value FROM host_state WHERE namespace = $1 AND key = $2 `+lock, b.name, []byte(key)).Scan(&old)
		found := err == nil
		if err != nil && !isNoRows(err) {
			return err
		}
		if found && old == nil {
			old = []byte{}
		}
		next, write := fn(old, found)
		if !write {
			return nil
		}
		if next == nil {
			next = []byte{}
		}
		wrote = true
		return upsertState(ctx, tx, b.name, key, next)
	})
	if err != nil {
		return false, fmt.Errorf("state %s: update: %w", b.name, b.db.mark(err))
	}
	return wrote, nil
}

func upsertState(ctx context.Context, tx pgx.Tx, ns, key string, value []byte) error {
	_, err := tx.Exec(ctx, `INSERT INTO host_state (namespace, key, value) VALUES ($1, $2, $3)
		ON CONFLICT (namespace, key) DO UPDATE SET value = excluded.value`, ns, []byte(key), value)
	return err
}
