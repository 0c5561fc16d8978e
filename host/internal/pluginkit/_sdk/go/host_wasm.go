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

// Capability-bearing functions (SPEC.md section 3.3). hostFn holds each as a func value,
// and TinyGo cannot take an import's value, so each import (wasmX) has a Go wrapper
// (importX) for hostFn to hold.

//go:wasmimport greenroom:host/v1 kv_get
func wasmKVGet(req uint64) uint64

func importKVGet(req uint64) uint64 { return wasmKVGet(req) }

//go:wasmimport greenroom:host/v1 kv_put
func wasmKVPut(req uint64) uint64

func importKVPut(req uint64) uint64 { return wasmKVPut(req) }

//go:wasmimport greenroom:host/v1 kv_delete
func wasmKVDelete(req uint64) uint64

func importKVDelete(req uint64) uint64 { return wasmKVDelete(req) }

//go:wasmimport greenroom:host/v1 kv_list
func wasmKVList(req uint64) uint64

func importKVList(req uint64) uint64 { return wasmKVList(req) }

//go:wasmimport greenroom:host/v1 catalog_get
func wasmCatalogGet(req uint64) uint64

func importCatalogGet(req uint64) uint64 { return wasmCatalogGet(req) }

//go:wasmimport greenroom:host/v1 catalog_query
func wasmCatalogQuery(req uint64) uint64

func importCatalogQuery(req uint64) uint64 { return wasmCatalogQuery(req) }

//go:wasmimport greenroom:host/v1 catalog_facets
func wasmCatalogFacets(req uint64) uint64

func importCatalogFacets(req uint64) uint64 { return wasmCatalogFacets(req) }

//go:wasmimport greenroom:host/v1 catalog_apply
func wasmCatalogApply(req uint64) uint64

func importCatalogApply(req uint64) uint64 { return wasmCatalogApply(req) }

//go:wasmimport greenroom:host/v1 url_read
func wasmURLRead(req uint64) uint64

func importURLRead(req uint64) uint64 { return wasmURLRead(req) }

//go:wasmimport greenroom:host/v1 url_read_tree
func wasmURLReadTree(req uint64) uint64

func importURLReadTree(req uint64) uint64 { return wasmURLReadTree(req) }

//go:wasmimport greenroom:host/v1 url_search
func wasmURLSearch(req uint64) uint64

func importURLSearch(req uint64) uint64 { return wasmURLSearch(req) }

//go:wasmimport greenroom:host/v1 proxy_fetch
func wasmProxyFetch(req uint64) uint64

func importProxyFetch(req uint64) uint64 { return wasmProxyFetch(req) }

//go:wasmimport greenroom:host/v1 permission_authorize
func wasmPermissionAuthorize(req uint64) uint64

func importPermissionAuthorize(req uint64) uint64 { return wasmPermissionAuthorize(req) }

//go:wasmimport greenroom:host/v1 files_read
func wasmFilesRead(req uint64) uint64

func importFilesRead(req uint64) uint64 { return wasmFilesRead(req) }

//go:wasmimport greenroom:host/v1 files_write
func wasmFilesWrite(req uint64) uint64

func importFilesWrite(req uint64) uint64 { return wasmFilesWrite(req) }

//go:wasmimport greenroom:host/v1 files_list
func wasmFilesList(req uint64) uint64

func importFilesList(req uint64) uint64 { return wasmFilesList(req) }

//go:wasmimport greenroom:host/v1 files_delete
func wasmFilesDelete(req uint64) uint64

func importFilesDelete(req uint64) uint64 { return wasmFilesDelete(req) }

//go:wasmimport greenroom:host/v1 workspace_read
func wasmWorkspaceRead(req uint64) uint64

func importWorkspaceRead(req uint64) uint64 { return wasmWorkspaceRead(req) }

//go:wasmimport greenroom:host/v1 workspace_write
func wasmWorkspaceWrite(req uint64) uint64

func importWorkspaceWrite(req uint64) uint64 { return wasmWorkspaceWrite(req) }

//go:wasmimport greenroom:host/v1 workspace_list
func wasmWorkspaceList(req uint64) uint64

func importWorkspaceList(req uint64) uint64 { return wasmWorkspaceList(req) }

//go:wasmimport greenroom:host/v1 search_replace
func wasmSearchReplace(req uint64) uint64

func importSearchReplace(req uint64) uint64 { return wasmSearchReplace(req) }

//go:wasmimport greenroom:host/v1 facts_publish
func wasmFactsPublish(req uint64) uint64

func importFactsPublish(req uint64) uint64 { return wasmFactsPublish(req) }

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

func (wasmHost) block(b []byte) uint64 { return write(b) }

func (wasmHost) free(h uint64) { extismFree(h) }

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
