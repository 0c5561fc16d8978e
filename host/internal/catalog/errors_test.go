package catalog

import (
	"bytes"
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// logBuffer collects what a catalog logs.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// take returns the lines logged since the last call.
func (l *logBuffer) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := strings.TrimSpace(l.buf.String())
	l.buf.Reset()
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// grep returns the lines that contain every one of parts.
func grep(lines []string, parts ...string) []string {
	var out []string
	for _, l := range lines {
		all := true
		for _, p := range parts {
			all = all && strings.Contains(l, p)
		}
		if all {
			out = append(out, l)
		}
	}
	return out
}

func TestProcessingErrorsAreLoggedAndCounted(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "all.yaml"), locationFile("./good.yaml", "./invalid.yaml", "./missing.yaml"))
	writeFile(t, filepath.Join(dir, "good.yaml"), comp("web", ""))
	writeFile(t, filepath.Join(dir, "invalid.yaml"), comp("ok", "")+"---\n"+comp("bad_name!", ""))
	store := NewMemoryStore()
	logs := &logBuffer{}
	open := func() *Catalog {
		c, err := New(context.Background(), Options{Config: Config{Locations: []LocationConfig{{Type: "file", Target: filepath.Join(dir, "all.yaml")}}},
			Store: store, Logger: slog.New(slog.NewTextHandler(logs, nil))})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	counts := func(c *Catalog, entities, locations int) {
		t.Helper()
		if e, l := c.ProcessingErrors(); e != entities || l != locations {
			t.Fatalf("ProcessingErrors = %d entities, %d locations; want %d, %d", e, l, entities, locations)
		}
	}
	invalid := filepath.Join(dir, "invalid.yaml")
	wantWarnings := func(lines []string, n int) {
		t.Helper()
		warns := grep(lines, "level=WARN", `msg="catalog: processing error"`)
		if len(warns) != n {
			t.Fatalf("%d warnings, want %d:\n%s", len(warns), n, strings.Join(lines, "\n"))
		}
		// The file and line, the entity and the rule broken, and the page that shows it.
		if len(grep(warns, "location=file:"+invalid, invalid+`:10: component:default/bad_name!: \"metadata.name\" is not valid`, "shownOn=location:default/root")) != 1 {
			t.Errorf("no warning for the invalid entity:\n%s", strings.Join(warns, "\n"))
		}
		if len(grep(warns, filepath.Join(dir, "missing.yaml")+": not found", "shownOn=location:default/root")) != 1 {
			t.Errorf("no warning for the missing file:\n%s", strings.Join(warns, "\n"))
		}
	}

	c := open()
	refresh(t, c)
	wantWarnings(logs.take(), 2)
	counts(c, 1, 2) // the Location entity that lists the files; invalid.yaml and missing.yaml
	msgs := strings.Join(statusMessages(t, c.ByRef("location:root")), "\n")
	if !strings.Contains(msgs, "bad_name!") || !strings.Contains(msgs, "missing.yaml: not found") {
		t.Fatalf("the Location entity's status lacks the errors: %s", msgs)
	}

	// Errors are logged when they appear, not on every pass.
	refresh(t, c)
	if lines := grep(logs.take(), "level=WARN"); len(lines) > 0 {
		t.Fatalf("logged again on an unchanged pass:\n%s", strings.Join(lines, "\n"))
	}

	// A stored entity that becomes invalid keeps its last good version and gets the error.
	writeFile(t, filepath.Join(dir, "good.yaml"), strings.Replace(comp("web", ""), "owner: team-a", `owner: "group:"`, 1))
	refresh(t, c)
	warns := grep(logs.take(), "level=WARN")
	if len(warns) != 1 || len(grep(warns, filepath.Join(dir, "good.yaml")+`:1: component:default/web: spec.owner: Entity reference \"group:\" was not on the form`)) != 1 {
		t.Fatalf("warnings for the entity that became invalid:\n%s", strings.Join(warns, "\n"))
	}
	counts(c, 2, 3)

	// After a restart the stored errors are logged once more.
	c = open()
	refresh(t, c)
	wantWarnings(logs.take(), 3)
	counts(c, 2, 3)

	// Fixed: no errors left, and the log says so.
	writeFile(t, filepath.Join(dir, "good.yaml"), comp("web", ""))
	writeFile(t, invalid, comp("ok", ""))
	writeFile(t, filepath.Join(dir, "missing.yaml"), comp("found", ""))
	refresh(t, c)
	lines := logs.take()
	if len(grep(lines, "level=WARN")) != 0 || len(grep(lines, "level=INFO", "catalog: processing errors resolved")) != 3 {
		t.Fatalf("log after the fix:\n%s", strings.Join(lines, "\n"))
	}
	counts(c, 0, 0)
}

