package permission

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"greenroom.dev/greenroom/host/internal/identity"
)

// Policy is a loaded permission policy: the config's admins and the RBAC files, compiled
// into per-role tables so that a decision is a few map lookups. It is immutable; a reload
// builds a new one (Engine swaps it in).
//
// How a user's decision is made (RHDH's RBAC, with Greenroom's choices where noted):
//   - superUsers are allowed everything;
//   - the user's roles are those `g` lines give the user's ownership refs (the user and
//     its groups), plus role:default/rbac_admin for admin.users; a `p` line may also name
//     a user or group directly;
//   - a policy line names a permission or, for a resource permission, its resource type.
//     When any of the user's roles names the permission itself (with the action), only
//     the lines naming it count; otherwise those naming the resource type do (RHDH's
//     rule: the name is more specific);
//   - among the lines that count, deny beats allow;
//   - with no line allowing or denying it, a resource permission is CONDITIONAL when the
//     user's roles have conditional policies for its resource type and action (several
//     roles' conditions are combined with anyOf, aliases replaced for the user). An
//     unconditional allow wins over conditions, and a deny beats both (RHDH instead lets
//     conditions win over both);
//   - anything else is denied.
type Policy struct {
	enabled    bool
	superUsers map[string]bool
	// holders maps an entity ref (lower case) to the roles it holds, including a pseudo
	// role of its own when `p` lines name it directly.
	holders map[string][]*role
	// For the read-only views.
	roles    []roleView
	policies []policyLine
	// files are the policy files read, for Engine's change polling.
	files    []string
	warnings []string
}

// role is one role's precomputed tables.
type role struct {
	ref    string
	grants map[grantKey]uint8 // effectBits
	conds  map[grantKey]*condEntry
}

// grantKey is a policy's object (permission name or resource type) and action.
type grantKey struct{ object, action string }

type condEntry struct {
	pluginID string
	tree     *ctree
}

const (
	bitAllow uint8 = 1 << iota
	bitDeny
)

type roleView struct {
	Name    string
	Members []string
	Source  string
}

