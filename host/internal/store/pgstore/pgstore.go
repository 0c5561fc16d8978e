package pgstore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"greenroom.dev/greenroom/host/internal/catalog"
	"greenroom.dev/greenroom/host/internal/store"
)

// opTimeout bounds one store call: the store's callers (host functions, auth, the
// scaffolder) have no context of their own, and a database that stopped answering
// must fail a call rather than hang it.
const opTimeout = 30 * time.Second

// migrationLock is the advisory lock key held while migrating ("grnroom!").
const migrationLock int64 = 0x67726e726f6f6d21

// migrations are the schema's versions: migrations[i] brings the schema to version i+1.
// Append only; never edit a released entry.
var migrations = []string{
	// 1: everything the host stores.
	`CREATE TABLE catalog_rows (
		bucket text NOT NULL,
		key bytea NOT NULL,
		value bytea NOT NULL,
		PRIMARY KEY (bucket, key)
	);
	CREATE TABLE plugin_kv (
		plugin text NOT NULL,
		key bytea NOT NULL,
		value bytea NOT NULL,
		PRIMARY KEY (plugin, key)
	);
	CREATE TABLE plugin_files (
		plugin text NOT NULL,
		path bytea NOT NULL,
		modified_at bigint NOT NULL,
		content bytea NOT NULL,
		PRIMARY KEY (plugin, path)
	);
	CREATE TABLE host_state (
		namespace text NOT NULL,
		key bytea NOT NULL,
		value bytea NOT NULL,
		PRIMARY KEY (namespace, key)
	);`,
}

// SchemaVersion is the schema version this build migrates to.
var SchemaVersion = len(migrations)

// DB is the host's store in one PostgreSQL database.
type DB struct {
	pool  *pgxpool.Pool
	conn  *pgx.ConnConfig // for the replication's own sessions (replica.go)
	id    string          // this process's replica id, the payload of its notifications
	kv    *KV
	files *Files
	// presence holds this replica's presence lock (presence.go).
	presence *presence
	// log is where the store logs (SetLogger); unavailableLogged is when it last
	// logged a call that could not reach the database (logUnavailable).
	log               atomic.Pointer[slog.Logger]
	unavailableLogged atomic.Int64
}

// Open connects to the database at dsn (a postgres:// URL or key=value string),
// migrates its schema and returns the store. It fails, naming the database, when the
// database cannot be reached or its schema is newer than SchemaVersion.
func Open(ctx context.Context, dsn string) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("store pg: connection: %w", err)
	}
	name := fmt.Sprintf("%s@%s:%d/%s", cfg.ConnConfig.User, cfg.ConnConfig.Host, cfg.ConnConfig.Port, cfg.ConnConfig.Database)
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("store pg %s: %w", name, err)
	}
	if err := migrate(ctx, pool); err != nil {
		pool.Close()
		return nil, fmt.Errorf("store pg %s: %w", name, err)
	}
	db := &DB{pool: pool, conn: cfg.ConnConfig, id: newReplicaID()}
	db.kv = &KV{db: db}
	db.files = &Files{db: db}
	if err := db.startPresence(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("store pg %s: %w", name, err)
	}
	return db, nil
}

// migrate brings the schema to SchemaVersion under the migration advisory lock.
func migrate(ctx context.Context, pool *pgxpool.Pool) error {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, migrationLock); err != nil {
		return fmt.Errorf("migrate: lock: %w", err)
	}
	defer conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, migrationLock) //nolint:errcheck // the session ends with the connection anyway
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS greenroom_schema (
		version integer PRIMARY KEY,
		applied_at timestamptz NOT NULL DEFAULT now()
	)`); err != nil {
		return fmt.Errorf("migrate: schema table: %w", err)
	}
	var current int
	if err := conn.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM greenroom_schema`).Scan(&current); err != nil {
		return fmt.Errorf("migrate: read version: %w", err)
	}
	if current > SchemaVersion {
		return fmt.Errorf("migrate: the database's schema is version %d, newer than this build's %d; run a Greenroom release that knows version %d, or restore a backup", current, SchemaVersion, current)
	}
	for v := current + 1; v <= SchemaVersion; v++ {
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, migrations[v-1]); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO greenroom_schema (version) VALUES ($1)`, v)
			return err
		})
		if err != nil {
			return fmt.Errorf("migrate: version %d: %w", v, err)
		}
	}
	return nil
}

// Version returns the database's schema version.
func (db *DB) Version(ctx context.Context) (int, error) {
	var v int
	err := db.pool.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM greenroom_schema`).Scan(&v)
	return v, err
}

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error { return db.pool.Ping(ctx) }

