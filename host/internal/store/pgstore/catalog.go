package pgstore

import (
	"context"
	"encoding/binary"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"

	"greenroom.dev/greenroom/host/internal/catalog"
)

// catalogStore is the catalog.Store in table catalog_rows.
type catalogStore struct{ db *DB }

// ForEach implements catalog.Store, in key (byte) order.
func (s catalogStore) ForEach(ctx context.Context, bucket string, fn func(key, value []byte) error) error {
	rows, err := s.db.pool.Query(ctx, `SELECT key, value FROM catalog_rows WHERE bucket = $1 ORDER BY key`, bucket)
	if err != nil {
		return fmt.Errorf("catalog store: read %s: %w", bucket, err)
	}
	defer rows.Close()
	for rows.Next() {
		// RawValues are valid until the next row, as ForEach promises its caller.
		raw := rows.RawValues()
		if err := fn(raw[0], raw[1]); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("catalog store: read %s: %w", bucket, err)
	}
	return nil
}

// applyChunk bounds the rows of one statement of an Apply.
const applyChunk = 2000

// Apply implements catalog.Store: one transaction; the last op on a key wins.
func (s catalogStore) Apply(ctx context.Context, ops []catalog.Op) error {
	_, err := s.ApplyVersion(ctx, ops)
	return err
}

// ApplyVersion implements catalog.VersionedStore: Apply, returning the id of its
// transaction, which is the version (xmin) of every row it wrote.
func (s catalogStore) ApplyVersion(ctx context.Context, ops []catalog.Op) (uint64, error) {
	if len(ops) == 0 {
		return 0, nil
	}
	var version uint64
	type bk struct{ bucket, key string }
	last := make(map[bk]int, len(ops))
	for i, op := range ops {
		last[bk{op.Bucket, op.Key}] = i
	}
	var (
		putB, delB []string
		putK, delK [][]byte
		putV       [][]byte
	)
	for i, op := range ops {
		if last[bk{op.Bucket, op.Key}] != i {
			continue
		}
		if op.Value == nil {
			delB, delK = append(delB, op.Bucket), append(delK, []byte(op.Key))
			continue
		}
		putB, putK, putV = append(putB, op.Bucket), append(putK, []byte(op.Key)), append(putV, op.Value)
	}
	err := s.db.tx(ctx, func(tx pgx.Tx) error {
		for i := 0; i < len(delB); i += applyChunk {
			j := min(i+applyChunk, len(delB))
			if _, err := tx.Exec(ctx, `DELETE FROM catalog_rows r USING unnest($1::text[], $2::bytea[]) AS d(bucket, key)
				WHERE r.bucket = d.bucket AND r.key = d.key`, delB[i:j], delK[i:j]); err != nil {
				return fmt.Errorf("delete: %w", err)
			}
		}
		for i := 0; i < len(putB); i += applyChunk {
			j := min(i+applyChunk, len(putB))
			if _, err := tx.Exec(ctx, `INSERT INTO catalog_rows (bucket, key, value)
				SELECT * FROM unnest($1::text[], $2::bytea[], $3::bytea[])
				ON CONFLICT (bucket, key) DO UPDATE SET value = excluded.value`, putB[i:j], putK[i:j], putV[i:j]); err != nil {
				return fmt.Errorf("put: %w", err)
			}
		}
		// xmin holds the 32 bits of the transaction id without its epoch.
		if err := tx.QueryRow(ctx, `SELECT pg_current_xact_id()::text::bigint & 4294967295`).Scan(&version); err != nil {
			return fmt.Errorf("transaction id: %w", err)
		}
		// The other replicas reload when this commits (replica.go).
		if _, err := tx.Exec(ctx, `SELECT pg_notify($1, $2)`, CatalogChannel, s.db.id); err != nil {
			return fmt.Errorf("notify: %w", err)
		}
		return nil
	})
	if err != nil {
		if unavailable(err) && ctx.Err() == nil {
			// Backstage's 503: the write may succeed once the database is back. The
			// client learns no more than that; the error goes to the log.
			s.db.logUnavailable(err)
			return 0, &catalog.Error{Name: "ServiceUnavailableError", Message: "The catalog's database is unavailable; try again shortly"}
		}
		return 0, fmt.Errorf("catalog store: apply %d ops: %w", len(ops), err)
	}
	return version, nil
}

