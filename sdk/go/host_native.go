//go:build !wasip1

package greenroom

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
)

// TestHost stands in for the Greenroom host when the package runs outside WebAssembly,
// so that a plugin's handlers can be tested with go test on the development machine. It
// exists only in non-wasip1 builds. Set its fields before UseTestHost; it is safe for
// concurrent use afterwards.
type TestHost struct {
	// Config is the plugin's config object, as the host would pass it after applying the
	// manifest's defaults. Nil means "{}".
	Config map[string]any
	// LogLevel is the lowest level that is logged; the zero value logs everything.
	LogLevel Level
	// Call, when set, answers the host functions other than kv_*: it gets the function's
	// name ("catalog_get", "proxy_fetch", ...) and its JSON request, and returns the JSON
	// result envelope. When Call is nil, those functions answer capability_denied.
	Call func(fn string, req []byte) []byte
	// DenyKV makes the kv_* functions answer capability_denied, as they do for a plugin
	// without the kv grant.
	DenyKV bool
	// DenyFiles makes the files_* functions answer capability_denied, as they do for a
	// plugin without the files grant.
	DenyFiles bool

	mu     sync.Mutex
	kv     map[string][]byte
	files  map[string][]byte
	logs   []string
	output []byte
	errOut []byte
	in     []byte
}

var current backend = &TestHost{}

// UseTestHost makes h the host for this package and returns a function that restores the
// previous one. Typical use: defer greenroom.UseTestHost(&greenroom.TestHost{...})().
func UseTestHost(h *TestHost) (restore func()) {
	prev := current
	current = h
	return func() { current = prev }
}

// Logs returns the messages logged so far, each as "LEVEL message".
func (h *TestHost) Logs() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.logs...)
}

// KV returns a copy of the key-value store's contents.
func (h *TestHost) KV() map[string][]byte {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make(map[string][]byte, len(h.kv))
	for k, v := range h.kv {
		out[k] = append([]byte(nil), v...)
	}
	return out
}

// CallHTTP runs the plugin's gr_http export on the request message in, as the host
// would, and returns the export's result code and its output or error message.
func (h *TestHost) CallHTTP(in []byte) (rc int32, out []byte) {
	return h.callExport(in, func() int32 {
		o, err := serveMessage(h.input(), nil)
		return finish(o, err)
	})
}

// CallTask runs the plugin's gr_task export on the task message in, as the host would.
func (h *TestHost) CallTask(in []byte) (rc int32, out []byte) {
	return h.callExport(in, func() int32 { return finish(nil, taskMessage(h.input())) })
}

func (h *TestHost) callExport(in []byte, export func() int32) (int32, []byte) {
	defer UseTestHost(h)()
	h.mu.Lock()
	h.in, h.output, h.errOut = append([]byte(nil), in...), nil, nil // the request may share it
	h.mu.Unlock()
	rc := export()
	h.mu.Lock()
	defer h.mu.Unlock()
	if rc != 0 {
		return rc, h.errOut
	}
	return rc, h.output
}

func (h *TestHost) input() []byte {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.in
}

func (h *TestHost) setOutput(b []byte) {
	h.mu.Lock()
	h.output = append([]byte(nil), b...)
	h.mu.Unlock()
}

func (h *TestHost) setError(b []byte) {
	h.mu.Lock()
	h.errOut = append([]byte(nil), b...)
	h.mu.Unlock()
}

func (h *TestHost) config(key string) ([]byte, bool) {
	cfg := h.Config
	if cfg == nil {
		cfg = map[string]any{}
	}
	if key == ConfigKeyAll {
		b, err := json.Marshal(cfg)
		if err != nil {
			panic(fmt.Sprintf("greenroom: TestHost.Config does not encode as JSON: %v", err))
		}
		return b, true
	}
	v, ok := cfg[key]
	if !ok {
		return nil, false
	}
	if s, ok := v.(string); ok {
		return []byte(s), true
	}
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("greenroom: TestHost.Config[%q] does not encode as JSON: %v", key, err))
	}
	return b, true
}

func (h *TestHost) log(level Level, msg string) {
	h.mu.Lock()
	h.logs = append(h.logs, level.String()+" "+msg)
	h.mu.Unlock()
}

