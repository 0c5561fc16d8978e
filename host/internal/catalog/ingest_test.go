package catalog

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func comp(name, extra string) string {
	return fmt.Sprintf(`apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: %s
spec:
  type: service
  lifecycle: production
  owner: team-a
%s`, name, extra)
}

func locationFile(targets ...string) string {
	var b strings.Builder
	b.WriteString("apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: root\nspec:\n  targets:\n")
	for _, t := range targets {
		b.WriteString("    - " + t + "\n")
	}
	return b.String()
}

func refresh(t *testing.T, c *Catalog) {
	t.Helper()
	if err := c.RefreshAll(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func statusMessages(t *testing.T, entity []byte) []string {
	m := mustDecode(t, entity)
	st, _ := m["status"].(map[string]any)
	items, _ := st["items"].([]any)
	var out []string
	for _, it := range items {
		out = append(out, it.(map[string]any)["message"].(string))
	}
	return out
}

func TestRulesDefaultAllowList(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "all.yaml"), locationFile("./c.yaml"))
	writeFile(t, filepath.Join(dir, "c.yaml"), comp("web", "")+"---\n"+`apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: team-a
spec:
  type: team
  children: []
`)
	c := newTestCatalog(t, Config{Locations: []LocationConfig{{Type: "file", Target: filepath.Join(dir, "all.yaml")}}}, nil)
	refresh(t, c)
	if c.ByRef("component:web") == nil {
		t.Fatal("component missing")
	}
	if c.ByRef("group:team-a") != nil {
		t.Fatal("group allowed by default rules")
	}
	loc := c.ByRef("location:default/root")
	msgs := statusMessages(t, loc)
	if len(msgs) != 1 || !strings.Contains(msgs[0], "group:default/team-a") || !strings.Contains(msgs[0], "is not of an allowed kind") || !strings.Contains(msgs[0], `allow "Group" in catalog.rules`) {
		t.Fatalf("status of location: %v", msgs)
	}
}

func TestPerLocationRules(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "org.yaml"), `apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: team-a
spec:
  type: team
  children: []
`)
	empty := []Rule{}
	c := newTestCatalog(t, Config{Rules: &empty, Locations: []LocationConfig{
		{Type: "file", Target: filepath.Join(dir, "org.yaml"), Rules: []Rule{{Allow: []string{"group"}}}},
	}}, nil)
	refresh(t, c)
	if c.ByRef("group:team-a") == nil {
		t.Fatal("per-location rule did not allow the group")
	}
}

func TestBadEntityNeverBlocksOthers(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "all.yaml"), locationFile("./c.yaml", "./broken.yaml"))
	writeFile(t, filepath.Join(dir, "c.yaml"), comp("good", "")+"---\n"+comp("bad name", "")+"---\n"+comp("refs", "  dependsOn: [nokind]\n")+"---\n"+comp("good2", "")+
		"---\napiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\nspec: {}\n")
	writeFile(t, filepath.Join(dir, "broken.yaml"), "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: [x\n")
	c := newTestCatalog(t, Config{Locations: []LocationConfig{{Type: "file", Target: filepath.Join(dir, "all.yaml")}}}, nil)
	refresh(t, c)
	if c.ByRef("component:good") == nil || c.ByRef("component:good2") == nil {
		t.Fatal("good entities missing")
	}
	if c.ByRef("component:refs") != nil {
		t.Fatal("entity with a broken ref was accepted")
	}
	msgs := strings.Join(statusMessages(t, c.ByRef("location:root")), "\n")
	for _, want := range []string{
		"c.yaml:10: component:default/bad name: \"metadata.name\" is not valid",
		"component:default/refs: spec.dependsOn: Entity reference \"nokind\" had missing or empty kind",
		"broken.yaml: line 4: did not find expected ',' or ']'",
		"widget:default/w: No processor recognized the entity widget:default/w as valid, possibly caused by a foreign kind or apiVersion",
	} {
		if !strings.Contains(msgs, want) {
			t.Errorf("status lacks %q:\n%s", want, msgs)
		}
	}
}

