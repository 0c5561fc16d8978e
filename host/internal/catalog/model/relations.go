package model

import "strings"

// Relation types emitted by the built-in kinds.
const (
	RelOwnedBy       = "ownedBy"
	RelOwnerOf       = "ownerOf"
	RelPartOf        = "partOf"
	RelHasPart       = "hasPart"
	RelProvidesAPI   = "providesApi"
	RelAPIProvidedBy = "apiProvidedBy"
	RelConsumesAPI   = "consumesApi"
	RelAPIConsumedBy = "apiConsumedBy"
	RelDependsOn     = "dependsOn"
	RelDependencyOf  = "dependencyOf"
	RelMemberOf      = "memberOf"
	RelHasMember     = "hasMember"
	RelChildOf       = "childOf"
	RelParentOf      = "parentOf"
)

// Relation is one directed edge: Source --Type--> Target. Both refs are in the String form.
type Relation struct {
	Source string `json:"source"`
	Type   string `json:"type"`
	Target string `json:"target"`
}

type relRule struct {
	field, defaultKind, forward, reverse string
	array                                bool
}

var relRules = map[string][]relRule{
	"component": {
		{"owner", "Group", RelOwnedBy, RelOwnerOf, false},
		{"system", "System", RelPartOf, RelHasPart, false},
		{"subcomponentOf", "Component", RelPartOf, RelHasPart, false},
		{"providesApis", "API", RelProvidesAPI, RelAPIProvidedBy, true},
		{"consumesApis", "API", RelConsumesAPI, RelAPIConsumedBy, true},
		{"dependsOn", "", RelDependsOn, RelDependencyOf, true},
		{"dependencyOf", "", RelDependencyOf, RelDependsOn, true},
	},
	"api": {
		{"owner", "Group", RelOwnedBy, RelOwnerOf, false},
		{"system", "System", RelPartOf, RelHasPart, false},
	},
	"resource": {
		{"owner", "Group", RelOwnedBy, RelOwnerOf, false},
		{"system", "System", RelPartOf, RelHasPart, false},
		{"dependsOn", "", RelDependsOn, RelDependencyOf, true},
		{"dependencyOf", "", RelDependencyOf, RelDependsOn, true},
	},
	"system": {
		{"owner", "Group", RelOwnedBy, RelOwnerOf, false},
		{"domain", "Domain", RelPartOf, RelHasPart, false},
	},
	"domain": {
		{"owner", "Group", RelOwnedBy, RelOwnerOf, false},
		{"subdomainOf", "Domain", RelPartOf, RelHasPart, false},
	},
	"group": {
		{"parent", "Group", RelChildOf, RelParentOf, false},
		{"children", "Group", RelParentOf, RelChildOf, true},
		{"members", "User", RelHasMember, RelMemberOf, true},
	},
	"user": {
		{"memberOf", "Group", RelMemberOf, RelHasMember, true},
	},
	"template": {
		{"owner", "Group", RelOwnedBy, RelOwnerOf, false},
	},
}

// Relations returns the relations a (valid) entity emits, in both directions, with
// normalised refs. A reference that does not parse is returned as an error naming the
// spec field; Backstage fails the entity's processing in that case.
func Relations(e map[string]any) ([]Relation, []error) {
	self := RefOf(e)
	selfStr := self.String()
	rules := relRules[strings.ToLower(self.Kind)]
	spec, _ := e["spec"].(map[string]any)
	var out []Relation
	var errs []error
	emit := func(field string, rule relRule, s string) {
		ref, err := ParseRef(s, RefContext{DefaultKind: rule.defaultKind, DefaultNamespace: self.Namespace})
		if err != nil {
			errs = append(errs, &FieldError{Field: "spec." + field, Err: err})
			return
		}
		t := ref.String()
		out = append(out, Relation{Source: selfStr, Type: rule.forward, Target: t},
			Relation{Source: t, Type: rule.reverse, Target: selfStr})
	}
	for _, rule := range rules {
		v, ok := spec[rule.field]
		if !ok {
			continue
		}
		if rule.array {
			arr, _ := v.([]any)
			for _, item := range arr {
				if s, ok := item.(string); ok {
					emit(rule.field, rule, s)
				}
			}
		} else if s, ok := v.(string); ok {
			emit(rule.field, rule, s)
		}
	}
	return out, errs
}

// FieldError ties an error to the spec field it came from.
type FieldError struct {
	Field string
	Err   error
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Err.Error() }
func (e *FieldError) Unwrap() error { return e.Err }
