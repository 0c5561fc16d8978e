package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"greenroom.dev/greenroom/host/internal/catalog"
	"greenroom.dev/greenroom/host/internal/config"
	"greenroom.dev/greenroom/host/internal/pgtest"
	"greenroom.dev/greenroom/host/internal/plugintest"
	"greenroom.dev/greenroom/host/internal/store/pgstore"
)

// pgPortal writes a plugin-free portal whose store is the PostgreSQL database url
// (set through ${GREENROOM_TEST_PG}, as an operator keeps a secret out of the file),
// which may read catalog files from the host readHost, with extra YAML appended.
func pgPortal(t *testing.T, url, readHost string, extra ...string) []string {
	t.Helper()
	dir := t.TempDir()
	cfg := fmt.Sprintf(`
backend:
  listen: {host: 127.0.0.1, port: 0}
  database:
    client: pg
    connection: ${GREENROOM_TEST_PG}
  auth:
    externalAccess:
      - {type: static, options: {token: %s, subject: cli-tests}}
  reading:
    allow: [{host: "%s"}]
catalog:
  rules: [{allow: [Component, Location, Template]}]
  processingInterval: 1s
`, testToken, readHost) + strings.Join(extra, "")
	if err := os.WriteFile(filepath.Join(dir, "app-config.yaml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("GREENROOM_TEST_PG", url)
	return []string{filepath.Join(dir, "app-config.yaml")}
}

// TestServePostgres: with backend.database.client pg the host keeps its catalog in
// PostgreSQL (and writes no bbolt file); a host started afterwards on the same database,
// with its own data directory and config, has the location the first one registered
// and serves its entity.
func TestServePostgres(t *testing.T) {
	cluster := pgtest.Start(t)
	url := cluster.NewDatabase()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: pg-one}\nspec: {type: service, lifecycle: production, owner: team-a}\n")
	}))
	defer srv.Close()
	readHost := strings.TrimPrefix(srv.URL, "http://")
	files := pgPortal(t, url, readHost)
	cfg, err := config.Load(files, nil)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	h, err := start(context.Background(), log, cfg)
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + h.addr
	waitReady(t, base)
	loc := fmt.Sprintf(`{"type":"url","target":%q}`, srv.URL+"/catalog-info.yaml")
	req, _ := http.NewRequest("POST", base+"/api/catalog/locations", strings.NewReader(loc))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(bearer(req))
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := io.ReadAll(resp.Body); resp.StatusCode != 201 {
		t.Fatalf("POST /locations = %d %s", resp.StatusCode, b)
	}
	resp.Body.Close()
	if st, body := call(t, "GET", base+"/api/catalog/entities/by-name/component/default/pg-one", nil); st != 200 {
		t.Fatalf("by-name = %d %s", st, body)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	h.stop(ctx)
	if _, err := os.Stat(filepath.Join(filepath.Dir(files[0]), "data", "greenroom.db")); !os.IsNotExist(err) {
		t.Errorf("a pg host wrote a bbolt file: %v", err)
	}

	db, err := pgstore.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var keys []string
	if err := db.CatalogStore().ForEach(ctx, catalog.BucketEntities, func(k, _ []byte) error {
		keys = append(keys, string(k))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(keys, " "), "pg-one") {
		t.Fatalf("the database's entities are %q; want pg-one", keys)
	}

	// Another host, another directory: the registered location and its entity are
	// there as soon as it starts, loaded from the database.
	cfg2, err := config.Load(pgPortal(t, url, readHost), nil)
	if err != nil {
		t.Fatal(err)
	}
	h2, err := start(context.Background(), log, cfg2)
	if err != nil {
		t.Fatal(err)
	}
	defer h2.stop(ctx)
	if st, body := call(t, "GET", "http://"+h2.addr+"/api/catalog/entities/by-name/component/default/pg-one", nil); st != 200 {
		t.Fatalf("second host, by-name = %d %s", st, body)
	}
	if st, body := call(t, "GET", "http://"+h2.addr+"/api/catalog/locations", nil); st != 200 || !strings.Contains(body, "catalog-info.yaml") {
		t.Fatalf("second host, locations = %d %s", st, body)
	}
}

// TestServePostgresUnreachable: a pg host whose database does not answer refuses to
// start, naming backend.database and the address.
func TestServePostgresUnreachable(t *testing.T) {
	cluster := pgtest.Start(t)
	url := cluster.URL("postgres")
	cluster.Stop()
	cfg, err := config.Load(pgPortal(t, url, "127.0.0.1:1"), nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	h, err := start(ctx, slog.New(slog.NewTextHandler(io.Discard, nil)), cfg)
	if err == nil {
		h.stop(ctx)
		t.Fatal("started without its database")
	}
	if want := fmt.Sprintf("127.0.0.1:%d", cluster.Port); !strings.Contains(err.Error(), "backend.database") || !strings.Contains(err.Error(), want) {
		t.Fatalf("error %q does not name backend.database and %s", err, want)
	}
}

// waitFor polls cond every 20ms until it holds or within passes, and says how long it
// took.
func waitFor(t *testing.T, within time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	began := time.Now()
	for !cond() {
		if time.Since(began) > within {
			t.Fatalf("%s: not within %s", what, within)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return time.Since(began)
}

// TestReplicasFailover: two replicas on one database. A location registered through
// one is served by the other within a second (LISTEN/NOTIFY, then a reload); only the
// lease holder processes, and when it stops the other takes the lease and picks up a
// change to the catalog file within the processing interval.
func TestReplicasFailover(t *testing.T) {
	cluster := pgtest.Start(t)
	url := cluster.NewDatabase()
	var body atomic.Value
	body.Store("apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: first}\nspec: {type: service, lifecycle: production, owner: team-a}\n")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, body.Load().(string))
	}))
	defer srv.Close()
	readHost := strings.TrimPrefix(srv.URL, "http://")
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	var hosts []*host
	for range 2 {
		cfg, err := config.Load(pgPortal(t, url, readHost), nil)
		if err != nil {
			t.Fatal(err)
		}
		h, err := start(context.Background(), log, cfg)
		if err != nil {
			t.Fatal(err)
		}
		stopped := false
		t.Cleanup(func() {
			if !stopped {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				h.stop(ctx)
			}
		})
		waitReady(t, "http://"+h.addr)
		if len(hosts) == 0 {
			waitFor(t, 5*time.Second, "the first replica takes the lease", h.leading.Load)
		}
		hosts = append(hosts, h)
	}
	status := func(h *host, name string) int {
		resp, err := get("http://" + h.addr + "/api/catalog/entities/by-name/component/default/" + name)
		if err != nil {
			return 0
		}
		resp.Body.Close()
		return resp.StatusCode
	}

	// Register through the second replica; the first serves it within a second.
	loc := fmt.Sprintf(`{"type":"url","target":%q}`, srv.URL+"/catalog-info.yaml")
	req, _ := http.NewRequest("POST", "http://"+hosts[1].addr+"/api/catalog/locations", strings.NewReader(loc))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(bearer(req))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 201 {
		t.Fatalf("POST /locations = %d", resp.StatusCode)
	}
	waitFor(t, 5*time.Second, "the registering replica serves the entity", func() bool { return status(hosts[1], "first") == 200 })
	took := waitFor(t, 3*time.Second, "the other replica serves the entity", func() bool { return status(hosts[0], "first") == 200 })
	t.Logf("a write on one replica reached the other in %s", took)
	if took > time.Second {
		t.Errorf("the other replica saw the write after %s; want within 1s", took)
	}

	// Exactly one replica holds the lease: the first, which started first; /readyz
	// says so on each.
	if !hosts[0].leading.Load() || hosts[1].leading.Load() {
		t.Fatalf("leading: first %v, second %v; want only the first", hosts[0].leading.Load(), hosts[1].leading.Load())
	}
	leader := func(h *host) any {
		st, body := call(t, "GET", "http://"+h.addr+"/readyz", nil)
		var r struct{ Database map[string]any }
		if err := json.Unmarshal([]byte(body), &r); st != 200 || err != nil || r.Database == nil {
			t.Fatalf("/readyz = %d %s", st, body)
		}
		return r.Database["leader"]
	}
	if a, b := leader(hosts[0]), leader(hosts[1]); a != true || b != false {
		t.Fatalf("/readyz leader: first %v, second %v; want true, false", a, b)
	}

	// Stop the first replica; the second takes the lease and processes the changed
	// file.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	hosts[0].stop(ctx)
	body.Store(body.Load().(string) + "---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: second}\nspec: {type: service, lifecycle: production, owner: team-a}\n")
	took = waitFor(t, 10*time.Second, "the surviving replica processes the change", func() bool { return status(hosts[1], "second") == 200 })
	t.Logf("the surviving replica processed the change %s after the leader stopped", took)
	if status(hosts[1], "first") != 200 {
		t.Error("the surviving replica lost the first entity")
	}
	if !hosts[1].leading.Load() || leader(hosts[1]) != true {
		t.Error("the surviving replica does not hold the lease (or /readyz does not say so)")
	}
}

