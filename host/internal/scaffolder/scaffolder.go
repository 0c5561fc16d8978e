// Package scaffolder runs Backstage's software templates: Template entities
// (scaffolder.backstage.io/v1beta3) from the catalog, their parameters checked against
// their JSON Schemas, their steps run one after the other in a workspace of their own,
// with the templating of package nunjucks, and the built-in actions with Backstage's
// ids, inputs and outputs. Tasks are kept in the store with their events; a pool of
// scaffolder.concurrentTasksLimit workers runs them as the signed-in user who created
// them; a task cut short by a crash is marked failed at the next start. The REST API of
// Backstage's scaffolder-backend (/api/scaffolder/v2/...) is Handler. A template with
// Greenroom's spec.targets is a day-2 action on an existing entity, which its tasks
// record (targets.go).
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
		queue: make(chan string, 1<<16),
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
	var open []*record
	for _, r := range recs {
		switch {
		case r.Status == StatusProcessing:
			s.finish(r, StatusFailed, nil, errors.New("the task was cut short by a restart of the host; run it again"))
		case r.Status == StatusOpen && r.HasSecrets:
			s.finish(r, StatusFailed, nil, errors.New("the task's secrets were lost in a restart of the host (secrets are never stored); run it again"))
		case r.Status == StatusOpen:
			open = append(open, r)
		}
	}
	sort.Slice(open, func(i, j int) bool { return open[i].CreatedAt.Before(open[j].CreatedAt) })
	for _, r := range open {
		s.queue <- r.ID
	}
	return nil
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
					s.runTask(ctx, id)
				}
			}
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
	if err := s.save(r); err != nil {
		return "", err
	}
	if len(secrets) > 0 {
		s.mu.Lock()
		s.secrets[r.ID] = secrets
		s.mu.Unlock()
	}
	s.queue <- r.ID
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
	s.seq++
	e := Event{ID: s.seq, TaskID: taskID, Body: body, Type: typ, CreatedAt: time.Now().UTC()}
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
	if r.Status == StatusOpen {
		s.finish(r, StatusCancelled, nil, nil)
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
	r.Status, r.HasSecrets, r.LastHeartbeatAt = StatusOpen, len(secrets) > 0, nil
	err = s.save(r)
	s.ending.Unlock()
	if err != nil {
		return err
	}
	if len(secrets) > 0 {
		s.mu.Lock()
		s.secrets[id] = secrets
		s.mu.Unlock()
	}
	s.event(id, "recovered", EventBody{Message: "Task retried by " + identity.From(ctx).Name()})
	s.queue <- id
	return nil
}

// finish records a task's end and its completion event.
func (s *Scaffolder) finish(r *record, status string, output map[string]any, err error) {
	r.Status = status
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
	r.HasSecrets = false
	s.ending.Lock()
	s.event(r.ID, "completion", body)
	if e := s.save(r); e != nil {
		s.log.Error("scaffolder: save task", "task", r.ID, "err", e)
	}
	s.ending.Unlock()
}

// runTask claims a queued task and runs it.
func (s *Scaffolder) runTask(parent context.Context, id string) {
	ctx, cancel := context.WithTimeout(parent, time.Duration(s.cfg.TaskTimeout))
	defer cancel()
	// The claim (open -> processing) and a cancel of an open task exclude each other.
	s.claim.Lock()
	r, err := s.load(id)
	if err != nil || r.Status != StatusOpen {
		s.claim.Unlock()
		return
	}
	now := time.Now().UTC()
	r.Status, r.LastHeartbeatAt = StatusProcessing, &now
	if err := s.save(r); err != nil {
		s.claim.Unlock()
		s.log.Error("scaffolder: claim task", "task", id, "err", err)
		return
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
