// Package scaffolder runs Backstage's software templates: Template entities
// (scaffolder.backstage.io/v1beta3) from the catalog, their parameters checked against
// their JSON Schemas, their steps run one after the other in a workspace of their own,
// with the templating of package nunjucks, and the built-in actions with Backstage's
// ids, inputs and outputs. Tasks are kept in the store with their events; a pool of
// scaffolder.concurrentTasksLimit workers runs them as the signed-in user who created
// them; a task cut short by a crash is marked failed at the next start. Several
// replicas may share one store (Options.Replicas): each task is claimed by one of them
// (Store.Claim) and runs once; a task whose replica is gone is marked failed by
// another. The REST API of Backstage's scaffolder-backend (/api/scaffolder/v2/...) is
// Handler. A template with Greenroom's spec.targets is a day-2 action on an existing
// entity, which its tasks record (targets.go).
package scaffolder

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"greenroom.dev/greenroom/host/internal/identity"
	"greenroom.dev/greenroom/host/internal/permission"
	"greenroom.dev/greenroom/host/internal/scaffolder/nunjucks"
	"greenroom.dev/greenroom/host/internal/urlreader"
	"greenroom.dev/greenroom/host/internal/urlreader/githubreader"
)

// Catalog is what the scaffolder needs of the catalog, for the caller in ctx
// (identity.From): it sees only what that caller may read.
type Catalog interface {
	// Entity returns the entity ref names, or nil when there is none the caller may read.
	Entity(ctx context.Context, ref string) (map[string]any, error)
	// Templates returns the Template entities the caller may read.
	Templates(ctx context.Context) ([]json.RawMessage, error)
	// Register adds a location for target (a URL) and returns the refs of its entities.
	Register(ctx context.Context, target string) ([]string, error)
	// Matches reports whether the entity ref names, as the caller may read it, matches
	// f (a day-2 action's spec.targets); false when there is none the caller may read.
	Matches(ctx context.Context, ref string, f TargetFilter) (bool, error)
}

// Store is the scaffolder's part of the host's store (store.Bucket): string keys, byte
// values, each call one transaction.
type Store interface {
	Get(key string) ([]byte, bool, error)
	Put(key string, value []byte) error
	Delete(key string) error
	List(prefix string) (map[string][]byte, error)
	// Update reads key's value and writes what fn returns, holding key against every
	// other writer, on every replica, until it has written (store.StateBucket.Update).
	Update(key string, fn func(value []byte, ok bool) (next []byte, write bool)) (bool, error)
	// Claim is Update of a key that has a value, passing over one that another
	// replica holds (store.StateBucket.Claim).
	Claim(key string, fn func(value []byte) (next []byte, write bool)) (bool, error)
}

// Replicas are the processes that share the scaffolder's store (PostgreSQL).
type Replicas interface {
	// ReplicaID is this process's id among them.
	ReplicaID() string
	// ReplicaAlive reports whether the process id is still running.
	ReplicaAlive(id string) (bool, error)
}

// Options configure a Scaffolder.
type Options struct {
	Config  Config
	Store   Store
	Catalog Catalog
	URLs    urlreader.Reader
	// WorkDir holds the tasks' workspaces; default the system's temporary directory.
	WorkDir string
	Logger  *slog.Logger
	// HostKnown says whether a repo URL's host has an integration (parseRepoUrl); nil
	// accepts every host.
	HostKnown func(host string) bool
	// Actions are added to the built-ins.
	Actions []*Action
	// GitHub creates repositories for publish:github; nil fails that action.
	GitHub *githubreader.Repos
	// Decide is the permission policy (scaffolder.task.create, .read, .cancel, and
	// scaffolder.action.execute for each step, for the task's creator); nil allows all.
	Decide func(identity.Principal, permission.Permission) permission.Decision
	// Replicas are the other processes on the store. Nil: the store is this process's
	// alone (bbolt), so a task that no worker of this process claimed was cut short by
	// a restart.
	Replicas Replicas
	// Poll is how often, with Replicas, the scaffolder looks for tasks queued on other
	// replicas and for tasks whose replica is gone, beats its running tasks' heartbeats
	// and sees their cancellation from another replica; default 1s.
	Poll time.Duration
}