// TestServePostgresOutage: PostgreSQL stopped and restarted under a replica serving a
// read load (several clients reading continuously): every read answers 200 from memory
// throughout, and /readyz stays 200 saying the database is not connected; a catalog
// write, a scaffolder task, a plugin's key-value write and a plugin's file write are
// 503, whose bodies say the database is unavailable and name none of its address,
// user or database (the log has the detail); once the database is back writes work
// again without a restart and /readyz says connected.
func TestServePostgresOutage(t *testing.T) {
	cluster := pgtest.Start(t)
	url := cluster.NewDatabase()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/"), ".yaml")
		if name == "template" {
			io.WriteString(w, "apiVersion: scaffolder.backstage.io/v1beta3\nkind: Template\nmetadata: {name: tpl}\nspec:\n  owner: team-a\n  type: test\n  steps: [{id: log, action: 'debug:log', input: {message: hi}}]\n")
			return
		}
		fmt.Fprintf(w, "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: %s}\nspec: {type: service, lifecycle: production, owner: team-a}\n", name)
	}))
	defer srv.Close()
	files := pgPortal(t, url, strings.TrimPrefix(srv.URL, "http://"), fmt.Sprintf(`
plugins:
  - {id: kvwriter, source: kvwriter.wasm, grants: {kv: {}, files: {}}}
runtime: {compilationCache: %s}
`, filepath.Join(os.TempDir(), "greenroom-test-wasm-cache")))
	plugintest.Copy(t, plugintest.Go(t, "host/internal/cli/testdata/kvwriter"), filepath.Join(filepath.Dir(files[0]), "kvwriter.wasm"))
	cfg, err := config.Load(files, nil)
	if err != nil {
		t.Fatal(err)
	}
	var logs syncBuffer
	h, err := start(context.Background(), slog.New(slog.NewTextHandler(&logs, nil)), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		h.stop(ctx)
	})
	base := "http://" + h.addr
	waitReady(t, base)
	register := func(name string) (int, string) {
		req, _ := http.NewRequest("POST", base+"/api/catalog/locations", strings.NewReader(fmt.Sprintf(`{"type":"url","target":%q}`, srv.URL+"/"+name+".yaml")))
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(bearer(req))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if st, body := register("before"); st != 201 {
		t.Fatalf("register before the outage = %d %s", st, body)
	}
	if st, body := register("template"); st != 201 {
		t.Fatalf("register the template = %d %s", st, body)
	}
	createTask := func() (int, string) {
		return call(t, "POST", base+"/api/scaffolder/v2/tasks", strings.NewReader(`{"templateRef":"template:default/tpl","values":{}}`))
	}
	putItem := func(id string) (int, string) {
		return call(t, "PUT", base+"/api/kvwriter/items/"+id, strings.NewReader("v-"+id))
	}
	if st, body := createTask(); st != 201 {
		t.Fatalf("a scaffolder task before the outage = %d %s", st, body)
	}
	putFile := func(name string) (int, string) {
		return call(t, "PUT", base+"/api/kvwriter/files/"+name, strings.NewReader("f-"+name))
	}
	if st, body := putItem("before"); st != 200 {
		t.Fatalf("a plugin's kv write before the outage = %d %s", st, body)
	}
	if st, body := putFile("before"); st != 200 {
		t.Fatalf("a plugin's file write before the outage = %d %s", st, body)
	}
	database := func() map[string]any {
		st, body := call(t, "GET", base+"/readyz", nil)
		if st != 200 {
			t.Fatalf("/readyz = %d %s; want 200 (the replica serves reads)", st, body)
		}
		var r struct{ Database map[string]any }
		if err := json.Unmarshal([]byte(body), &r); err != nil || r.Database == nil {
			t.Fatalf("/readyz body %s: no database field (%v)", body, err)
		}
		return r.Database
	}
	waitFor(t, 10*time.Second, "/readyz says pg, connected, leader, with a replica id", func() bool {
		db := database()
		return db["client"] == "pg" && db["connected"] == true && db["leader"] == true && db["replica"] != ""
	})

	// The read load: readers clients, each reading an entity and a page of the
	// catalog in turn, from before the database stops until it is back and written to.
	const readers = 4
	var reads, failed atomic.Int64
	var firstFailure atomic.Value
	stopLoad := make(chan struct{})
	loadDone := make(chan struct{})
	go func() {
		defer close(loadDone)
		var wg sync.WaitGroup
		for i := range readers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c := &http.Client{Timeout: 5 * time.Second}
				paths := []string{"/api/catalog/entities/by-name/component/default/before", "/api/catalog/entities?limit=10"}
				for n := i; ; n++ {
					select {
					case <-stopLoad:
						return
					default:
					}
					req, _ := http.NewRequest("GET", base+paths[n%len(paths)], nil)
					resp, err := c.Do(bearer(req))
					reads.Add(1)
					if err != nil {
						failed.Add(1)
						firstFailure.CompareAndSwap(nil, err.Error())
						continue
					}
					b, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					if resp.StatusCode != 200 {
						failed.Add(1)
						firstFailure.CompareAndSwap(nil, fmt.Sprintf("%s = %d %s", paths[n%len(paths)], resp.StatusCode, b))
					}
				}
			}()
		}
		wg.Wait()
	}()
	endLoad := func() {
		select {
		case <-stopLoad:
			return
		default:
		}
		close(stopLoad)
		<-loadDone
		t.Logf("%d reads by %d clients while the database was stopped and restarted, %d failed", reads.Load(), readers, failed.Load())
		if failed.Load() > 0 {
			t.Errorf("%d of %d reads during the outage failed; the first: %v", failed.Load(), reads.Load(), firstFailure.Load())
		}
		if reads.Load() < readers {
			t.Errorf("only %d reads during the outage", reads.Load())
		}
	}
	defer endLoad()

	cluster.Stop()
	readsAtStop := reads.Load()
	// A 503 says the database is unavailable and to retry, and names nothing of it:
	// not its address, user or database (pgx's error text would).
	dbName := url[strings.LastIndex(url, "/")+1 : strings.Index(url, "?")]
	unavailable503 := func(what string, st int, body string) {
		t.Helper()
		if st != 503 || !strings.Contains(body, `"name":"ServiceUnavailableError"`) {
			t.Errorf("%s during the outage = %d %s; want 503 ServiceUnavailableError", what, st, body)
			return
		}
		if !strings.Contains(body, "database is unavailable; try again") {
			t.Errorf("%s during the outage: body %s does not say the database is unavailable and to try again", what, body)
		}
		for _, secret := range []string{fmt.Sprint(cluster.Port), "127.0.0.1", dbName, "user="} {
			if strings.Contains(body, secret) {
				t.Errorf("%s during the outage: body %s gives away %q", what, body, secret)
			}
		}
	}
	st, body := register("during")
	if st != 503 {
		t.Fatalf("a write during the outage = %d %s; want 503 ServiceUnavailableError", st, body)
	}
	unavailable503("a catalog write", st, body)
	st, body = createTask()
	unavailable503("a scaffolder task", st, body)
	st, body = putItem("during")
	unavailable503("a plugin's kv write", st, body)
	st, body = putFile("during")
	unavailable503("a plugin's file write", st, body)
	st, body = call(t, "GET", base+"/api/kvwriter/files/before", nil)
	unavailable503("a plugin's file read", st, body)
	if l := logs.String(); !strings.Contains(l, "store pg: the database is unavailable") || !strings.Contains(l, "err=") {
		t.Errorf("the log does not have the database's error; it is:\n%s", l)
	}
	waitFor(t, 10*time.Second, "/readyz says the database is not connected", func() bool {
		db := database()
		return db["connected"] == false && db["error"] != nil && db["leader"] == false
	})

	if during := reads.Load() - readsAtStop; during < readers {
		t.Errorf("%d reads while the database was down; want the load to go on", during)
	} else {
		t.Logf("%d reads while the database was down", during)
	}
	cluster.Start()
	// A retry may find the location registered by an attempt whose processing then
	// failed (409); the processing loop reads it on its next pass.
	var last string
	defer func() {
		if t.Failed() {
			t.Logf("the last write answered %s", last)
		}
	}()
	waitFor(t, 30*time.Second, "a write after the database is back", func() bool {
		st, body := register("after")
		last = fmt.Sprint(st, " ", body)
		return st == 201 || st == 409
	})
	waitFor(t, 30*time.Second, "the entity written after the outage", func() bool {
		st, _ := call(t, "GET", base+"/api/catalog/entities/by-name/component/default/after", nil)
		return st == 200
	})
	if st, body := createTask(); st != 201 {
		t.Errorf("a scaffolder task after the outage = %d %s", st, body)
	}
	endLoad()
	if st, body := putItem("after"); st != 200 {
		t.Errorf("a plugin's kv write after the outage = %d %s", st, body)
	}
	if st, body := putFile("after"); st != 200 {
		t.Errorf("a plugin's file write after the outage = %d %s", st, body)
	}
	if st, body := call(t, "GET", base+"/api/kvwriter/files/before", nil); st != 200 || !strings.Contains(body, "f-before") {
		t.Errorf("the file written before the outage = %d %s", st, body)
	}
	if st, body := call(t, "GET", base+"/api/kvwriter/items/before", nil); st != 200 || !strings.Contains(body, "v-before") {
		t.Errorf("the item written before the outage = %d %s", st, body)
	}
	waitFor(t, 10*time.Second, "/readyz says the database is connected and this replica leads", func() bool {
		db := database()
		return db["connected"] == true && db["leader"] == true
	})
}
