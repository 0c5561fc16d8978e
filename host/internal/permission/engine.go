package permission

import (
	"os"
	"slices"
	"sync"
	"sync/atomic"

	"greenroom.dev/greenroom/host/internal/identity"
)

// Engine serves the current Policy and replaces it, atomically, when the config or the
// policy files change. A config or file that fails to load leaves the old policy serving;
// the error is returned and kept (Err) until a later load succeeds.
type Engine struct {
	cur atomic.Pointer[Policy]

	mu     sync.Mutex // serializes loads
	cfg    Config
	dir    string
	extra  []Permission
	stamps []stamp
	err    error
}

// stamp is what Poll compares to notice that a file changed.
type stamp struct {
	file    string
	modTime int64 // Unix nanoseconds
	size    int64
	missing bool
}

// NewEngine loads the policy of a config section (dir resolves relative file paths;
// extra are permissions plugins declare).
func NewEngine(cfg Config, dir string, extra ...Permission) (*Engine, error) {
	e := &Engine{}
	if err := e.Configure(cfg, dir, extra...); err != nil {
		return nil, err
	}
	return e, nil
}

// Policy returns the policy serving now.
func (e *Engine) Policy() *Policy { return e.cur.Load() }

// Decide decides with the current policy (Policy.Decide).
func (e *Engine) Decide(pr identity.Principal, perm Permission) Decision {
	return e.cur.Load().Decide(pr, perm)
}

// DecideBatch decides several permissions with the current policy.
func (e *Engine) DecideBatch(pr identity.Principal, perms []Permission) []Decision {
	return e.cur.Load().DecideBatch(pr, perms)
}

// Configure loads the policy of a new config section (on a config reload) and swaps it in.
// On error the old policy and config keep serving.
func (e *Engine) Configure(cfg Config, dir string, extra ...Permission) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	stamps := takeStamps(cfg, dir)
	p, err := Load(cfg, dir, extra...)
	if err != nil {
		e.err = err
		return err
	}
	e.cfg, e.dir, e.extra, e.stamps, e.err = cfg, dir, slices.Clone(extra), stamps, nil
	e.cur.Store(p)
	return nil
}

// Reload reads the policy files again and swaps the new policy in. On error the old
// policy keeps serving.
func (e *Engine) Reload() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.reloadLocked()
}

func (e *Engine) reloadLocked() error {
	e.stamps = takeStamps(e.cfg, e.dir)
	p, err := Load(e.cfg, e.dir, e.extra...)
	if err != nil {
		e.err = err
		return err
	}
	e.err = nil
	e.cur.Store(p)
	return nil
}

// Poll reloads the policy when permission.rbac.policyFileReload is on and a policy file
// changed (its modification time or size, or it appeared or went) since it was last
// read. The host calls it periodically (with its config file polling). reloaded reports
// whether a new policy now serves; err is a failed reload's error, reported once per
// change of the files.
func (e *Engine) Poll() (reloaded bool, err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if !e.cfg.RBAC.PolicyFileReload || slices.Equal(takeStamps(e.cfg, e.dir), e.stamps) {
		return false, nil
	}
	if err := e.reloadLocked(); err != nil {
		return false, err
	}
	return true, nil
}

// Err is the error of the last load (Configure, Reload or Poll) if it failed, while the
// previous policy serves; nil once a load succeeds.
func (e *Engine) Err() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.err
}

func takeStamps(cfg Config, dir string) []stamp {
	var out []stamp
	for _, f := range []string{cfg.RBAC.PoliciesCSVFile, cfg.RBAC.ConditionalPoliciesFile} {
		if f == "" {
			continue
		}
		f = resolve(dir, f)
		st, err := os.Stat(f)
		if err != nil {
			out = append(out, stamp{file: f, missing: true})
			continue
		}
		out = append(out, stamp{file: f, modTime: st.ModTime().UnixNano(), size: st.Size()})
	}
	return out
}