// Task statuses.
const (
	StatusOpen       = "open"
	StatusProcessing = "processing"
	StatusCompleted  = "completed"
	StatusFailed     = "failed"
	StatusCancelled  = "cancelled"
)

// Task is a stored task, as GET /v2/tasks/:id returns it.
type Task struct {
	ID              string     `json:"id"`
	Spec            TaskSpec   `json:"spec"`
	Status          string     `json:"status"`
	CreatedAt       time.Time  `json:"createdAt"`
	LastHeartbeatAt *time.Time `json:"lastHeartbeatAt,omitempty"`
	CreatedBy       string     `json:"createdBy,omitempty"`
	// TargetRef is the entity a day-2 action (a template with spec.targets) acted on.
	TargetRef string `json:"targetRef,omitempty"`
}

// TaskSpec is what a task runs.
type TaskSpec struct {
	APIVersion   string           `json:"apiVersion"`
	Steps        []Step           `json:"steps"`
	Output       map[string]any   `json:"output"`
	Parameters   map[string]any   `json:"parameters"`
	User         User             `json:"user"`
	TemplateInfo TaskTemplateInfo `json:"templateInfo"`
}

// TaskTemplateInfo names the template of a task.
type TaskTemplateInfo struct {
	EntityRef string         `json:"entityRef"`
	BaseURL   string         `json:"baseUrl,omitempty"`
	Entity    map[string]any `json:"entity,omitempty"`
}

// record is a task as stored: the task, and who runs it.
type record struct {
	Task
	Principal  identity.Principal `json:"principal"`
	HasSecrets bool               `json:"hasSecrets,omitempty"`
	Template   json.RawMessage    `json:"template"`
	// Replica is the process running the task, or for an open task with secrets the
	// one holding them (secrets are never stored).
	Replica string `json:"replica,omitempty"`
	// CancelRequested asks the replica running the task to cancel it.
	CancelRequested bool `json:"cancelRequested,omitempty"`
}

// Event is a task event.
type Event struct {
	ID        int64     `json:"id"`
	TaskID    string    `json:"taskId"`
	Body      EventBody `json:"body"`
	Type      string    `json:"type"`
	CreatedAt time.Time `json:"createdAt"`
}

// Scaffolder runs templates.
type Scaffolder struct {
	cfg     Config
	store   Store
	catalog Catalog
	urls    urlreader.Reader
	github  *githubreader.Repos
	decide  func(identity.Principal, permission.Permission) permission.Decision
	workDir string
	log     *slog.Logger
	engine  *nunjucks.Engine
	actions *Registry

	// id is this process's replica id; replicas the others on the store, or nil.
	id       string
	replicas Replicas
	poll     time.Duration

	mu sync.Mutex
	// ending is held to write a task's end (its completion event and its status) and
	// to read a task or its events, so that a reader sees both or neither.
	ending sync.RWMutex
	// claim orders a worker's claim of an open task and a cancel of it.
	claim   sync.Mutex
	seq     int64
	secrets map[string]map[string]string
	running map[string]context.CancelFunc
	waiters map[string]chan struct{}
	queued  map[string]bool // ids in queue
	queue   chan string
	stop    context.CancelFunc
	wg      sync.WaitGroup
}