// TestLocationErrorsInStableOrder: a Location entity lists the errors of its files in
// the order of their locations, so its status (and etag) does not change from one
// stitch or restart to the next.
func TestLocationErrorsInStableOrder(t *testing.T) {
	dir := t.TempDir()
	var targets, want []string
	for i := 0; i < 12; i++ {
		name := "missing-" + string(rune('a'+i)) + ".yaml"
		targets = append(targets, "./"+name)
		want = append(want, "InputError: "+filepath.Join(dir, name)+": not found")
	}
	writeFile(t, filepath.Join(dir, "all.yaml"), locationFile(targets...))
	store := NewMemoryStore()
	cfg := Config{Locations: []LocationConfig{{Type: "file", Target: filepath.Join(dir, "all.yaml")}}}
	var etag string
	for i := 0; i < 5; i++ {
		c := newTestCatalog(t, cfg, store) // a restart stitches the Location again
		refresh(t, c)
		loc := c.ByRef("location:root")
		if got := statusMessages(t, loc); strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Fatalf("pass %d: status items\n%s\nwant\n%s", i, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		tag := mustDecode(t, loc)["metadata"].(map[string]any)["etag"].(string)
		if etag != "" && tag != etag {
			t.Fatalf("pass %d: etag changed from %s to %s with nothing changed", i, etag, tag)
		}
		etag = tag
	}
}

// TestProcessingErrorsQuoteOnlyExcerpts: the processing errors stored on entities (and
// served with them) quote what the catalog file says only as short excerpts, control
// characters escaped.
func TestProcessingErrorsQuoteOnlyExcerpts(t *testing.T) {
	dir := t.TempDir()
	long := `\e[2J\nforged ` + strings.Repeat("x", 5000)
	writeFile(t, filepath.Join(dir, "all.yaml"), locationFile("./hostile.yaml"))
	writeFile(t, filepath.Join(dir, "hostile.yaml"), `apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: "`+long+`"}
spec: {type: service, owner: team-a, lifecycle: production}
---
apiVersion: backstage.io/v1alpha1
kind: "`+long+`"
metadata: {name: k}
---
apiVersion: "`+long+`"
kind: Component
metadata: {name: v}
spec: {type: service, owner: team-a, lifecycle: production}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: t, tags: ["`+long+`"]}
spec: {type: service, owner: team-a, lifecycle: production}
`)
	c := newTestCatalog(t, Config{Locations: []LocationConfig{{Type: "file", Target: filepath.Join(dir, "all.yaml")}}}, NewMemoryStore())
	refresh(t, c)
	msgs := statusMessages(t, c.ByRef("location:root"))
	if len(msgs) != 4 {
		t.Fatalf("%d processing errors, want 4:\n%s", len(msgs), strings.Join(msgs, "\n"))
	}
	for _, m := range msgs {
		if len(m) > 1200 || strings.ContainsAny(m, "\x1b\n") || !strings.Contains(m, `\x1b[2J\nforged`) {
			t.Errorf("processing error %q (%d bytes): want the file's text as escaped excerpts of about 200 bytes", m, len(m))
		}
	}
}
