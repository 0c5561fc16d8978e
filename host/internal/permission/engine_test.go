package permission

import (
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// rewrite replaces a file and moves its modification time on, so that a change within
// the file system's time granularity is still seen.
func rewrite(t *testing.T, path, body string, step int) {
	t.Helper()
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	at := time.Now().Add(time.Duration(step) * time.Second)
	if err := os.Chtimes(path, at, at); err != nil {
		t.Fatal(err)
	}
}

// TestReloadKeepsOldOnError: a reload that finds a bad line leaves the old policy
// serving, returns the error (file and line) and keeps it in Err until a load succeeds.
func TestReloadKeepsOldOnError(t *testing.T) {
	dir := t.TempDir()
	f := writeFile(t, dir, "rbac-policy.csv", "p, role:default/r, catalog-entity, read, allow\ng, user:default/ada, role:default/r\n")
	e, err := NewEngine(Config{Enabled: true, RBAC: RBAC{PoliciesCSVFile: "rbac-policy.csv"}}, dir)
	if err != nil {
		t.Fatal(err)
	}
	ada := user("ada")
	if e.Decide(ada, CatalogEntityRead).Result != Allow {
		t.Fatal("not allowed before the reload")
	}
	rewrite(t, f, "p, role:default/r, catalog-entity, read, alow\ng, user:default/ada, role:default/r\n", 1)
	err = e.Reload()
	if err == nil || !strings.Contains(err.Error(), f+`:1: unknown effect "alow"`) {
		t.Fatalf("reload: %v", err)
	}
	if e.Decide(ada, CatalogEntityRead).Result != Allow {
		t.Error("the old policy no longer serves")
	}
	if e.Err() == nil {
		t.Error("Err is nil while the old policy serves")
	}
	rewrite(t, f, "p, role:default/r, catalog-entity, read, deny\ng, user:default/ada, role:default/r\n", 2)
	if err := e.Reload(); err != nil {
		t.Fatal(err)
	}
	if e.Decide(ada, CatalogEntityRead).Result != Deny || e.Err() != nil {
		t.Errorf("after a good reload: %s, %v", e.Decide(ada, CatalogEntityRead).Result, e.Err())
	}
}

// TestPoll: with policyFileReload a changed file is reloaded by the next Poll, a bad
// change is reported once and leaves the old policy; without it Poll does nothing.
func TestPoll(t *testing.T) {
	dir := t.TempDir()
	f := writeFile(t, dir, "p.csv", "p, role:default/r, catalog-entity, read, allow\ng, user:default/ada, role:default/r\n")
	c := writeFile(t, dir, "c.yaml", "")
	cfg := Config{Enabled: true, RBAC: RBAC{PoliciesCSVFile: "p.csv", ConditionalPoliciesFile: "c.yaml", PolicyFileReload: true}}
	e, err := NewEngine(cfg, dir)
	if err != nil {
		t.Fatal(err)
	}
	ada := user("ada")
	if ok, err := e.Poll(); ok || err != nil {
		t.Fatalf("unchanged files: %v %v", ok, err)
	}
	rewrite(t, c, "result: CONDITIONAL\nroleEntityRef: role:default/r\npluginId: catalog\nresourceType: catalog-entity\npermissionMapping: [delete]\nconditions: {rule: HAS_LABEL, resourceType: catalog-entity, params: {label: x}}\n", 1)
	if ok, err := e.Poll(); !ok || err != nil {
		t.Fatalf("changed conditional file: %v %v", ok, err)
	}
	if d := e.Decide(ada, CatalogEntityDelete); d.Result != Conditional {
		t.Errorf("after the reload: %s", d.Result)
	}
	rewrite(t, f, "p, role:default/r, catalog-entity, read\n", 2)
	if ok, err := e.Poll(); ok || err == nil || !strings.Contains(err.Error(), f+":1: a policy line has 5 fields") {
		t.Fatalf("bad change: %v %v", ok, err)
	}
	if ok, err := e.Poll(); ok || err != nil {
		t.Errorf("the same bad change reported again: %v %v", ok, err)
	}
	if e.Decide(ada, CatalogEntityRead).Result != Allow || e.Err() == nil {
		t.Error("the old policy does not serve, or Err forgot the failure")
	}
	if err := os.Remove(c); err != nil {
		t.Fatal(err)
	}
	rewrite(t, f, "p, role:default/r, catalog-entity, read, allow\n", 3)
	if ok, err := e.Poll(); ok || err == nil || !strings.Contains(err.Error(), c+": file not found") {
		t.Errorf("removed file: %v %v", ok, err)
	}

	off := writeFile(t, dir, "off.csv", "g, user:default/ada, role:default/r\n")
	e, err = NewEngine(Config{Enabled: true, RBAC: RBAC{PoliciesCSVFile: off}}, "")
	if err != nil {
		t.Fatal(err)
	}
	rewrite(t, off, "p, role:default/r, catalog-entity, read, allow\ng, user:default/ada, role:default/r\n", 4)
	if ok, err := e.Poll(); ok || err != nil || e.Decide(ada, CatalogEntityRead).Result != Deny {
		t.Errorf("policyFileReload off: reloaded %v %v", ok, err)
	}
	if err := e.Reload(); err != nil || e.Decide(ada, CatalogEntityRead).Result != Allow {
		t.Errorf("an explicit reload: %v", err)
	}
}

// TestConfigure: a new config section replaces the policy; a bad one leaves the old.
func TestConfigure(t *testing.T) {
	e, err := NewEngine(Config{}, "")
	if err != nil {
		t.Fatal(err)
	}
	if e.Decide(user("ada"), AdminReload).Result != Allow {
		t.Fatal("disabled policy denies")
	}
	err = e.Configure(Config{Enabled: true, RBAC: RBAC{Admin: Admin{SuperUsers: []Member{{Name: "group:default/admins"}}}}}, "")
	if err == nil || !strings.Contains(err.Error(), `rbac.admin.superUsers[0].name: "group:default/admins" is a group; use a user ref`) {
		t.Fatalf("bad config: %v", err)
	}
	if e.Decide(user("ada"), AdminReload).Result != Allow {
		t.Error("the old policy no longer serves")
	}
	if err := e.Configure(Config{Enabled: true}, ""); err != nil {
		t.Fatal(err)
	}
	if e.Decide(user("ada"), AdminReload).Result != Deny {
		t.Error("the new config does not serve")
	}
}

// TestDecideDuringReload: decisions made while policies are swapped see one whole
// policy or the other (run with -race).
func TestDecideDuringReload(t *testing.T) {
	dir := t.TempDir()
	f := writeFile(t, dir, "p.csv", "p, role:default/r, catalog-entity, read, allow\ng, user:default/ada, role:default/r\n")
	e, err := NewEngine(Config{Enabled: true, RBAC: RBAC{PoliciesCSVFile: f}}, "")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if r := e.Decide(user("ada"), CatalogEntityRead).Result; r != Allow {
					t.Errorf("decision %s", r)
					return
				}
			}
		}()
	}
	for range 20 {
		if err := e.Reload(); err != nil {
			t.Error(err)
		}
	}
	close(stop)
	wg.Wait()
}
