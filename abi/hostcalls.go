package abi

import "encoding/json"

// The requests and results of the capability host functions of SPEC.md section 3.3 that
// are not kv_* (messages.go holds those). Each has a schema in schema/ and a golden
// message in testdata/.

// CatalogGetRequest is catalog_get's request. Its result is the entity as the catalog
// serves it (Backstage's JSON, with metadata.uid, etag and relations), or null.
type CatalogGetRequest struct {
	// Ref is an entity ref, kind:namespace/name; the namespace defaults to default.
	Ref string `json:"ref"`
}

// CatalogQueryRequest is catalog_query's request: the catalog REST API's by-query
// grammar (a comma is AND within a filter string, several strings are OR).
type CatalogQueryRequest struct {
	Filter []string `json:"filter,omitempty"`
	Fields []string `json:"fields,omitempty"`
	// Limit is the page size; 0 means 20, and at most 1000 are returned.
	Limit  int    `json:"limit,omitempty"`
	Cursor string `json:"cursor,omitempty"`
}

// CatalogQueryResult is catalog_query's result, shaped like GET /entities/by-query.
type CatalogQueryResult struct {
	Items      []json.RawMessage `json:"items"`
	TotalItems int               `json:"totalItems"`
	PageInfo   CatalogPageInfo   `json:"pageInfo"`
}

// CatalogPageInfo holds a query page's cursors.
type CatalogPageInfo struct {
	NextCursor string `json:"nextCursor,omitempty"`
	PrevCursor string `json:"prevCursor,omitempty"`
}

// CatalogFacetsRequest is catalog_facets's request.
type CatalogFacetsRequest struct {
	Facets []string `json:"facets"`
	Filter []string `json:"filter,omitempty"`
}

// CatalogFacetsResult is catalog_facets's result: the values of each facet, with counts.
type CatalogFacetsResult struct {
	Facets map[string][]CatalogFacetCount `json:"facets"`
}

// CatalogFacetCount is one value of a facet and how many entities have it.
type CatalogFacetCount struct {
	Value string `json:"value"`
	Count int    `json:"count"`
}

// CatalogApplyRequest is catalog_apply's request: the plugin, as an entity provider,
// adds or replaces entities and removes entities by ref. Its result is {}.
type CatalogApplyRequest struct {
	Upsert []json.RawMessage `json:"upsert,omitempty"`
	Delete []string          `json:"delete,omitempty"`
}

// URLReadRequest is url_read's request.
type URLReadRequest struct {
	URL  string `json:"url"`
	ETag string `json:"etag,omitempty"`
}

// URLReadResult is url_read's result. A not-modified read is NotModified with no
// Content, not an error.
type URLReadResult struct {
	Content        []byte `json:"content,omitempty"`
	ETag           string `json:"etag,omitempty"`
	LastModifiedAt string `json:"lastModifiedAt,omitempty"`
	NotModified    bool   `json:"notModified,omitempty"`
}

// URLReadTreeRequest is url_read_tree's request. Filter is an optional glob (`*` within
// a segment, `**` across segments) on paths relative to the tree URL.
type URLReadTreeRequest struct {
	URL    string `json:"url"`
	ETag   string `json:"etag,omitempty"`
	Filter string `json:"filter,omitempty"`
}

// URLReadTreeResult is url_read_tree's result.
type URLReadTreeResult struct {
	Files       []URLTreeFile `json:"files"`
	ETag        string        `json:"etag,omitempty"`
	NotModified bool          `json:"notModified,omitempty"`
}

// URLTreeFile is one file of a url_read_tree result.
type URLTreeFile struct {
	Path    string `json:"path"`
	Content []byte `json:"content"`
	Size    int64  `json:"size"`
}

// URLSearchRequest is url_search's request: URL is a glob URL.
type URLSearchRequest struct {
	URL  string `json:"url"`
	ETag string `json:"etag,omitempty"`
}

// URLSearchResult is url_search's result.
type URLSearchResult struct {
	Files       []URLSearchFile `json:"files"`
	ETag        string          `json:"etag,omitempty"`
	NotModified bool            `json:"notModified,omitempty"`
}

// URLSearchFile is one match of a url_search result.
type URLSearchFile struct {
	URL     string `json:"url"`
	Content []byte `json:"content"`
}

