package audit

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
	"greenroom.dev/greenroom/host/internal/units"
)

func readLines(t *testing.T, path string) []Entry {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []Entry
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var e Entry
		dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&e); err != nil {
			t.Fatalf("%s: line %q: %v", path, sc.Text(), err)
		}
		out = append(out, e)
	}
	return out
}

func openLog(t *testing.T, dir string, maxSize units.ByteSize, maxFiles int) *Log {
	t.Helper()
	l, err := Open(LogConfig{File: "data/audit.log", MaxSize: maxSize, MaxFiles: &maxFiles}, dir, 100)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

func TestLogLines(t *testing.T) {
	dir := t.TempDir()
	l := openLog(t, dir, DefaultMaxSize, 5)
	at := time.Date(2026, 11, 21, 10, 0, 0, 123456000, time.UTC)
	entries := []Entry{
		{Time: at, Plugin: "hello", Capability: "kv", Function: "kv_get", Target: "counter", Outcome: OK, DurationMs: 0.042},
		{Time: at, Plugin: "hello", Capability: "url.read", Function: "url_read", Target: "https://evil.example/\"x\"\n\u2028\x01", Outcome: Denied, Error: "capability_denied: host evil.example is not granted", DurationMs: 1.5},
		{Time: at, Plugin: "hello", Capability: "proxy", Function: "proxy_fetch", Target: "GET /github/x", Outcome: Failed, Error: "unavailable: upstream", DurationMs: 30},
	}
	for _, e := range entries {
		l.Record(e)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "data", "audit.log")
	got := readLines(t, path)
	if len(got) != len(entries) {
		t.Fatalf("%d lines, want %d", len(got), len(entries))
	}
	for i := range entries {
		if !got[i].Time.Equal(entries[i].Time) {
			t.Errorf("line %d time %v", i, got[i].Time)
		}
		got[i].Time = entries[i].Time
		if got[i] != entries[i] {
			t.Errorf("line %d:\n got %+v\nwant %+v", i, got[i], entries[i])
		}
	}
	b, _ := os.ReadFile(path)
	if first := strings.SplitN(string(b), "\n", 2)[0]; first != `{"time":"2026-11-21T10:00:00.123456Z","plugin":"hello","capability":"kv","function":"kv_get","target":"counter","outcome":"ok","durationMs":0.042}` {
		t.Errorf("first line %s", first)
	}
	for name, mode := range map[string]os.FileMode{path: 0o600, filepath.Dir(path): 0o700} {
		if st, _ := os.Stat(name); st.Mode().Perm() != mode {
			t.Errorf("%s: mode %o, want %o", name, st.Mode().Perm(), mode)
		}
	}
}

// TestDenialsWriteThrough: a denial is on disk when Record returns; ok entries are
// buffered until the flush interval or Close, and Close loses none.
func TestDenialsWriteThrough(t *testing.T) {
	dir := t.TempDir()
	l := openLog(t, dir, DefaultMaxSize, 5)
	path := filepath.Join(dir, "data", "audit.log")
	l.Record(Entry{Plugin: "p", Capability: "kv", Outcome: OK})
	if b, _ := os.ReadFile(path); len(b) != 0 {
		t.Fatalf("an ok entry was written through: %s", b)
	}
	l.Record(Entry{Plugin: "p", Capability: "proxy", Outcome: Denied, Error: "no"})
	if got := readLines(t, path); len(got) != 2 || got[1].Outcome != Denied {
		t.Fatalf("after a denial the file holds %+v", got)
	}
	for i := 0; i < 50; i++ {
		l.Record(Entry{Plugin: "p", Capability: "kv", Outcome: OK})
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if got := readLines(t, path); len(got) != 52 {
		t.Fatalf("after Close the file holds %d entries, want 52", len(got))
	}
	if err := l.Close(); err != nil {
		t.Fatal("second Close:", err)
	}
	l.Record(Entry{Plugin: "p", Capability: "kv", Outcome: Denied})
	if dropped, _ := l.Err(); dropped != 1 {
		t.Fatalf("dropped %d after Close, want 1", dropped)
	}
	if r := l.Recent(Filter{}); len(r) != 53 {
		t.Fatalf("recent holds %d", len(r))
	}
}

func TestFlushInterval(t *testing.T) {
	dir := t.TempDir()
	l := openLog(t, dir, DefaultMaxSize, 5)
	l.Record(Entry{Plugin: "p", Capability: "kv", Outcome: OK})
	deadline := time.Now().Add(5 * FlushInterval)
	for time.Now().Before(deadline) {
		if b, _ := os.ReadFile(filepath.Join(dir, "data", "audit.log")); len(b) > 0 {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("an ok entry was not written within the flush interval")
}

func TestRotation(t *testing.T) {
	dir := t.TempDir()
	l := openLog(t, dir, 4<<10, 2)
	target := strings.Repeat("x", 300)
	for i := 0; i < 100; i++ {
		l.Record(Entry{Plugin: "p", Capability: "kv", Target: fmt.Sprintf("%03d%s", i, target), Outcome: OK})
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	base := filepath.Join(dir, "data", "audit.log")
	if _, err := os.Stat(base + ".3"); !os.IsNotExist(err) {
		t.Fatal("kept more than maxFiles old files")
	}
	var all []Entry
	for _, p := range []string{base + ".2", base + ".1", base} {
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if st.Size() > 4<<10 {
			t.Fatalf("%s is %d bytes, over maxSize", p, st.Size())
		}
		all = append(all, readLines(t, p)...)
	}
	// The newest entries survive, in order, without a gap.
	last := all[len(all)-1].Target[:3]
	if last != "099" {
		t.Fatalf("last entry %s", last)
	}
	for i := 1; i < len(all); i++ {
		var a, b int
		fmt.Sscanf(all[i-1].Target[:3], "%d", &a)
		fmt.Sscanf(all[i].Target[:3], "%d", &b)
		if b != a+1 {
			t.Fatalf("entries %d then %d", a, b)
		}
	}

	// maxFiles 0 keeps no old file.
	dir0 := t.TempDir()
	l0 := openLog(t, dir0, 4<<10, 0)
	for i := 0; i < 100; i++ {
		l0.Record(Entry{Plugin: "p", Capability: "kv", Target: target, Outcome: OK})
	}
	l0.Close()
	if m, _ := filepath.Glob(filepath.Join(dir0, "data", "audit.log.*")); len(m) != 0 {
		t.Fatalf("maxFiles 0 kept %v", m)
	}
}

func TestConcurrent(t *testing.T) {
	dir := t.TempDir()
	l := openLog(t, dir, 64<<10, 1000)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 500; i++ {
				o := OK
				if i%50 == 0 {
					o = Denied
				}
				l.Record(Entry{Plugin: fmt.Sprint("p", g), Capability: "kv", Target: strings.Repeat("k", 64), Outcome: o})
				if i%100 == 0 {
					l.Recent(Filter{Plugin: "p1"})
				}
			}
		}()
	}
	wg.Wait()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "data", "audit.log*"))
	n := 0
	for _, f := range files {
		n += len(readLines(t, f))
	}
	if n != 4000 {
		t.Fatalf("%d entries in %d files, want 4000", n, len(files))
	}
}

func TestRecent(t *testing.T) {
	l := New(&bytes.Buffer{}, 5)
	defer l.Close()
	for i := 0; i < 8; i++ {
		o := OK
		if i%2 == 1 {
			o = Denied
		}
		l.Record(Entry{Plugin: fmt.Sprint("p", i%3), Capability: "kv", Target: fmt.Sprint(i), Outcome: o})
	}
	targets := func(es []Entry) string {
		var s []string
		for _, e := range es {
			s = append(s, e.Target)
		}
		return strings.Join(s, ",")
	}
	for _, c := range []struct {
		f    Filter
		want string
	}{
		{Filter{}, "7,6,5,4,3"}, // the ring keeps 5, newest first
		{Filter{Limit: 2}, "7,6"},
		{Filter{Outcome: Denied}, "7,5,3"},
		{Filter{Plugin: "p1"}, "7,4"},
		{Filter{Plugin: "p1", Outcome: OK}, "4"},
		{Filter{Capability: "proxy"}, ""},
	} {
		if got := targets(l.Recent(c.f)); got != c.want {
			t.Errorf("%+v: got %s, want %s", c.f, got, c.want)
		}
	}
	if b, _ := json.Marshal(Page{Items: (*Log)(nil).Recent(Filter{})}); string(b) != `{"items":[]}` {
		t.Errorf("empty page %s", b)
	}
}

func TestParseFilter(t *testing.T) {
	q := url.Values{"plugin": {"hello"}, "capability": {"url.read"}, "outcome": {"denied"}, "limit": {"10"}}
	f, err := ParseFilter(q.Get)
	if err != nil || f != (Filter{Plugin: "hello", Capability: "url.read", Outcome: Denied, Limit: 10}) {
		t.Fatalf("%+v, %v", f, err)
	}
	for q, want := range map[string]string{
		"outcome=allowed": `outcome "allowed" is not one of ok, denied, error`,
		"limit=0":         `limit "0" is not a number from 1 to 1000`,
		"limit=x":         `limit "x" is not a number from 1 to 1000`,
		"limit=1001":      `limit "1001" is not a number from 1 to 1000`,
	} {
		v, _ := url.ParseQuery(q)
		if _, err := ParseFilter(v.Get); err == nil || err.Error() != want {
			t.Errorf("%s: got %v, want %s", q, err, want)
		}
	}
}

type brokenWriter struct{ fail bool }

func (b *brokenWriter) Write(p []byte) (int, error) {
	if b.fail {
		return 0, errors.New("disk full")
	}
	return len(p), nil
}

func TestWriteErrors(t *testing.T) {
	w := &brokenWriter{fail: true}
	l := New(w, 10)
	defer l.Close()
	l.Record(Entry{Plugin: "p", Capability: "kv", Outcome: Denied})
	if dropped, err := l.Err(); err == nil || err.Error() != "disk full" || dropped != 1 {
		t.Fatalf("%v, %d", err, dropped)
	}
	w.fail = false
	l.Record(Entry{Plugin: "p", Capability: "kv", Outcome: Denied})
	if dropped, err := l.Err(); err != nil || dropped != 1 {
		t.Fatalf("after recovery: %v, %d", err, dropped)
	}
	if len(l.Recent(Filter{})) != 2 {
		t.Fatal("entries that failed to write are missing from Recent")
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "file"), nil, 0o600)
	_, err := Open(LogConfig{File: "file/audit.log"}, dir, 10)
	if err == nil || !strings.HasPrefix(err.Error(), "audit log: mkdir "+filepath.Join(dir, "file")+": not a directory; check audit.log.file") {
		t.Fatalf("got %v", err)
	}
}