func TestConflictFirstLocationKeepsEntity(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "a.yaml"), comp("web", "  system: from-a\n"))
	writeFile(t, filepath.Join(dir, "b.yaml"), comp("web", "  system: from-b\n"))
	c := newTestCatalog(t, Config{Locations: []LocationConfig{
		{Type: "file", Target: filepath.Join(dir, "a.yaml")},
	}}, nil)
	refresh(t, c)
	if _, _, _, err := c.AddLocation(context.Background(), "file", filepath.Join(dir, "b.yaml"), false); err != nil {
		t.Fatal(err)
	}
	e := mustDecode(t, c.ByRef("component:web"))
	if e["spec"].(map[string]any)["system"] != "from-a" {
		t.Fatalf("second location took the entity: %v", e["spec"])
	}
	msgs := statusMessages(t, c.ByRef("component:web"))
	if len(msgs) != 1 || !strings.Contains(msgs[0], "ConflictError: Detected conflicting entityRef component:default/web already referenced by file:"+filepath.Join(dir, "a.yaml")+" and now also file:"+filepath.Join(dir, "b.yaml")) {
		t.Fatalf("status: %v", msgs)
	}
	// Duplicates inside one file are reported too.
	writeFile(t, filepath.Join(dir, "a.yaml"), comp("web", "  system: from-a\n")+"---\n"+comp("web", "  system: again\n"))
	refresh(t, c)
	msgs = statusMessages(t, c.ByRef("location:"+"generated-"+hashBytes([]byte("file:"+filepath.Join(dir, "a.yaml")))))
	if len(msgs) != 1 || !strings.Contains(msgs[0], "Duplicate entity component:default/web") {
		t.Fatalf("duplicate: %v", msgs)
	}
}

// TestConflictWithinOnePass covers an entity emitted twice in one pass of one location:
// by two of its files, or twice by one file. The first keeps it, and the Location
// entity that lists the files shows the conflict.
func TestConflictWithinOnePass(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  string // the message on the root's Location entity; {dir} is the directory
	}{
		{
			name:  "two files",
			files: map[string]string{"a.yaml": comp("web", "  system: from-a\n"), "b.yaml": comp("web", "  system: from-b\n")},
			want:  "InputError: {dir}/b.yaml:1: Detected conflicting entityRef component:default/web already referenced by file:{dir}/a.yaml and now also file:{dir}/b.yaml",
		},
		{
			name:  "one file twice",
			files: map[string]string{"a.yaml": comp("web", "  system: from-a\n") + "---\n" + comp("web", "  system: again\n"), "b.yaml": comp("other", "")},
			want:  "InputError: {dir}/a.yaml:11: Duplicate entity component:default/web in file:{dir}/a.yaml; each entity may appear only once",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFile(t, filepath.Join(dir, "all.yaml"), locationFile("./a.yaml", "./b.yaml"))
			for name, content := range tt.files {
				writeFile(t, filepath.Join(dir, name), content)
			}
			c := newTestCatalog(t, Config{Locations: []LocationConfig{{Type: "file", Target: filepath.Join(dir, "all.yaml")}}}, nil)
			refresh(t, c)
			if got := mustDecode(t, c.ByRef("component:web"))["spec"].(map[string]any)["system"]; got != "from-a" {
				t.Errorf("system %v; the first to emit the entity should keep it", got)
			}
			want := strings.ReplaceAll(tt.want, "{dir}", dir)
			if msgs := statusMessages(t, c.ByRef("location:root")); len(msgs) != 1 || msgs[0] != want {
				t.Errorf("status of the location:\n%q\nwant\n%q", msgs, want)
			}
		})
	}
}

