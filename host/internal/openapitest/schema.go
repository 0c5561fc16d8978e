package openapitest

import (
	"bytes"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"greenroom.dev/greenroom/host/internal/openapi"
)

// Schema compiles one schema of a host document's components (by API id and schema
// name), for what a response's validation does not read: the JSON of each frame of an
// event stream, say. An unknown document or schema fails tb.
func Schema(tb testing.TB, id, name string) *jsonschema.Schema {
	tb.Helper()
	b, ok := openapi.Document(id)
	if !ok {
		tb.Fatalf("openapi: no document %q", id)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		tb.Fatalf("openapi %s: %v", id, err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	if err := c.AddResource(id+".json", doc); err != nil {
		tb.Fatalf("openapi %s: %v", id, err)
	}
	s, err := c.Compile(id + ".json#/components/schemas/" + name)
	if err != nil {
		tb.Fatalf("openapi %s: schema %s: %v", id, name, err)
	}
	return s
}

// Value validates the JSON body against schema s; it fails tb naming what, the body
// and every problem found.
func Value(tb testing.TB, s *jsonschema.Schema, what string, body []byte) bool {
	tb.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err == nil {
		err = s.Validate(inst)
	}
	if err != nil {
		tb.Errorf("%s does not match the OpenAPI document: %#v\n%.600s", what, err, body)
		return false
	}
	return true
}
