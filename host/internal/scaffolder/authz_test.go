package scaffolder

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"greenroom.dev/greenroom/host/internal/identity"
	"greenroom.dev/greenroom/host/internal/permission"
)

// TestPermissions: task create/read/cancel follow the policy for the caller, and each
// step's action is decided (scaffolder.action.execute) for the task's creator.
func TestPermissions(t *testing.T) {
	_, ent := writeTemplate(t)
	cat := &memCatalog{entities: map[string]map[string]any{"template:default/svc": ent}}
	onlyLog := permission.Criteria{Rule: permission.RuleHasActionID, ResourceType: permission.ScaffolderActionResource, Params: json.RawMessage(`{"actionId":"debug:log"}`)}
	decide := func(p identity.Principal, perm permission.Permission) permission.Decision {
		switch {
		case p.UserEntityRef == "user:default/guest":
			return permission.Decision{Result: permission.Deny}
		case perm.Name == permission.ScaffolderActionExecute.Name && p.UserEntityRef == "user:default/logger":
			return permission.Decision{Result: permission.Conditional, Conditions: &onlyLog}
		}
		return permission.Decision{Result: permission.Allow}
	}
	f := newStoreFile(t)
	limit := 1
	s, err := New(Options{Config: Config{ConcurrentTasksLimit: &limit}, Store: f.Bucket("scaffolder"), Catalog: cat, WorkDir: t.TempDir(), Decide: decide})
	if err != nil {
		t.Fatal(err)
	}
	s.Start(context.Background())
	defer s.Stop(context.Background())
	as := func(ref string) context.Context {
		return identity.With(context.Background(), identity.NewUser(ref, nil))
	}
	var na *NotAllowedError
	if _, err := s.Create(as("user:default/guest"), "template:default/svc", map[string]any{"name": "x"}, nil); !errors.As(err, &na) || !strings.Contains(err.Error(), "scaffolder.task.create") {
		t.Errorf("guest create: %v", err)
	}
	id, err := s.Create(as("user:default/logger"), "template:default/svc", map[string]any{"name": "x"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	tk := waitDone(t, s, id)
	evs, _ := s.Events(id, 0)
	if last := evs[len(evs)-1].Body; tk.Status != StatusFailed || last.Error == nil || !strings.Contains(last.Error.Message, "Unauthorized action: fetch:template. The action is not allowed.") {
		t.Errorf("conditional execute: %s %+v", tk.Status, last.Error)
	}
	if err := s.Cancel(as("user:default/guest"), id); !errors.As(err, &na) {
		t.Errorf("guest cancel: %v", err)
	}

	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.Handler().ServeHTTP(w, r.WithContext(as(r.Header.Get("X-User"))))
	}))
	defer srv.Close()
	for _, tc := range []struct{ user, method, path string }{
		{"user:default/guest", "GET", "/v2/tasks"},
		{"user:default/guest", "GET", "/v2/tasks/" + id},
		{"user:default/guest", "GET", "/v2/tasks/" + id + "/eventstream"},
		{"user:default/guest", "POST", "/v2/tasks/" + id + "/cancel"},
	} {
		req, _ := http.NewRequest(tc.method, srv.URL+Prefix+tc.path, nil)
		req.Header.Set("X-User", tc.user)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		checkOpenAPI(t, req, resp, b)
		if resp.StatusCode != 403 {
			t.Errorf("%s %s as %s = %d, want 403", tc.method, tc.path, tc.user, resp.StatusCode)
		}
	}
}
