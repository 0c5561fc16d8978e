package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"greenroom.dev/greenroom/host/internal/catalog"
	"greenroom.dev/greenroom/host/internal/catalog/api"
	"greenroom.dev/greenroom/host/internal/egress"
	"greenroom.dev/greenroom/host/internal/urlreader"
	"greenroom.dev/greenroom/host/internal/urlreader/catalogreader"
	"greenroom.dev/greenroom/host/internal/urlreader/integrations"
)

// fakeGitHubAPI stands in for GitHub's REST API: acme/repo (default branch main) has a
// catalog-info.yaml, acme/bare (default branch trunk) has none, and every other
// repository does not exist.
func fakeGitHubAPI(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		notFound := func() {
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `{"message":"Not Found"}`)
		}
		switch p := r.URL.Path; {
		case p == "/api/v3/repos/acme/repo":
			fmt.Fprint(w, `{"name":"repo","full_name":"acme/repo","default_branch":"main"}`)
		case p == "/api/v3/repos/acme/bare":
			fmt.Fprint(w, `{"name":"bare","full_name":"acme/bare","default_branch":"trunk"}`)
		case p == "/api/v3/repos/acme/repo/contents/catalog-info.yaml" && r.URL.Query().Get("ref") == "main":
			w.Header().Set("ETag", `"1"`)
			fmt.Fprint(w, "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: acme-repo\nspec:\n  type: service\n  lifecycle: production\n  owner: team-a\n")
		default:
			notFound()
		}
	}))
	t.Cleanup(srv.Close)
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	return port
}