func (h *TestHost) logLevel() Level { return h.LogLevel }

// block: the test host has no arena, so files travel as base64.
func (h *TestHost) block([]byte) uint64 { return 0 }

func (h *TestHost) free(uint64) {}

func (h *TestHost) invoke(fn *hostFn, req []byte) []byte {
	if strings.HasPrefix(fn.name, "kv_") {
		if h.DenyKV {
			return denied(fn.name, CapKV)
		}
		return h.kvCall(fn.name, req)
	}
	if strings.HasPrefix(fn.name, "files_") {
		if h.DenyFiles {
			return denied(fn.name, CapFiles)
		}
		return h.filesCall(fn.name, req)
	}
	if h.Call == nil {
		return denied(fn.name, "its capability")
	}
	return h.Call(fn.name, req)
}

func denied(fn, capability string) []byte {
	b, _ := json.Marshal(envelope{Error: Errorf(CodeCapabilityDenied, "%s: the test host grants no %s", fn, capability)})
	return b
}

func result(v any) []byte {
	r, _ := json.Marshal(v)
	b, _ := json.Marshal(envelope{Result: r})
	return b
}

func failure(code Code, format string, args ...any) []byte {
	b, _ := json.Marshal(envelope{Error: Errorf(code, format, args...)})
	return b
}

