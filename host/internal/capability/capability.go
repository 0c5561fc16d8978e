// Package capability is the host side of greenroom:host/v1: one table (Functions) that
// declares every host function once — its import name, the capability that gates it,
// how its request decodes, what the audit log records of it, and the call — and the
// linker that binds the table to the host's services for one plugin, narrowed by the
// operator's grants (catalog.write by kind and namespace, url.read by host and path globs,
// proxy by endpoint name). A narrowing refusal is a capability_denied error for that
// call; the plugin keeps running.
//
// The loader's import check, the audit log, `greenroom plugin inspect` and
// `greenroom audit` read the table; abi.HostFunctions, abi/SPEC.md's table and the SDKs'
// import lists are checked against it by tests. Adding a host function is one entry in
// Functions (with its bind function beside its capability's others) and one typed method
// on the service it calls.
package capability

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"greenroom.dev/greenroom/abi"
	"greenroom.dev/greenroom/host/internal/audit"
	"greenroom.dev/greenroom/host/internal/catalog"
	"greenroom.dev/greenroom/host/internal/config"
	"greenroom.dev/greenroom/host/internal/identity"
	"greenroom.dev/greenroom/host/internal/permission"
	"greenroom.dev/greenroom/host/internal/proxy"
	"greenroom.dev/greenroom/host/internal/requestid"
	"greenroom.dev/greenroom/host/internal/runtime"
	"greenroom.dev/greenroom/host/internal/scorecard"
	"greenroom.dev/greenroom/host/internal/search"
	"greenroom.dev/greenroom/host/internal/store"
	"greenroom.dev/greenroom/host/internal/urlreader"
)

// Services are the host parts that capabilities expose. A nil service provides no
// functions, so a plugin importing them is refused at load.
type Services struct {
	// KV backs the kv capability, one bucket per plugin.
	KV store.KVStore
	// Files backs the files capability, one tree per plugin.
	Files   store.FileStore
	Catalog *catalog.Catalog
	URLs    urlreader.Reader
	Proxy   *proxy.Proxy
	// Permissions decides, for the caller a plugin serves (identity.From of the call's
	// context), what its host calls may do on that caller's behalf, besides the plugin's
	// grants: catalog reads and writes, URL reads. Nil allows everything.
	Permissions Decider
	// Search backs search.write: the plugins' search collators.
	Search *search.Engine
	// Facts backs facts.write: the facts plugins publish for scorecards.
	Facts *scorecard.Engine
}

// Decider decides one permission for one caller: the host's permission policy.
type Decider interface {
	Decide(p identity.Principal, perm permission.Permission) permission.Decision
}

// decide asks s.Permissions for the caller of ctx; without a policy, everything is
// allowed.
func (s *Services) decide(ctx context.Context, perm permission.Permission) permission.Decision {
	if s.Permissions == nil {
		return permission.Decision{Result: permission.Allow}
	}
	return s.Permissions.Decide(identity.From(ctx), perm)
}

// deniedFor is the capability_denied error of a call the caller may not make.
func deniedFor(ctx context.Context, fn string, perm permission.Permission) error {
	return abi.Errorf(abi.CodeCapabilityDenied, "%s: %s may not %s (permission %s); the plugin acts on the caller's behalf",
		fn, identity.From(ctx).Name(), perm.Attributes.Action, perm.Name)
}

// Func is one greenroom:host/v1 function, as the table declares it.
type Func struct {
	// Name is the import name in greenroom:host/v1.
	Name string
	// Capability is the capability a grant must cover; abi.Always for the runtime's bulk
	// copies, which the runtime itself provides.
	Capability string
	// Request and Result describe the messages, for abi/SPEC.md's table.
	Request, Result string
	// link makes the function one plugin is linked to; nil for the runtime's own.
	link func(s *Services, p *config.Plugin, log *audit.Log, obs Observer, denied error) runtime.HostFunc
}

// Builtin reports whether the runtime provides the function itself (no capability).
func (f *Func) Builtin() bool { return f.link == nil }

// Call is a host function bound to one plugin: its request decoded, its result typed.
// Its errors should be *abi.Error (the capability's mapping of its service's errors);
// any other error crosses as internal.
type Call[Req, Res any] func(ctx context.Context, req *Req) (Res, error)

