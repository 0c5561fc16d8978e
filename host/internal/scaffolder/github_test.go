package scaffolder

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net"
	"net/http"
	"net/http/cgi"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"greenroom.dev/greenroom/host/internal/urlreader"
	"greenroom.dev/greenroom/host/internal/urlreader/githubreader"
)

// fakeGitHub answers GitHub's repository-creation API on 127.0.0.1 and accepts the
// push over smart HTTP (Debian's git http-backend), checking the token on both.
type fakeGitHub struct {
	mu         sync.Mutex
	url        string
	root       string
	created    map[string]any
	topics     []string
	protection map[string]any
}

func startGitHub(t *testing.T, token string) *fakeGitHub {
	t.Helper()
	out, err := exec.Command("git", "--exec-path").Output()
	if err != nil {
		t.Skip("git is not installed")
	}
	g := &fakeGitHub{root: t.TempDir()}
	backend := &cgi.Handler{Path: filepath.Join(strings.TrimSpace(string(out)), "git-http-backend"), Env: []string{"GIT_PROJECT_ROOT=" + g.root, "GIT_HTTP_EXPORT_ALL=1"}}
	mux := http.NewServeMux()
	api := func(h http.HandlerFunc) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Authorization") != "Bearer "+token {
				http.Error(w, `{"message":"Bad credentials"}`, http.StatusUnauthorized)
				return
			}
			h(w, r)
		}
	}
	mux.HandleFunc("GET /api/v3/users/{owner}", api(func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{"login": r.PathValue("owner"), "type": "Organization"})
	}))
	mux.HandleFunc("POST /api/v3/orgs/{org}/repos", api(func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		json.NewDecoder(r.Body).Decode(&body)
		name := body["name"].(string)
		dir := filepath.Join(g.root, r.PathValue("org"), name+".git")
		if out, err := exec.Command("git", "init", "-q", "--bare", dir).CombinedOutput(); err != nil {
			http.Error(w, string(out), 500)
			return
		}
		exec.Command("git", "--git-dir", dir, "config", "http.receivepack", "true").Run()
		g.mu.Lock()
		g.created = body
		g.mu.Unlock()
		w.WriteHeader(201)
		json.NewEncoder(w).Encode(map[string]any{"name": name, "clone_url": g.url + "/git/" + r.PathValue("org") + "/" + name + ".git", "html_url": g.url + "/" + r.PathValue("org") + "/" + name})
	}))
	mux.HandleFunc("PUT /api/v3/repos/{o}/{r}/topics", api(func(w http.ResponseWriter, r *http.Request) {
		var body struct{ Names []string }
		json.NewDecoder(r.Body).Decode(&body)
		g.mu.Lock()
		g.topics = body.Names
		g.mu.Unlock()
		json.NewEncoder(w).Encode(map[string]any{"names": body.Names})
	}))
	mux.HandleFunc("PUT /api/v3/repos/{o}/{r}/branches/{b}/protection", api(func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		json.NewDecoder(r.Body).Decode(&body)
		body["branch"] = r.PathValue("b")
		g.mu.Lock()
		g.protection = body
		g.mu.Unlock()
		json.NewEncoder(w).Encode(map[string]any{})
	}))
	mux.Handle("/git/", http.StripPrefix("/git", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Basic "+base64.StdEncoding.EncodeToString([]byte("x-access-token:"+token)) {
			w.Header().Set("WWW-Authenticate", `Basic realm="git"`)
			http.Error(w, "auth", http.StatusUnauthorized)
			return
		}
		backend.ServeHTTP(w, r)
	})))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: mux}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	g.url = "http://" + ln.Addr().String()
	return g
}

func TestPublishGitHub(t *testing.T) {
	const token = "ghp_test-token-123"
	gh := startGitHub(t, token)
	repos, err := githubreader.NewRepos([]urlreader.GitHubIntegration{{Host: "ghe.test", Token: token, APIBaseURL: gh.url + "/api/v3"}},
		urlreader.Limits{Timeout: 0}, urlreader.Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, ent := writeTemplate(t)
	spec := ent["spec"].(map[string]any)
	spec["steps"] = append(spec["steps"].([]any), map[string]any{"id": "publish", "action": "publish:github", "input": map[string]any{
		"repoUrl": "ghe.test?owner=acme&repo=${{ parameters.name }}", "description": "made by a test", "repoVisibility": "internal",
		"topics": []any{"go", "test"}, "defaultBranch": "main"}})
	spec["output"] = map[string]any{"remote": "${{ steps.publish.output.remoteUrl }}", "contents": "${{ steps.publish.output.repoContentsUrl }}", "commit": "${{ steps.publish.output.commitHash }}"}
	cat := &memCatalog{entities: map[string]map[string]any{"template:default/svc": ent}}
	f := newStoreFile(t)
	limit := 1
	s, err := New(Options{Config: Config{ConcurrentTasksLimit: &limit}, Store: f.Bucket("scaffolder"), Catalog: cat, WorkDir: t.TempDir(), GitHub: repos})
	if err != nil {
		t.Fatal(err)
	}
	s.Start(context.Background())
	defer s.Stop(context.Background())
	id, err := s.Create(context.Background(), "template:default/svc", map[string]any{"name": "new-svc"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	tk := waitDone(t, s, id)
	evs, _ := s.Events(id, 0)
	last := evs[len(evs)-1].Body
	if tk.Status != StatusCompleted {
		t.Fatalf("status %s: %+v", tk.Status, last.Error)
	}
	gh.mu.Lock()
	defer gh.mu.Unlock()
	if gh.created["description"] != "made by a test" || gh.created["visibility"] != "internal" || strings.Join(gh.topics, ",") != "go,test" {
		t.Errorf("created %v topics %v", gh.created, gh.topics)
	}
	// The default branch is protected as Backstage protects it by default.
	reviews, _ := gh.protection["required_pull_request_reviews"].(map[string]any)
	checks, _ := gh.protection["required_status_checks"].(map[string]any)
	if gh.protection["branch"] != "main" || gh.protection["enforce_admins"] != true || reviews["required_approving_review_count"] != 1.0 || checks["strict"] != true {
		t.Errorf("protection %v", gh.protection)
	}
	bare := filepath.Join(gh.root, "acme", "new-svc.git")
	out, err := exec.Command("git", "--git-dir", bare, "show", "main:README.md").CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), "# new-svc") {
		t.Errorf("pushed README: %q %v", out, err)
	}
	head, _ := exec.Command("git", "--git-dir", bare, "rev-parse", "main").Output()
	if last.Output["commit"] != strings.TrimSpace(string(head)) || last.Output["contents"] != gh.url+"/acme/new-svc/blob/main" || last.Output["remote"] != gh.url+"/git/acme/new-svc.git" {
		t.Errorf("output %v", last.Output)
	}
}