var _ catalog.VersionedStore = catalogStore{}

// A row's version is xmin, the id of the transaction that wrote it: every insert or
// update (a new row version) gets the writer's, so it changes whenever the row is
// written, and reading it costs no extra column or write.
const rowVersion = `xmin::text::bigint`

// rowVersionOf reads the version column of a row in either wire format.
func rowVersionOf(raw []byte, format int16) (uint64, error) {
	if format == pgx.BinaryFormatCode {
		if len(raw) != 8 {
			return 0, fmt.Errorf("row version of %d bytes", len(raw))
		}
		return binary.BigEndian.Uint64(raw), nil
	}
	return strconv.ParseUint(string(raw), 10, 64)
}

// eachVersioned calls fn for every row of a query answering key, value, version.
func eachVersioned(rows pgx.Rows, fn func(key, value []byte, version uint64) error) error {
	defer rows.Close()
	format := int16(pgx.TextFormatCode)
	for rows.Next() {
		if format == pgx.TextFormatCode {
			format = rows.FieldDescriptions()[2].Format
		}
		raw := rows.RawValues()
		ver, err := rowVersionOf(raw[2], format)
		if err != nil {
			return err
		}
		if err := fn(raw[0], raw[1], ver); err != nil {
			return err
		}
	}
	return rows.Err()
}

// ForEachVersion implements catalog.VersionedStore, in key order.
func (s catalogStore) ForEachVersion(ctx context.Context, bucket string, fn func(key, value []byte, version uint64) error) error {
	rows, err := s.db.pool.Query(ctx, `SELECT key, value, `+rowVersion+` FROM catalog_rows WHERE bucket = $1 ORDER BY key`, bucket)
	if err != nil {
		return fmt.Errorf("catalog store: read %s: %w", bucket, err)
	}
	if err := eachVersioned(rows, fn); err != nil {
		return fmt.Errorf("catalog store: read %s: %w", bucket, err)
	}
	return nil
}

// Versions implements catalog.VersionedStore: a scan of the keys and versions alone.
func (s catalogStore) Versions(ctx context.Context, bucket string, fn func(key []byte, version uint64) error) error {
	rows, err := s.db.pool.Query(ctx, `SELECT key, ''::bytea, `+rowVersion+` FROM catalog_rows WHERE bucket = $1`, bucket)
	if err != nil {
		return fmt.Errorf("catalog store: versions of %s: %w", bucket, err)
	}
	if err := eachVersioned(rows, func(k, _ []byte, ver uint64) error { return fn(k, ver) }); err != nil {
		return fmt.Errorf("catalog store: versions of %s: %w", bucket, err)
	}
	return nil
}

// Get implements catalog.VersionedStore.
func (s catalogStore) Get(ctx context.Context, bucket string, keys []string, fn func(key, value []byte, version uint64) error) error {
	if len(keys) == 0 {
		return nil
	}
	bk := make([][]byte, len(keys))
	for i, k := range keys {
		bk[i] = []byte(k)
	}
	rows, err := s.db.pool.Query(ctx, `SELECT key, value, `+rowVersion+` FROM catalog_rows WHERE bucket = $1 AND key = ANY($2::bytea[])`, bucket, bk)
	if err != nil {
		return fmt.Errorf("catalog store: read %d keys of %s: %w", len(keys), bucket, err)
	}
	if err := eachVersioned(rows, fn); err != nil {
		return fmt.Errorf("catalog store: read %d keys of %s: %w", len(keys), bucket, err)
	}
	return nil
}