// analyzeServer serves the catalog API over a catalog that reads URLs through the real
// URL readers built from integrations, as serve builds them; names resolve through
// resolver only, so nothing leaves the machine.
func analyzeServer(t *testing.T, reading urlreader.ReadingConfig, in integrations.Config, resolver egress.StaticResolver) string {
	t.Helper()
	mux, err := integrations.NewReaders(reading, in, urlreader.Options{Resolver: resolver, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	c, err := catalog.New(context.Background(), catalog.Options{Reader: &catalogreader.Reader{URLs: mux, Files: &catalog.BasicReader{}}, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(handler(api.New(c)))
	t.Cleanup(srv.Close)
	return srv.URL
}

func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	ln.Close()
	return port
}

// TestAnalyzeGitHubRepository: POST /analyze-location with a GitHub repository URL
// answers Backstage's analyze-location response, or an InputError that says why, and
// never 500: with the integration configured (a local server stands in for the API),
// without integrations, and with the API unreachable.
func TestAnalyzeGitHubRepository(t *testing.T) {
	local := egress.StaticResolver{"api.github.test": {"127.0.0.1"}, "docs.test": {"127.0.0.1"}}
	withAPI := func(port string) integrations.Config {
		return integrations.Config{GitHub: []urlreader.GitHubIntegration{{Host: "github.test", Token: "t0ken", APIBaseURL: "http://api.github.test:" + port + "/api/v3"}}}
	}
	// A plain web server beside GitHub, under backend.reading.allow.
	docs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/svc/catalog-info.yaml" {
			http.NotFound(w, r)
			return
		}
		fmt.Fprint(w, "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: svc\nspec:\n  type: service\n  lifecycle: production\n  owner: team-a\n")
	}))
	defer docs.Close()
	_, docsPort, _ := net.SplitHostPort(docs.Listener.Addr().String())
	docsHost := "docs.test:" + docsPort
	configured := analyzeServer(t, urlreader.ReadingConfig{Allow: []urlreader.AllowRule{{Host: docsHost}}}, withAPI(fakeGitHubAPI(t)), local)
	unreachable := analyzeServer(t, urlreader.ReadingConfig{}, withAPI(closedPort(t)), local)
	// No integrations: github.com is read anonymously through api.github.com, which
	// does not resolve here.
	none := analyzeServer(t, urlreader.ReadingConfig{}, integrations.Config{}, egress.StaticResolver{})

	type result struct {
		ExistingEntityFiles []struct {
			Entity       map[string]any
			IsRegistered bool
			Location     struct{ Type, Target string }
		}
		GenerateEntities []struct {
			Entity map[string]any
			Fields []map[string]any
		}
		Error struct{ Name, Message string }
	}
	tests := []struct {
		name, server, target string
		status               int
		check                func(t *testing.T, r result)
	}{
		{"repository with a catalog file", configured, "https://github.test/acme/repo", 200, func(t *testing.T, r result) {
			if len(r.ExistingEntityFiles) != 1 || len(r.GenerateEntities) != 0 {
				t.Fatalf("%+v", r)
			}
			f := r.ExistingEntityFiles[0]
			if f.Location.Type != "url" || f.Location.Target != "https://github.test/acme/repo/blob/main/catalog-info.yaml" || f.IsRegistered ||
				f.Entity["metadata"].(map[string]any)["name"] != "acme-repo" {
				t.Fatalf("%+v", f)
			}
		}},
		{"repository URL with a slash and .git", configured, "https://github.test/acme/repo.git/", 200, func(t *testing.T, r result) {
			if len(r.ExistingEntityFiles) != 1 || r.ExistingEntityFiles[0].Location.Target != "https://github.test/acme/repo/blob/main/catalog-info.yaml" {
				t.Fatalf("%+v", r)
			}
		}},
		{"tree URL", configured, "https://github.test/acme/repo/tree/main", 200, func(t *testing.T, r result) {
			if len(r.ExistingEntityFiles) != 1 || r.ExistingEntityFiles[0].Location.Target != "https://github.test/acme/repo/blob/main/catalog-info.yaml" {
				t.Fatalf("%+v", r)
			}
		}},
		{"repository without a catalog file", configured, "https://github.test/acme/bare", 200, func(t *testing.T, r result) {
			if len(r.ExistingEntityFiles) != 0 || len(r.GenerateEntities) != 1 {
				t.Fatalf("%+v", r)
			}
			g := r.GenerateEntities[0]
			if g.Entity["kind"] != "Component" || g.Entity["metadata"].(map[string]any)["name"] != "bare" ||
				len(g.Fields) != 1 || g.Fields[0]["field"] != "spec.owner" || g.Fields[0]["state"] != "needsUserInput" {
				t.Fatalf("%+v", g)
			}
		}},
		{"no such repository", configured, "https://github.test/acme/nope", 400, func(t *testing.T, r result) {
			if r.Error.Name != "InputError" || !strings.Contains(r.Error.Message, "https://github.test/acme/nope") || !strings.Contains(r.Error.Message, "not found (HTTP 404)") {
				t.Fatalf("%+v", r.Error)
			}
		}},
		{"owner URL", configured, "https://github.test/acme", 400, func(t *testing.T, r result) {
			if r.Error.Name != "InputError" || !strings.Contains(r.Error.Message, "/blob/<ref>/<path>") {
				t.Fatalf("%+v", r.Error)
			}
		}},
		{"API unreachable", unreachable, "https://github.test/acme/repo", 400, func(t *testing.T, r result) {
			if r.Error.Name != "InputError" || !strings.Contains(r.Error.Message, "Could not analyze https://github.test/acme/repo") || !strings.Contains(r.Error.Message, "connection refused") {
				t.Fatalf("%+v", r.Error)
			}
		}},
		{"no integrations, github.com unreachable", none, "https://github.com/acme/repo", 400, func(t *testing.T, r result) {
			if r.Error.Name != "InputError" || !strings.Contains(r.Error.Message, "api.github.com") {
				t.Fatalf("%+v", r.Error)
			}
		}},
		{"web server directory", configured, "http://" + docsHost + "/svc", 200, func(t *testing.T, r result) {
			if len(r.ExistingEntityFiles) != 1 || r.ExistingEntityFiles[0].Location.Target != "http://"+docsHost+"/svc/catalog-info.yaml" {
				t.Fatalf("%+v", r)
			}
		}},
		{"web server directory without a catalog file", configured, "http://" + docsHost + "/other/", 200, func(t *testing.T, r result) {
			if len(r.GenerateEntities) != 1 || r.GenerateEntities[0].Entity["metadata"].(map[string]any)["name"] != "other" {
				t.Fatalf("%+v", r)
			}
		}},
		{"no integration for the host", none, "https://ghe.example.com/acme/repo", 400, func(t *testing.T, r result) {
			if r.Error.Name != "InputError" || !strings.Contains(r.Error.Message, "no URL reader accepts") || !strings.Contains(r.Error.Message, "integrations.github") {
				t.Fatalf("%+v", r.Error)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := do(t, tt.server, "POST", "/analyze-location", `{"location":{"type":"url","target":"`+tt.target+`"}}`)
			t.Logf("%d %s", r.status, r.body)
			if r.status != tt.status {
				t.Fatalf("status %d, want %d: %s", r.status, tt.status, r.body)
			}
			var res result
			if err := json.Unmarshal(r.body, &res); err != nil {
				t.Fatalf("%v: %s", err, r.body)
			}
			tt.check(t, res)
		})
	}
}