func TestOrphansDeletedByDefault(t *testing.T) {
	for _, strategy := range []string{"", "keep"} {
		t.Run("strategy="+strategy, func(t *testing.T) {
			dir := t.TempDir()
			writeFile(t, filepath.Join(dir, "all.yaml"), locationFile("./a.yaml", "./b.yaml"))
			writeFile(t, filepath.Join(dir, "a.yaml"), comp("one", "")+"---\n"+comp("two", ""))
			writeFile(t, filepath.Join(dir, "b.yaml"), comp("three", ""))
			c := newTestCatalog(t, Config{OrphanStrategy: strategy, Locations: []LocationConfig{{Type: "file", Target: filepath.Join(dir, "all.yaml")}}}, nil)
			refresh(t, c)
			// "two" leaves a.yaml; b.yaml leaves the Location (the location disappears).
			time.Sleep(10 * time.Millisecond)
			writeFile(t, filepath.Join(dir, "a.yaml"), comp("one", ""))
			writeFile(t, filepath.Join(dir, "all.yaml"), locationFile("./a.yaml"))
			refresh(t, c)
			for _, ref := range []string{"component:two", "component:three"} {
				e := c.ByRef(ref)
				if strategy == "" && e != nil {
					t.Errorf("%s not deleted", ref)
				}
				if strategy == "keep" {
					m := mustDecode(t, e)
					if m["metadata"].(map[string]any)["annotations"].(map[string]any)["backstage.io/orphan"] != "true" {
						t.Errorf("%s not annotated: %v", ref, m["metadata"])
					}
				}
			}
			if c.ByRef("component:one") == nil {
				t.Fatal("component one lost")
			}
			if strategy == "keep" {
				items, _ := c.Select(Selection{Filter: mustFilter(t, "metadata.annotations.backstage.io/orphan=true"), Limit: -1})
				if len(items) != 2 {
					t.Fatalf("orphan filter: %d", len(items))
				}
			}
		})
	}
}

func TestMissingFileKeepsEntitiesAndRecordsError(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "all.yaml"), locationFile("./a.yaml"))
	writeFile(t, filepath.Join(dir, "a.yaml"), comp("one", ""))
	c := newTestCatalog(t, Config{Locations: []LocationConfig{{Type: "file", Target: filepath.Join(dir, "all.yaml")}}}, nil)
	refresh(t, c)
	os.Remove(filepath.Join(dir, "a.yaml"))
	refresh(t, c)
	if c.ByRef("component:one") == nil {
		t.Fatal("entity of a missing file was removed")
	}
	msgs := strings.Join(statusMessages(t, c.ByRef("location:root")), "\n")
	if !strings.Contains(msgs, "a.yaml: not found") {
		t.Fatalf("status: %s", msgs)
	}
}

func TestFileOverSizeCap(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "all.yaml"), locationFile("./big.yaml", "./small.yaml"))
	writeFile(t, filepath.Join(dir, "big.yaml"), comp("big", "")+"# "+strings.Repeat("x", 4096)+"\n")
	writeFile(t, filepath.Join(dir, "small.yaml"), comp("small", ""))
	c, err := New(context.Background(), Options{Config: Config{Locations: []LocationConfig{{Type: "file", Target: filepath.Join(dir, "all.yaml")}}},
		Reader: &BasicReader{MaxBytes: 2048}, Logger: discardLogger()})
	if err != nil {
		t.Fatal(err)
	}
	refresh(t, c)
	if c.ByRef("component:small") == nil || c.ByRef("component:big") != nil {
		t.Fatal("size cap not applied per file")
	}
	msgs := strings.Join(statusMessages(t, c.ByRef("location:root")), "\n")
	if !strings.Contains(msgs, "big.yaml is") || !strings.Contains(msgs, "over the 2048-byte limit for catalog files") {
		t.Fatalf("status: %s", msgs)
	}
}

func TestAliasBombInCatalogFile(t *testing.T) {
	dir := t.TempDir()
	bomb := "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: bomb\n  a: &a [x,x,x,x,x,x,x,x,x,x]\n"
	prev := "a"
	for i := 0; i < 8; i++ {
		n := fmt.Sprintf("l%d", i)
		bomb += fmt.Sprintf("  %s: &%s [*%s,*%s,*%s,*%s,*%s,*%s,*%s,*%s,*%s,*%s]\n", n, n, prev, prev, prev, prev, prev, prev, prev, prev, prev, prev)
		prev = n
	}
	bomb += "spec: {type: service, lifecycle: production, owner: x}\n"
	writeFile(t, filepath.Join(dir, "bomb.yaml"), bomb)
	c := newTestCatalog(t, Config{Locations: []LocationConfig{{Type: "file", Target: filepath.Join(dir, "bomb.yaml")}}}, nil)
	start := time.Now()
	refresh(t, c)
	if time.Since(start) > 5*time.Second {
		t.Fatal("alias bomb took too long")
	}
	if c.ByRef("component:bomb") != nil {
		t.Fatal("alias bomb accepted")
	}
	msgs := strings.Join(statusMessages(t, c.ByRef("location:generated-"+hashBytes([]byte("file:"+filepath.Join(dir, "bomb.yaml"))))), "\n")
	if !strings.Contains(msgs, "excessive aliasing") {
		t.Fatalf("status: %s", msgs)
	}
}

