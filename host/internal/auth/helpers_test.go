package auth

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"greenroom.dev/greenroom/host/internal/catalog"
	"greenroom.dev/greenroom/host/internal/store"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// clock is a settable clock for the Service.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// openStore opens a real bbolt file in dir and returns its auth bucket.
func openStore(t testing.TB, dir string) (*store.File, *store.Bucket) {
	t.Helper()
	f, err := store.OpenFile(filepath.Join(dir, "greenroom.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f, f.Bucket("auth")
}

// newService makes a Service over a fresh store with opts' config (defaults applied).
func newService(t testing.TB, o Options) *Service {
	t.Helper()
	if o.Store == nil {
		_, o.Store = openStore(t, t.TempDir())
	}
	if o.BaseURL == "" {
		o.BaseURL = "http://localhost:7007"
	}
	if o.Logger == nil {
		o.Logger = quiet
	}
	o.Config.ApplyDefaults()
	if errs := o.Config.Validate(); len(errs) > 0 {
		t.Fatalf("config: %v", errs)
	}
	if errs := o.Backend.Validate(); len(errs) > 0 {
		t.Fatalf("backend config: %v", errs)
	}
	s, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// catalogUsers is the UserLookup the host builds over the catalog: a by-query with
// the filter's fields and kind=user, read with UserFromEntity.
type catalogUsers struct{ cat *catalog.Catalog }

func (c catalogUsers) FindUsers(_ context.Context, f UserFilter) ([]User, error) {
	parts := []string{"kind=user"}
	for k, v := range f {
		parts = append(parts, k+"="+v)
	}
	res, err := c.cat.QueryEntities(catalog.PluginQuery{Filter: []string{strings.Join(parts, ",")}, Limit: 10}, nil)
	if err != nil {
		return nil, err
	}
	var out []User
	for _, it := range res.Items {
		u, err := UserFromEntity(it)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, nil
}

// orgYAML is the organisation the sign-in tests resolve users against.
const orgYAML = `
apiVersion: backstage.io/v1alpha1
kind: User
metadata: {name: jane}
spec:
  profile: {email: jane@example.com, displayName: Jane Doe}
  memberOf: [team-a]
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: team-a}
spec: {type: team, children: []}
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: team-b, namespace: ops}
spec: {type: team, children: [], members: [default/jane]}
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata: {name: octocat}
spec:
  profile: {email: octo@example.com}
  memberOf: [team-a]
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata: {name: twin-one}
spec:
  profile: {email: twin@example.com}
  memberOf: []
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata: {name: twin-two}
spec:
  profile: {email: twin@example.com}
  memberOf: []
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata: {name: guest}
spec:
  profile: {displayName: The Guest}
  memberOf: [team-a]
`

// orgCatalog builds a real catalog, in process, from orgYAML (and more YAML).
func orgCatalog(t testing.TB, more string) catalogUsers {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "org.yaml"), []byte(orgYAML+more), 0o644); err != nil {
		t.Fatal(err)
	}
	var cc catalog.Config
	if err := yaml.Unmarshal([]byte("locations: [{type: file, target: org.yaml}]\nrules: [{allow: [User, Group]}]\nprocessingInterval: 0s\n"), &cc); err != nil {
		t.Fatal(err)
	}
	cat, err := catalog.New(context.Background(), catalog.Options{Config: cc, BaseDir: dir, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	if err := cat.RefreshAll(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n, _ := cat.ProcessingErrors(); n != 0 {
		items, _ := cat.Select(catalog.Selection{Limit: 100})
		var status []string
		for _, it := range items {
			var e struct {
				Status json.RawMessage `json:"status"`
			}
			json.Unmarshal(it, &e)
			if e.Status != nil {
				status = append(status, string(e.Status))
			}
		}
		t.Fatalf("%d entities of orgYAML have errors: %s", n, status)
	}
	return catalogUsers{cat}
}
