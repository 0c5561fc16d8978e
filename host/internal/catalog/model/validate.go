package model

import (
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strings"

	"greenroom.dev/greenroom/host/internal/excerpt"
)

// Well-known annotations and API versions.
const (
	AnnotationManagedByLocation       = "backstage.io/managed-by-location"
	AnnotationManagedByOriginLocation = "backstage.io/managed-by-origin-location"
	AnnotationOrphan                  = "backstage.io/orphan"
	AnnotationSourceLocation          = "backstage.io/source-location"

	APIVersionV1alpha1  = "backstage.io/v1alpha1"
	APIVersionV1beta1   = "backstage.io/v1beta1"
	APIVersionScaffold3 = "scaffolder.backstage.io/v1beta3"
)

const adr002 = " To learn more about catalog file format, visit: https://github.com/backstage/backstage/blob/master/docs/architecture-decisions/adr002-default-catalog-file-format.md"

var (
	reObjectName = regexp.MustCompile(`^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$`)
	reDNSLabel   = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	reDNSSub     = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)
	reTag        = regexp.MustCompile(`^[a-z0-9:+#]+(-[a-z0-9:+#]+)*$`)
	reKind       = regexp.MustCompile(`^[a-zA-Z][a-z0-9A-Z]*$`)
	reAPIVerName = regexp.MustCompile(`^[a-zA-Z0-9]+$`)
)

func isValidObjectName(s string) bool {
	return len(s) >= 1 && len(s) <= 63 && reObjectName.MatchString(s)
}
func isValidDNSLabel(s string) bool { return len(s) >= 1 && len(s) <= 63 && reDNSLabel.MatchString(s) }
func isValidTag(s string) bool      { return len(s) >= 1 && len(s) <= 63 && reTag.MatchString(s) }
func isValidKind(s string) bool     { return len(s) >= 1 && len(s) <= 63 && reKind.MatchString(s) }

// isValidPrefixAndOrSuffix checks "[<dns-subdomain ≤253>/]<suffix>".
func isValidPrefixAndOrSuffix(s string, suffixOK func(string) bool) bool {
	parts := strings.Split(s, "/")
	switch len(parts) {
	case 1:
		return suffixOK(parts[0])
	case 2:
		return len(parts[0]) >= 1 && len(parts[0]) <= 253 && reDNSSub.MatchString(parts[0]) && suffixOK(parts[1])
	}
	return false
}

func isValidAPIVersion(s string) bool {
	return isValidPrefixAndOrSuffix(s, func(v string) bool { return len(v) >= 1 && len(v) <= 63 && reAPIVerName.MatchString(v) })
}
func isValidKey(s string) bool { return isValidPrefixAndOrSuffix(s, isValidObjectName) }

// fieldError words a field-format failure as Backstage's FieldFormatEntityPolicy does.
// The field (a key may come from the file) and the value are the file's text: they are
// quoted as short escaped excerpts, which for the usual short values is what %q writes.
func fieldError(field string, value any, expectation string) error {
	return fmt.Errorf("%s is not valid; expected %s but found %s.%s", excerpt.Quote(field), expectation, excerpt.Quote(fmt.Sprint(value)), adr002)
}

const (
	expName   = "a string that is sequences of [a-zA-Z0-9] separated by any of [-_.], at most 63 characters in total"
	expPrefix = "a valid prefix and/or suffix"
	expDNS    = "a string that is sequences of [a-z0-9] separated by [-], at most 63 characters in total"
	expTag    = "a string that is sequences of [a-z0-9+#] separated by [-], at most 63 characters in total"
	expKind   = "a string that is a sequence of [a-zA-Z][a-z0-9A-Z], at most 63 characters in total"
	expString = "a string"
	expURL    = "a string that is a valid url"
)

// Validate checks an entity against the envelope, metadata and kind rules of
// @backstage/catalog-model and returns every rule it breaks (nil if valid).
func Validate(e map[string]any) []error {
	return validate(e, true)
}

func validate(e map[string]any, builtin bool) []error {
	var errs []error
	add := func(err error) { errs = append(errs, err) }

	apiVersion, hasAV := e["apiVersion"]
	kind, hasKind := e["kind"]
	mdRaw, hasMD := e["metadata"]
	if !hasAV {
		add(fmt.Errorf("<root> must have required property 'apiVersion' - missingProperty: apiVersion"))
	}
	if !hasKind {
		add(fmt.Errorf("<root> must have required property 'kind' - missingProperty: kind"))
	}
	if !hasMD {
		add(fmt.Errorf("<root> must have required property 'metadata' - missingProperty: metadata"))
	}
	av, avOK := apiVersion.(string)
	if hasAV && (!avOK || !isValidAPIVersion(av)) {
		add(fieldError("apiVersion", apiVersion, expPrefix))
	}
	k, kOK := kind.(string)
	if hasKind && (!kOK || !isValidKind(k)) {
		add(fieldError("kind", kind, expKind))
	}
	if s, ok := e["spec"]; ok {
		if _, isObj := s.(map[string]any); !isObj {
			add(fmt.Errorf("/spec must be object - type: object"))
		}
	}
	if hasMD {
		md, ok := mdRaw.(map[string]any)
		if !ok {
			add(fmt.Errorf("/metadata must be object - type: object"))
		} else {
			errs = append(errs, validateMetadata(md)...)
		}
	}
	if builtin && avOK && kOK && len(errs) == 0 {
		errs = append(errs, validateKind(av, k, e)...)
	}
	return errs
}