func TestReopen(t *testing.T) {
	dir := t.TempDir()
	l := openLog(t, dir, DefaultMaxSize, 5)
	l.Record(Entry{Plugin: "p", Capability: "kv", Target: "a", Outcome: OK})
	if err := l.Reopen(LogConfig{File: "other.log"}, dir); err != nil {
		t.Fatal(err)
	}
	l.Record(Entry{Plugin: "p", Capability: "kv", Target: "b", Outcome: OK})
	os.WriteFile(filepath.Join(dir, "file"), nil, 0o600)
	if err := l.Reopen(LogConfig{File: "file/x.log"}, dir); err == nil {
		t.Fatal("reopening into a bad path succeeded")
	}
	l.Record(Entry{Plugin: "p", Capability: "kv", Target: "c", Outcome: OK})
	l.Close()
	if got := readLines(t, filepath.Join(dir, "data", "audit.log")); len(got) != 1 || got[0].Target != "a" {
		t.Fatalf("first file %+v", got)
	}
	if got := readLines(t, filepath.Join(dir, "other.log")); len(got) != 2 || got[0].Target != "b" || got[1].Target != "c" {
		t.Fatalf("second file %+v", got)
	}
	if len(l.Recent(Filter{})) != 3 {
		t.Fatal("Reopen lost the in-memory entries")
	}
}

