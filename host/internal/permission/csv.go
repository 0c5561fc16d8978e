package permission

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
)

// maxPolicyFile bounds a policy file.
const maxPolicyFile = 8 << 20

// AdminRole is the built-in role of permission.rbac.admin.users.
const AdminRole = "role:default/rbac_admin"

// Effects of a policy line.
const (
	effectAllow = "allow"
	effectDeny  = "deny"
)

// policyLine is one `p` line: subject may (allow) or may not (deny) do action on object,
// a permission name or a resource type.
type policyLine struct {
	Subject, Object, Action, Effect string
	Line                            int
	Source                          string // csv-file or configuration
}

// roleLine is one `g` line: member (a user or group) holds role.
type roleLine struct {
	Member, Role string
	Line         int
	Source       string
}

var policyActions = []string{Create, Read, Update, Delete, Use}

// readPolicyFile reads a file of at most maxPolicyFile bytes.
func readPolicyFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, errors.New("file not found; check the path, which is relative to the config file that sets it")
		}
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxPolicyFile+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxPolicyFile {
		return nil, fmt.Errorf("file is over the %d byte limit", maxPolicyFile)
	}
	return b, nil
}

// parseCSV parses RHDH's RBAC policy CSV:
//
//	p, role:default/dev, catalog-entity, read, allow
//	g, group:default/team-a, role:default/dev
//
// Blank lines and lines starting with # are skipped. Every bad line is reported, with
// the fix. known adds permissions (declared by plugins) to those checked by name.
func parseCSV(file string, data []byte, known map[string]Permission) ([]policyLine, []roleLine, FileErrors) {
	var ps []policyLine
	var gs []roleLine
	var errs FileErrors
	bad := func(line int, format string, a ...any) {
		errs = append(errs, &FileError{File: file, Line: line, Msg: fmt.Sprintf(format, a...)})
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.Comment = '#'
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	seenP := map[[3]string]policyLine{}
	seenG := map[[2]string]int{}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				bad(pe.StartLine, "CSV syntax error: %v; fields are separated by commas, and a field with a comma or quote is written in double quotes", pe.Err)
				// A broken quote may swallow the rest of the file: stop here.
				break
			}
			bad(0, "%v", err)
			break
		}
		line, _ := r.FieldPos(0)
		for i := range rec {
			rec[i] = strings.TrimSpace(rec[i])
		}
		if len(rec) == 1 && rec[0] == "" || strings.HasPrefix(rec[0], "#") {
			continue
		}
		switch rec[0] {
		case "p":
			if len(rec) != 5 {
				bad(line, "a policy line has 5 fields, this one %d; write p, <role>, <permission or resource type>, <action>, <allow or deny>", len(rec))
				continue
			}
			p := policyLine{Subject: rec[1], Object: rec[2], Action: rec[3], Effect: rec[4], Line: line, Source: "csv-file"}
			if msg := checkPolicyLine(&p, known); msg != "" {
				bad(line, "%s", msg)
				continue
			}
			key := [3]string{p.Subject, p.Object, p.Action}
			if prev, dup := seenP[key]; dup {
				if prev.Effect == p.Effect {
					bad(line, "repeats line %d; remove one of them", prev.Line)
				} else {
					bad(line, "line %d gives %s %s on %s the effect %s, this line %s; keep the one you mean", prev.Line, p.Subject, p.Action, p.Object, prev.Effect, p.Effect)
				}
				continue
			}
			seenP[key] = p
			ps = append(ps, p)
		case "g":
			if len(rec) != 3 {
				bad(line, "a role line has 3 fields, this one %d; write g, <user or group>, <role>", len(rec))
				continue
			}
			g := roleLine{Member: rec[1], Role: rec[2], Line: line, Source: "csv-file"}
			if msg := checkRoleLine(&g); msg != "" {
				bad(line, "%s", msg)
				continue
			}
			key := [2]string{g.Member, g.Role}
			if prev, dup := seenG[key]; dup {
				bad(line, "repeats line %d; remove one of them", prev)
				continue
			}
			seenG[key] = line
			gs = append(gs, g)
		default:
			bad(line, "unknown line type %q; a line starts with p (what a role may do) or g (who holds a role)", rec[0])
		}
	}
	return ps, gs, errs
}

// checkPolicyLine checks and normalizes a `p` line, returning the problem and its fix.
func checkPolicyLine(p *policyLine, known map[string]Permission) string {
	subj, err := parseRef(p.Subject, "role", "user", "group")
	if err != nil {
		return err.Error()
	}
	p.Subject = subj
	if p.Object == "" {
		return "the permission is empty; name a permission (catalog.entity.read) or a resource type (catalog-entity)"
	}
	if strings.ContainsAny(p.Object, " \t") {
		return fmt.Sprintf("%q is not a permission name or resource type: they have no spaces", p.Object)
	}
	if !slices.Contains(policyActions, p.Action) {
		if slices.Contains(policyActions, strings.ToLower(p.Action)) {
			return fmt.Sprintf("unknown action %q; actions are lower case: %s", p.Action, strings.ToLower(p.Action))
		}
		return fmt.Sprintf("unknown action %q; use create, read, update, delete or use", p.Action)
	}
	if p.Effect != effectAllow && p.Effect != effectDeny {
		return fmt.Sprintf("unknown effect %q; use allow or deny", p.Effect)
	}
	return checkObject(p.Object, p.Action, known)
}

