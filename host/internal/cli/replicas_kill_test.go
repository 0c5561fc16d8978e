package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"gopkg.in/yaml.v3"

	"greenroom.dev/greenroom/host/internal/catalog"
	"greenroom.dev/greenroom/host/internal/catalog/gen"
	"greenroom.dev/greenroom/host/internal/pgtest"
)

// replicaProcess is a `greenroom serve` run as a process of its own: this test binary
// re-executed into TestReplicaServeProcess, with its log in a file.
type replicaProcess struct {
	cmd  *exec.Cmd
	log  string
	addr string
	dead bool
}

// startReplicaProcess starts a replica on the config file cfg; it is killed when the
// test ends (and exits by itself if this process dies: it watches its stdin).
func startReplicaProcess(t *testing.T, cfg string) *replicaProcess {
	t.Helper()
	logPath := filepath.Join(filepath.Dir(cfg), "serve.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	cmd := exec.Command(os.Args[0], "-test.run=^TestReplicaServeProcess$")
	cmd.Env = append(os.Environ(), "GREENROOM_TEST_REPLICA_SERVE="+cfg)
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	if _, err := cmd.StdinPipe(); err != nil { // closed when this process exits
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &replicaProcess{cmd: cmd, log: logPath}
	t.Cleanup(func() {
		if !p.dead {
			cmd.Process.Kill()
		}
		cmd.Wait()
		if t.Failed() {
			b, _ := os.ReadFile(logPath)
			if len(b) > 4000 {
				b = b[len(b)-4000:]
			}
			t.Logf("replica %s (pid %d) log, last lines:\n%s", p.addr, cmd.Process.Pid, b)
		}
	})
	return p
}

// waitAddr waits for the replica's "greenroom ready" log line and returns its address.
func (p *replicaProcess) waitAddr(t *testing.T, within time.Duration) string {
	t.Helper()
	waitFor(t, within, "replica "+p.log+" logs that it is ready", func() bool {
		b, _ := os.ReadFile(p.log)
		for _, line := range strings.Split(string(b), "\n") {
			var l struct{ Msg, Addr string }
			if json.Unmarshal([]byte(line), &l) == nil && l.Msg == "greenroom ready" && l.Addr != "" {
				p.addr = l.Addr
				return true
			}
		}
		return false
	})
	return p.addr
}

// TestReplicaServeProcess is the replica TestReplicasLeaderKilled starts and kills:
// run as a process of its own, it runs `greenroom serve` on the config file it is
// given until it is killed or its parent's end closes its stdin.
func TestReplicaServeProcess(t *testing.T) {
	cfg := os.Getenv("GREENROOM_TEST_REPLICA_SERVE")
	if cfg == "" {
		t.Skip("run by TestReplicasLeaderKilled")
	}
	go func() {
		io.Copy(io.Discard, os.Stdin)
		os.Exit(0)
	}()
	os.Exit(Run(&Env{Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.LookupEnv},
		[]string{"serve", "--config", cfg, "--log-format", "json"}))
}

// generatedEntities are the entity refs (kind:namespace/name, lower case) of every
// YAML document under dir, read from the files themselves.
func generatedEntities(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var refs []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		dec := yaml.NewDecoder(strings.NewReader(string(b)))
		for {
			var doc struct {
				Kind     string
				Metadata struct{ Name, Namespace string }
			}
			if err := dec.Decode(&doc); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			ns := doc.Metadata.Namespace
			if ns == "" {
				ns = "default"
			}
			refs = append(refs, strings.ToLower(doc.Kind+":"+ns+"/"+doc.Metadata.Name))
		}
	}
	return refs
}

// listedEntity is an entity as GET /api/catalog/entities lists it with fields.
type listedEntity struct {
	Kind     string `json:"kind"`
	Metadata struct {
		Namespace, Name, UID string
	} `json:"metadata"`
}

func (e listedEntity) ref() string {
	return strings.ToLower(e.Kind + ":" + e.Metadata.Namespace + "/" + e.Metadata.Name)
}

// replicaState is what a replica's /readyz says: whether it leads, and how many
// entities it serves; ok is false when it did not answer.
func replicaState(addr string) (leader bool, entities int, ok bool) {
	c := http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get("http://" + addr + "/readyz")
	if err != nil {
		return false, 0, false
	}
	defer resp.Body.Close()
	var r struct {
		Catalog  struct{ Entities int }
		Database struct{ Leader bool }
	}
	if json.NewDecoder(resp.Body).Decode(&r) != nil {
		return false, 0, false
	}
	return r.Database.Leader, r.Catalog.Entities, true
}

// listEntities is every entity the replica at addr serves.
func listEntities(t *testing.T, addr string) []listedEntity {
	t.Helper()
	req, _ := http.NewRequest("GET", "http://"+addr+"/api/catalog/entities?fields=kind,metadata.namespace,metadata.name,metadata.uid", nil)
	resp, err := http.DefaultClient.Do(bearer(req))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("GET %s/api/catalog/entities = %d %s", addr, resp.StatusCode, b)
	}
	var list []listedEntity
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil {
		t.Fatal(err)
	}
	return list
}