// New opens the scaffolder over its store: a task a crash left processing is marked
// failed, and a queued task whose secrets the crash lost too.
func New(o Options) (*Scaffolder, error) {
	o.Config.ApplyDefaults()
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.WorkDir == "" {
		o.WorkDir = os.TempDir()
	}
	s := &Scaffolder{cfg: o.Config, store: o.Store, catalog: o.Catalog, urls: o.URLs, github: o.GitHub, decide: o.Decide, workDir: o.WorkDir, log: o.Logger,
		engine:  nunjucks.New(nunjucks.Options{Filters: filters(o.HostKnown)}),
		actions: NewRegistry(Builtins()...),
		secrets: map[string]map[string]string{}, running: map[string]context.CancelFunc{}, waiters: map[string]chan struct{}{},
		queued: map[string]bool{}, queue: make(chan string, 1<<16),
		id: newID(), replicas: o.Replicas, poll: o.Poll,
	}
	if s.replicas != nil {
		s.id = s.replicas.ReplicaID()
	}
	if s.poll <= 0 {
		s.poll = time.Second
	}
	for _, a := range o.Actions {
		if err := s.actions.Add(a); err != nil {
			return nil, err
		}
	}
	if err := s.recover(); err != nil {
		return nil, fmt.Errorf("scaffolder: recover tasks: %w", err)
	}
	return s, nil
}

// Actions is the action registry.
func (s *Scaffolder) Actions() *Registry { return s.actions }

func (s *Scaffolder) recover() error {
	evs, err := s.store.List("event/")
	if err != nil {
		return err
	}
	for _, v := range evs {
		var e Event
		if json.Unmarshal(v, &e) == nil && e.ID > s.seq {
			s.seq = e.ID
		}
	}
	recs, err := s.list()
	if err != nil {
		return err
	}
	// Every task not yet ended has its mark under active/, which the replicas look
	// through (a task written before the marks, or by a replica that stopped between
	// the task and its mark, gets one here).
	marks, err := s.store.List(activePrefix)
	if err != nil {
		return err
	}
	for _, r := range recs {
		if !ended(r.Status) && marks[activePrefix+r.ID] == nil {
			if err := s.store.Put(activePrefix+r.ID, []byte{}); err != nil {
				return err
			}
		}
	}
	return s.sweep(recs)
}

// Start starts the workers.
func (s *Scaffolder) Start(context.Context) error {
	ctx, cancel := context.WithCancel(context.Background())
	s.stop = cancel
	for i := 0; i < *s.cfg.ConcurrentTasksLimit; i++ {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			for {
				select {
				case <-ctx.Done():
					return
				case id := <-s.queue:
					s.mu.Lock()
					delete(s.queued, id)
					s.mu.Unlock()
					s.runTask(ctx, id)
				}
			}
		}()
	}
	if s.replicas != nil {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.watch(ctx)
		}()
	}
	return nil
}