// Define declares a capability host function, for the table. request and result
// describe its messages as abi/SPEC.md shows them; target names what a request reaches,
// for the audit log; bind prepares the call for one plugin (its narrowing computed
// once), or returns nil when the host lacks the service. The request is decoded once,
// into Req; the result is encoded from Res (a json.RawMessage as it is).
func Define[Req, Res any](name, capability, request, result string, target func(*Req) string, bind func(s *Services, p *config.Plugin) Call[Req, Res]) Func {
	f := Func{Name: name, Capability: capability, Request: request, Result: result}
	f.link = func(s *Services, p *config.Plugin, log *audit.Log, obs Observer, denied error) runtime.HostFunc {
		var c Call[Req, Res]
		if denied == nil {
			if c = bind(s, p); c == nil {
				return nil
			}
		}
		return func(ctx context.Context, raw []byte) ([]byte, error) {
			var start time.Time
			if log != nil || obs != nil {
				start = time.Now()
			}
			var req Req
			var res Res
			var err error
			if fd, ok := any(&req).(fastDecoder); !ok || !fd.DecodeFast(raw) {
				err = json.Unmarshal(raw, &req)
			}
			decoded := err == nil
			if err != nil {
				err = abi.Errorf(abi.CodeInvalidArgument, "%s: the request is not valid JSON for this function: %v", name, err)
			} else if denied != nil {
				err = denied
			} else {
				res, err = c(ctx, &req)
			}
			var out []byte
			if err == nil {
				out, err = encode(res)
			}
			err = asABI(err)
			if log != nil || obs != nil {
				var t string
				if decoded {
					t = target(&req)
				}
				record(ctx, log, obs, p, &f, t, start, err)
			}
			if err != nil {
				return nil, err
			}
			return out, nil
		}
	}
	return f
}

// record tells the audit log and the observer (either may be nil) of one call of f for
// plugin p that began at start, reached target and ended with err (an *abi.Error).
func record(ctx context.Context, log *audit.Log, obs Observer, p *config.Plugin, f *Func, target string, start time.Time, err error) {
	if log != nil {
		log.RecordCall(audit.Entry{Time: start, Plugin: p.ID, Caller: identity.From(ctx).Name(), Capability: f.Capability,
			Function: f.Name, Target: target, RequestID: requestid.From(ctx)}, err)
	}
	if obs != nil {
		obs.ObserveHostCall(p.ID, f.Name, f.Capability, Decision(err), time.Since(start))
	}
}

// fastDecoder is a request that decodes its usual shape without encoding/json
// (abi.FilesWriteRequest): DecodeFast reports false, leaving the request as it was,
// for any message it does not take, which encoding/json then decodes.
type fastDecoder interface{ DecodeFast([]byte) bool }

// builtin declares one of the runtime's own functions (section 3.2's bulk copies).
func builtin(name string) Func {
	return Func{Name: name, Capability: abi.Always, Request: "section 3.2", Result: "section 3.2"}
}

// encode writes a result: raw JSON as it is (null when nil), anything else marshalled.
func encode(v any) ([]byte, error) {
	if raw, ok := v.(json.RawMessage); ok {
		if raw == nil {
			return []byte("null"), nil
		}
		return raw, nil
	}
	return json.Marshal(v)
}

// asABI makes every error an *abi.Error: a bind function maps its service's errors, and
// anything left over is internal (or timeout/unavailable for a context's end).
func asABI(err error) error {
	if err == nil {
		return nil
	}
	var ae *abi.Error
	if errors.As(err, &ae) {
		return ae
	}
	code := abi.CodeInternal
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		code = abi.CodeTimeout
	case errors.Is(err, context.Canceled):
		code = abi.CodeUnavailable
	}
	return &abi.Error{Code: code, Message: err.Error()}
}

// Lookup returns the entry of table for an import name.
func Lookup(table []Func, name string) (*Func, bool) {
	for i := range table {
		if table[i].Name == name {
			return &table[i], true
		}
	}
	return nil, false
}

// Host binds a function table to the host's services.
type Host struct {
	// Table is the function table: Functions, unless a test adds to it.
	Table    []Func
	Services Services
	// Audit records every call and denial; nil records nothing.
	Audit *audit.Log
	// Observer is told of every call (the host's metrics); nil observes nothing.
	Observer Observer
}

// NewHost binds Functions to the services.
func NewHost(s Services, log *audit.Log) *Host {
	return &Host{Table: Functions, Services: s, Audit: log}
}

// Lookup returns the table entry for an import name.
func (h *Host) Lookup(name string) (*Func, bool) { return Lookup(h.Table, name) }

// Link returns what a plugin's import of name is linked to: the function, narrowed by
// the plugin's grants, when granted; otherwise a stub that refuses every call with
// capability_denied (for a capability the manifest marks optional). Every call and
// every denial is recorded in the audit log. It fails for a builtin or unknown name and
// when the host has no service for a granted function.
func (h *Host) Link(p *config.Plugin, name string, granted bool) (runtime.HostFunc, error) {
	f, ok := h.Lookup(name)
	if !ok || f.Builtin() {
		return nil, fmt.Errorf("%s.%s is not a capability function of this host", abi.Namespace, name)
	}
	var denied error
	if !granted {
		denied = abi.Errorf(abi.CodeCapabilityDenied, "plugin %s: %s: capability %s is not granted", p.ID, name, f.Capability)
	}
	fn := f.link(&h.Services, p, h.Audit, h.Observer, denied)
	if fn == nil {
		return nil, fmt.Errorf("imports %s.%s (capability %s), which is granted, but this host has no service for it configured", abi.Namespace, name, f.Capability)
	}
	return fn, nil
}

// Of returns the capability that the greenroom:host/v1 import name needs (abi.Always for
// the runtime's own), and whether this host has the function at all.
func Of(name string) (capability string, known bool) {
	f, ok := Lookup(Functions, name)
	if !ok {
		return "", false
	}
	return f.Capability, true
}
