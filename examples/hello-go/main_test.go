//go:build !wasip1

package main

import (
	"encoding/json"
	"os"
	"testing"

	"gopkg.in/yaml.v3"

	greenroom "greenroom.dev/greenroom/sdk/go"
)

// These tests run the handlers natively on the SDK's TestHost; sdk/go/wasmtest runs the
// same plugin built for wasip1 inside WebAssembly.

func TestHello(t *testing.T) {
	tests := []struct {
		config     map[string]any
		query      map[string][]string
		wantStatus int
		wantBody   string
	}{
		{map[string]any{"greeting": "hello"}, map[string][]string{"name": {"X"}}, 200, `{"message":"hello X"}`},
		{map[string]any{"greeting": "hi"}, map[string][]string{"name": {"X"}}, 200, `{"message":"hi X"}`},
		{nil, map[string][]string{"name": {"X"}}, 200, `{"message":"hello X"}`},
		{nil, nil, 400, `{"error":{"name":"InputError","message":"query parameter name is required","code":"invalid_argument"},"response":{"statusCode":400}}`},
	}
	for _, tt := range tests {
		defer greenroom.UseTestHost(&greenroom.TestHost{Config: tt.config})()
		r := greenroom.Serve(&greenroom.Request{Method: "GET", Path: "/hello", Route: "/hello", Query: tt.query})
		if r.StatusCode() != tt.wantStatus || string(r.Content()) != tt.wantBody {
			t.Errorf("config %v query %v: %d %s, want %d %s", tt.config, tt.query, r.StatusCode(), r.Content(), tt.wantStatus, tt.wantBody)
		}
	}
}

func TestTickAndCount(t *testing.T) {
	h := &greenroom.TestHost{}
	defer greenroom.UseTestHost(h)()
	for i := 0; i < 2; i++ {
		if err := greenroom.RunTask(&greenroom.TaskRequest{Name: "tick", ScheduledAt: "2026-11-21T10:00:00Z"}); err != nil {
			t.Fatal(err)
		}
	}
	r := greenroom.Serve(&greenroom.Request{Method: "GET", Path: "/count"})
	if string(r.Content()) != `{"count":2}` {
		t.Errorf("count: %s", r.Content())
	}
	defer greenroom.UseTestHost(&greenroom.TestHost{DenyKV: true})()
	if r := greenroom.Serve(&greenroom.Request{Method: "GET", Path: "/count"}); r.StatusCode() != 403 {
		t.Errorf("count without the kv grant: %d %s", r.StatusCode(), r.Content())
	}
}

// TestManifestMatchesHandlers decodes plugin.yaml as "greenroom plugin pack" does (YAML
// to manifest JSON, strictly), and checks its routes and tasks against the handlers.
func TestManifestMatchesHandlers(t *testing.T) {
	b, err := os.ReadFile("plugin.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc any
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("plugin.yaml: %v", err)
	}
	j, err := json.Marshal(doc)
	if err != nil {
		t.Fatalf("plugin.yaml as JSON: %v", err)
	}
	m, err := greenroom.ParseManifest(j)
	if err != nil {
		t.Fatalf("plugin.yaml: %v", err)
	}
	if m.ID != "hello-go" || len(m.Routes) != 2 || len(m.Tasks) != 1 {
		t.Errorf("plugin.yaml decoded as %+v", m)
	}
	if err := greenroom.CheckManifest(m); err != nil {
		t.Error(err)
	}
}
