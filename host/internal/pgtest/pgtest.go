// Package pgtest starts a throwaway PostgreSQL cluster for tests: initdb in a
// t.TempDir, pg_ctl on a free 127.0.0.1 port, stopped when the test ends. PostgreSQL
// refuses to run as root, so as root the cluster runs as the "postgres" user (which
// Debian's postgresql package creates). Without PostgreSQL the test is skipped, unless
// CI or GREENROOM_REQUIRE_TOOLS is set, when it fails.
package pgtest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// Cluster is a running throwaway PostgreSQL.
type Cluster struct {
	t      testing.TB
	bin    string
	dir    string
	Port   int
	runAs  []string // command prefix that runs as the cluster's owner, or nil
	nextDB atomic.Int64
}

// superuser is the cluster's superuser; authentication is trust on loopback.
const superuser = "greenroom"

// binDir finds the directory holding initdb and pg_ctl.
func binDir() string {
	// Debian links only some tools into PATH; the cluster tools sit together in the
	// version's bin directory.
	if p, err := exec.LookPath("initdb"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			p = real
		}
		if _, err := os.Stat(filepath.Join(filepath.Dir(p), "createdb")); err == nil {
			return filepath.Dir(p)
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Strings(dirs)
	for i := len(dirs) - 1; i >= 0; i-- {
		if _, err := os.Stat(filepath.Join(dirs[i], "initdb")); err == nil {
			return dirs[i]
		}
	}
	return ""
}

func required() bool { return os.Getenv("CI") != "" || os.Getenv("GREENROOM_REQUIRE_TOOLS") != "" }

func unavailable(t testing.TB, why string) {
	t.Helper()
	if required() {
		t.Fatalf("%s, and CI or GREENROOM_REQUIRE_TOOLS is set (Debian: apt-get install postgresql)", why)
	}
	t.Skipf("%s (Debian: apt-get install postgresql)", why)
}

// Start initialises and starts a cluster that is stopped when t ends.
func Start(t testing.TB) *Cluster {
	t.Helper()
	bin := binDir()
	if bin == "" {
		unavailable(t, "PostgreSQL's initdb and pg_ctl are not installed")
	}
	c := &Cluster{t: t, bin: bin}
	base := t.TempDir()
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			unavailable(t, "running as root and there is no postgres user to run PostgreSQL as")
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		// The cluster's owner must reach its directory through the test's temp dirs.
		for _, d := range []string{filepath.Dir(base), base} {
			if err := os.Chmod(d, 0o711); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.Chown(base, uid, gid); err != nil {
			t.Fatal(err)
		}
		runuser, err := exec.LookPath("runuser")
		if err != nil {
			unavailable(t, "running as root and runuser (util-linux) is not installed")
		}
		c.runAs = []string{runuser, "-u", "postgres", "--"}
	}
	c.dir = filepath.Join(base, "data")
	c.run("initdb", "-D", c.dir, "-U", superuser, "--auth=trust", "-E", "UTF8", "--no-sync", "--no-instructions")
	c.Port = freePort(t)
	c.Start()
	t.Cleanup(func() { c.stop("immediate") })
	return c
}

func freePort(t testing.TB) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func (c *Cluster) command(name string, args ...string) *exec.Cmd {
	argv := append(append(append([]string{}, c.runAs...), filepath.Join(c.bin, name)), args...)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), "LC_ALL=C", "PGTZ=UTC")
	return cmd
}

func (c *Cluster) run(name string, args ...string) {
	c.t.Helper()
	out, err := c.command(name, args...).CombinedOutput()
	if err != nil {
		log, _ := os.ReadFile(filepath.Join(filepath.Dir(c.dir), "server.log"))
		c.t.Fatalf("pgtest: %s %s: %v\n%s\n%s", name, strings.Join(args, " "), err, out, log)
	}
}

// Start starts the cluster (again, after Stop), on the same port. fsync is off (the
// tests survive a crash of PostgreSQL, not of the machine); synchronous_commit stays on,
// so a commit the tests saw survives Stop.
func (c *Cluster) Start() {
	c.t.Helper()
	c.run("pg_ctl", "-D", c.dir, "-l", filepath.Join(filepath.Dir(c.dir), "server.log"), "-w", "-t", "60",
		"-o", fmt.Sprintf("-p %d -c listen_addresses=127.0.0.1 -k %s -c fsync=off", c.Port, c.dir),
		"start")
}

// Stop stops the cluster with pg_ctl's immediate mode (like a crash), keeping its data.
func (c *Cluster) Stop() { c.t.Helper(); c.stop("immediate") }

func (c *Cluster) stop(mode string) {
	_ = c.command("pg_ctl", "-D", c.dir, "-m", mode, "-w", "stop").Run()
}

// NewDatabase creates an empty database and returns its connection URL.
func (c *Cluster) NewDatabase() string {
	c.t.Helper()
	name := fmt.Sprintf("db%d_%d", time.Now().UnixNano()%1e6, c.nextDB.Add(1))
	c.run("createdb", "-h", "127.0.0.1", "-p", strconv.Itoa(c.Port), "-U", superuser, name)
	return c.URL(name)
}

// URL is the connection URL of database name.
func (c *Cluster) URL(name string) string {
	return fmt.Sprintf("postgres://%s@127.0.0.1:%d/%s?sslmode=disable", superuser, c.Port, name)
}