// Stop stops the workers; a running task is cancelled and marked failed.
func (s *Scaffolder) Stop(ctx context.Context) error {
	if s.stop != nil {
		s.stop()
	}
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// TemplateByRef reads a Template entity the caller may read.
func (s *Scaffolder) TemplateByRef(ctx context.Context, ref string) (*Template, error) {
	if s.catalog == nil {
		return nil, &NotFoundError{"the catalog is not available"}
	}
	e, err := s.catalog.Entity(ctx, ref)
	if err != nil {
		return nil, err
	}
	if e == nil {
		return nil, &NotFoundError{fmt.Sprintf("Template %s not found", ref)}
	}
	b, _ := json.Marshal(e)
	t, err := ParseTemplate(b)
	if err != nil {
		return nil, &InputError{err.Error()}
	}
	return t, nil
}

// NotFoundError answers 404.
type NotFoundError struct{ Msg string }

func (e *NotFoundError) Error() string { return e.Msg }

// InputError answers 400.
type InputError struct{ Msg string }

func (e *InputError) Error() string { return e.Msg }

// Create validates values against the template's parameters and queues a task, run as
// the caller in ctx.
func (s *Scaffolder) Create(ctx context.Context, templateRef string, values map[string]any, secrets map[string]string) (string, error) {
	if err := s.allowed(ctx, permission.ScaffolderTaskCreate); err != nil {
		return "", err
	}
	t, err := s.TemplateByRef(ctx, templateRef)
	if err != nil {
		return "", err
	}
	if err := t.ValidateValues(values); err != nil {
		return "", err
	}
	targetRef, err := s.checkTarget(ctx, t, values)
	if err != nil {
		return "", err
	}
	caller := identity.From(ctx)
	user := User{Ref: caller.UserEntityRef}
	if caller.IsUser() && s.catalog != nil {
		if e, err := s.catalog.Entity(ctx, caller.UserEntityRef); err == nil && e != nil {
			user.Entity = e
		}
	}
	raw, _ := json.Marshal(t.Raw)
	r := &record{Task: Task{ID: newID(), Status: StatusOpen, CreatedAt: time.Now().UTC(), CreatedBy: caller.UserEntityRef, TargetRef: targetRef,
		Spec: TaskSpec{APIVersion: t.APIVersion, Steps: t.Spec.Steps, Output: t.Spec.Output, Parameters: values, User: user,
			TemplateInfo: TaskTemplateInfo{EntityRef: t.Ref(), BaseURL: baseURL(t), Entity: map[string]any{"metadata": t.Raw["metadata"]}}}},
		Principal: caller, HasSecrets: len(secrets) > 0, Template: raw}
	if targetRef != "" {
		// The entity's tasks are listed through this key (its entity page) without
		// reading every task; it is written first, so a task never lacks it.
		if err := s.store.Put(targetKey(targetRef, r.ID), []byte(r.ID)); err != nil {
			return "", fmt.Errorf("scaffolder: save task %s: %w", r.ID, err)
		}
	}
	if len(secrets) > 0 {
		r.Replica = s.id // the replica that holds the secrets runs the task
		s.mu.Lock()
		s.secrets[r.ID] = secrets
		s.mu.Unlock()
	}
	if err := s.save(r); err != nil {
		s.mu.Lock()
		delete(s.secrets, r.ID)
		s.mu.Unlock()
		return "", err
	}
	if err := s.store.Put(activePrefix+r.ID, []byte{}); err != nil {
		s.log.Error("scaffolder: mark task active", "task", r.ID, "err", err)
	}
	s.enqueue(r.ID)
	return r.ID, nil
}

// baseURL is the directory of the template's location (its managed-by-location
// annotation), which relative fetch URLs resolve against.
func baseURL(t *Template) string {
	loc := t.Metadata.Annotations["backstage.io/managed-by-location"]
	if loc == "" {
		loc = t.Metadata.Annotations["backstage.io/managed-by-origin-location"]
	}
	typ, target, ok := strings.Cut(loc, ":")
	if !ok {
		return ""
	}
	switch typ {
	case "file":
		return "file://" + filepath.ToSlash(filepath.Dir(target)) + "/"
	case "url":
		u, err := url.Parse(target)
		if err != nil {
			return ""
		}
		return u.ResolveReference(&url.URL{Path: "./"}).String()
	}
	return ""
}

func (s *Scaffolder) sourceFor(base string) *source {
	src := &source{urls: s.urls, lim: s.cfg.Limits}
	if strings.HasPrefix(base, "file://") {
		src.dir = strings.TrimPrefix(base, "file://")
	} else if u, err := url.Parse(base); err == nil && u.Scheme != "" {
		src.base = u
	}
	return src
}

func (s *Scaffolder) save(r *record) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	if err := s.store.Put("task/"+r.ID, b); err != nil {
		return fmt.Errorf("scaffolder: save task %s: %w", r.ID, err)
	}
	s.notify(r.ID)
	return nil
}

func (s *Scaffolder) load(id string) (*record, error) {
	b, ok, err := s.store.Get("task/" + id)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, &NotFoundError{fmt.Sprintf("Task with id %s does not exist", id)}
	}
	var r record
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("scaffolder: task %s: %w", id, err)
	}
	return &r, nil
}

func (s *Scaffolder) list() ([]*record, error) {
	m, err := s.store.List("task/")
	if err != nil {
		return nil, err
	}
	out := make([]*record, 0, len(m))
	for _, b := range m {
		var r record
		if json.Unmarshal(b, &r) == nil {
			out = append(out, &r)
		}
	}
	return out, nil
}