// TestReplicasLeaderKilled: three replicas (separate `greenroom serve` processes, real
// HTTP on 127.0.0.1) on one PostgreSQL database. The leader (by /readyz) ingests a
// generated catalog of four file locations (one transaction each) while the others
// serve reads; it is killed with SIGKILL once part of the catalog is committed and
// part is not. One of the two survivors takes the processing lease within
// catalog.processingInterval, finishes the ingest, and both survivors converge on
// exactly the generated catalog: every entity once, none extra, no uid twice, the
// same uid for an entity on both, the entities the killed leader committed with the
// uids they had, and the database holding as many rows.
func TestReplicasLeaderKilled(t *testing.T) {
	const (
		roots    = 4
		perRoot  = 1500
		interval = 2 * time.Second // catalog.processingInterval
	)
	began := time.Now()
	cluster := pgtest.Start(t)
	url := cluster.NewDatabase()

	// The catalog files appear only once every replica is up and the leader is known
	// (a missing file is a location error, retried each pass), so that the ingest is
	// on the leader's next pass and not before the others have started.
	catalogDir := t.TempDir()
	var locations strings.Builder
	for i := range roots {
		fmt.Fprintf(&locations, "    - {type: file, target: %s}\n", filepath.Join(catalogDir, fmt.Sprintf("ns%d", i), "all.yaml"))
	}
	var replicas []*replicaProcess
	for range 3 {
		dir := t.TempDir()
		cfg := filepath.Join(dir, "app-config.yaml")
		if err := os.WriteFile(cfg, []byte(fmt.Sprintf(`
backend:
  listen: {host: 127.0.0.1, port: 0}
  database: {client: pg, connection: %q}
  auth:
    externalAccess:
      - {type: static, options: {token: %s, subject: cli-tests}}
catalog:
  processingInterval: %s
  rules: [{allow: [Component, System, API, Resource, Location, Group, User, Domain]}]
  locations:
%s`, url, testToken, interval, locations.String())), 0o644); err != nil {
			t.Fatal(err)
		}
		replicas = append(replicas, startReplicaProcess(t, cfg))
	}
	for _, r := range replicas {
		r.waitAddr(t, 60*time.Second)
	}
	leader := -1
	waitFor(t, 10*time.Second, "exactly one replica says it leads", func() bool {
		leader = -1
		for i, r := range replicas {
			if l, _, ok := replicaState(r.addr); ok && l {
				if leader >= 0 {
					return false
				}
				leader = i
			}
		}
		return leader >= 0
	})
	t.Logf("3 replicas up and replica %d leads after %s", leader, time.Since(began).Round(time.Millisecond))

	// Each configured location is a Location entity of its own (written as the
	// replicas start): the catalog before the ingest, and part of what it must hold
	// after.
	var want []string
	waitFor(t, 20*time.Second, "every replica serves the configured locations' entities", func() bool {
		for _, r := range replicas {
			if _, n, ok := replicaState(r.addr); !ok || n != roots {
				return false
			}
		}
		return true
	})
	for _, e := range listEntities(t, replicas[leader].addr) {
		if e.Kind != "Location" {
			t.Fatalf("before the ingest the catalog holds %s; want only the configured locations", e.ref())
		}
		want = append(want, e.ref())
	}
	for i := range roots {
		tmp := filepath.Join(catalogDir, fmt.Sprintf(".ns%d", i))
		if _, err := gen.GenerateIn(tmp, perRoot, uint64(i+1), fmt.Sprintf("ns%d", i)); err != nil {
			t.Fatal(err)
		}
		want = append(want, generatedEntities(t, tmp)...)
	}
	for i := range roots {
		if err := os.Rename(filepath.Join(catalogDir, fmt.Sprintf(".ns%d", i)), filepath.Join(catalogDir, fmt.Sprintf("ns%d", i))); err != nil {
			t.Fatal(err)
		}
	}
	generated := time.Now()

	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows := func() int {
		var n int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM catalog_rows WHERE bucket = $1`, catalog.BucketEntities).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	// Kill the leader once the database holds part of the generated catalog (at
	// least one location's transaction committed), not all of it.
	var atKill int
	waitFor(t, 60*time.Second, "the leader has committed part of the catalog", func() bool {
		atKill = rows()
		if atKill >= len(want) {
			t.Fatalf("the leader ingested all %d entities before it could be killed mid-ingest", atKill)
		}
		return atKill > roots
	})
	if err := replicas[leader].cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	replicas[leader].dead = true
	t.Logf("killed the leader %s into the ingest, with %d of %d entities in the database", killed.Sub(generated).Round(time.Millisecond), atKill, len(want))
	var survivors []*replicaProcess
	for i, r := range replicas {
		if i != leader {
			survivors = append(survivors, r)
		}
	}

	// One survivor takes the lease within the processing interval.
	took := waitFor(t, 3*interval, "a surviving replica takes the lease", func() bool {
		for _, r := range survivors {
			if l, _, _ := replicaState(r.addr); l {
				return true
			}
		}
		return false
	})
	t.Logf("a survivor leads %s after the kill", took.Round(time.Millisecond))
	if took > interval {
		t.Errorf("a survivor took the lease %s after the leader was killed; want within processingInterval (%s)", took, interval)
	}

	// What the killed leader committed stays as it was: a survivor, once it has
	// reloaded it, serves those entities, and they keep their uids to the end (the new
	// leader updates them, it does not make them again).
	waitFor(t, 10*time.Second, "a survivor serves what the killed leader committed", func() bool {
		_, n, _ := replicaState(survivors[0].addr)
		return n >= atKill
	})
	committed := map[string]string{}
	for _, e := range listEntities(t, survivors[0].addr) {
		committed[e.ref()] = e.Metadata.UID
	}

	// Both survivors converge on the generated catalog.
	waitFor(t, 60*time.Second, "both survivors serve every generated entity", func() bool {
		for _, r := range survivors {
			if _, n, ok := replicaState(r.addr); !ok || n != len(want) {
				return false
			}
		}
		return rows() == len(want)
	})
	t.Logf("both survivors serve all %d entities %s after the kill", len(want), time.Since(killed).Round(time.Millisecond))

	leaders := 0
	for _, r := range survivors {
		if l, _, _ := replicaState(r.addr); l {
			leaders++
		}
	}
	if leaders != 1 {
		t.Errorf("%d survivors say they lead; want exactly one", leaders)
	}
	uidOf := map[string]string{}
	for _, r := range survivors {
		list := listEntities(t, r.addr)
		count := map[string]int{}
		uids := map[string]string{}
		for _, e := range list {
			count[e.ref()]++
			if e.Metadata.UID == "" {
				t.Errorf("replica %s: %s has no uid", r.addr, e.ref())
			} else if prev, dup := uids[e.Metadata.UID]; dup {
				t.Errorf("replica %s: uid %s is both %s and %s", r.addr, e.Metadata.UID, prev, e.ref())
			}
			uids[e.Metadata.UID] = e.ref()
			if u, seen := uidOf[e.ref()]; seen && u != e.Metadata.UID {
				t.Errorf("%s has uid %s on one survivor and %s on the other", e.ref(), u, e.Metadata.UID)
			}
			uidOf[e.ref()] = e.Metadata.UID
		}
		if len(list) != len(want) {
			t.Errorf("replica %s serves %d entities; want %d", r.addr, len(list), len(want))
		}
		missing := 0
		for _, ref := range want {
			switch count[ref] {
			case 1:
			case 0:
				if missing++; missing <= 5 {
					t.Errorf("replica %s does not serve %s", r.addr, ref)
				}
			default:
				t.Errorf("replica %s serves %s %d times", r.addr, ref, count[ref])
			}
			delete(count, ref)
		}
		if missing > 5 {
			t.Errorf("replica %s misses %d entities in all", r.addr, missing)
		}
		for ref := range count {
			t.Errorf("replica %s serves %s, which is not in the generated catalog", r.addr, ref)
		}
	}
	changed := 0
	for ref, uid := range committed {
		if uidOf[ref] != uid {
			if changed++; changed <= 5 {
				t.Errorf("%s had uid %s just after the kill and %s at the end", ref, uid, uidOf[ref])
			}
		}
	}
	if changed > 0 {
		t.Errorf("%d of the %d entities served just after the kill changed uid", changed, len(committed))
	}
	if n := rows(); n != len(want) {
		t.Errorf("the database holds %d entity rows; want %d", n, len(want))
	}
}
