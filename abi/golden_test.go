package abi_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"greenroom.dev/greenroom/abi"
)

// golden maps each golden message to its schema and Go type. Every file in testdata must
// be listed, so that a new message cannot skip the checks.
var golden = map[string]struct {
	schema string
	typ    func() any
}{
	"http-request.json":         {"http-request", func() any { return new(abi.HTTPRequest) }},
	"http-request-body.json":    {"http-request", func() any { return new(abi.HTTPRequest) }},
	"http-request-caller.json":  {"http-request", func() any { return new(abi.HTTPRequest) }},
	"http-request-service.json": {"http-request", func() any { return new(abi.HTTPRequest) }},
	"http-request-id.json":      {"http-request", func() any { return new(abi.HTTPRequest) }},
	"http-response.json":        {"http-response", func() any { return new(abi.HTTPResponse) }},
	"http-response-text.json":   {"http-response", func() any { return new(abi.HTTPResponse) }},
	"http-response-body.json":   {"http-response", func() any { return new(abi.HTTPResponse) }},
	"http-response-file.json":   {"http-response", func() any { return new(abi.HTTPResponse) }},
	"manifest.json":             {"manifest", func() any { return new(abi.Manifest) }},
	"result-ok.json":            {"result", func() any { return new(abi.Result) }},
	"result-error.json":         {"result", func() any { return new(abi.Result) }},
	"error.json":                {"error", func() any { return new(abi.Error) }},
	"task.json":                 {"task", func() any { return new(abi.TaskRequest) }},
	"kv-get.json":               {"kv-get", func() any { return new(abi.KVGetRequest) }},
	"kv-put.json":               {"kv-put", func() any { return new(abi.KVPutRequest) }},
	"kv-delete.json":            {"kv-delete", func() any { return new(abi.KVDeleteRequest) }},
	"kv-list.json":              {"kv-list", func() any { return new(abi.KVListRequest) }},
	"kv-list-result.json":       {"kv-list-result", func() any { return new(abi.KVListResult) }},
	"extension-request.json":    {"extension-request", func() any { return new(abi.ExtensionRequest) }},
	"extension-output.json":     {"extension-output", func() any { return new(abi.ExtensionOutput) }},
	"render-request.json":       {"render-request", func() any { return new(abi.RenderRequest) }},
	"render-output.json":        {"ui-node", func() any { return new(abi.UINode) }},

	"catalog-get.json":                 {"catalog-get", func() any { return new(abi.CatalogGetRequest) }},
	"catalog-query.json":               {"catalog-query", func() any { return new(abi.CatalogQueryRequest) }},
	"catalog-query-result.json":        {"catalog-query-result", func() any { return new(abi.CatalogQueryResult) }},
	"catalog-facets.json":              {"catalog-facets", func() any { return new(abi.CatalogFacetsRequest) }},
	"catalog-facets-result.json":       {"catalog-facets-result", func() any { return new(abi.CatalogFacetsResult) }},
	"catalog-apply.json":               {"catalog-apply", func() any { return new(abi.CatalogApplyRequest) }},
	"url-read.json":                    {"url-read", func() any { return new(abi.URLReadRequest) }},
	"url-read-result.json":             {"url-read-result", func() any { return new(abi.URLReadResult) }},
	"url-read-tree.json":               {"url-read-tree", func() any { return new(abi.URLReadTreeRequest) }},
	"url-read-tree-result.json":        {"url-read-tree-result", func() any { return new(abi.URLReadTreeResult) }},
	"url-search.json":                  {"url-search", func() any { return new(abi.URLSearchRequest) }},
	"url-search-result.json":           {"url-search-result", func() any { return new(abi.URLSearchResult) }},
	"proxy-fetch.json":                 {"proxy-fetch", func() any { return new(abi.ProxyFetchRequest) }},
	"permission-authorize.json":        {"permission-authorize", func() any { return new(abi.PermissionAuthorizeRequest) }},
	"permission-authorize-result.json": {"permission-authorize-result", func() any { return new(abi.PermissionAuthorizeResult) }},
	"files-read.json":                  {"files-read", func() any { return new(abi.FilesReadRequest) }},
	"files-read-result.json":           {"files-read-result", func() any { return new(abi.FilesReadResult) }},
	"files-write.json":                 {"files-write", func() any { return new(abi.FilesWriteRequest) }},
	"files-write-block.json":           {"files-write", func() any { return new(abi.FilesWriteRequest) }},
	"files-write-result.json":          {"files-write-result", func() any { return new(abi.FilesWriteResult) }},
	"files-list.json":                  {"files-list", func() any { return new(abi.FilesListRequest) }},
	"files-list-result.json":           {"files-list-result", func() any { return new(abi.FilesListResult) }},
	"files-delete.json":                {"files-delete", func() any { return new(abi.FilesDeleteRequest) }},
	"files-delete-result.json":         {"files-delete-result", func() any { return new(abi.FilesDeleteResult) }},
	"action-request.json":              {"action-request", func() any { return new(abi.ActionRequest) }},
	"action-result.json":               {"action-result", func() any { return new(abi.ActionResult) }},
	"workspace-read.json":              {"workspace-read", func() any { return new(abi.WorkspaceReadRequest) }},
	"workspace-read-result.json":       {"workspace-read-result", func() any { return new(abi.WorkspaceReadResult) }},
	"workspace-write.json":             {"workspace-write", func() any { return new(abi.WorkspaceWriteRequest) }},
	"workspace-list.json":              {"workspace-list", func() any { return new(abi.WorkspaceListRequest) }},
	"workspace-list-result.json":       {"workspace-list-result", func() any { return new(abi.WorkspaceListResult) }},
	"search-replace.json":              {"search-replace", func() any { return new(abi.SearchReplaceRequest) }},
	"search-replace-result.json":       {"search-replace-result", func() any { return new(abi.SearchReplaceResult) }},
	"facts-publish.json":               {"facts-publish", func() any { return new(abi.FactsPublishRequest) }},
	"facts-publish-result.json":        {"facts-publish-result", func() any { return new(abi.FactsPublishResult) }},
}

