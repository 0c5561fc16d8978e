package capability

import (
	"encoding/json"
	"strconv"
	"strings"

	"greenroom.dev/greenroom/abi"
)

// Functions is the table of greenroom:host/v1: every import a plugin may make, in
// abi/SPEC.md section 3.3's order. Each entry is the whole of what the host knows of a
// function: name, capability, message shapes, what the audit log records of a call
// (its target), and the call, bound per plugin by a function beside the capability's
// others (kv.go, catalog.go, urlread.go, proxy.go).
var Functions = []Func{
	builtin("mem_read"),
	builtin("mem_write"),
	builtin("input_read"),

	Define("kv_get", abi.CapKV,
		`{"key"}`, `{"value": base64 | null}`,
		func(r *abi.KVGetRequest) string { return r.Key }, kvGet),
	Define("kv_put", abi.CapKV,
		`{"key","value": base64}`, `{}`,
		func(r *abi.KVPutRequest) string { return r.Key }, kvPut),
	Define("kv_delete", abi.CapKV,
		`{"key"}`, `{}`,
		func(r *abi.KVDeleteRequest) string { return r.Key }, kvDelete),
	Define("kv_list", abi.CapKV,
		`{"prefix","limit"}`, `{"keys": [...]}`,
		func(r *abi.KVListRequest) string { return r.Prefix + "*" }, kvList),

	Define("catalog_get", abi.CapCatalogRead,
		`{"ref"}`, `entity | null`,
		func(r *abi.CatalogGetRequest) string { return r.Ref }, catalogGet),
	Define("catalog_query", abi.CapCatalogRead,
		`{"filter": ["kind=component,spec.type=service", ...],"fields": ["metadata.name", ...],"limit","cursor"}`, `{"items": [entity...],"totalItems","pageInfo": {"nextCursor","prevCursor"}}`,
		func(r *abi.CatalogQueryRequest) string { return "filter " + filterTarget(r.Filter) }, catalogQuery),
	Define("catalog_facets", abi.CapCatalogRead,
		`{"facets": ["spec.type", ...],"filter": [...]}`, `{"facets": {"spec.type": [{"value","count"}...]}}`,
		func(r *abi.CatalogFacetsRequest) string {
			return "facets " + strings.Join(r.Facets, ",") + " filter " + filterTarget(r.Filter)
		}, catalogFacets),
	Define("catalog_apply", abi.CapCatalogWrite,
		`{"upsert": [entity...], "delete": ["kind:namespace/name"...]}`, `{}`,
		applyTarget, catalogApply),

	Define("url_read", abi.CapURLRead,
		`{"url","etag"}`, `{"content": base64,"etag","lastModifiedAt","notModified"}`,
		func(r *abi.URLReadRequest) string { return r.URL }, urlRead),
	Define("url_read_tree", abi.CapURLRead,
		`{"url","etag","filter": glob}`, `{"files": [{"path","content": base64,"size"}...],"etag","notModified"}`,
		func(r *abi.URLReadTreeRequest) string { return r.URL }, urlReadTree),
	Define("url_search", abi.CapURLRead,
		`{"url": glob URL,"etag"}`, `{"files": [{"url","content": base64}...],"etag","notModified"}`,
		func(r *abi.URLSearchRequest) string { return r.URL }, urlSearch),

	Define("proxy_fetch", abi.CapProxy,
		`{"endpoint": "/name","method","path","headers","body": base64}`, `HTTP response message (7.2)`,
		func(r *abi.ProxyFetchRequest) string {
			m := r.Method
			if m == "" {
				m = "GET"
			}
			return m + " " + r.Endpoint + r.Path
		}, proxyFetch),

	Define("permission_authorize", abi.CapPermission,
		`{"permission": {"name","attributes": {"action"},"resourceType"}}`, `{"result": "ALLOW" | "DENY" | "CONDITIONAL","pluginId","resourceType","conditions"}`,
		func(r *abi.PermissionAuthorizeRequest) string { return r.Permission.Name }, permissionAuthorize),

	Define("files_read", abi.CapFiles,
		`{"path"}`, `{"content": base64 | null,"size","modifiedAt"}`,
		func(r *abi.FilesReadRequest) string { return r.Path }, filesRead),
	Define("files_write", abi.CapFiles,
		`{"files": [{"path","content": base64 \| "block": handle}...],"replace": dir}`, `{"written","removed","used"}`,
		filesWriteTarget, filesWrite),
	Define("files_list", abi.CapFiles,
		`{"prefix","limit"}`, `{"files": [{"path","size","modifiedAt"}...]}`,
		func(r *abi.FilesListRequest) string { return r.Prefix + "*" }, filesList),
	Define("files_delete", abi.CapFiles,
		`{"path"}`, `{"removed"}`,
		func(r *abi.FilesDeleteRequest) string { return r.Path }, filesDelete),
	Define("workspace_read", abi.CapWorkspace,
		`{"path"}`, `{"content": base64}`,
		func(r *abi.WorkspaceReadRequest) string { return r.Path }, workspaceRead),
	Define("workspace_write", abi.CapWorkspace,
		`{"path","content": base64,"executable"}`, `{}`,
		func(r *abi.WorkspaceWriteRequest) string { return r.Path }, workspaceWrite),
	Define("workspace_list", abi.CapWorkspace,
		`{"path"}`, `{"files": [...]}`,
		func(r *abi.WorkspaceListRequest) string { return r.Path }, workspaceList),
	Define("search_replace", abi.CapSearchWrite,
		`{"type","title","source","documents": [{"title","text","location","fields": {"k": "v" or ["v"...]},"resourceRef"}...]}`, `{"count"}`,
		func(r *abi.SearchReplaceRequest) string {
			return r.Type + " " + strconv.Itoa(len(r.Documents)) + " documents"
		}, searchReplace),

	Define("facts_publish", abi.CapFactsWrite,
		`{"facts": [{"entityRef","name","value"}...]}`, `{"changed"}`,
		factsTarget, factsPublish),
}

// filesWriteTarget names files_write's files for the audit log: the directory it
// replaces, else the first file, and how many files.
func filesWriteTarget(r *abi.FilesWriteRequest) string {
	t := r.Replace
	if t == "" && len(r.Files) > 0 {
		t = r.Files[0].Path
	}
	return t + " (" + strconv.Itoa(len(r.Files)) + " files)"
}

// filterTarget writes a catalog filter for the audit log: its strings as a JSON array.
func filterTarget(filter []string) string {
	if len(filter) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(filter)
	return string(b)
}

// applyTarget names catalog_apply's entities: upsert <kind:namespace/name>... and
// delete <ref>..., ten of each at most.
func applyTarget(r *abi.CatalogApplyRequest) string {
	var b strings.Builder
	if len(r.Upsert) > 0 {
		b.WriteString("upsert")
		for i, raw := range r.Upsert {
			if i == 10 {
				b.WriteString(" +" + strconv.Itoa(len(r.Upsert)-i) + " more")
				break
			}
			h := headOf(raw)
			b.WriteString(" " + strings.ToLower(h.Kind) + ":" + h.namespace() + "/" + h.Metadata.Name)
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
}