// MayRead reports (as an error) whether the caller in ctx may read tasks.
func (s *Scaffolder) MayRead(ctx context.Context) error {
	return s.allowed(ctx, permission.ScaffolderTaskRead)
}

// Get returns a task.
func (s *Scaffolder) Get(id string) (*Task, error) {
	s.ending.RLock()
	defer s.ending.RUnlock()
	r, err := s.load(id)
	if err != nil {
		return nil, err
	}
	return &r.Task, nil
}

// ListOptions filter GET /v2/tasks.
type ListOptions struct {
	CreatedBy []string
	Status    []string
	Limit     int
	Offset    int
	Order     string // field
	Desc      bool
	// TargetRef keeps the tasks that acted on this entity (day-2 actions).
	TargetRef string
}

// List returns the tasks that match, and how many match in all.
func (s *Scaffolder) List(o ListOptions) ([]Task, int, error) {
	var recs []*record
	var err error
	if o.TargetRef != "" {
		recs, err = s.listTarget(o.TargetRef)
	} else {
		recs, err = s.list()
	}
	if err != nil {
		return nil, 0, err
	}
	var out []Task
	for _, r := range recs {
		if len(o.CreatedBy) > 0 && !contains(o.CreatedBy, r.CreatedBy) {
			continue
		}
		if len(o.Status) > 0 && !contains(o.Status, r.Status) {
			continue
		}
		if o.TargetRef != "" && refKey(o.TargetRef) != refKey(r.TargetRef) {
			continue
		}
		out = append(out, r.Task)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		var less bool
		switch o.Order {
		case "status":
			less = a.Status < b.Status
		case "createdBy":
			less = a.CreatedBy < b.CreatedBy
		case "id":
			less = a.ID < b.ID
		default:
			less = a.CreatedAt.Before(b.CreatedAt)
		}
		if o.Desc {
			return !less
		}
		return less
	})
	total := len(out)
	if o.Offset > 0 {
		if o.Offset > len(out) {
			o.Offset = len(out)
		}
		out = out[o.Offset:]
	}
	if o.Limit > 0 && o.Limit < len(out) {
		out = out[:o.Limit]
	}
	if out == nil {
		out = []Task{}
	}
	return out, total, nil
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// Events returns the task's events with id > after.
func (s *Scaffolder) Events(id string, after int64) ([]Event, error) {
	s.ending.RLock()
	defer s.ending.RUnlock()
	if _, err := s.load(id); err != nil {
		return nil, err
	}
	m, err := s.store.List("event/" + id + "/")
	if err != nil {
		return nil, err
	}
	out := []Event{}
	for _, b := range m {
		var e Event
		if json.Unmarshal(b, &e) == nil && e.ID > after {
			out = append(out, e)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// Wait returns a channel closed at the task's next change.
func (s *Scaffolder) Wait(id string) <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, ok := s.waiters[id]
	if !ok {
		ch = make(chan struct{})
		s.waiters[id] = ch
		if s.replicas != nil {
			// Another replica may run the task: look again after a poll.
			time.AfterFunc(s.poll, func() { s.notify(id) })
		}
	}
	return ch
}

func (s *Scaffolder) notify(id string) {
	s.mu.Lock()
	if ch, ok := s.waiters[id]; ok {
		close(ch)
		delete(s.waiters, id)
	}
	s.mu.Unlock()
}

func (s *Scaffolder) event(taskID, typ string, body EventBody) {
	s.mu.Lock()
	// Ids grow with the clock as well as here, so that replicas writing events of one
	// task (a cancel, a retry, a recovery) neither reuse an id nor go back in time.
	now := time.Now().UTC()
	s.seq = max(s.seq+1, now.UnixMicro())
	e := Event{ID: s.seq, TaskID: taskID, Body: body, Type: typ, CreatedAt: now}
	s.mu.Unlock()
	b, _ := json.Marshal(e)
	if err := s.store.Put("event/"+taskID+"/"+fmt.Sprintf("%020d", e.ID), b); err != nil {
		s.log.Error("scaffolder: store event", "task", taskID, "err", err)
	}
	s.notify(taskID)
}

// Cancel cancels a task for the caller in ctx: a queued one does not run, a running
// one's step is stopped.
func (s *Scaffolder) Cancel(ctx context.Context, id string) error {
	if err := s.allowed(ctx, permission.ScaffolderTaskCancel); err != nil {
		return err
	}
	s.claim.Lock()
	defer s.claim.Unlock()
	r, err := s.load(id)
	if err != nil {
		return err
	}
	s.mu.Lock()
	cancel, running := s.running[id]
	s.mu.Unlock()
	if running {
		s.event(id, "cancelled", EventBody{Message: "Step cancelled"})
		cancel()
		return nil
	}
	if r.Status == StatusOpen && s.finish(r, StatusCancelled, nil, nil) {
		return nil
	}
	// Running on another replica (or claimed by one since it was read): ask it to
	// stop; it sees the request at its next heartbeat.
	asked, err := s.store.Update("task/"+id, func(v []byte, ok bool) ([]byte, bool) {
		var cur record
		if !ok || json.Unmarshal(v, &cur) != nil || cur.Status != StatusProcessing || cur.CancelRequested {
			return nil, false
		}
		cur.CancelRequested = true
		b, _ := json.Marshal(&cur)
		return b, true
	})
	if err != nil {
		return err
	}
	if asked {
		s.event(id, "cancelled", EventBody{Message: "Step cancelled"})
	}
	return nil
}

// Retry runs a failed or cancelled task again from its first step, as the caller in ctx
// (who needs scaffolder.task.create), with secrets given again (they were never
// stored). Its events stay; a "recovered" event marks the new run.
func (s *Scaffolder) Retry(ctx context.Context, id string, secrets map[string]string) error {
	if err := s.allowed(ctx, permission.ScaffolderTaskCreate); err != nil {
		return err
	}
	s.ending.Lock()
	r, err := s.load(id)
	if err != nil {
		s.ending.Unlock()
		return err
	}
	if r.Status != StatusFailed && r.Status != StatusCancelled {
		s.ending.Unlock()
		return &InputError{fmt.Sprintf("Task %s is %s; only a failed or cancelled task can be retried", id, r.Status)}
	}
	from := r.Status
	if len(secrets) > 0 {
		s.mu.Lock()
		s.secrets[id] = secrets
		s.mu.Unlock()
	}
	wrote, err := s.store.Update("task/"+id, func(v []byte, ok bool) ([]byte, bool) {
		var cur record
		if !ok || json.Unmarshal(v, &cur) != nil || cur.Status != from {
			return nil, false
		}
		cur.Status, cur.HasSecrets, cur.LastHeartbeatAt, cur.Replica, cur.CancelRequested = StatusOpen, len(secrets) > 0, nil, "", false
		if len(secrets) > 0 {
			cur.Replica = s.id
		}
		b, _ := json.Marshal(&cur)
		return b, true
	})
	s.ending.Unlock()
	if err == nil && !wrote {
		err = &InputError{fmt.Sprintf("Task %s changed while it was retried; try again", id)}
	}
	if err != nil {
		s.mu.Lock()
		delete(s.secrets, id)
		s.mu.Unlock()
		return err
	}
	s.notify(id)
	if err := s.store.Put(activePrefix+id, []byte{}); err != nil {
		s.log.Error("scaffolder: mark task active", "task", id, "err", err)
	}
	s.event(id, "recovered", EventBody{Message: "Task retried by " + identity.From(ctx).Name()})
	s.enqueue(id)
	return nil
}

// finish records a task's end and its completion event, if the task is still as r
// has it: in r's status and, running, on r's replica. It reports whether it did; a
// task another replica ended or took over meanwhile is left as that replica has it.
func (s *Scaffolder) finish(r *record, status string, output map[string]any, err error) bool {
	from, replica := r.Status, r.Replica
	body := EventBody{Message: "Run completed with status: " + status, Status: status}
	if err != nil {
		body.Error = &ErrorInfo{Name: "Error", Message: err.Error()}
	}
	if status == StatusCompleted {
		body.Output = output
	}
	s.mu.Lock()
	delete(s.secrets, r.ID)
	s.mu.Unlock()
	s.ending.Lock()
	defer s.ending.Unlock()
	wrote, e := s.store.Update("task/"+r.ID, func(v []byte, ok bool) ([]byte, bool) {
		var cur record
		if !ok || json.Unmarshal(v, &cur) != nil || cur.Status != from || from == StatusProcessing && cur.Replica != replica {
			return nil, false
		}
		cur.Status, cur.HasSecrets, cur.CancelRequested = status, false, false
		b, _ := json.Marshal(&cur)
		return b, true
	})
	if e != nil {
		s.log.Error("scaffolder: save task", "task", r.ID, "err", e)
		return false
	}
	if !wrote {
		return false
	}
	r.Status, r.HasSecrets = status, false
	s.event(r.ID, "completion", body)
	if e := s.store.Delete(activePrefix + r.ID); e != nil {
		s.log.Error("scaffolder: unmark task", "task", r.ID, "err", e)
	}
	return true
}

// runTask claims a queued task and runs it.
func (s *Scaffolder) runTask(parent context.Context, id string) {
	ctx, cancel := context.WithTimeout(parent, time.Duration(s.cfg.TaskTimeout))
	defer cancel()
	// The claim (open -> processing) and a cancel of an open task exclude each other:
	// here through claim, across replicas through the store.
	s.claim.Lock()
	r, err := s.claimTask(id)
	if err != nil || r == nil {
		s.claim.Unlock()
		if err != nil {
			s.log.Error("scaffolder: claim task", "task", id, "err", err)
		}
		return
	}
	s.notify(id)
	if s.replicas != nil {
		beat := make(chan struct{})
		defer close(beat)
		go s.heartbeat(id, beat, cancel)
	}
	s.mu.Lock()
	s.running[id] = cancel
	secrets := s.secrets[id]
	s.mu.Unlock()
	s.claim.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.running, id)
		s.mu.Unlock()
	}()
	ctx = identity.With(ctx, r.Principal)
	t, err := ParseTemplate(r.Template)
	if err != nil {
		s.finish(r, StatusFailed, nil, err)
		return
	}
	dir := filepath.Join(s.workDir, "scaffolder-"+id)
	ws, err := openWorkspace(dir)
	if err != nil {
		s.finish(r, StatusFailed, nil, fmt.Errorf("workspace: %w", err))
		return
	}
	defer func() { ws.Close(); os.RemoveAll(dir) }()
	rn := &run{taskID: id, tpl: t, values: r.Spec.Parameters, secrets: secrets, user: r.Spec.User, ws: ws,
		src: s.sourceFor(r.Spec.TemplateInfo.BaseURL), engine: s.engine, actions: s.actions, cfg: &s.cfg, catalog: s.catalog, github: s.github, decide: s.decide,
		baseURL: r.Spec.TemplateInfo.BaseURL, stepState: map[string]string{},
		log: func(b EventBody) { s.event(id, "log", b) }}
	out, err := rn.execute(ctx)
	switch {
	case err != nil && parent.Err() != nil:
		s.finish(r, StatusFailed, nil, errors.New("the host stopped while the task ran; run it again"))
	case err != nil && errors.Is(ctx.Err(), context.Canceled):
		s.finish(r, StatusCancelled, nil, nil)
	case err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded):
		s.finish(r, StatusFailed, nil, fmt.Errorf("This task was marked as stale as it exceeded its timeout (scaffolder.taskTimeout %s)", time.Duration(s.cfg.TaskTimeout)))
	case err != nil:
		s.finish(r, StatusFailed, nil, errors.New(rn.mask(err.Error())))
	default:
		s.finish(r, StatusCompleted, rn.maskValue(out), nil)
	}
}