func compiler(t *testing.T) *jsonschema.Compiler {
	t.Helper()
	c := jsonschema.NewCompiler()
	files, _ := filepath.Glob("schema/*.schema.json")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if err := c.AddResource("https://greenroom.dev/abi/v1/"+filepath.Base(f), doc); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

func TestGoldenMessages(t *testing.T) {
	c := compiler(t)
	files, _ := filepath.Glob("testdata/*.json")
	if len(files) != len(golden) {
		t.Errorf("testdata has %d files, golden table lists %d: list every message", len(files), len(golden))
	}
	for _, f := range files {
		name := filepath.Base(f)
		t.Run(name, func(t *testing.T) {
			g, ok := golden[name]
			if !ok {
				t.Fatalf("%s is not in the golden table", name)
			}
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			sch, err := c.Compile("https://greenroom.dev/abi/v1/" + g.schema + ".schema.json")
			if err != nil {
				t.Fatal(err)
			}
			inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
			if err != nil {
				t.Fatal(err)
			}
			if err := sch.Validate(inst); err != nil {
				t.Fatalf("does not match its schema: %v", err)
			}
			v := g.typ()
			dec := json.NewDecoder(bytes.NewReader(raw))
			dec.DisallowUnknownFields()
			if err := dec.Decode(v); err != nil {
				t.Fatalf("decode: %v", err)
			}
			out, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			var a, b any
			_ = json.Unmarshal(raw, &a)
			_ = json.Unmarshal(out, &b)
			if !reflect.DeepEqual(a, b) {
				t.Errorf("re-encoding changed the message:\n got %s\nwant %s", out, bytes.TrimSpace(raw))
			}
			if strings.HasPrefix(name, "manifest") {
				if _, err := abi.DecodeManifest(raw); err != nil {
					t.Errorf("DecodeManifest: %v", err)
				}
			}
			if strings.HasPrefix(name, "http-response") {
				if _, err := abi.DecodeHTTPResponse(raw); err != nil {
					t.Errorf("DecodeHTTPResponse: %v", err)
				}
			}
		})
	}
}

func TestManifestErrors(t *testing.T) {
	base := `"abi":"v1","id":"x","version":"1"`
	cases := []struct{ name, json, want string }{
		{"wrong abi", `{"abi":"v9","id":"x","version":"1"}`, `abi "v9" is not supported; this host serves v1`},
		{"bad id", `{"abi":"v1","id":"Bad_Id","version":"1"}`, `id "Bad_Id" must be lower-case`},
		{"no version", `{"abi":"v1","id":"x"}`, "version is required"},
		{"unknown field", `{` + base + `,"rout":[]}`, `unknown field "rout"`},
		{"bad method", `{` + base + `,"routes":[{"method":"FETCH","path":"/a"}]}`, `routes[0].method "FETCH"`},
		{"bad path", `{` + base + `,"routes":[{"method":"GET","path":"a"}]}`, "must start with /"},
		{"star not last", `{` + base + `,"routes":[{"method":"GET","path":"/*/a"}]}`, "* must be the last segment"},
		{"dup route", `{` + base + `,"routes":[{"method":"GET","path":"/a"},{"method":"GET","path":"/a"}]}`, "duplicate route GET /a"},
		{"bad every", `{` + base + `,"tasks":[{"name":"t","every":"soon"}]}`, `tasks[0].every "soon"`},
		{"too often", `{` + base + `,"tasks":[{"name":"t","every":"10ms"}]}`, "at least 1s"},
		{"unknown cap", `{` + base + `,"capabilities":[{"name":"net"}]}`, `capabilities[0].name "net" is not a capability`},
		{"schema not object", `{` + base + `,"configSchema":"x"}`, "configSchema must be a JSON Schema object"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := abi.DecodeManifest([]byte(tc.json))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestDecodeHTTPResponse(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"empty", ``, "empty response message"},
		{"not json", `hello`, "not valid JSON"},
		{"trailing", `{"status":200} {}`, "trailing data"},
		{"status", `{"status":700}`, "outside 100-599"},
		{"two bodies", `{"text":"a","json":1}`, "more than one of body, text, json and file"},
		{"file and body", `{"file":"a","body":""}`, "more than one of body, text, json and file"},
		{"empty file", `{"file":""}`, "response file is empty"},
		{"bad header", `{"headers":{"a":1}}`, `header "a"`},
		{"header injection", `{"headers":{"a":"x\r\nset-cookie: y"}}`, "line break"},
		{"bad header name", `{"headers":{"a b":"x"}}`, "not a valid HTTP header name"},
		{"nul in a header value", `{"headers":{"a":"x\u0000y"}}`, "control character"},
		{"escape in a header value", `{"headers":{"a":["ok","\u001b[31m"]}}`, "control character"},
		{"too many header fields", `{"headers":{"a":[` + strings.Repeat(`"v",`, abi.MaxResponseHeaderFields) + `"v"]}}`, "at most 100"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := abi.DecodeHTTPResponse([]byte(tc.in))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
	r, err := abi.DecodeHTTPResponse([]byte(`{"json":{"a":1},"headers":{"Content-Length":"9","X-A":"b"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := abi.DecodeHTTPResponse([]byte(`{"headers":{"a":"tab\tis text","b":[` + strings.Repeat(`"v",`, abi.MaxResponseHeaderFields-2) + `"v"]}}`)); err != nil {
		t.Fatalf("a tab and exactly %d fields must be accepted: %v", abi.MaxResponseHeaderFields, err)
	}
	if r.Status != 200 || string(r.Body) != `{"a":1}` || r.Headers["content-type"][0] != "application/json" || r.Headers["x-a"][0] != "b" {
		t.Fatalf("got %+v", r)
	}
	if _, ok := r.Headers["content-length"]; ok {
		t.Fatal("content-length must be dropped")
	}
}