// Load builds the policy of a config section, reading its files (relative paths are
// resolved against dir). extra are permissions that plugins declare, checked by name
// like the host's own. Problems in the files are a FileErrors listing every bad line.
func Load(cfg Config, dir string, extra ...Permission) (*Policy, error) {
	if errs := cfg.validateFields(); len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	known := make(map[string]Permission, len(Known)+len(extra))
	for _, k := range Known {
		known[k.Name] = k.Permission
	}
	for _, p := range extra {
		known[p.Name] = p
	}
	var errs FileErrors
	var ps []policyLine
	var gs []roleLine
	var conds []conditionalPolicy
	var files []string
	if f := resolve(dir, cfg.RBAC.PoliciesCSVFile); f != "" {
		files = append(files, f)
		data, err := readPolicyFile(f)
		if err != nil {
			errs = append(errs, &FileError{File: f, Msg: err.Error()})
		} else {
			var fe FileErrors
			ps, gs, fe = parseCSV(f, data, known)
			errs = append(errs, fe...)
		}
	}
	if f := resolve(dir, cfg.RBAC.ConditionalPoliciesFile); f != "" {
		files = append(files, f)
		data, err := readPolicyFile(f)
		if err != nil {
			errs = append(errs, &FileError{File: f, Msg: err.Error(), conditional: true})
		} else {
			var fe FileErrors
			conds, fe = parseConditional(f, data, known)
			errs = append(errs, fe...)
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	p := build(cfg, ps, gs, conds)
	p.files = files
	if f := resolve(dir, cfg.RBAC.ConditionalPoliciesFile); f != "" {
		for _, c := range conds {
			if !p.hasMembers(c.Role) {
				p.warnings = append(p.warnings, fmt.Sprintf("%s:%d: no user or group holds %s, so its condition applies to nobody; add a g line for it", f, c.Line, c.Role))
			}
		}
	}
	return p, nil
}

// adminGrants are what role:default/rbac_admin may do (RHDH's: the policy, and reading
// the catalog; Greenroom adds the host's admin permissions).
var adminGrants = []Permission{PolicyEntityRead, PolicyEntityCreate, PolicyEntityUpdate, PolicyEntityDelete, AdminReload, AuditRead}

func build(cfg Config, ps []policyLine, gs []roleLine, conds []conditionalPolicy) *Policy {
	p := &Policy{enabled: cfg.Enabled, superUsers: map[string]bool{}, holders: map[string][]*role{}}
	for _, m := range cfg.RBAC.Admin.SuperUsers {
		p.superUsers[strings.ToLower(m.Name)] = true
	}
	roles := map[string]*role{}
	get := func(ref string) *role {
		r := roles[ref]
		if r == nil {
			r = &role{ref: ref, grants: map[grantKey]uint8{}, conds: map[grantKey]*condEntry{}}
			roles[ref] = r
		}
		return r
	}
	// The admins' role: its built-in grants, then its members.
	var lines []policyLine
	for _, perm := range adminGrants {
		obj := perm.Name
		if perm.Type == Resource {
			obj = perm.ResourceType
		}
		lines = append(lines, policyLine{Subject: AdminRole, Object: obj, Action: PolicyAction(perm), Effect: effectAllow, Source: "configuration"})
	}
	lines = append(lines, policyLine{Subject: AdminRole, Object: CatalogEntityResource, Action: Read, Effect: effectAllow, Source: "configuration"})
	var members []roleLine
	for _, m := range cfg.RBAC.Admin.Users {
		members = append(members, roleLine{Member: strings.ToLower(m.Name), Role: AdminRole, Source: "configuration"})
	}
	lines = append(lines, ps...)
	members = append(members, gs...)
	for _, l := range lines {
		bit := bitAllow
		if l.Effect == effectDeny {
			bit = bitDeny
		}
		get(l.Subject).grants[grantKey{l.Object, l.Action}] |= bit
	}
	for _, c := range conds {
		r := get(c.Role)
		for _, a := range c.Actions {
			r.conds[grantKey{c.ResourceType, a}] = &condEntry{pluginID: c.PluginID, tree: c.Tree}
		}
	}
	// Who holds what: g lines, and users and groups that p lines name directly.
	for _, m := range members {
		if r := get(m.Role); !slices.Contains(p.holders[m.Member], r) {
			p.holders[m.Member] = append(p.holders[m.Member], r)
		}
	}
	for ref, r := range roles {
		if !strings.HasPrefix(ref, "role:") {
			p.holders[ref] = append(p.holders[ref], r)
		}
	}
	// The views.
	byRole := map[string]*roleView{}
	var order []string
	for _, m := range members {
		v := byRole[m.Role]
		if v == nil {
			v = &roleView{Name: m.Role, Source: m.Source}
			byRole[m.Role] = v
			order = append(order, m.Role)
		}
		if !slices.Contains(v.Members, m.Member) {
			v.Members = append(v.Members, m.Member)
		}
	}
	for _, name := range order {
		p.roles = append(p.roles, *byRole[name])
	}
	p.policies = lines
	return p
}

func (p *Policy) hasMembers(roleRef string) bool {
	for _, v := range p.roles {
		if v.Name == roleRef {
			return len(v.Members) > 0
		}
	}
	return false
}

// Enabled reports whether the policy decides (permission.enabled); when false, every
// permission is allowed.
func (p *Policy) Enabled() bool { return p.enabled }

// Warnings lists what in the files is allowed but probably a mistake (a condition for a
// role nobody holds), as file:line: message. The host logs them.
func (p *Policy) Warnings() []string { return slices.Clone(p.warnings) }

// Files lists the policy files the policy was read from.
func (p *Policy) Files() []string { return slices.Clone(p.files) }

var (
	allow = Decision{Result: Allow}
	deny  = Decision{Result: Deny}
)

// Decide decides whether the caller may use perm. Services are allowed unless their
// access restrictions rule the permission out (even with the policy disabled); with the
// policy disabled everyone else is allowed; an unauthenticated caller is denied; a user
// is decided by the RBAC policy (see Policy). A CONDITIONAL decision's criteria are
// shared between decisions: read them, do not modify them.
func (p *Policy) Decide(pr identity.Principal, perm Permission) Decision {
	if pr.Type == identity.Service {
		return serviceDecision(pr, perm)
	}
	if !p.enabled {
		return allow
	}
	if pr.Type != identity.User || pr.UserEntityRef == "" {
		return deny
	}
	user := strings.ToLower(pr.UserEntityRef)
	if p.superUsers[user] {
		return allow
	}
	var buf [16]*role
	roles := p.rolesOf(buf[:0], user, pr.OwnershipEntityRefs)
	if len(roles) == 0 {
		return deny
	}
	action := PolicyAction(perm)
	object := perm.Name
	if perm.Type == Resource && perm.ResourceType != "" && !namesPermission(roles, perm.Name, action) {
		object = perm.ResourceType
	}
	var bits uint8
	key := grantKey{object, action}
	for _, r := range roles {
		bits |= r.grants[key]
	}
	switch {
	case bits&bitDeny != 0:
		return deny
	case bits&bitAllow != 0:
		return allow
	case perm.Type != Resource || perm.ResourceType == "":
		return deny
	}
	return p.conditional(roles, grantKey{perm.ResourceType, action}, pr)
}

// DecideBatch decides several permissions for one caller (POST /api/permission/authorize).
func (p *Policy) DecideBatch(pr identity.Principal, perms []Permission) []Decision {
	out := make([]Decision, len(perms))
	for i, perm := range perms {
		out[i] = p.Decide(pr, perm)
	}
	return out
}

// rolesOf appends the distinct roles the user and its ownership refs hold.
func (p *Policy) rolesOf(out []*role, user string, ownership []string) []*role {
	out = appendRoles(out, p.holders[user])
	for _, ref := range ownership {
		if ref = strings.ToLower(ref); ref != user {
			out = appendRoles(out, p.holders[ref])
		}
	}
	return out
}

func appendRoles(out, add []*role) []*role {
	for _, r := range add {
		if !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out
}

func namesPermission(roles []*role, name, action string) bool {
	key := grantKey{name, action}
	for _, r := range roles {
		if r.grants[key] != 0 {
			return true
		}
	}
	return false
}

func (p *Policy) conditional(roles []*role, key grantKey, pr identity.Principal) Decision {
	var first *condEntry
	var more []*condEntry
	for _, r := range roles {
		c := r.conds[key]
		if c == nil || c == first || slices.Contains(more, c) {
			continue
		}
		if first == nil {
			first = c
		} else {
			more = append(more, c)
		}
	}
	if first == nil {
		return deny
	}
	d := Decision{Result: Conditional, PluginID: first.pluginID, ResourceType: key.object}
	if len(more) == 0 {
		c := first.tree.render(pr.UserEntityRef, pr.OwnershipEntityRefs)
		d.Conditions = &c
		return d
	}
	anyOf := make([]Criteria, 0, 1+len(more))
	anyOf = append(anyOf, first.tree.render(pr.UserEntityRef, pr.OwnershipEntityRefs))
	for _, c := range more {
		anyOf = append(anyOf, c.tree.render(pr.UserEntityRef, pr.OwnershipEntityRefs))
	}
	d.Conditions = &Criteria{AnyOf: anyOf}
	return d
}

// serviceDecision applies a service's access restrictions (Backstage's
// accessRestrictions: permission names and permissionAttribute actions) to the
// restriction of the plugin that owns the permission (PluginOf). A service without
// restrictions is allowed everything; one with restrictions none of which is for that
// plugin is denied.
func serviceDecision(pr identity.Principal, perm Permission) Decision {
	if len(pr.AccessRestrictions) == 0 {
		return allow
	}
	plugin := PluginOf(perm.Name)
	for _, r := range pr.AccessRestrictions {
		if r.Plugin != plugin {
			continue
		}
		if len(r.Permissions) > 0 && !slices.Contains(r.Permissions, perm.Name) {
			continue
		}
		if len(r.Actions) > 0 && (perm.Attributes.Action == "" || !slices.Contains(r.Actions, perm.Attributes.Action)) {
			continue
		}
		return allow
	}
	return deny
}