// kvCall implements kv_* over an in-memory map with the host's key rules.
func (h *TestHost) kvCall(fn string, req []byte) []byte {
	var r struct {
		Key    string  `json:"key"`
		Value  *[]byte `json:"value"`
		Prefix string  `json:"prefix"`
		Limit  int     `json:"limit"`
	}
	if err := json.Unmarshal(req, &r); err != nil {
		return failure(CodeInvalidArgument, "%s: %v", fn, err)
	}
	if fn != "kv_list" && (len(r.Key) == 0 || len(r.Key) > 512) {
		return failure(CodeInvalidArgument, "%s: key must be 1-512 bytes, got %d", fn, len(r.Key))
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.kv == nil {
		h.kv = map[string][]byte{}
	}
	switch fn {
	case "kv_get":
		v, ok := h.kv[r.Key]
		if !ok {
			return []byte(`{"result":{"value":null}}`)
		}
		return result(kvGetResult{Value: v})
	case "kv_put":
		if r.Value == nil {
			return failure(CodeInvalidArgument, "kv_put: value is required")
		}
		h.kv[r.Key] = append([]byte{}, (*r.Value)...)
		return []byte(`{"result":{}}`)
	case "kv_delete":
		delete(h.kv, r.Key)
		return []byte(`{"result":{}}`)
	case "kv_list":
		keys := []string{}
		for k := range h.kv {
			if strings.HasPrefix(k, r.Prefix) {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		if r.Limit > 0 && len(keys) > r.Limit {
			keys = keys[:r.Limit]
		}
		return result(kvListResult{Keys: keys})
	}
	return failure(CodeNotFound, "no host function %s", fn)
}

// Files returns a copy of the plugin's files.
func (h *TestHost) Files() map[string][]byte {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make(map[string][]byte, len(h.files))
	for k, v := range h.files {
		out[k] = append([]byte(nil), v...)
	}
	return out
}

// filesCall implements files_* over an in-memory map, with no quota.
func (h *TestHost) filesCall(fn string, req []byte) []byte {
	var r struct {
		Path    string     `json:"path"`
		Prefix  string     `json:"prefix"`
		Limit   int        `json:"limit"`
		Files   []fileWire `json:"files"`
		Replace string     `json:"replace"`
	}
	if err := json.Unmarshal(req, &r); err != nil {
		return failure(CodeInvalidArgument, "%s: %v", fn, err)
	}
	badPath := func(p string) bool {
		if p == "" || strings.HasPrefix(p, "/") || strings.Contains(p, "\\") {
			return true
		}
		for _, s := range strings.Split(p, "/") {
			if s == "" || s == "." || s == ".." {
				return true
			}
		}
		return false
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.files == nil {
		h.files = map[string][]byte{}
	}
	switch fn {
	case "files_read":
		if badPath(r.Path) {
			return failure(CodeInvalidArgument, "files_read: bad path %q", r.Path)
		}
		v, ok := h.files[r.Path]
		if !ok {
			return []byte(`{"result":{"content":null}}`)
		}
		return result(filesReadResult{Content: v})
	case "files_write":
		for _, f := range r.Files {
			if badPath(f.Path) {
				return failure(CodeInvalidArgument, "files_write: bad path %q", f.Path)
			}
			if f.Block != 0 {
				// The SDK names blocks only where there is an arena (block returns 0 here).
				return failure(CodeInvalidArgument, "files_write: %s: block %d, but the test host has no arena", f.Path, f.Block)
			}
		}
		removed := 0
		if d := strings.TrimSuffix(r.Replace, "/"); d != "" {
			for k := range h.files {
				if strings.HasPrefix(k, d+"/") {
					delete(h.files, k)
					removed++
				}
			}
		}
		for _, f := range r.Files {
			h.files[f.Path] = append([]byte{}, f.Content...)
		}
		return result(FilesWriteResult{Written: len(r.Files), Removed: removed})
	case "files_list":
		out := []FileInfo{}
		for k, v := range h.files {
			if strings.HasPrefix(k, r.Prefix) {
				out = append(out, FileInfo{Path: k, Size: int64(len(v))})
			}
		}
		sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
		if r.Limit > 0 && len(out) > r.Limit {
			out = out[:r.Limit]
		}
		return result(filesListResult{Files: out})
	case "files_delete":
		if badPath(r.Path) {
			return failure(CodeInvalidArgument, "files_delete: bad path %q", r.Path)
		}
		n := 0
		for k := range h.files {
			if k == r.Path || strings.HasPrefix(k, r.Path+"/") {
				delete(h.files, k)
				n++
			}
		}
		return result(filesDeleteResult{Removed: n})
	}
	return failure(CodeNotFound, "no host function %s", fn)
}

// The imports exist only inside WebAssembly; TestHost.invoke dispatches by name instead.

func importKVGet(uint64) uint64         { panic("greenroom: host import called outside WebAssembly") }
func importKVPut(uint64) uint64         { panic("greenroom: host import called outside WebAssembly") }
func importKVDelete(uint64) uint64      { panic("greenroom: host import called outside WebAssembly") }
func importKVList(uint64) uint64        { panic("greenroom: host import called outside WebAssembly") }
func importCatalogGet(uint64) uint64    { panic("greenroom: host import called outside WebAssembly") }
func importCatalogQuery(uint64) uint64  { panic("greenroom: host import called outside WebAssembly") }
func importCatalogFacets(uint64) uint64 { panic("greenroom: host import called outside WebAssembly") }
func importCatalogApply(uint64) uint64  { panic("greenroom: host import called outside WebAssembly") }
func importURLRead(uint64) uint64       { panic("greenroom: host import called outside WebAssembly") }
func importURLReadTree(uint64) uint64   { panic("greenroom: host import called outside WebAssembly") }
func importURLSearch(uint64) uint64     { panic("greenroom: host import called outside WebAssembly") }
func importProxyFetch(uint64) uint64    { panic("greenroom: host import called outside WebAssembly") }
func importPermissionAuthorize(uint64) uint64 {
	panic("greenroom: host import called outside WebAssembly")
}
func importFilesRead(uint64) uint64      { panic("greenroom: host import called outside WebAssembly") }
func importFilesWrite(uint64) uint64     { panic("greenroom: host import called outside WebAssembly") }
func importFilesList(uint64) uint64      { panic("greenroom: host import called outside WebAssembly") }
func importFilesDelete(uint64) uint64    { panic("greenroom: host import called outside WebAssembly") }
func importWorkspaceRead(uint64) uint64  { panic("greenroom: host import called outside WebAssembly") }
func importWorkspaceWrite(uint64) uint64 { panic("greenroom: host import called outside WebAssembly") }
func importWorkspaceList(uint64) uint64  { panic("greenroom: host import called outside WebAssembly") }
func importSearchReplace(uint64) uint64  { panic("greenroom: host import called outside WebAssembly") }
func importFactsPublish(uint64) uint64   { panic("greenroom: host import called outside WebAssembly") }
