package frontend

import (
	"context"
	"strings"
	"testing"

	"greenroom.dev/greenroom/host/internal/frontend/ext"
)

const petstore = `openapi: 3.0.0
info: {title: Pet Store, version: 1.2.0}
paths:
  /pets/{id}:
    parameters:
      - {name: id, in: path, required: true, schema: {type: string}}
    get:
      tags: [pets]
      summary: Get a pet
      operationId: getPet
      parameters:
        - {name: verbose, in: query, schema: {type: boolean}}
      responses:
        "200":
          description: The pet
          content:
            application/json:
              schema: {type: object, properties: {name: {type: string}}}
        "404": {description: No such pet}
  /orders:
    post:
      tags: [store]
      summary: Place an order
      requestBody:
        content:
          application/json:
            schema: {$ref: "#/components/schemas/Order"}
      responses:
        "201": {description: Placed}
`

func api(name, typ, def string) ext.Entity {
	return ext.Entity{APIVersion: "backstage.io/v1alpha1", Kind: "API", Metadata: ext.EntityMetadata{Name: name},
		Spec: map[string]any{"type": typ, "definition": def, "owner": "team-a", "lifecycle": "production"}}
}

// TestDefinitionTab: an API entity's Definition tab lays out its OpenAPI operations
// by tag (parameters, request and response schemas), its AsyncAPI channels, its
// GraphQL SDL highlighted, and shows any other or broken definition as written, saying why.
func TestDefinitionTab(t *testing.T) {
	a, err := New(context.Background(), Options{Catalog: NewMemoryCatalog([]ext.Entity{
		api("pets", "openapi", petstore),
		api("events", "asyncapi", "asyncapi: 2.6.0\ninfo: {title: Events, version: 1.0.0}\nchannels:\n  orders/placed:\n    description: An order was placed\n    subscribe:\n      summary: Orders\n      message: {payload: {type: object}}\n"),
		api("graph", "graphql", "type Query { pet(id: ID!): Pet }"),
		api("json", "openapi", `{"openapi": "3.0.0", "info": {"title": "J", "version": "1"}, "paths": {}}`),
		api("rpc", "grpc", "service Pets { rpc Get(Req) returns (Pet); }"),
		api("broken", "openapi", "openapi: [unclosed"),
		api("empty", "openapi", ""),
		{APIVersion: "backstage.io/v1alpha1", Kind: "Component", Metadata: ext.EntityMetadata{Name: "web"}, Spec: map[string]any{"type": "website"}},
	})})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path   string
		status int
		want   []string
	}{
		{"/catalog/default/api/pets/definition", 200, []string{
			`>Definition</a>`, "Pet Store", "version 1.2.0", `<h3 class="gr-card-title">pets</h3>`, `<h3 class="gr-card-title">store</h3>`,
			">GET<", "/pets/{id}", "Get a pet", "getPet", ">verbose<", ">query<", ">required<", ">200<", "The pet",
			"application/json", "&#34;name&#34;", ">POST<", "#/components/schemas/Order", "Raw definition",
			`<code class="language-yaml"><span class="gr-hl-field">openapi</span>: <span class="gr-hl-num">3.0.0</span>`}},
		{"/catalog/default/api/events/definition", 200, []string{"orders/placed", "An order was placed", ">subscribe<", "&#34;payload&#34;"}},
		{"/catalog/default/api/graph/definition", 200, []string{"GraphQL schema", `language-graphql`,
			`<span class="gr-hl-kw">type</span> <span class="gr-hl-type">Query</span> { <span class="gr-hl-field">pet</span>(<span class="gr-hl-field">id</span>: <span class="gr-hl-type">ID</span>!): <span class="gr-hl-type">Pet</span> }`}},
		{"/catalog/default/api/json/definition", 200, []string{`<code class="language-json">{<span class="gr-hl-field">&#34;openapi&#34;</span>: <span class="gr-hl-str">&#34;3.0.0&#34;</span>`}},
		{"/catalog/default/api/rpc/definition", 200, []string{"Raw definition", `<code class="language-protobuf">service Pets { rpc Get(Req) returns (Pet); }</code>`}},
		{"/catalog/default/api/broken/definition", 200, []string{"The definition does not parse", "spec.definition is not a valid openapi document", `<span class="gr-hl-field">openapi</span>: [unclosed`}},
		{"/catalog/default/api/empty/definition", 200, []string{"No definition"}},
		{"/catalog/default/component/web/definition", 404, []string{"This entity has no tab"}},
	} {
		status, html := get(t, a, tc.path)
		if status != tc.status {
			t.Errorf("%s: status %d, want %d", tc.path, status, tc.status)
		}
		for _, w := range tc.want {
			if !strings.Contains(html, w) {
				t.Errorf("%s lacks %s", tc.path, w)
			}
		}
	}
}
