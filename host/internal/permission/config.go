package permission

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"greenroom.dev/greenroom/abi"
	"greenroom.dev/greenroom/host/internal/lifecycle"
)

// Config is the `permission:` section of app-config.yaml, with Backstage's and Red Hat
// Developer Hub's keys:
//
//	permission:
//	  enabled: true
//	  rbac:
//	    admin:
//	      users: [{name: user:default/ada}]          # get role:default/rbac_admin
//	      superUsers: [{name: user:default/linus}]   # are allowed everything
//	    policies-csv-file: rbac/rbac-policy.csv
//	    conditionalPoliciesFile: rbac/conditional-policies.yaml
//	    policyFileReload: true
//
// docs/permissions.md explains how to write the two files.
type Config struct {
	// Enabled turns the permission policy on. Default false: as in Backstage, every
	// permission is then allowed to every caller (a service token's accessRestrictions
	// still apply). When true, the RBAC policy below decides, and a caller who is not
	// signed in is denied every permission.
	Enabled bool `yaml:"enabled"`
	// RBAC is the no-code policy: roles and what they may do, in RHDH's file formats.
	RBAC RBAC `yaml:"rbac"`
}

// RBAC is permission.rbac.
type RBAC struct {
	// Admin names the policy's administrators.
	Admin Admin `yaml:"admin"`
	// PoliciesCSVFile is the policy: a CSV file of `p` lines (a role may or may not do
	// something) and `g` lines (a user or group holds a role), relative to the directory
	// of the config file that sets it. A file with a bad line is refused with its line
	// and the fix; the old policy keeps serving when a reload finds one.
	PoliciesCSVFile string `yaml:"policies-csv-file"`
	// ConditionalPoliciesFile holds conditional policies, YAML documents that let a role
	// act on the resources that match conditions (entities the user owns, of a kind, with
	// an annotation ...), relative to the directory of the config file that sets it.
	ConditionalPoliciesFile string `yaml:"conditionalPoliciesFile"`
	// PolicyFileReload reloads the two files when they change (checked with the config
	// files, every second), without a restart. Default false: they are read at start and
	// on every config reload (SIGHUP, POST /api/admin/reload).
	PolicyFileReload bool `yaml:"policyFileReload"`
	// PluginsWithPermission lists the plugin ids whose permissions the policy covers
	// (RHDH collects their permission metadata from them). Greenroom knows the host's
	// permissions and those plugins declare in their manifests, so the list is accepted
	// for compatibility with RHDH's config and checked for valid ids only.
	PluginsWithPermission []string `yaml:"pluginsWithPermission"`
	// MaxDepth bounds how many levels of parent groups count when a user's groups are
	// matched against `g` lines (must be above 0). Greenroom matches the ownership refs
	// that sign-in gives the user (the user and the groups it is directly a member of,
	// Backstage's default), so parent groups never count and this is accepted for
	// compatibility with RHDH's config.
	MaxDepth *int `yaml:"maxDepth"`
}

// Admin is permission.rbac.admin.
type Admin struct {
	// Users (user or group refs) get the built-in role role:default/rbac_admin: reading
	// the policy (GET /api/permission/roles, /policies), reading the catalog, reloading
	// the config and reading the audit log. The CSV file may grant the role more.
	Users []Member `yaml:"users"`
	// SuperUsers (user refs) are allowed every permission, whatever the policy says.
	SuperUsers []Member `yaml:"superUsers"`
}

// Member names a user or group by its entity ref, e.g. {name: user:default/ada}.
type Member struct {
	// Name is the entity ref of the user (user:default/ada) or group
	// (group:default/admins).
	Name string `yaml:"name"`
}

// Validate checks the section and, when they are set, reads and checks the policy files
// (dir resolves their relative paths: the first config file's directory). Each error is a
// *lifecycle.FieldError at a path under the section; a bad line of a file is reported at
// the key that names the file, as file:line: problem; fix.
func (c *Config) Validate(dir string) []error {
	errs := c.validateFields()
	if len(errs) > 0 {
		return errs
	}
	_, err := Load(*c, dir)
	var fe FileErrors
	if errors.As(err, &fe) {
		for _, e := range fe {
			errs = append(errs, lifecycle.Errorf(fe.keyFor(e), "%s", e.Error()))
		}
	} else if err != nil {
		errs = append(errs, err)
	}
	return errs
}

func (c *Config) validateFields() []error {
	var errs []error
	for i, m := range c.RBAC.Admin.Users {
		if _, err := parseRef(m.Name, "user", "group"); err != nil {
			errs = append(errs, lifecycle.Errorf([]string{"rbac", "admin", "users", lifecycle.Index(i), "name"}, "%v", err))
		}
	}
	for i, m := range c.RBAC.Admin.SuperUsers {
		if _, err := parseRef(m.Name, "user"); err != nil {
			errs = append(errs, lifecycle.Errorf([]string{"rbac", "admin", "superUsers", lifecycle.Index(i), "name"}, "%v", err))
		}
	}
	for i, id := range c.RBAC.PluginsWithPermission {
		if !abi.ValidID(id) {
			errs = append(errs, lifecycle.Errorf([]string{"rbac", "pluginsWithPermission", lifecycle.Index(i)}, "%q is not a plugin id (lower-case letters, digits and dashes)", id))
		}
	}
	if d := c.RBAC.MaxDepth; d != nil && *d < 1 {
		errs = append(errs, lifecycle.Errorf([]string{"rbac", "maxDepth"}, "%d must be above 0", *d))
	}
	return errs
}

// resolve makes a relative policy file path relative to dir.
func resolve(dir, file string) string {
	if file == "" || filepath.IsAbs(file) {
		return file
	}
	return filepath.Join(dir, file)
}

// FileError is a problem at a line of a policy file.
type FileError struct {
	File string
	Line int
	Msg  string
	// conditional is set for the conditional policies file.
	conditional bool
}

func (e *FileError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

// FileErrors are every problem found in the policy files, reported together.
type FileErrors []*FileError

func (es FileErrors) Error() string {
	s := make([]string, len(es))
	for i, e := range es {
		s[i] = e.Error()
	}
	return strings.Join(s, "\n")
}

func (FileErrors) keyFor(e *FileError) []string {
	if e.conditional {
		return []string{"rbac", "conditionalPoliciesFile"}
	}
	return []string{"rbac", "policies-csv-file"}
}
