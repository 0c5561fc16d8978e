package greenroom

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"greenroom.dev/greenroom/sdk/go/ui"
)

// goldenDir holds the ABI's golden messages, shared by the host and every SDK.
const goldenDir = "../../abi/testdata"

// goldenType returns a new value of the SDK type that decodes the golden file name.
func goldenType(name string) any {
	switch {
	case name == "error.json":
		return new(Error)
	case name == "manifest.json":
		return new(Manifest)
	case name == "task.json":
		return new(TaskRequest)
	case strings.HasPrefix(name, "http-request"):
		return new(Request)
	case strings.HasPrefix(name, "http-response"):
		return new(Response)
	case strings.HasPrefix(name, "result-"):
		return new(envelope)
	case name == "kv-get.json", name == "kv-delete.json":
		return new(kvKeyRequest)
	case name == "kv-put.json":
		return new(kvPutRequest)
	case name == "kv-list.json":
		return new(kvListRequest)
	case name == "kv-list-result.json":
		return new(kvListResult)
	case name == "kv-get-result.json":
		return new(kvGetResult)
	case name == "files-read.json", name == "files-delete.json":
		return new(filesPathRequest)
	case name == "files-read-result.json":
		return new(filesReadResult)
	case name == "files-write.json":
		return new(filesWriteRequest)
	case name == "files-write-block.json":
		return new(filesWireRequest)
	case name == "files-write-result.json":
		return new(FilesWriteResult)
	case name == "files-list.json":
		return new(filesListRequest)
	case name == "files-list-result.json":
		return new(filesListResult)
	case name == "files-delete-result.json":
		return new(filesDeleteResult)
	case name == "extension-request.json":
		return new(ExtensionRequest)
	case name == "extension-output.json":
		return new(Outputs)
	case name == "render-request.json":
		return new(RenderRequest)
	case name == "render-output.json":
		return new(ui.Node)
	case name == "catalog-get.json":
		return new(catalogGetRequest)
	case name == "catalog-query.json":
		return new(CatalogQueryRequest)
	case name == "catalog-query-result.json":
		return new(CatalogPage)
	case name == "catalog-facets.json":
		return new(catalogFacetsRequest)
	case name == "catalog-facets-result.json":
		return new(catalogFacetsResult)
	case name == "catalog-apply.json":
		return new(catalogApplyRequest)
	case name == "url-read.json", name == "url-read-tree.json", name == "url-search.json":
		return new(urlRequest)
	case name == "url-read-result.json":
		return new(URLReadResult)
	case name == "url-read-tree-result.json", name == "url-search-result.json":
		return new(URLFilesResult)
	case name == "proxy-fetch.json":
		return new(ProxyRequest)
	case name == "permission-authorize.json":
		return new(authorizeRequest)
	case name == "permission-authorize-result.json":
		return new(Decision)
	case name == "action-request.json":
		return new(ActionRequest)
	case name == "action-result.json":
		return new(ActionResult)
	case name == "workspace-read.json", name == "workspace-list.json":
		return new(workspacePath)
	case name == "workspace-read-result.json":
		return new(workspaceContent)
	case name == "workspace-write.json":
		return new(workspaceFile)
	case name == "workspace-list-result.json":
		return new(workspaceFiles)
	case name == "search-replace.json":
		return new(SearchReplace)
	case name == "search-replace-result.json":
		return new(searchReplaceResult)
	case name == "facts-publish.json":
		return new(factsPublish)
	case name == "facts-publish-result.json":
		return new(factsPublishResult)
	}
	return nil
}

// normalize decodes JSON into a generic value, dropping object members that are null or
// empty objects, which the ABI treats as absent ("params": {} means no params).
func normalize(t *testing.T, b []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, b)
	}
	return dropEmpty(v)
}

func dropEmpty(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			e = dropEmpty(e)
			if m, ok := e.(map[string]any); e == nil || ok && len(m) == 0 {
				delete(x, k)
				continue
			}
			x[k] = e
		}
	case []any:
		for i := range x {
			x[i] = dropEmpty(x[i])
		}
	}
	return v
}

