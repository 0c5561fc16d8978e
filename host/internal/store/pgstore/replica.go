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

// CatalogWatch tells a replica when other replicas have committed catalog writes.
type CatalogWatch struct {
	changed chan struct{}
	cancel  context.CancelFunc
	done    chan struct{}
}

// Changed receives once for any number of other replicas' catalog commits since the
// last receive (and after the watch had to reconnect, since notifications sent while it
// was not listening are lost): one change pending at most, so a slow reader reloads
// once for a burst of writes.
func (w *CatalogWatch) Changed() <-chan struct{} { return w.changed }

// Stop ends the watch and waits for it.
func (w *CatalogWatch) Stop() {
	w.cancel()
	<-w.done
}

func (w *CatalogWatch) signal() {
	select {
	case w.changed <- struct{}{}:
	default: // a change is pending already; its reader will see this one too
	}
}

// WatchCatalog starts listening for other replicas' catalog writes. It returns once
// this replica listens (or fails to connect), so a catalog loaded after it returns
// misses no write: a write committed during the load is signalled afterwards. A lost
// connection is retried every retry, and signalled once listening again. The watch
// runs until Stop.
func (db *DB) WatchCatalog(ctx context.Context, retry time.Duration, log *slog.Logger) (*CatalogWatch, error) {
	conn, err := db.listen(ctx)
	if err != nil {
		return nil, fmt.Errorf("store pg: listen for catalog writes: %w", err)
	}
	wctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	w := &CatalogWatch{changed: make(chan struct{}, 1), cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(w.done)
		for {
			err := db.waitNotifications(wctx, conn, w.signal)
			conn.Close(context.Background())
			if wctx.Err() != nil {
				return
			}
			log.Warn("store pg: catalog notifications lost; reconnecting", "err", err, "retry", retry)
			for {
				select {
				case <-wctx.Done():
					return
				case <-time.After(retry):
				}
				if conn, err = db.listen(wctx); err == nil {
					break
				}
			}
			w.signal()
		}
	}()
	return w, nil
}

// listen opens a session that listens on CatalogChannel.
func (db *DB) listen(ctx context.Context) (*pgx.Conn, error) {
	conn, err := db.connect(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := conn.Exec(ctx, "LISTEN "+CatalogChannel); err != nil {
		conn.Close(context.WithoutCancel(ctx))
		return nil, err
	}
	return conn, nil
}

// waitNotifications calls changed for each notification of another replica until the
// session fails or ctx is done.
func (db *DB) waitNotifications(ctx context.Context, conn *pgx.Conn, changed func()) error {
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