// checkObject checks that a policy for object and action can match a permission the
// host knows of, when the object is one of its names or resource types.
func checkObject(object, action string, known map[string]Permission) string {
	if perm, ok := known[object]; ok {
		if want := PolicyAction(perm); want != action {
			if want == Use {
				return fmt.Sprintf("%s has no action, so it is granted with action use, not %s", object, action)
			}
			return fmt.Sprintf("%s is %s %s permission; use action %s", object, article(want), want, want)
		}
		return ""
	}
	for _, prefix := range knownPrefixes {
		if strings.HasPrefix(object, prefix) {
			return fmt.Sprintf("unknown permission %q; the host's %s permissions are %s", object, strings.TrimSuffix(prefix, "."), strings.Join(knownNames(known, prefix), ", "))
		}
	}
	var actions []string
	isType := false
	for _, perm := range known {
		if perm.Type == Resource && perm.ResourceType == object {
			isType = true
			if a := PolicyAction(perm); !slices.Contains(actions, a) {
				actions = append(actions, a)
			}
		}
	}
	if isType && !slices.Contains(actions, action) {
		slices.Sort(actions)
		msg := fmt.Sprintf("no %s permission has action %s; its actions are %s", object, action, strings.Join(actions, ", "))
		if basic := basicWithAction(known, object, action); basic != "" {
			msg += fmt.Sprintf("; %s is a basic permission, so grant it by name: %s", basic, basic)
		}
		return msg
	}
	return ""
}

// basicWithAction finds a basic permission of the resource type's plugin with action,
// for a hint: catalog-entity with create is catalog.entity.create.
func basicWithAction(known map[string]Permission, resourceType, action string) string {
	prefix := strings.ReplaceAll(resourceType, "-", ".") + "."
	for _, name := range sortedNames(known) {
		perm := known[name]
		if perm.Type == Basic && strings.HasPrefix(name, prefix) && PolicyAction(perm) == action {
			return name
		}
	}
	return ""
}

func knownNames(known map[string]Permission, prefix string) []string {
	var out []string
	for _, name := range sortedNames(known) {
		if strings.HasPrefix(name, prefix) {
			out = append(out, name)
		}
	}
	return out
}

func sortedNames(known map[string]Permission) []string {
	names := make([]string, 0, len(known))
	for n := range known {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// checkRoleLine checks and normalizes a `g` line.
func checkRoleLine(g *roleLine) string {
	member, err := parseRef(g.Member, "user", "group")
	if err != nil {
		if strings.HasPrefix(strings.ToLower(g.Member), "role:") {
			return fmt.Sprintf("%s is a role, and roles do not hold roles; give its members the role directly", g.Member)
		}
		return err.Error()
	}
	role, err := parseRef(g.Role, "role")
	if err != nil {
		if r, _ := parseRef(g.Role, "group", "user"); r != "" {
			return fmt.Sprintf("%s is not a role; a user's groups come from the catalog, and g lines give users and groups roles: g, %s, role:default/<name>", g.Role, g.Member)
		}
		return err.Error()
	}
	if role == AdminRole {
		return fmt.Sprintf("%s is the admins' role; list its members under permission.rbac.admin.users in the config", AdminRole)
	}
	g.Member, g.Role = member, role
	return ""
}

// parseRef checks a full entity ref (kind:namespace/name) of one of kinds and returns it
// in lower case (entity refs compare case-insensitively).
func parseRef(ref string, kinds ...string) (string, error) {
	example := kinds[0] + ":default/name"
	if ref == "" {
		return "", fmt.Errorf("the entity ref is empty; write %s", example)
	}
	kind, rest, ok := strings.Cut(ref, ":")
	ns, name, ok2 := strings.Cut(rest, "/")
	if !ok || !ok2 || kind == "" || ns == "" || name == "" {
		return "", fmt.Errorf("%q is not a full entity ref; write kind:namespace/name, e.g. %s", ref, example)
	}
	if !validRefPart(ns) || !validRefPart(name) {
		return "", fmt.Errorf("%q is not an entity ref: a namespace and a name are letters, digits, '.', '_' and '-'", ref)
	}
	kind = strings.ToLower(kind)
	if !slices.Contains(kinds, kind) {
		return "", fmt.Errorf("%q is a %s; use a %s ref", ref, kind, orList(kinds))
	}
	return strings.ToLower(ref), nil
}

func validRefPart(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

func orList(xs []string) string {
	switch len(xs) {
	case 1:
		return xs[0]
	case 2:
		return xs[0] + " or " + xs[1]
	}
	return strings.Join(xs[:len(xs)-1], ", ") + " or " + xs[len(xs)-1]
}

func article(word string) string {
	if word != "" && strings.ContainsRune("aeiou", rune(word[0])) {
		return "an"
	}
	return "a"
}
