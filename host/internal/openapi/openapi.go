// Package openapi holds the OpenAPI 3.1 documents of the REST APIs the host serves —
// catalog (with the routes, operation ids and schema names of Backstage's published
// catalog OpenAPI), admin, audit, auth and permission, search and scaffolder (each with
// the operation ids and schema names of Backstage's published document for it) — which
// the server serves at /api/<id>/openapi.json. They are written in YAML beside this file
// (docs/) and served as JSON, each with Backstage's error body from docs/common.yaml.
//
// The test suite validates real responses against them (host/internal/openapitest),
// so that a document cannot drift from the code: a route, a field or a status the code
// serves and the document lacks fails a test.
package openapi

import (
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

//go:embed docs/*.yaml
var files embed.FS

// documents are the host's documents by API id, as JSON.
var documents = func() map[string][]byte {
	var common map[string]any
	mustYAML("docs/common.yaml", &common)
	out := map[string][]byte{}
	entries, _ := files.ReadDir("docs")
	for _, e := range entries {
		id := strings.TrimSuffix(e.Name(), ".yaml")
		if id == "common" {
			continue
		}
		var doc map[string]any
		mustYAML("docs/"+e.Name(), &doc)
		comps, _ := doc["components"].(map[string]any)
		if comps == nil {
			comps = map[string]any{}
			doc["components"] = comps
		}
		schemas, _ := comps["schemas"].(map[string]any)
		if schemas == nil {
			schemas = map[string]any{}
			comps["schemas"] = schemas
		}
		for k, v := range common {
			if _, ok := schemas[k]; !ok {
				schemas[k] = v
			}
		}
		b, err := json.Marshal(doc)
		if err != nil {
			panic(fmt.Sprintf("openapi: %s: %v", e.Name(), err))
		}
		out[id] = b
	}
	return out
}()

func mustYAML(name string, v any) {
	b, err := files.ReadFile(name)
	if err == nil {
		err = yaml.Unmarshal(b, v)
	}
	if err != nil {
		panic(fmt.Sprintf("openapi: %s: %v", name, err))
	}
}

// ErrorSchema is the JSON Schema of Backstage's error body, which every API answers
// its errors with (also for a path or method it does not serve).
func ErrorSchema() []byte { return errorSchema }

var errorSchema = func() []byte {
	var common map[string]any
	mustYAML("docs/common.yaml", &common)
	b, _ := json.Marshal(common["Error"])
	return b
}()

// Document returns the OpenAPI document of the host's API id (catalog, admin, audit,
// auth, permission, scaffolder, search) as JSON.
func Document(id string) ([]byte, bool) {
	b, ok := documents[id]
	return b, ok
}

// IDs lists the APIs that have a document, sorted.
func IDs() []string {
	out := make([]string, 0, len(documents))
	for id := range documents {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

// Check reports whether doc (a plugin's, from its manifest) is an OpenAPI 3 document
// the host can serve: a JSON object with an "openapi" version 3.x and a "paths" object,
// or "webhooks"/"components" for a 3.1 document without paths.
func Check(doc []byte) error {
	var d struct {
		OpenAPI    *string         `json:"openapi"`
		Info       map[string]any  `json:"info"`
		Paths      json.RawMessage `json:"paths"`
		Webhooks   json.RawMessage `json:"webhooks"`
		Components json.RawMessage `json:"components"`
	}
	if err := json.Unmarshal(doc, &d); err != nil {
		return fmt.Errorf("not a JSON object: %v", err)
	}
	switch {
	case d.OpenAPI == nil:
		return errors.New(`it has no "openapi" version; start it with openapi: 3.1.0`)
	case !strings.HasPrefix(*d.OpenAPI, "3."):
		return fmt.Errorf(`"openapi" is %q; the host serves OpenAPI 3 documents (3.0.x or 3.1.x)`, *d.OpenAPI)
	case d.Info == nil:
		return errors.New(`it has no "info" object (title and version)`)
	case d.Paths == nil && d.Webhooks == nil && d.Components == nil:
		return errors.New(`it has no "paths"`)
	}
	return nil
}