// DryRunFile is one file of a dry-run, in and out.
type DryRunFile struct {
	Path          string `json:"path"`
	Executable    bool   `json:"executable"`
	Base64Content string `json:"base64Content"`
}

// DryRunResult is POST /v2/dry-run's body.
type DryRunResult struct {
	Log               []map[string]any `json:"log"`
	DirectoryContents []DryRunFile     `json:"directoryContents"`
	Output            map[string]any   `json:"output"`
	Steps             []map[string]any `json:"steps"`
}

// DryRun runs tpl against files (the template's directory) with no effect outside a
// temporary workspace: actions with effects elsewhere are skipped.
func (s *Scaffolder) DryRun(ctx context.Context, tpl *Template, values map[string]any, secrets map[string]string, files map[string][]byte) (*DryRunResult, error) {
	if err := s.allowed(ctx, permission.ScaffolderTaskCreate); err != nil {
		return nil, err
	}
	if err := tpl.ValidateValues(values); err != nil {
		return nil, err
	}
	if _, err := s.checkTarget(ctx, tpl, values); err != nil {
		return nil, err
	}
	// The template's files stay in memory; only the workspace is a directory.
	mem := make(map[string][]byte, len(files))
	for p, b := range files {
		rel, err := safeRel(p)
		if err != nil || rel == "." {
			return nil, &InputError{fmt.Sprintf("directoryContents %s: %v", p, err)}
		}
		mem[rel] = b
	}
	wdir, err := os.MkdirTemp(s.workDir, "scaffolder-dry-run-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(wdir)
	ws, err := openWorkspace(wdir)
	if err != nil {
		return nil, err
	}
	defer ws.Close()
	res := &DryRunResult{Log: []map[string]any{}, DirectoryContents: []DryRunFile{}}
	tpl.Metadata.Name, tpl.Metadata.Namespace = "dry-run", "default"
	rn := &run{taskID: "dry-run", tpl: tpl, values: values, secrets: secrets, user: User{Ref: identity.From(ctx).UserEntityRef}, ws: ws,
		src: &source{mem: mem, lim: s.cfg.Limits, urls: s.urls}, engine: s.engine, actions: s.actions, cfg: &s.cfg, catalog: s.catalog, dryRun: true, decide: s.decide,
		baseURL: "file:///dry-run/", stepState: map[string]string{},
		log: func(b EventBody) {
			m := map[string]any{"body": b}
			res.Log = append(res.Log, m)
		}}
	out, err := rn.execute(ctx)
	for _, st := range tpl.Spec.Steps {
		res.Steps = append(res.Steps, map[string]any{"id": st.ID, "name": st.Name, "action": st.Action, "status": rn.stepState[st.ID]})
	}
	if err != nil {
		res.Log = append(res.Log, map[string]any{"body": EventBody{Message: "Run completed with status: failed", Status: StatusFailed, Error: &ErrorInfo{Name: "Error", Message: rn.mask(err.Error())}}})
		res.Output = map[string]any{}
	} else {
		res.Output = rn.maskValue(out)
	}
	produced, err := ws.files(".")
	if err != nil {
		return nil, err
	}
	for _, f := range produced {
		res.DirectoryContents = append(res.DirectoryContents, DryRunFile{Path: f.Path, Executable: f.Executable, Base64Content: b64(f.Content)})
	}
	return res, nil
}

func atoi(s string, def int) int {
	if n, err := strconv.Atoi(s); err == nil {
		return n
	}
	return def
}

// Templates returns the Template entities the caller in ctx may read (entities of
// another apiVersion are left out).
func (s *Scaffolder) Templates(ctx context.Context) ([]*Template, error) {
	if s.catalog == nil {
		return nil, nil
	}
	items, err := s.catalog.Templates(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]*Template, 0, len(items))
	for _, b := range items {
		if t, err := ParseTemplate(b); err == nil {
			out = append(out, t)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Ref() < out[j].Ref() })
	return out, nil
}