func TestConfig(t *testing.T) {
	var c Config
	if err := yaml.Unmarshal([]byte("log: {file: '-', maxSize: 1MiB, maxFiles: 0}\napi: {enabled: true}\n"), &c); err != nil {
		t.Fatal(err)
	}
	c.ApplyDefaults()
	if c.Log.File != Stdout || c.Log.MaxSize != 1<<20 || *c.Log.MaxFiles != 0 || !c.API.Enabled || c.API.Recent != DefaultRecent {
		t.Fatalf("%+v", c)
	}
	if errs := c.Validate(); len(errs) != 0 {
		t.Fatal(errs)
	}
	var d Config
	d.ApplyDefaults()
	if d.Log.File != DefaultFile || d.Log.MaxSize != DefaultMaxSize || *d.Log.MaxFiles != DefaultMaxFiles || d.API.Enabled {
		t.Fatalf("defaults %+v", d)
	}

	var bad Config
	if err := yaml.Unmarshal([]byte("log: {maxSize: ten}\n"), &bad); err == nil || !strings.Contains(err.Error(), `line 1: "ten" is not a size like 64MiB`) {
		t.Fatalf("bad size: %v", err)
	}
	n := -1
	bad = Config{Log: LogConfig{MaxSize: 100, MaxFiles: &n}, API: APIConfig{Recent: -5}}
	var msgs []string
	for _, e := range bad.Validate() {
		msgs = append(msgs, e.Error())
	}
	// Paths are the section's own; the config loader places them under audit.
	want := "log.maxSize: 100B is below the 4KiB minimum\nlog.maxFiles: -1 is outside 0-1000\napi.recent: -5 is outside 1-1000000"
	if strings.Join(msgs, "\n") != want {
		t.Fatalf("got:\n%s\nwant:\n%s", strings.Join(msgs, "\n"), want)
	}
}