// Close closes the connections.
func (db *DB) Close() error {
	db.presence.stop()
	<-db.presence.done
	db.pool.Close()
	return nil
}

// CatalogStore implements store.Backend.
func (db *DB) CatalogStore() catalog.Store { return catalogStore{db} }

// KVStore implements store.Backend.
func (db *DB) KVStore() store.KVStore { return db.kv }

// FileStore implements store.Backend.
func (db *DB) FileStore() store.FileStore { return db.files }

// StateBucket implements store.Backend.
func (db *DB) StateBucket(name string) store.StateBucket { return &Bucket{db: db, name: name} }

var _ store.Backend = (*DB)(nil)

func (db *DB) ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), opTimeout)
}

// tx runs fn in one transaction.
func (db *DB) tx(ctx context.Context, fn func(pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, db.pool, fn)
}

// lockPlugin serializes the quota checks of one plugin's writes across replicas.
func lockPlugin(ctx context.Context, tx pgx.Tx, kind, plugin string) error {
	_, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, kind+":"+plugin)
	return err
}

// prefixEnd is the smallest key greater than every key that starts with p, or nil when
// there is none (p is empty or all 0xff).
func prefixEnd(p []byte) []byte {
	end := append([]byte{}, p...)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}

// prefixCond is a WHERE condition on col for keys starting with p, with its arguments
// numbered from n.
func prefixCond(col string, p []byte, n int) (string, []any) {
	if len(p) == 0 {
		return "true", nil
	}
	if end := prefixEnd(p); end != nil {
		return fmt.Sprintf("%s >= $%d AND %s < $%d", col, n, col, n+1), []any{p, end}
	}
	return fmt.Sprintf("%s >= $%d", col, n), []any{p}
}

var errNoRows = pgx.ErrNoRows

// unavailable reports whether err says the database could not be reached or went away
// (no answer, a connection error, or the server shutting down), as opposed to the
// server refusing the statement.
func unavailable(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		// Class 08: connection exception; 57P0x: the server shutting down or starting.
		return strings.HasPrefix(pe.Code, "08") || strings.HasPrefix(pe.Code, "57P0")
	}
	return !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) || pgconn.Timeout(err)
}

// mark wraps an error that says the database is unreachable with
// store.ErrUnavailable, which callers answer with a 503 that says no more than that:
// the error itself, which may name the database's host, port, user and name, goes to
// the log instead (logUnavailable).
func (db *DB) mark(err error) error {
	if err != nil && unavailable(err) {
		db.logUnavailable(err)
		return fmt.Errorf("%w: %w", store.ErrUnavailable, err)
	}
	return err
}

// unavailableLogEvery is how often, at most, logUnavailable logs: during an outage
// every call fails alike.
const unavailableLogEvery = 5 * time.Second

// logUnavailable logs err, a call's failure to reach the database, unless it logged
// one less than unavailableLogEvery ago.
func (db *DB) logUnavailable(err error) {
	now := time.Now().UnixNano()
	last := db.unavailableLogged.Load()
	if now-last < int64(unavailableLogEvery) || !db.unavailableLogged.CompareAndSwap(last, now) {
		return
	}
	db.logger().Warn("store pg: the database is unavailable; calls that need it answer 503 until it is back", "err", err)
}

// SetLogger sets where the store logs (by default slog's default logger).
func (db *DB) SetLogger(l *slog.Logger) { db.log.Store(l) }

func (db *DB) logger() *slog.Logger {
	if l := db.log.Load(); l != nil {
		return l
	}
	return slog.Default()
}

func isNoRows(err error) bool { return errors.Is(err, errNoRows) }

// Rows counts the rows of table (for tests and the migrate command's report).
func (db *DB) Rows(ctx context.Context, table string) (int64, error) {
	var n int64
	err := db.pool.QueryRow(ctx, `SELECT count(*) FROM `+pgx.Identifier{table}.Sanitize()).Scan(&n)
	return n, err
}

// Exec runs one SQL statement (for tests).
func (db *DB) Exec(ctx context.Context, sql string) error {
	_, err := db.pool.Exec(ctx, sql)
	return err
}
