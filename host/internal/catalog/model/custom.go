package model

import (
	"fmt"
	"strings"
)

// ValidAPIVersion reports whether s is a valid apiVersion ("[prefix/]name").
func ValidAPIVersion(s string) bool { return isValidAPIVersion(s) }

// ValidKind reports whether s is a valid kind name ([a-zA-Z][a-z0-9A-Z]*, at most 63).
func ValidKind(s string) bool { return isValidKind(s) }

// ValidateEnvelope checks what every entity must satisfy whatever its kind: apiVersion,
// kind, metadata and a spec that is an object. Validate is ValidateEnvelope plus the
// rules of the built-in kinds; a custom kind (catalog.kinds) checks its spec against
// its own schema instead.
func ValidateEnvelope(e map[string]any) []error {
	return validate(e, false)
}

// RefField is a spec field of a custom kind whose value is an entity reference (or a
// list of them): the relations it produces, as the built-in kinds' owner or system do.
type RefField struct {
	// Path is the field below spec, dot-separated (for example "cluster").
	Path string
	// DefaultKind is the kind of a reference that names none.
	DefaultKind string
	// Forward is the relation from the entity to the target; Reverse the other way.
	Forward, Reverse string
}

// CustomRelations returns the relations that the reference fields of a (valid) entity
// of a custom kind produce, in both directions, with normalised refs. A field holds one
// reference or a list of them; a reference that does not parse is an error naming the
// field.
func CustomRelations(e map[string]any, fields []RefField) ([]Relation, []error) {
	self := RefOf(e)
	selfStr := self.String()
	spec, _ := e["spec"].(map[string]any)
	var out []Relation
	var errs []error
	for _, f := range fields {
		v, ok := lookupPath(spec, f.Path)
		if !ok {
			continue
		}
		var refs []string
		switch t := v.(type) {
		case string:
			refs = []string{t}
		case []any:
			for _, item := range t {
				if s, ok := item.(string); ok {
					refs = append(refs, s)
				}
			}
		}
		for _, s := range refs {
			ref, err := ParseRef(s, RefContext{DefaultKind: f.DefaultKind, DefaultNamespace: self.Namespace})
			if err != nil {
				errs = append(errs, &FieldError{Field: "spec." + f.Path, Err: err})
				continue
			}
			if f.DefaultKind != "" && !strings.EqualFold(ref.Kind, f.DefaultKind) {
				errs = append(errs, &FieldError{Field: "spec." + f.Path, Err: fmt.Errorf("refers to %s, which is not a %s; name an entity of kind %s", ref.String(), f.DefaultKind, f.DefaultKind)})
				continue
			}
			t := ref.String()
			out = append(out, Relation{Source: selfStr, Type: f.Forward, Target: t},
				Relation{Source: t, Type: f.Reverse, Target: selfStr})
		}
	}
	return out, errs
}

// lookupPath follows a dot-separated path through nested objects.
func lookupPath(m map[string]any, path string) (any, bool) {
	var cur any = m
	for _, seg := range strings.Split(path, ".") {
		obj, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = obj[seg]; !ok {
			return nil, false
		}
	}
	return cur, true
}