func TestStdout(t *testing.T) {
	l, err := Open(LogConfig{File: Stdout}, t.TempDir(), 10)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
}

// FuzzAppendEntry checks the hand-written encoder against encoding/json.
func FuzzAppendEntry(f *testing.F) {
	f.Add("hello", "https://x/\"y\"\n", "\xff\u2028\x00<>&", 1.25)
	f.Fuzz(func(t *testing.T, plugin, target, msg string, ms float64) {
		if ms != ms || ms > 1e12 || ms < -1e12 {
			return
		}
		e := Entry{Time: time.Unix(1700000000, 5000), Plugin: plugin, Capability: "kv", Target: target, Outcome: Denied, Error: msg, DurationMs: ms}
		line := appendEntry(nil, &e)
		if bytes.Count(line, []byte("\n")) != 1 {
			t.Fatalf("not one line: %q", line)
		}
		var got Entry
		if err := json.Unmarshal(line, &got); err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		// encoding/json is the oracle: it too replaces each invalid byte with U+FFFD.
		want := func(s string) string {
			b, _ := json.Marshal(s)
			var out string
			json.Unmarshal(b, &out)
			return out
		}
		if got.Plugin != want(plugin) || got.Target != want(target) || got.Error != want(msg) {
			t.Fatalf("round trip: %+v", got)
		}
	})
}

func BenchmarkRecord(b *testing.B) {
	l, err := Open(LogConfig{File: "audit.log"}, b.TempDir(), 1000)
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	e := Entry{Plugin: "hello", Capability: "url.read", Function: "url_read", Target: "https://github.com/acme/repo/blob/main/catalog-info.yaml", Outcome: OK, DurationMs: 1.2}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			l.Record(e)
		}
	})
}

func TestReopenClosed(t *testing.T) {
	l := New(&bytes.Buffer{}, 10)
	l.Close()
	if err := l.Reopen(LogConfig{File: Stdout}, t.TempDir()); err == nil || err.Error() != "audit log: closed" {
		t.Fatalf("got %v", err)
	}
	if err := (*Log)(nil).Reopen(LogConfig{}, ""); err != nil {
		t.Fatal(err)
	}
}
