package api_test

import (
	"bytes"
	"net/http"
	"sync"
	"testing"

	"greenroom.dev/greenroom/host/internal/openapitest"
)

var (
	validatorsOnce sync.Once
	validators     *openapitest.Validators
)

// checkOpenAPI validates a response of the catalog API against its OpenAPI document
// (host/internal/openapi): every response the tests of this package get goes
// through it, so the document cannot drift from what the API serves.
func checkOpenAPI(t testing.TB, method, url string, reqBody []byte, status int, header http.Header, body []byte) {
	t.Helper()
	validatorsOnce.Do(func() { validators = openapitest.New(t) })
	req, err := http.NewRequest(method, url, bytes.NewReader(reqBody))
	if err != nil {
		t.Fatal(err)
	}
	if header == nil {
		header = http.Header{}
	}
	resp := &http.Response{StatusCode: status, Header: header, Request: req}
	validators.Check(t, req, resp, body)
}
