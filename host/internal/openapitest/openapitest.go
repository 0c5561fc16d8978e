// Package openapitest validates real HTTP responses against the host's OpenAPI 3.1
// documents (host/internal/openapi) and plugins' own, for the test suite: a response
// whose status, content type or body the document does not describe fails the test,
// so the documents cannot drift from the code.
//
// It uses github.com/pb33f/libopenapi-validator, a maintained validator with full
// OpenAPI 3.1 support (JSON Schema 2020-12 through santhosh-tekuri/jsonschema, which
// the config schema already uses); kin-openapi, the other common choice, validates 3.0
// only. It is test support: only tests import it.
package openapitest

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	verrors "github.com/pb33f/libopenapi-validator/errors"
	"github.com/pb33f/libopenapi-validator/helpers"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"greenroom.dev/greenroom/host/internal/openapi"
)

// Validators validates responses of the host's APIs, each against its document.
type Validators struct {
	mu sync.Mutex
	m  map[string]validator.Validator
	// Checked counts the responses validated, by API id.
	Checked map[string]int
}

// New builds a validator for each of the host's documents; a document that does not
// build fails tb.
func New(tb testing.TB) *Validators {
	tb.Helper()
	v := &Validators{m: map[string]validator.Validator{}, Checked: map[string]int{}}
	for _, id := range openapi.IDs() {
		b, _ := openapi.Document(id)
		val, err := Build(b)
		if err != nil {
			tb.Fatalf("openapi %s: %v", id, err)
		}
		v.m[id] = val
	}
	return v
}

// Build makes a validator of one document (JSON or YAML), after checking the document
// itself against the OpenAPI 3.1 schema.
func Build(doc []byte) (validator.Validator, error) {
	d, err := libopenapi.NewDocument(doc)
	if err != nil {
		return nil, err
	}
	val, errs := validator.NewValidator(d)
	if len(errs) > 0 {
		return nil, fmt.Errorf("%v", errs)
	}
	if ok, verrs := val.ValidateDocument(); !ok {
		return nil, fmt.Errorf("the document is not valid OpenAPI: %s", describe(verrs))
	}
	return val, nil
}

// API is the id of the host API a path is under (/api/<id>/...), "" for none.
func API(path string) string {
	rest, ok := strings.CutPrefix(path, "/api/")
	if !ok {
		return ""
	}
	id, _, _ := strings.Cut(rest, "/")
	return id
}

// Check validates resp (whose body was read into body) to req against the document
// of the API req's path is under; a path under no documented API is not checked and
// reports false.
func (v *Validators) Check(tb testing.TB, req *http.Request, resp *http.Response, body []byte) bool {
	tb.Helper()
	id := API(req.URL.Path)
	v.mu.Lock()
	val, ok := v.m[id]
	if ok {
		v.Checked[id]++
	}
	v.mu.Unlock()
	if !ok {
		return false
	}
	return Against(tb, val, req, resp, body)
}

// Against validates one response with val; it fails tb with every problem found.
func Against(tb testing.TB, val validator.Validator, req *http.Request, resp *http.Response, body []byte) bool {
	tb.Helper()
	r := *resp
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.Request = req
	ok, errs := val.ValidateHttpResponse(req, &r)
	if !ok && unserved(errs) {
		// A path or method the API does not serve has no operation to validate
		// against: it must be refused with Backstage's error body.
		return refusal(tb, req, resp, body)
	}
	if !ok {
		tb.Errorf("%s %s -> %d: the response does not match the OpenAPI document: %s\nbody: %.600s", req.Method, req.URL.RequestURI(), resp.StatusCode, describe(errs), body)
		return false
	}
	return true
}

// unserved reports whether the only problems are that the document has no such path
// or method.
func unserved(errs []*verrors.ValidationError) bool {
	for _, e := range errs {
		if e.ValidationType != helpers.PathValidation {
			return false
		}
	}
	return len(errs) > 0
}

var errorSchema = func() *jsonschema.Schema {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(openapi.ErrorSchema()))
	if err != nil {
		panic(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("error.json", doc); err != nil {
		panic(err)
	}
	return c.MustCompile("error.json")
}()

// refusal checks the answer to a path or method an API does not serve: 403 (Backstage's
// catalog refuses a method so), 404, 405 or 501, with Backstage's error body.
func refusal(tb testing.TB, req *http.Request, resp *http.Response, body []byte) bool {
	tb.Helper()
	switch resp.StatusCode {
	case 403, 404, 405, 501:
	default:
		tb.Errorf("%s %s -> %d: the document has no such operation, and the answer is not a 403, 404, 405 or 501 refusal: %.300s", req.Method, req.URL.RequestURI(), resp.StatusCode, body)
		return false
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err == nil {
		err = errorSchema.Validate(inst)
	}
	if err != nil {
		tb.Errorf("%s %s -> %d: the refusal is not Backstage's error body: %v\n%.300s", req.Method, req.URL.RequestURI(), resp.StatusCode, err, body)
		return false
	}
	return true
}

func describe(errs []*verrors.ValidationError) string {
	var b strings.Builder
	for _, e := range errs {
		b.WriteString("\n  - " + e.Message)
		if e.Reason != "" {
			b.WriteString(": " + e.Reason)
		}
		for _, f := range e.SchemaValidationErrors {
			b.WriteString("\n      " + f.FieldPath + ": " + f.Reason)
		}
	}
	return b.String()
}
