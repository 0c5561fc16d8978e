package search

import (
	"net/http"
	"sync"
	"testing"

	"greenroom.dev/greenroom/host/internal/openapitest"
)

var (
	docOnce sync.Once
	docVal  *openapitest.Validators
)

// checkOpenAPI validates an answer of Serve against the search API's OpenAPI document
// (host/internal/openapi's search document), as the server sends it: every answer the
// tests of this package get goes through it, so the document cannot drift from the code.
func checkOpenAPI(t testing.TB, raw string, r *Response) {
	t.Helper()
	docOnce.Do(func() { docVal = openapitest.New(t) })
	req, err := http.NewRequest("GET", "http://127.0.0.1/api/search/query", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.URL.RawQuery = raw
	// The server sends Serve's answer as JSON (server.mountSearch).
	resp := &http.Response{StatusCode: r.Status, Header: http.Header{"Content-Type": {"application/json; charset=utf-8"}}, Request: req}
	docVal.Check(t, req, resp, r.Body)
}
