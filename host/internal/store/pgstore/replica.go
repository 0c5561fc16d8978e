package pgstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
)

// CatalogChannel is the LISTEN/NOTIFY channel on which every catalog Apply announces
// its commit; the payload is the writing replica's id.
const CatalogChannel = "greenroom_catalog"

func newReplicaID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// ReplicaID is this process's id among the replicas on the database.
func (db *DB) ReplicaID() string { return db.id }

// connect opens a session of its own, outside the pool: a LISTEN or a session advisory
// lock belongs to one connection for as long as it lives.
func (db *DB) connect(ctx context.Context) (*pgx.Conn, error) {
	return pgx.ConnectConfig(ctx, db.conn.Copy())
}

// ListenCatalog calls changed whenever another replica commits a catalog write, and
// once after each connection (the first too), since notifications sent while this
// replica was not listening are lost. It returns when ctx is done; a lost connection is retried
// every retry.
func (db *DB) ListenCatalog(ctx context.Context, retry time.Duration, log *slog.Logger, changed func()) error {
	for ctx.Err() == nil {
		err := db.listenOnce(ctx, changed, changed)
		if ctx.Err() != nil {
			break
		}
		log.Warn("store pg: catalog notifications lost; reconnecting", "err", err, "retry", retry)
		select {
		case <-ctx.Done():
		case <-time.After(retry):
		}
	}
	return ctx.Err()
}

func (db *DB) listenOnce(ctx context.Context, connected, changed func()) error {
	conn, err := db.connect(ctx)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+CatalogChannel); err != nil {
		return err
	}
	connected()
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		if n.Payload != db.id {
			changed()
		}
	}
}

// leaseKey is the advisory lock key of the lease called name.
func leaseKey(name string) int64 {
	h := fnv.New64a()
	h.Write([]byte("greenroom lease " + name))
	return int64(h.Sum64())
}

// Lead runs lead while this replica holds the lease called name (a session advisory
// lock, so exactly one replica holds it, and PostgreSQL frees it when the holder's
// session ends: a replica that dies or loses the database loses the lease). The other
// replicas try again every poll; they take over within poll of the holder's session
// ending. lead's context ends when the lease is lost (its session stops answering a
// check every poll) or ctx is done; Lead returns when ctx is done.
func (db *DB) Lead(ctx context.Context, name string, poll time.Duration, log *slog.Logger, lead func(context.Context)) error {
	key := leaseKey(name)
	for ctx.Err() == nil {
		held, err := db.holdOnce(ctx, key, poll, func(lctx context.Context) {
			log.Info("store pg: this replica holds the lease", "lease", name, "replica", db.id)
			lead(lctx)
		})
		if held && ctx.Err() == nil {
			log.Warn("store pg: lease lost", "lease", name, "replica", db.id, "err", err)
		}
		select {
		case <-ctx.Done():
		case <-time.After(poll):
		}
	}
	return ctx.Err()
}

// holdOnce connects, tries the lock until it is taken or the session fails, and runs
// lead while the session answers.
func (db *DB) holdOnce(ctx context.Context, key int64, poll time.Duration, lead func(context.Context)) (held bool, err error) {
	conn, err := db.connect(ctx)
	if err != nil {
		return false, err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	for {
		var ok bool
		if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1)`, key).Scan(&ok); err != nil {
			return false, err
		}
		if ok {
			break
		}
		select {
		case <-ctx.Done():
			return false, ctx.Err()
		case <-time.After(poll):
		}
	}
	lctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		lead(lctx)
	}()
	defer func() {
		cancel()
		<-done
	}()
	t := time.NewTicker(poll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return true, ctx.Err()
		case <-done:
			return true, nil
		case <-t.C:
			cctx, ccancel := context.WithTimeout(ctx, poll)
			_, err := conn.Exec(cctx, `SELECT 1`)
			ccancel()
			if err != nil {
				return true, fmt.Errorf("lease check: %w", err)
			}
		}
	}
}
