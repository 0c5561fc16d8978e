package audit

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"greenroom.dev/greenroom/abi"
)

// HostFunc is a capability host function: runtime.HostFunc's type, spelled out so that
// this package does not depend on the runtime. Values of either type assign to the other.
type HostFunc = func(ctx context.Context, req []byte) ([]byte, error)

// Limits on what an entry keeps of a target and an error message.
const (
	MaxTarget = 1024
	MaxError  = 512
)

// Wrap records every call of f, a greenroom:host/v1 function of the plugin, in log: the
// capability from abi.HostFunctions, the target read from the request (Target), the
// outcome and the duration. Wrap the function the plugin is linked to, including the
// capability_denied stubs of optional capabilities, so that denials are recorded too.
// With a nil log, or for a function that needs no capability, f is returned as is.
func Wrap(log *Log, plugin, fn string, f HostFunc) HostFunc {
	capName := abi.HostFunctions[fn]
	if log == nil || capName == abi.Always {
		return f
	}
	return WrapWith(log, plugin, capName, fn, func(req []byte) string { return Target(fn, req) }, f)
}

// WrapWith is Wrap with the capability and the target reader given.
func WrapWith(log *Log, plugin, capability, fn string, target func(req []byte) string, f HostFunc) HostFunc {
	if log == nil {
		return f
	}
	return func(ctx context.Context, req []byte) ([]byte, error) {
		start := time.Now()
		res, err := f(ctx, req)
		e := Entry{
			Time:       start,
			Plugin:     plugin,
			Capability: capability,
			Function:   fn,
			DurationMs: float64(time.Since(start).Microseconds()) / 1000,
		}
		if target != nil {
			e.Target = clip(target(req), MaxTarget)
		}
		e.Outcome, e.Error = Classify(err)
		log.Record(e)
		return res, err
	}
}

// Classify turns a host function's error into an outcome and an error message: nil is
// OK, an *abi.Error with code capability_denied (anywhere in the chain) is Denied, and
// anything else is Failed.
func Classify(err error) (Outcome, string) {
	if err == nil {
		return OK, ""
	}
	var ae *abi.Error
	if errors.As(err, &ae) && ae.Code == abi.CodeCapabilityDenied {
		return Denied, clip(err.Error(), MaxError)
	}
	return Failed, clip(err.Error(), MaxError)
}

// request holds the fields of every greenroom:host/v1 request that name a target.
type request struct {
	Key      string          `json:"key"`
	Prefix   *string         `json:"prefix"`
	Ref      string          `json:"ref"`
	URL      string          `json:"url"`
	Filter   json.RawMessage `json:"filter"`
	Facets   []string        `json:"facets"`
	Upsert   []entity        `json:"upsert"`
	Delete   []string        `json:"delete"`
	Endpoint string          `json:"endpoint"`
	Method   string          `json:"method"`
	Path     string          `json:"path"`
}

type entity struct {
	Kind     string `json:"kind"`
	Metadata struct {
		Name      string `json:"name"`
		Namespace string `json:"namespace"`
	} `json:"metadata"`
}

// Target reads what a greenroom:host/v1 request reaches, for the audit log:
//
//	kv_get, kv_put, kv_delete   the key
//	kv_list                     the prefix, then *
//	catalog_get                 the entity ref
//	catalog_query               filter <the filter, compact JSON>
//	catalog_facets              facets <names> filter <the filter>
//	catalog_apply               upsert <kind:namespace/name>... delete <ref>...
//	url_read, url_read_tree,
//	url_search                  the URL
//	proxy_fetch                 METHOD <endpoint><path>
//
// A request that does not decode gives "".
func Target(fn string, req []byte) string {
	var r request
	if json.Unmarshal(req, &r) != nil {
		return ""
	}
	switch fn {
	case "kv_get", "kv_put", "kv_delete":
		return r.Key
	case "kv_list":
		if r.Prefix == nil {
			return "*"
		}
		return *r.Prefix + "*"
	case "catalog_get":
		return r.Ref
	case "catalog_query":
		return "filter " + compact(r.Filter)
	case "catalog_facets":
		return "facets " + strings.Join(r.Facets, ",") + " filter " + compact(r.Filter)
	case "catalog_apply":
		var b strings.Builder
		if len(r.Upsert) > 0 {
			b.WriteString("upsert")
			for i, e := range r.Upsert {
				if i == 10 {
					b.WriteString(" +" + strconv.Itoa(len(r.Upsert)-i) + " more")
					break
				}
				ns := e.Metadata.Namespace
				if ns == "" {
					ns = "default"
				}
				b.WriteString(" " + strings.ToLower(e.Kind) + ":" + ns + "/" + e.Metadata.Name)
			}
		}
		if len(r.Delete) > 0 {
			if b.Len() > 0 {
				b.WriteString("; ")
			}
			b.WriteString("delete")
			for i, ref := range r.Delete {
				if i == 10 {
					b.WriteString(" +" + strconv.Itoa(len(r.Delete)-i) + " more")
					break
				}
				b.WriteString(" " + ref)
			}
		}
		return b.String()
	case "url_read", "url_read_tree", "url_search":
		return r.URL
	case "proxy_fetch":
		m := r.Method
		if m == "" {
			m = "GET"
		}
		return m + " " + r.Endpoint + r.Path
	}
	return ""
}

func compact(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return "[]"
	}
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return string(raw)
	}
	return b.String()
}

// clip shortens s to at most n bytes on a rune boundary, marking the cut with "…".
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := n - len("…")
	for i > 0 && s[i]&0xc0 == 0x80 {
		i--
	}
	return s[:i] + "…"
}

// RecordTask records one run of a scheduled task (capability tasks): call it when the
// gr_task call returns, with its start time and error. A run that was not allowed (the
// grant was removed) is recorded with an *abi.Error of code capability_denied.
func (l *Log) RecordTask(plugin, task string, start time.Time, err error) {
	if l == nil {
		return
	}
	outcome, msg := Classify(err)
	l.Record(Entry{
		Time:       start,
		Plugin:     plugin,
		Capability: abi.CapTasks,
		Function:   abi.ExportTask,
		Target:     task,
		Outcome:    outcome,
		Error:      msg,
		DurationMs: float64(time.Since(start).Microseconds()) / 1000,
	})
}