func TestHTTPLocationUsesETags(t *testing.T) {
	var gets, fulls atomic.Int32
	content := comp("remote", "")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gets.Add(1)
		etag := fmt.Sprintf(`"%x"`, len(content))
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		fulls.Add(1)
		w.Header().Set("ETag", etag)
		fmt.Fprint(w, content)
	}))
	defer srv.Close()
	c := newTestCatalog(t, Config{Locations: []LocationConfig{{Type: "url", Target: srv.URL + "/catalog-info.yaml"}}}, nil)
	refresh(t, c)
	v := c.Version()
	refresh(t, c)
	refresh(t, c)
	if gets.Load() != 3 || fulls.Load() != 1 {
		t.Fatalf("gets %d fulls %d", gets.Load(), fulls.Load())
	}
	if c.Version() != v {
		t.Fatal("unchanged source was reprocessed")
	}
	before := mustDecode(t, c.ByRef("component:remote"))
	content = comp("remote", "  system: changed\n")
	refresh(t, c)
	after := mustDecode(t, c.ByRef("component:remote"))
	if after["spec"].(map[string]any)["system"] != "changed" {
		t.Fatal("change not picked up")
	}
	bm, am := before["metadata"].(map[string]any), after["metadata"].(map[string]any)
	if bm["uid"] != am["uid"] || bm["etag"] == am["etag"] {
		t.Fatalf("uid must stay and etag change: %v %v", bm, am)
	}
	// POST /refresh re-reads even with an unchanged etag.
	n := fulls.Load()
	if err := c.RefreshEntity(context.Background(), "component:default/remote"); err != nil {
		t.Fatal(err)
	}
	if fulls.Load() != n+1 {
		t.Fatal("refresh did not force a read")
	}
}

func TestRelationsAreStitchedBothWays(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "c.yaml"), comp("web", "  dependsOn: [component:db]\n")+"---\n"+comp("db", ""))
	rules := allKinds
	c := newTestCatalog(t, Config{Rules: &rules, Locations: []LocationConfig{{Type: "file", Target: filepath.Join(dir, "c.yaml")}}}, nil)
	refresh(t, c)
	rels := mustDecode(t, c.ByRef("component:db"))["relations"].([]any)
	found := false
	for _, r := range rels {
		m := r.(map[string]any)
		if m["type"] == "dependencyOf" && m["targetRef"] == "component:default/web" {
			found = true
		}
	}
	if !found {
		t.Fatalf("db relations: %v", rels)
	}
	// web stops depending on db: db loses the reverse relation.
	time.Sleep(10 * time.Millisecond)
	writeFile(t, filepath.Join(dir, "c.yaml"), comp("web", "")+"---\n"+comp("db", ""))
	refresh(t, c)
	for _, r := range mustDecode(t, c.ByRef("component:db"))["relations"].([]any) {
		if r.(map[string]any)["type"] == "dependencyOf" {
			t.Fatal("stale reverse relation")
		}
	}
}

func mustFilter(t *testing.T, s ...string) Filter {
	f, err := ParseFilter(s)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// A change of catalog.rules reprocesses sources whose files did not change (their
// ETags still match), after a restart on the same store.
func TestRuleChangeReprocessesUnchangedSources(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "all.yaml"), locationFile("./c.yaml"))
	writeFile(t, filepath.Join(dir, "c.yaml"), comp("web", "")+"---\n"+`apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: team-a
spec:
  type: team
  children: []
`)
	store := NewMemoryStore()
	locs := []LocationConfig{{Type: "file", Target: filepath.Join(dir, "all.yaml")}}
	c := newTestCatalog(t, Config{Locations: locs}, store)
	refresh(t, c)
	if c.ByRef("group:team-a") != nil {
		t.Fatal("group allowed by default rules")
	}
	rules := []Rule{{Allow: []string{"Component", "Location", "Group"}}}
	c = newTestCatalog(t, Config{Locations: locs, Rules: &rules}, store)
	refresh(t, c)
	if c.ByRef("group:team-a") == nil {
		t.Fatal("the group is still missing after catalog.rules allowed it")
	}
}
