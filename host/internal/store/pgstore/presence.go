package pgstore

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// presencePoll is how often the presence session checks that it still answers, and
// how soon after losing it a replica tries again.
const presencePoll = time.Second

// Health is what a replica knows of its database: whether its presence session
// answers, and since when it is in that state.
type Health struct {
	Connected bool
	Since     time.Time
	Err       error // why the last attempt failed, when not Connected
}

// presence keeps this replica's presence session: a connection of its own holding the
// session advisory lock of the replica's id for as long as the process lives and the
// database answers. Other replicas ask whether that lock is held to tell a live
// replica from one that is gone (ReplicaAlive), with no clock or lease table: the lock
// is freed by PostgreSQL the moment the session ends.
type presence struct {
	mu     sync.Mutex
	health Health
	stop   context.CancelFunc
	done   chan struct{}
}

// startPresence takes the presence lock, waiting for it at most ctx, and keeps it in
// the background until Close.
func (db *DB) startPresence(ctx context.Context) error {
	conn, err := db.hold(ctx)
	if err != nil {
		return fmt.Errorf("presence: %w", err)
	}
	bg, stop := context.WithCancel(context.Background())
	db.presence = &presence{stop: stop, done: make(chan struct{}), health: Health{Connected: true, Since: time.Now()}}
	go db.keepPresence(bg, conn)
	return nil
}

// hold opens a session and takes the replica's presence lock in it.
func (db *DB) hold(ctx context.Context) (*pgx.Conn, error) {
	conn, err := db.connect(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, presenceKey(db.id)); err != nil {
		conn.Close(context.WithoutCancel(ctx))
		return nil, err
	}
	return conn, nil
}

func (db *DB) keepPresence(ctx context.Context, conn *pgx.Conn) {
	p := db.presence
	defer close(p.done)
	t := time.NewTicker(presencePoll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			if conn != nil {
				conn.Close(context.Background())
			}
			return
		case <-t.C:
		}
		var err error
		cctx, cancel := context.WithTimeout(ctx, presencePoll)
		if conn == nil {
			conn, err = db.hold(cctx)
		} else if _, err = conn.Exec(cctx, `SELECT 1`); err != nil {
			conn.Close(context.Background())
			conn = nil
		}
		cancel()
		if ctx.Err() != nil {
			continue
		}
		p.set(err)
	}
}

func (p *presence) set(err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if connected := err == nil; connected != p.health.Connected {
		p.health.Connected, p.health.Since = connected, time.Now()
	}
	p.health.Err = err
}

// Health says whether this replica's presence session answers: false while the
// database is unreachable, true again once it has reconnected.
func (db *DB) Health() Health {
	p := db.presence
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.health
}

// presenceKey is the advisory lock key of replica id's presence.
func presenceKey(id string) int64 { return leaseKey("replica " + id) }

// ReplicaAlive reports whether the replica id is running on this database: whether a
// session holds its presence lock. It tries the lock for the length of one
// transaction, which frees it again. A replica is alive to itself.
func (db *DB) ReplicaAlive(id string) (bool, error) {
	if id == db.id {
		return true, nil
	}
	if id == "" {
		return false, nil
	}
	ctx, cancel := db.ctx()
	defer cancel()
	var free bool
	err := db.tx(ctx, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT pg_try_advisory_xact_lock($1)`, presenceKey(id)).Scan(&free)
	})
	if err != nil {
		return false, fmt.Errorf("store pg: is replica %s alive: %w", id, db.mark(err))
	}
	return !free, nil
}
