package scaffolder

import (
	"context"
	"encoding/json"
	"errors"
	"sort"
	"strings"
	"time"
)

// activePrefix marks the tasks not yet ended (active/<id>, an empty value), so that
// the replicas look through those rather than every task ever run.
const activePrefix = "active/"

func ended(status string) bool {
	return status == StatusCompleted || status == StatusFailed || status == StatusCancelled
}

// enqueue hands a task to this process's workers, once however often it is asked.
func (s *Scaffolder) enqueue(id string) {
	s.mu.Lock()
	if s.queued[id] {
		s.mu.Unlock()
		return
	}
	s.queued[id] = true
	s.mu.Unlock()
	s.queue <- id
}

// claimTask takes an open task for this replica (open -> processing), atomically
// across replicas: the row is claimed with SKIP LOCKED, so of several replicas trying
// one wins and the others pass it over. It returns nil when the task is not this
// replica's to run: already claimed or ended, or holding secrets that another replica
// keeps.
func (s *Scaffolder) claimTask(id string) (*record, error) {
	var r *record
	_, err := s.store.Claim("task/"+id, func(v []byte) ([]byte, bool) {
		var cur record
		if json.Unmarshal(v, &cur) != nil || cur.Status != StatusOpen || cur.HasSecrets && cur.Replica != s.id {
			return nil, false
		}
		now := time.Now().UTC()
		cur.Status, cur.LastHeartbeatAt, cur.Replica = StatusProcessing, &now, s.id
		b, err := json.Marshal(&cur)
		if err != nil {
			return nil, false
		}
		r = &cur
		return b, true
	})
	return r, err
}

// heartbeat records, every poll until done, that this replica still runs the task
// (its lastHeartbeatAt), and stops the run (cancel) when another replica asked to
// cancel it or took it over, having found this replica gone.
func (s *Scaffolder) heartbeat(id string, done <-chan struct{}, cancel context.CancelFunc) {
	t := time.NewTicker(s.poll)
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-t.C:
		}
		var lost, cancelled bool
		_, err := s.store.Update("task/"+id, func(v []byte, ok bool) ([]byte, bool) {
			var cur record
			if !ok || json.Unmarshal(v, &cur) != nil || cur.Status != StatusProcessing || cur.Replica != s.id {
				lost = true
				return nil, false
			}
			cancelled = cur.CancelRequested
			now := time.Now().UTC()
			cur.LastHeartbeatAt = &now
			b, _ := json.Marshal(&cur)
			return b, true
		})
		switch {
		case err != nil:
			s.log.Warn("scaffolder: task heartbeat", "task", id, "err", err)
		case lost:
			s.log.Warn("scaffolder: another replica ended the task while this one ran it; stopping it", "task", id)
			cancel()
			return
		case cancelled:
			cancel()
		}
	}
}

// watch looks, every poll until ctx ends, through the tasks not yet ended: it queues
// those another replica queued, and fails those whose replica is gone.
func (s *Scaffolder) watch(ctx context.Context) {
	t := time.NewTicker(s.poll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		marks, err := s.store.List(activePrefix)
		if err != nil {
			s.log.Warn("scaffolder: look for tasks", "err", err)
			continue
		}
		recs := make([]*record, 0, len(marks))
		for k := range marks {
			id := strings.TrimPrefix(k, activePrefix)
			r, err := s.load(id)
			var nf *NotFoundError
			switch {
			case errors.As(err, &nf):
				_ = s.store.Delete(k)
			case err != nil:
				s.log.Warn("scaffolder: look for tasks", "task", id, "err", err)
			default:
				recs = append(recs, r)
			}
		}
		if err := s.sweep(recs); err != nil {
			s.log.Warn("scaffolder: look for tasks", "err", err)
		}
	}
}

// alive reports whether the replica id still runs. Without Replicas the store is this
// process's alone: every other id is a process that has ended.
func (s *Scaffolder) alive(id string) (bool, error) {
	if id == s.id {
		return true, nil
	}
	if s.replicas == nil || id == "" {
		return false, nil
	}
	return s.replicas.ReplicaAlive(id)
}

// sweep settles tasks not yet ended: a task running on a replica that is gone is
// failed, as is one waiting for the secrets only a gone replica held; an open task
// this replica may run is queued, oldest first; an ended task loses its mark.
func (s *Scaffolder) sweep(recs []*record) error {
	sort.Slice(recs, func(i, j int) bool { return recs[i].CreatedAt.Before(recs[j].CreatedAt) })
	for _, r := range recs {
		switch {
		case ended(r.Status):
			if err := s.store.Delete(activePrefix + r.ID); err != nil {
				return err
			}
		case r.Status == StatusProcessing:
			if ok, err := s.alive(r.Replica); err != nil {
				return err
			} else if !ok {
				s.finish(r, StatusFailed, nil, errors.New("the task was cut short by a restart of the host (or the end of the replica that ran it); run it again"))
			}
		case r.Status == StatusOpen && r.HasSecrets:
			if ok, err := s.alive(r.Replica); err != nil {
				return err
			} else if !ok {
				s.finish(r, StatusFailed, nil, errors.New("the task's secrets were lost in a restart of the host (secrets are never stored); run it again"))
			} else if r.Replica == s.id {
				s.enqueue(r.ID)
			}
		case r.Status == StatusOpen:
			s.enqueue(r.ID)
		}
	}
	return nil
}

// unavailable reports whether err says the store could not be reached (it wraps an
// error whose Unavailable method says so, as store.ErrUnavailable): the caller may
// try again.
func unavailable(err error) bool {
	var u interface{ Unavailable() bool }
	return errors.As(err, &u) && u.Unavailable()
}