func validateMetadata(md map[string]any) []error {
	var errs []error
	add := func(err error) { errs = append(errs, err) }
	name, ok := md["name"]
	if !ok || name == nil {
		add(fmt.Errorf("metadata.name must have a value"))
	} else if s, isStr := name.(string); !isStr || !isValidObjectName(s) {
		add(fieldError("metadata.name", name, expName))
	}
	if ns, ok := md["namespace"]; ok {
		if s, isStr := ns.(string); !isStr || !isValidDNSLabel(s) {
			add(fieldError("metadata.namespace", ns, expDNS))
		}
	}
	for _, f := range []string{"title", "description", "uid", "etag"} {
		if v, ok := md[f]; ok {
			if _, isStr := v.(string); !isStr {
				add(fmt.Errorf("/metadata/%s must be string - type: string", f))
			}
		}
	}
	for _, group := range []string{"labels", "annotations"} {
		raw, ok := md[group]
		if !ok {
			continue
		}
		m, isObj := raw.(map[string]any)
		if !isObj {
			add(fmt.Errorf("/metadata/%s must be object - type: object", group))
			continue
		}
		for _, key := range sortedKeys(m) {
			if !isValidKey(key) {
				add(fieldError(group+"."+key, key, expPrefix))
			}
			v, isStr := m[key].(string)
			if !isStr {
				add(fieldError(group+"."+key, m[key], expString))
			} else if group == "labels" && v != "" && !isValidObjectName(v) {
				add(fieldError("labels."+key, v, expName))
			}
		}
	}
	if raw, ok := md["tags"]; ok {
		arr, isArr := raw.([]any)
		if !isArr {
			add(fmt.Errorf("/metadata/tags must be array - type: array"))
		}
		for i, t := range arr {
			if s, isStr := t.(string); !isStr || !isValidTag(s) {
				add(fieldError(fmt.Sprintf("tags.%d", i), t, expTag))
			}
		}
	}
	if raw, ok := md["links"]; ok {
		arr, isArr := raw.([]any)
		if !isArr {
			add(fmt.Errorf("/metadata/links must be array - type: array"))
		}
		for i, l := range arr {
			lm, isObj := l.(map[string]any)
			if !isObj {
				add(fmt.Errorf("/metadata/links/%d must be object - type: object", i))
				continue
			}
			u, has := lm["url"]
			if !has {
				add(fmt.Errorf("/metadata/links/%d must have required property 'url' - missingProperty: url", i))
			} else if s, isStr := u.(string); !isStr || !isValidURL(s) {
				add(fieldError(fmt.Sprintf("links.%d.url", i), u, expURL))
			}
			for _, f := range []string{"title", "icon", "type"} {
				if v, has := lm[f]; has {
					if s, isStr := v.(string); !isStr || s == "" {
						add(fieldError(fmt.Sprintf("links.%d.%s", i, f), v, "a non empty string"))
					}
				}
			}
		}
	}
	return errs
}

func isValidURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && u.Scheme != "" && (u.Host != "" || u.Opaque != "" || u.Path != "")
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// fieldKind is the shape a spec field must have.
type fieldKind int

const (
	fString      fieldKind = iota // non-empty string
	fStringArray                  // array of non-empty strings
	fObject                       // object
	fObjectOrArr                  // object or array
	fSteps                        // array of objects with a string "action"
	fPresence                     // "required" | "optional"
)

type specField struct {
	name     string
	kind     fieldKind
	required bool
}

// KindSpec describes a built-in kind.
type kindSpec struct {
	apiVersions []string
	fields      []specField
	specNeeded  bool
}

var backstageVersions = []string{APIVersionV1alpha1, APIVersionV1beta1}