func TestGoldenMessagesRoundTrip(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(goldenDir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no golden messages in %s", goldenDir)
	}
	for _, f := range files {
		name := filepath.Base(f)
		t.Run(name, func(t *testing.T) {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			v := goldenType(name)
			if v == nil {
				t.Fatalf("the Go SDK has no type for golden message %s; add one to goldenType", name)
			}
			dec := json.NewDecoder(bytes.NewReader(b))
			dec.DisallowUnknownFields()
			if err := dec.Decode(v); err != nil {
				t.Fatalf("decode %s strictly into %T: %v", name, v, err)
			}
			out, err := json.Marshal(v)
			if err != nil {
				t.Fatalf("encode %T: %v", v, err)
			}
			if want, got := normalize(t, b), normalize(t, out); !reflect.DeepEqual(want, got) {
				t.Errorf("%s does not survive a round trip\nwant %s\ngot  %s", name, b, out)
			}
		})
	}
}

// TestGoldenMessagesMeaning checks that the goldens decode to what they say, not just to
// something that re-encodes the same.
func TestGoldenMessagesMeaning(t *testing.T) {
	read := func(name string, v any) {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(goldenDir, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	var req Request
	read("http-request.json", &req)
	if req.QueryValue("name") != "X" || req.Header("Accept") != "application/json" || req.Route != "/hello" {
		t.Errorf("http-request.json decoded as %+v", req)
	}
	var who Request
	read("http-request-caller.json", &who)
	if who.User() != "user:default/jane" || !who.Owns("GROUP:default/team-a") || who.Owns("group:default/team-b") {
		t.Errorf("http-request-caller.json decoded as %+v", who.Caller)
	}
	var svc Request
	read("http-request-service.json", &svc)
	if svc.User() != "" || svc.Caller == nil || svc.Caller.Subject != "external:ci-bot" {
		t.Errorf("http-request-service.json decoded as %+v", svc.Caller)
	}
	var withID Request
	read("http-request-id.json", &withID)
	if withID.RequestID != "0b6f3c1e-5d0a-4f43-9d36-2a1f0c9b7e11" {
		t.Errorf("http-request-id.json decoded with requestId %q", withID.RequestID)
	}
	var post Request
	read("http-request-body.json", &post)
	var item struct{ Name string }
	if err := post.DecodeJSON(&item); err != nil || item.Name != "widget" || post.Param("id") != "42" {
		t.Errorf("http-request-body.json: body %q param %q err %v", item.Name, post.Param("id"), err)
	}
	var text Response
	read("http-response-text.json", &text)
	if text.StatusCode() != 404 || string(text.Content()) != "no such item" || !reflect.DeepEqual(text.Headers["x-trace"], []string{"a", "b"}) {
		t.Errorf("http-response-text.json decoded as %+v", text)
	}
	var bin Response
	read("http-response-body.json", &bin)
	if !bytes.Equal(bin.Content(), []byte{0, 1, 2, 3}) || bin.Headers.Get("Content-Type") != "application/octet-stream" {
		t.Errorf("http-response-body.json decoded as %+v", bin)
	}
	var ok envelope
	read("result-ok.json", &ok)
	var got kvGetResult
	if err := json.Unmarshal(ok.Result, &got); err != nil || string(got.Value) != "1" {
		t.Errorf("result-ok.json result: %q, %v", got.Value, err)
	}
	var bad envelope
	read("result-error.json", &bad)
	if bad.Error == nil || bad.Error.Code != CodeCapabilityDenied || bad.Result != nil {
		t.Errorf("result-error.json decoded as %+v", bad)
	}
	b, err := os.ReadFile(filepath.Join(goldenDir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := ParseManifest(b)
	if err != nil {
		t.Fatalf("manifest.json: %v", err)
	}
	if m.ID != "hello-go" || len(m.Routes) != 3 || m.Routes[2].Allow != "unauthenticated" || m.Tasks[0].Every != "10m" || !m.Capabilities[1].Optional ||
		len(m.Permissions) != 1 || m.Permissions[0].Attributes.Action != "update" {
		t.Errorf("manifest.json decoded as %+v", m)
	}
}
