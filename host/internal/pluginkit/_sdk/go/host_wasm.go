//go:build wasip1

package greenroom

import "unsafe"

// The Extism guest ABI (SPEC.md section 2).

//go:wasmimport extism:host/env length
func extismLength(h uint64) uint64

//go:wasmimport extism:host/env free
func extismFree(h uint64)

//go:wasmimport extism:host/env input_length
func extismInputLength() uint64

//go:wasmimport extism:host/env output_set
func extismOutputSet(h, n uint64)

//go:wasmimport extism:host/env error_set
func extismErrorSet(h uint64)

//go:wasmimport extism:host/env config_get
func extismConfigGet(key uint64) uint64

//go:wasmimport extism:host/env log_trace
func extismLogTrace(msg uint64)

//go:wasmimport extism:host/env log_debug
func extismLogDebug(msg uint64)

//go:wasmimport extism:host/env log_info
func extismLogInfo(msg uint64)

//go:wasmimport extism:host/env log_warn
func extismLogWarn(msg uint64)

//go:wasmimport extism:host/env log_error
func extismLogError(msg uint64)

//go:wasmimport extism:host/env get_log_level
func extismGetLogLevel() int32

// Bulk copy (SPEC.md section 3.2).

//go:wasmimport greenroom:host/v1 mem_read
func grMemRead(h uint64, dst unsafe.Pointer, n uint32)

//go:wasmimport greenroom:host/v1 mem_write
func grMemWrite(src unsafe.Pointer, n uint32) uint64

//go:wasmimport greenroom:host/v1 input_read
func grInputRead(dst unsafe.Pointer, n uint32)

// Capability-bearing functions (SPEC.md section 3.3).

//go:wasmimport greenroom:host/v1 kv_get
func importKVGet(req uint64) uint64

//go:wasmimport greenroom:host/v1 kv_put
func importKVPut(req uint64) uint64

//go:wasmimport greenroom:host/v1 kv_delete
func importKVDelete(req uint64) uint64

//go:wasmimport greenroom:host/v1 kv_list
func importKVList(req uint64) uint64

//go:wasmimport greenroom:host/v1 catalog_get
func importCatalogGet(req uint64) uint64

//go:wasmimport greenroom:host/v1 catalog_query
func importCatalogQuery(req uint64) uint64

//go:wasmimport greenroom:host/v1 catalog_facets
func importCatalogFacets(req uint64) uint64

//go:wasmimport greenroom:host/v1 catalog_apply
func importCatalogApply(req uint64) uint64

//go:wasmimport greenroom:host/v1 url_read
func importURLRead(req uint64) uint64

//go:wasmimport greenroom:host/v1 url_read_tree
func importURLReadTree(req uint64) uint64

//go:wasmimport greenroom:host/v1 url_search
func importURLSearch(req uint64) uint64

//go:wasmimport greenroom:host/v1 proxy_fetch
func importProxyFetch(req uint64) uint64

//go:wasmimport greenroom:host/v1 permission_authorize
func importPermissionAuthorize(req uint64) uint64

//go:wasmimport greenroom:host/v1 files_read
func importFilesRead(req uint64) uint64

//go:wasmimport greenroom:host/v1 files_write
func importFilesWrite(req uint64) uint64

//go:wasmimport greenroom:host/v1 files_list
func importFilesList(req uint64) uint64

//go:wasmimport greenroom:host/v1 files_delete
func importFilesDelete(req uint64) uint64

//go:wasmimport greenroom:host/v1 workspace_read
func importWorkspaceRead(req uint64) uint64

//go:wasmimport greenroom:host/v1 workspace_write
func importWorkspaceWrite(req uint64) uint64

//go:wasmimport greenroom:host/v1 workspace_list
func importWorkspaceList(req uint64) uint64

//go:wasmimport greenroom:host/v1 search_replace
func importSearchReplace(req uint64) uint64

//go:wasmimport greenroom:host/v1 facts_publish
func importFactsPublish(req uint64) uint64

// wasmHost is the backend inside WebAssembly.
type wasmHost struct{}

var current backend = wasmHost{}

// write copies b into a new arena block and returns its handle (0 for no bytes).
func write(b []byte) uint64 {
	if len(b) == 0 {
		return grMemWrite(nil, 0)
	}
	return grMemWrite(unsafe.Pointer(unsafe.SliceData(b)), uint32(len(b)))
}

// read copies the arena block h into Go memory; h 0 reads as nil.
func read(h uint64) []byte {
	if h == 0 {
		return nil
	}
	n := extismLength(h)
	b := make([]byte, n)
	if n > 0 {
		grMemRead(h, unsafe.Pointer(unsafe.SliceData(b)), uint32(n))
	}
	return b
}

func (wasmHost) input() []byte {
	n := extismInputLength()
	b := make([]byte, n)
	if n > 0 {
		grInputRead(unsafe.Pointer(unsafe.SliceData(b)), uint32(n))
	}
	return b
}

func (wasmHost) setOutput(b []byte) { extismOutputSet(write(b), uint64(len(b))) }

func (wasmHost) setError(b []byte) { extismErrorSet(write(b)) }

func (wasmHost) config(key string) ([]byte, bool) {
	k := grMemWrite(unsafe.Pointer(unsafe.StringData(key)), uint32(len(key)))
	h := extismConfigGet(k)
	extismFree(k)
	if h == 0 {
		return nil, false
	}
	v := read(h)
	extismFree(h)
	return v, true
}

func (wasmHost) log(level Level, msg string) {
	h := grMemWrite(unsafe.Pointer(unsafe.StringData(msg)), uint32(len(msg)))
	switch level {
	case LevelTrace:
		extismLogTrace(h)
	case LevelDebug:
		extismLogDebug(h)
	case LevelInfo:
		extismLogInfo(h)
	case LevelWarn:
		extismLogWarn(h)
	default:
		extismLogError(h)
	}
	extismFree(h)
}

func (wasmHost) logLevel() Level { return Level(extismGetLogLevel()) }

func (wasmHost) invoke(fn *hostFn, req []byte) []byte {
	h := write(req)
	resp := fn.call(h)
	extismFree(h)
	b := read(resp)
	if resp != 0 {
		extismFree(resp)
	}
	return b
}

// httpOut is gr_http's output buffer, reused from call to call: finish copies the
// output into the host's memory, and exports never run concurrently.
var httpOut []byte

//go:wasmexport gr_http
func grHTTP() int32 {
	out, err := serveMessage(current.input(), httpOut[:0])
	if cap(out) <= 64<<10 {
		httpOut = out[:0]
	}
	return finish(out, err)
}

//go:wasmexport gr_task
func grTask() int32 {
	return finish(nil, taskMessage(current.input()))
}