var kinds = map[string]kindSpec{
	"component": {backstageVersions, []specField{
		{"type", fString, true}, {"lifecycle", fString, true}, {"owner", fString, true},
		{"system", fString, false}, {"subcomponentOf", fString, false},
		{"providesApis", fStringArray, false}, {"consumesApis", fStringArray, false},
		{"dependsOn", fStringArray, false}, {"dependencyOf", fStringArray, false},
	}, true},
	"api": {backstageVersions, []specField{
		{"type", fString, true}, {"lifecycle", fString, true}, {"owner", fString, true},
		{"definition", fString, true}, {"system", fString, false},
	}, true},
	"resource": {backstageVersions, []specField{
		{"type", fString, true}, {"owner", fString, true}, {"system", fString, false},
		{"dependsOn", fStringArray, false}, {"dependencyOf", fStringArray, false},
	}, true},
	"system": {backstageVersions, []specField{
		{"owner", fString, true}, {"domain", fString, false}, {"type", fString, false},
	}, true},
	"domain": {backstageVersions, []specField{
		{"owner", fString, true}, {"subdomainOf", fString, false}, {"type", fString, false},
	}, true},
	"group": {backstageVersions, []specField{
		{"type", fString, true}, {"children", fStringArray, true}, {"profile", fObject, false},
		{"parent", fString, false}, {"members", fStringArray, false},
	}, true},
	"user": {backstageVersions, []specField{
		{"memberOf", fStringArray, true}, {"profile", fObject, false},
	}, true},
	"location": {backstageVersions, []specField{
		{"type", fString, false}, {"target", fString, false}, {"targets", fStringArray, false},
		{"presence", fPresence, false},
	}, true},
	"template": {[]string{APIVersionScaffold3}, []specField{
		{"type", fString, true}, {"steps", fSteps, true}, {"parameters", fObjectOrArr, false},
		{"output", fObject, false}, {"owner", fString, false},
	}, true},
}

// KnownKind reports whether kind (any case) is a built-in kind.
func KnownKind(kind string) bool { _, ok := kinds[strings.ToLower(kind)]; return ok }

func validateKind(apiVersion, kind string, e map[string]any) []error {
	ks, ok := kinds[strings.ToLower(kind)]
	versionOK := false
	if ok {
		for _, v := range ks.apiVersions {
			if v == apiVersion {
				versionOK = true
			}
		}
	}
	if !ok || !versionOK {
		return []error{fmt.Errorf("No processor recognized the entity %s as valid, possibly caused by a foreign kind or apiVersion (kind %s, apiVersion %s; built-in kinds are Component, API, Resource, System, Domain, Group, User, Location with apiVersion %s, and Template with %s)",
			excerpt.Text(RefOf(e).String()), excerpt.Quote(kind), excerpt.Quote(apiVersion), APIVersionV1alpha1, APIVersionScaffold3)}
	}
	var errs []error
	raw, has := e["spec"]
	if !has {
		if ks.specNeeded {
			return []error{fmt.Errorf("<root> must have required property 'spec' - missingProperty: spec")}
		}
		return nil
	}
	spec, _ := raw.(map[string]any)
	for _, f := range ks.fields {
		v, present := spec[f.name]
		p := "/spec/" + f.name
		if !present {
			if f.required {
				errs = append(errs, fmt.Errorf("/spec must have required property '%s' - missingProperty: %s", f.name, f.name))
			}
			continue
		}
		switch f.kind {
		case fString:
			s, isStr := v.(string)
			if !isStr {
				errs = append(errs, fmt.Errorf("%s must be string - type: string", p))
			} else if s == "" {
				errs = append(errs, fmt.Errorf("%s must NOT have fewer than 1 characters - limit: 1", p))
			}
		case fStringArray:
			arr, isArr := v.([]any)
			if !isArr {
				errs = append(errs, fmt.Errorf("%s must be array - type: array", p))
			}
			for i, item := range arr {
				s, isStr := item.(string)
				if !isStr {
					errs = append(errs, fmt.Errorf("%s/%d must be string - type: string", p, i))
				} else if s == "" {
					errs = append(errs, fmt.Errorf("%s/%d must NOT have fewer than 1 characters - limit: 1", p, i))
				}
			}
		case fObject:
			if _, isObj := v.(map[string]any); !isObj {
				errs = append(errs, fmt.Errorf("%s must be object - type: object", p))
			}
		case fObjectOrArr:
			_, isObj := v.(map[string]any)
			_, isArr := v.([]any)
			if !isObj && !isArr {
				errs = append(errs, fmt.Errorf("%s must be object or array", p))
			}
		case fSteps:
			arr, isArr := v.([]any)
			if !isArr {
				errs = append(errs, fmt.Errorf("%s must be array - type: array", p))
			}
			for i, item := range arr {
				step, isObj := item.(map[string]any)
				if !isObj {
					errs = append(errs, fmt.Errorf("%s/%d must be object - type: object", p, i))
					continue
				}
				if a, has := step["action"]; !has {
					errs = append(errs, fmt.Errorf("%s/%d must have required property 'action' - missingProperty: action", p, i))
				} else if _, isStr := a.(string); !isStr {
					errs = append(errs, fmt.Errorf("%s/%d/action must be string - type: string", p, i))
				}
			}
		case fPresence:
			if s, _ := v.(string); s != "required" && s != "optional" {
				errs = append(errs, fmt.Errorf("%s must be equal to one of the allowed values - allowedValues: required,optional", p))
			}
		}
	}
	return errs
}