// ProxyFetchRequest is proxy_fetch's request: call the configured proxy endpoint named
// Endpoint (its prefix, e.g. /github). Its result is an HTTP response message (7.2).
type ProxyFetchRequest struct {
	Endpoint string  `json:"endpoint"`
	Method   string  `json:"method,omitempty"`
	Path     string  `json:"path,omitempty"`
	Headers  Headers `json:"headers,omitempty"`
	Body     []byte  `json:"body,omitempty"`
}

// PermissionAuthorizeRequest is permission_authorize's request: decide Permission for
// the caller of the request the plugin serves (the plugin's own identity, plugin:<id>,
// in a scheduled task). For a permission the host defines (catalog.entity.read, ...),
// only its name counts.
type PermissionAuthorizeRequest struct {
	Permission Permission `json:"permission"`
}

// PermissionAuthorizeResult is the decision: ALLOW, DENY, or CONDITIONAL with the
// conditions (Backstage's criteria JSON) that the resources of ResourceType must match.
type PermissionAuthorizeResult struct {
	Result       string          `json:"result"`
	PluginID     string          `json:"pluginId,omitempty"`
	ResourceType string          `json:"resourceType,omitempty"`
	Conditions   json.RawMessage `json:"conditions,omitempty"`
}

// WorkspaceReadRequest is workspace_read's request: a file of the task's workspace, by a
// path relative to it (no `..`, not absolute, no symbolic link out).
type WorkspaceReadRequest struct {
	Path string `json:"path"`
}

// WorkspaceReadResult is the file's content.
type WorkspaceReadResult struct {
	Content []byte `json:"content"`
}

// WorkspaceWriteRequest is workspace_write's request: write Content to Path (relative
// to the workspace), creating its directories.
type WorkspaceWriteRequest struct {
	Path       string `json:"path"`
	Content    []byte `json:"content"`
	Executable bool   `json:"executable,omitempty"`
}

// WorkspaceListRequest is workspace_list's request: the files below Path ("" or "."
// for the whole workspace).
type WorkspaceListRequest struct {
	Path string `json:"path,omitempty"`
}

// WorkspaceListResult lists files by their paths relative to the workspace.
type WorkspaceListResult struct {
	Files []string `json:"files"`
}

// SearchReplaceRequest is search_replace's request: the documents of one type that the
// plugin contributes to the search index, replacing every document it sent before for
// that type and Source.
type SearchReplaceRequest struct {
	// Type is the document type (types[]= in queries): the plugin's id unless the grant
	// lists others.
	Type string `json:"type"`
	// Title names the type on the search page's tabs; default the type.
	Title string `json:"title,omitempty"`
	// Source splits a type's documents into sets replaced one at a time (one entity's
	// docs pages); "" is the plugin's one set.
	Source    string           `json:"source,omitempty"`
	Documents []SearchDocument `json:"documents"`
}

// SearchDocument is one document: title, text and location as every search document
// has, filterable fields (a string or an array of strings each), and the catalog entity
// whose read permission covers it.
type SearchDocument struct {
	Title       string                     `json:"title"`
	Text        string                     `json:"text,omitempty"`
	Location    string                     `json:"location"`
	Fields      map[string]json.RawMessage `json:"fields,omitempty"`
	ResourceRef string                     `json:"resourceRef,omitempty"`
}

// SearchReplaceResult says how many documents the index now holds for the set.
type SearchReplaceResult struct {
	Count int `json:"count"`
}

// FactsPublishRequest is facts_publish's request: facts about catalog entities, which
// scorecards' rules read as facts["<name>"]. The call is applied whole or not at all.
type FactsPublishRequest struct {
	Facts []FactValue `json:"facts"`
}

// FactValue is one fact: a number, a string or a boolean about one entity; a null
// Value removes the fact.
type FactValue struct {
	// EntityRef is the entity, "kind:namespace/name" (namespace default when left out).
	EntityRef string `json:"entityRef"`
	// Name is the fact's name, such as ci.successRate30d.
	Name  string          `json:"name"`
	Value json.RawMessage `json:"value"`
}

// FactsPublishResult says how many entities' facts changed.
type FactsPublishResult struct {
	Changed int `json:"changed"`
}
