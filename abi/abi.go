// Package abi holds the wire types and constants of the Greenroom plugin ABI, version 1.
// SPEC.md beside this file is normative; this package is its Go rendering and imports
// only the standard library, so that SDKs and tools can share it.
package abi

// Version is the ABI version that a manifest's "abi" field names.
const Version = "v1"

// SupportedVersions lists the manifest ABI versions the host serves.
var SupportedVersions = []string{Version}

// Import namespaces.
const (
	// ExtismNamespace is the Extism guest ABI's import module.
	ExtismNamespace = "extism:host/env"
	// Namespace is the import module of Greenroom's own host functions, version 1.
	Namespace = "greenroom:host/v1"
	// NamespacePrefix starts every Greenroom import module, of any version.
	NamespacePrefix = "greenroom:host/"
	// WASINamespace is WASI preview 1.
	WASINamespace = "wasi_snapshot_preview1"
)

// ManifestSection is the name of the custom section that holds the manifest JSON.
const ManifestSection = "greenroom.manifest"

// Export names with fixed meaning.
const (
	ExportHTTP      = "gr_http"
	ExportTask      = "gr_task"
	ExportExtension = "gr_extension"
	ExportRender    = "gr_render"
	ExportInit      = "_initialize"
	// ExportAction runs one of the manifest's scaffolder actions.
	ExportAction = "gr_action"
)

// ConfigKeyAll is the config_get key that returns the plugin's whole config as JSON.
const ConfigKeyAll = "greenroom.config"

// Capability names.
const (
	CapKV           = "kv"
	CapCatalogRead  = "catalog.read"
	CapCatalogWrite = "catalog.write"
	CapURLRead      = "url.read"
	CapProxy        = "proxy"
	CapTasks        = "tasks"
	// CapPermission lets a plugin ask the host's policy for a decision for its caller.
	CapPermission = "permission"
	// CapFiles gives a plugin its own files (files_*), isolated and under a quota.
	CapFiles = "files"
	// CapWorkspace lets a plugin's scaffolder actions read, write and list the files of
	// the task's workspace, and nothing outside it.
	CapWorkspace = "workspace"
	// CapSearchWrite lets a plugin contribute documents to the portal's search index.
	CapSearchWrite = "search.write"
	// CapFactsWrite lets a plugin publish facts about catalog entities, which
	// scorecards' rules read.
	CapFactsWrite = "facts.write"
)

// Capabilities lists every capability name the host knows.
var Capabilities = []string{CapKV, CapCatalogRead, CapCatalogWrite, CapURLRead, CapProxy, CapTasks, CapPermission, CapFiles, CapWorkspace, CapSearchWrite, CapFactsWrite}

// Always marks a host function that needs no grant.
const Always = ""

// HostFunctions maps every greenroom:host/v1 import to its capability (Always for none).
var HostFunctions = map[string]string{
	"mem_read":             Always,
	"mem_write":            Always,
	"input_read":           Always,
	"kv_get":               CapKV,
	"kv_put":               CapKV,
	"kv_delete":            CapKV,
	"kv_list":              CapKV,
	"catalog_get":          CapCatalogRead,
	"catalog_query":        CapCatalogRead,
	"catalog_facets":       CapCatalogRead,
	"catalog_apply":        CapCatalogWrite,
	"url_read":             CapURLRead,
	"url_read_tree":        CapURLRead,
	"url_search":           CapURLRead,
	"proxy_fetch":          CapProxy,
	"permission_authorize": CapPermission,
	"files_read":           CapFiles,
	"files_write":          CapFiles,
	"files_list":           CapFiles,
	"files_delete":         CapFiles,
	"workspace_read":       CapWorkspace,
	"workspace_write":      CapWorkspace,
	"workspace_list":       CapWorkspace,
	"search_replace":       CapSearchWrite,
	"facts_publish":        CapFactsWrite,
}

// ExtismFunctions lists the extism:host/env imports the host provides.
var ExtismFunctions = []string{
	"alloc", "free", "length", "length_unsafe",
	"load_u8", "load_u64", "store_u8", "store_u64",
	"input_length", "input_offset", "input_load_u8", "input_load_u64",
	"output_set", "error_set", "config_get", "var_get", "var_set",
	"log_trace", "log_debug", "log_info", "log_warn", "log_error", "get_log_level",
}

// DeniedExtismFunctions are Extism imports the host refuses: egress goes through the
// proxy and url.read capabilities instead.
var DeniedExtismFunctions = map[string]string{
	"http_request":     "use the proxy capability (proxy_fetch) or url.read (url_read) instead",
	"http_status_code": "use the proxy capability (proxy_fetch) or url.read (url_read) instead",
	"http_headers":     "use the proxy capability (proxy_fetch) or url.read (url_read) instead",
}
