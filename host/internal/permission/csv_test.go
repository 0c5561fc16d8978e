package permission

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeFile(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestCSVBadLines: every kind of bad line is refused with the file, the line and the fix,
// and every bad line of a file is reported, not only the first.
func TestCSVBadLines(t *testing.T) {
	cases := []struct {
		name, line string
		want       string
	}{
		{"unknown action", "p, role:default/dev, catalog-entity, rad, allow", `unknown action "rad"; use create, read, update, delete or use`},
		{"upper-case action", "p, role:default/dev, catalog-entity, Read, allow", `unknown action "Read"; actions are lower case: read`},
		{"unknown effect", "p, role:default/dev, catalog-entity, read, alow", `unknown effect "alow"; use allow or deny`},
		{"unknown line type", "r, role:default/dev, catalog-entity, read, allow", `unknown line type "r"; a line starts with p (what a role may do) or g (who holds a role)`},
		{"short policy line", "p, role:default/dev, catalog-entity, read", "a policy line has 5 fields, this one 4; write p, <role>, <permission or resource type>, <action>, <allow or deny>"},
		{"long role line", "g, user:default/ada, role:default/dev, extra", "a role line has 3 fields, this one 4; write g, <user or group>, <role>"},
		{"subject not a full ref", "p, dev, catalog-entity, read, allow", `"dev" is not a full entity ref; write kind:namespace/name, e.g. role:default/name`},
		{"subject of another kind", "p, component:default/web, catalog-entity, read, allow", `"component:default/web" is a component; use a role, user or group ref`},
		{"empty permission", "p, role:default/dev, , read, allow", "the permission is empty; name a permission (catalog.entity.read) or a resource type (catalog-entity)"},
		{"misspelt host permission", "p, role:default/dev, catalog.entity.raed, read, allow", `unknown permission "catalog.entity.raed"; the host's catalog permissions are catalog.entity.create, catalog.entity.delete`},
		{"action of a known permission", "p, role:default/dev, catalog.entity.read, delete, allow", "catalog.entity.read is a read permission; use action read"},
		{"use for a permission with an action", "p, role:default/dev, catalog.entity.create, use, allow", "catalog.entity.create is a create permission; use action create"},
		{"create on a resource type", "p, role:default/dev, catalog-entity, create, allow", "no catalog-entity permission has action create; its actions are delete, read, update; catalog.entity.create is a basic permission, so grant it by name: catalog.entity.create"},
		{"role member is a role", "g, role:default/a, role:default/b", "role:default/a is a role, and roles do not hold roles; give its members the role directly"},
		{"role is a group", "g, user:default/ada, group:default/team-a", "group:default/team-a is not a role; a user's groups come from the catalog"},
		{"admin role in the file", "g, user:default/ada, role:default/rbac_admin", "role:default/rbac_admin is the admins' role; list its members under permission.rbac.admin.users in the config"},
		{"bad name characters", "g, user:default/a b, role:default/dev", `"user:default/a b" is not an entity ref: a namespace and a name are letters, digits, '.', '_' and '-'`},
		{"empty subject", "p, , catalog-entity, read, allow", "the entity ref is empty; write role:default/name"},
		{"spaces in the permission", "p, role:default/dev, catalog entity, read, allow", `"catalog entity" is not a permission name or resource type: they have no spaces`},
		{"broken quote", `p, role:default/dev, "catalog-entity, read, allow`, "CSV syntax error"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			body := "# the developers\np, role:default/dev, catalog-entity, read, allow\n\n" + tc.line + "\ng, group:default/team-a, role:default/dev\n"
			f := writeFile(t, dir, "rbac-policy.csv", body)
			_, err := Load(Config{Enabled: true, RBAC: RBAC{PoliciesCSVFile: "rbac-policy.csv"}}, dir)
			if err == nil {
				t.Fatal("loaded")
			}
			want := f + ":4: " + tc.want
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error:\n%v\nwant it to contain:\n%s", err, want)
			}
		})
	}
}

// TestCSVDuplicates: a repeated line, and a line that contradicts an earlier one, name
// the earlier line.
func TestCSVDuplicates(t *testing.T) {
	dir := t.TempDir()
	f := writeFile(t, dir, "p.csv", `p, role:default/dev, catalog-entity, read, allow
p, role:default/dev, catalog-entity, read, allow
p, role:default/dev, catalog-entity, read, deny
g, user:default/ada, role:default/dev
g, user:default/ada, role:default/dev
`)
	_, err := Load(Config{RBAC: RBAC{PoliciesCSVFile: f}}, "")
	if err == nil {
		t.Fatal("loaded")
	}
	for _, want := range []string{
		f + ":2: repeats line 1; remove one of them",
		f + ":3: line 1 gives role:default/dev read on catalog-entity the effect allow, this line deny; keep the one you mean",
		f + ":5: repeats line 4; remove one of them",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error:\n%v\nwant it to contain:\n%s", err, want)
		}
	}
	if n := len(err.(FileErrors)); n != 3 {
		t.Errorf("%d errors, want 3: %v", n, err)
	}
}

// TestPolicyFileMissing: a file that is not there is named, with the fix.
func TestPolicyFileMissing(t *testing.T) {
	dir := t.TempDir()
	_, err := Load(Config{RBAC: RBAC{PoliciesCSVFile: "nope.csv"}}, dir)
	want := filepath.Join(dir, "nope.csv") + ": file not found; check the path, which is relative to the config file that sets it"
	if err == nil || err.Error() != want {
		t.Fatalf("err = %v, want %s", err, want)
	}
}

// TestPluginPermissionsChecked: permissions a plugin declares are checked by name like
// the host's own.
func TestPluginPermissionsChecked(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "p.csv", "p, role:default/dev, hello-go.greeting.update, read, allow\n")
	extra := Permission{Type: Basic, Name: "hello-go.greeting.update", Attributes: Attributes{Action: Update}}
	_, err := Load(Config{RBAC: RBAC{PoliciesCSVFile: "p.csv"}}, dir, extra)
	if err == nil || !strings.Contains(err.Error(), "p.csv:1: hello-go.greeting.update is an update permission; use action update") {
		t.Fatalf("err = %v", err)
	}
	if _, err := Load(Config{RBAC: RBAC{PoliciesCSVFile: "p.csv"}}, dir); err != nil {
		t.Fatalf("without the declaration the name is not checked: %v", err)
	}
	writeFile(t, dir, "p.csv", "p, role:default/dev, hello-go.greet, read, allow\n")
	_, err = Load(Config{RBAC: RBAC{PoliciesCSVFile: "p.csv"}}, dir, Permission{Type: Basic, Name: "hello-go.greet"})
	if err == nil || !strings.Contains(err.Error(), "p.csv:1: hello-go.greet has no action, so it is granted with action use, not read") {
		t.Fatalf("err = %v", err)
	}
}

// TestPolicyFileTooBig: a policy file over 8MiB is refused before it is parsed.
func TestPolicyFileTooBig(t *testing.T) {
	dir := t.TempDir()
	f := writeFile(t, dir, "big.csv", strings.Repeat("# padding\n", maxPolicyFile/10+1))
	_, err := Load(Config{RBAC: RBAC{PoliciesCSVFile: f}}, "")
	if err == nil || err.Error() != f+": file is over the 8388608 byte limit" {
		t.Fatalf("err = %v", err)
	}
}
