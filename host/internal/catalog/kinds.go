package catalog

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"gopkg.in/yaml.v3"

	"greenroom.dev/greenroom/host/internal/catalog/model"
	"greenroom.dev/greenroom/host/internal/lifecycle"
)

// KindConfig is one entry of catalog.kinds: a kind of entity that the operator adds to
// the catalog without code (a blueprint). Its entities are read from locations like
// any other, validated against Schema, related through Relations, stored, queried,
// faceted and searched as the built-in kinds are, and shown with Display's columns.
//
//	kinds:
//	  - apiVersion: greenroom.dev/v1
//	    kind: Cluster
//	    schema:                       # JSON Schema (draft 2020-12) of the entity's spec
//	      type: object
//	      required: [region]
//	      properties:
//	        region: {type: string, title: Region}
//	        nodes: {type: integer, minimum: 1}
//	    display: {titleField: spec.region, columns: [{field: spec.region}], icon: "☁"}
//	  - apiVersion: greenroom.dev/v1
//	    kind: Environment
//	    schema: {type: object, properties: {cluster: {type: string}}}
//	    relations:
//	      - {field: spec.cluster, kind: Cluster, type: runsOn, reverse: hosts}
type KindConfig struct {
	// APIVersion is the apiVersion its entities must have (for example
	// greenroom.dev/v1).
	APIVersion string `yaml:"apiVersion"`
	// Kind is the kind's name as entities write it (for example Cluster). It must not be
	// one of the built-in kinds; kinds compare case-insensitively.
	Kind string `yaml:"kind"`
	// Schema is the JSON Schema (draft 2020-12 unless it names another in $schema) that
	// every entity's spec must match. Entities that do not match are not stored (an
	// earlier valid version stays, with the error in its status), and the error names
	// the file, the line, the entity and the schema path. Changing it is a config
	// reload: every entity of the kind is checked again.
	Schema yaml.Node `yaml:"schema"`
	// Relations are the spec fields that hold entity references (one ref or a list),
	// and the relation pair each produces.
	Relations []KindRelation `yaml:"relations"`
	// Display is how the portal shows entities of the kind.
	Display KindDisplay `yaml:"display"`
}

// KindRelation is a spec field holding references to entities of one kind.
type KindRelation struct {
	// Field is the field's path, spec.<name> (nested: spec.<a>.<b>).
	Field string `yaml:"field"`
	// Kind is the kind the references name (built-in or declared in catalog.kinds); a
	// reference without a kind gets this one, and one naming another kind is an error.
	Kind string `yaml:"kind"`
	// Type is the relation from the entity to the one it references (for example
	// runsOn).
	Type string `yaml:"type"`
	// Reverse is the relation from the referenced entity back (for example hosts).
	Reverse string `yaml:"reverse"`
}

// KindDisplay is how the portal shows a custom kind.
type KindDisplay struct {
	// TitleField is the field (spec.<name> or metadata.<name>) whose value titles an
	// entity without metadata.title.
	TitleField string `yaml:"titleField"`
	// Columns are the catalog table's columns when the table lists this kind, after
	// Name. Default: the schema's top-level string, number and boolean properties.
	Columns []KindColumn `yaml:"columns"`
	// Icon is a short symbol (an emoji, at most 8 characters) shown before the kind's
	// name on its entities' pages and in the catalog table.
	Icon string `yaml:"icon"`
}

// KindColumn is one column of the catalog table for a custom kind.
type KindColumn struct {
	// Field is the value shown, spec.<name> or metadata.<name>.
	Field string `yaml:"field"`
	// Title is the column's heading. Default: the schema property's title, else the
	// field's last segment.
	Title string `yaml:"title"`
	// Filter adds a filter for the column's values above the table.
	Filter bool `yaml:"filter"`
}

// Kind is a declared kind as the portal shows it (Catalog.Kinds).
type Kind struct {
	APIVersion string
	Kind       string
	// Schema is the spec's JSON Schema as JSON values (for the About card).
	Schema     map[string]any
	Relations  []KindRelation
	TitleField string
	Icon       string
	// Columns are the declared columns, or the default ones, with their titles.
	Columns []KindColumn
}

// customKind is a compiled catalog.kinds entry.
type customKind struct {
	Kind
	schema *jsonschema.Schema
	refs   []model.RefField
}

// kindSet is the compiled catalog.kinds, keyed by lower-cased kind.
type kindSet struct {
	byKind map[string]*customKind
	order  []*customKind
	// fingerprint changes with any kind's definition, so that a changed schema reads
	// every source again (rulesFingerprint).
	fingerprint string
}

func (ks *kindSet) get(kind string) *customKind {
	if ks == nil {
		return nil
	}
	return ks.byKind[strings.ToLower(kind)]
}

var (
	reRelation = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9]*$`)
	reField    = regexp.MustCompile(`^(spec|metadata)(\.[a-zA-Z_][a-zA-Z0-9_-]*)+$`)
	printer    = message.NewPrinter(language.English)
)

// compileKinds checks and compiles catalog.kinds. Errors are *lifecycle.FieldError at
// their path below the catalog section (kinds[i].schema ...), each with the fix.
func compileKinds(cfgs []KindConfig) (*kindSet, []error) {
	var errs []error
	at := func(path []string, format string, args ...any) {
		errs = append(errs, lifecycle.Errorf(path, format, args...))
	}
	ks := &kindSet{byKind: map[string]*customKind{}}
	declared := map[string]string{}
	for _, k := range cfgs {
		declared[strings.ToLower(k.Kind)] = k.Kind
	}
	fp := sha256.New()
	for i, k := range cfgs {
		base := []string{"kinds", lifecycle.Index(i)}
		p := func(s ...string) []string { return append(append([]string(nil), base...), s...) }
		ck := &customKind{Kind: Kind{APIVersion: k.APIVersion, Kind: k.Kind, Relations: k.Relations, TitleField: k.Display.TitleField, Icon: k.Display.Icon}}
		ok := true
		switch {
		case k.Kind == "":
			at(p("kind"), "must not be empty; name the kind, for example Cluster")
			ok = false
		case !model.ValidKind(k.Kind):
			at(p("kind"), "%q is not a valid kind; use letters and digits, starting with a letter (for example Cluster)", k.Kind)
			ok = false
		case model.KnownKind(k.Kind):
			at(p("kind"), "%q is a built-in kind; a custom kind needs a name of its own (for example %sV2 or a name for what it describes)", k.Kind, k.Kind)
			ok = false
		case ks.byKind[strings.ToLower(k.Kind)] != nil:
			at(p("kind"), "%q is declared twice in catalog.kinds; merge the two entries or rename one", k.Kind)
			ok = false
		}
		if k.APIVersion == "" {
			at(p("apiVersion"), "must not be empty; give the apiVersion its entities use, for example greenroom.dev/v1")
		} else if !model.ValidAPIVersion(k.APIVersion) {
			at(p("apiVersion"), "%q is not a valid apiVersion; use [prefix/]version, for example greenroom.dev/v1", k.APIVersion)
		}
		doc, sch, err := compileSchema(k)
		if err != nil {
			at(p("schema"), "%v", err)
			ok = false
		}
		ck.Schema, ck.schema = doc, sch
		for j, r := range k.Relations {
			rp := func(s string) []string { return p("relations", lifecycle.Index(j), s) }
			if !strings.HasPrefix(r.Field, "spec.") || !reField.MatchString(r.Field) {
				at(rp("field"), "%q is not a spec field; write spec.<name>, for example spec.cluster", r.Field)
				ok = false
			}
			switch {
			case r.Kind == "":
				at(rp("kind"), "must not be empty; name the kind the field refers to, for example Group")
				ok = false
			case !model.KnownKind(r.Kind) && declared[strings.ToLower(r.Kind)] == "":
				at(rp("kind"), "%q is neither a built-in kind nor declared in catalog.kinds; declare it under catalog.kinds or refer to a built-in kind (Component, API, Resource, System, Domain, Group, User, Location, Template)", r.Kind)
				ok = false
			}
			for name, v := range map[string]string{"type": r.Type, "reverse": r.Reverse} {
				if !reRelation.MatchString(v) {
					at(rp(name), "%q is not a relation type; use letters and digits, for example runsOn and hosts", v)
					ok = false
				}
			}
			if ok {
				if err := registerRelTypes(r.Type, r.Reverse); err != nil {
					at(rp("type"), "%v", err)
					ok = false
				}
			}
			ck.refs = append(ck.refs, model.RefField{Path: strings.TrimPrefix(r.Field, "spec."), DefaultKind: r.Kind, Forward: r.Type, Reverse: r.Reverse})
		}
		if f := k.Display.TitleField; f != "" && !reField.MatchString(f) {
			at(p("display", "titleField"), "%q is not a field; write spec.<name> or metadata.<name>", f)
		}
		if n := len([]rune(k.Display.Icon)); n > 8 {
			at(p("display", "icon"), "is %d characters; use a short symbol such as an emoji (at most 8)", n)
		}
		for j, c := range k.Display.Columns {
			if !reField.MatchString(c.Field) {
				at(p("display", "columns", lifecycle.Index(j), "field"), "%q is not a field; write spec.<name> or metadata.<name>", c.Field)
			}
		}
		ck.Columns = columns(k.Display.Columns, ck.Schema)
		if !ok {
			continue
		}
		ks.byKind[strings.ToLower(k.Kind)] = ck
		ks.order = append(ks.order, ck)
		b, _ := json.Marshal(struct {
			A, K string
			S    any
			R    []KindRelation
			D    KindDisplay
		}{k.APIVersion, k.Kind, ck.Schema, k.Relations, k.Display})
		fp.Write(b)
	}
	if len(ks.order) > 0 {
		ks.fingerprint = hex.EncodeToString(fp.Sum(nil))[:16]
	}
	return ks, errs
}

// compileSchema turns a kind's schema node into JSON values and compiles it.
func compileSchema(k KindConfig) (map[string]any, *jsonschema.Schema, error) {
	if k.Schema.Kind == 0 {
		return nil, nil, errors.New("is missing; give the JSON Schema of the kind's spec, for example {type: object, properties: {...}}")
	}
	var raw any
	if err := k.Schema.Decode(&raw); err != nil {
		return nil, nil, fmt.Errorf("cannot be read: %v", err)
	}
	b, err := json.Marshal(raw)
	if err != nil {
		return nil, nil, fmt.Errorf("cannot be read as JSON: %v; write it as a mapping with string keys", err)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		return nil, nil, fmt.Errorf("cannot be read as JSON: %v", err)
	}
	doc, isObj := v.(map[string]any)
	if !isObj {
		return nil, nil, errors.New("must be a mapping (a JSON Schema object such as {type: object, properties: {...}})")
	}
	if t, has := doc["type"]; has && t != "object" {
		return nil, nil, fmt.Errorf("has type %v, but a spec is an object; use type: object", t)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	url := "greenroom:catalog.kinds/" + strings.ToLower(k.Kind) + ".json"
	if err := c.AddResource(url, v); err != nil {
		return nil, nil, fmt.Errorf("is not a valid JSON Schema: %v; fix it against draft 2020-12 (https://json-schema.org/draft/2020-12)", err)
	}
	s, err := c.Compile(url)
	if err != nil {
		msg := err.Error()
		var se *jsonschema.SchemaValidationError
		if errors.As(err, &se) {
			msg = describeSchemaError(se.Err)
		}
		return nil, nil, fmt.Errorf("is not a valid JSON Schema: %s; fix it against draft 2020-12 (https://json-schema.org/draft/2020-12)", msg)
	}
	return doc, s, nil
}

// describeSchemaError words the metaschema's complaint about a schema by where it is.
func describeSchemaError(err error) string {
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return err.Error()
	}
	var msgs []string
	walk(ve, func(e *jsonschema.ValidationError) {
		msgs = append(msgs, "at "+pointer(e.InstanceLocation)+": "+e.ErrorKind.LocalizedString(printer))
	})
	return strings.Join(msgs, "; ")
}

// walk calls fn for every leaf of a validation error's tree.
func walk(e *jsonschema.ValidationError, fn func(*jsonschema.ValidationError)) {
	if len(e.Causes) == 0 {
		fn(e)
		return
	}
	for _, c := range e.Causes {
		walk(c, fn)
	}
}

func pointer(segs []string) string {
	if len(segs) == 0 {
		return "/"
	}
	return "/" + strings.Join(segs, "/")
}

// columns are the declared columns with their titles, or by default the schema's
// top-level scalar properties (at most 5, in name order).
func columns(decl []KindColumn, schema map[string]any) []KindColumn {
	props, _ := schema["properties"].(map[string]any)
	title := func(field string) string {
		name := field[strings.LastIndex(field, ".")+1:]
		if strings.HasPrefix(field, "spec.") && strings.Count(field, ".") == 1 {
			if p, ok := props[name].(map[string]any); ok {
				if t, ok := p["title"].(string); ok && t != "" {
					return t
				}
			}
		}
		return name
	}
	if len(decl) > 0 {
		out := make([]KindColumn, len(decl))
		for i, c := range decl {
			out[i] = c
			if out[i].Title == "" {
				out[i].Title = title(c.Field)
			}
		}
		return out
	}
	names := make([]string, 0, len(props))
	for n, p := range props {
		pm, _ := p.(map[string]any)
		switch pm["type"] {
		case "string", "number", "integer", "boolean":
			names = append(names, n)
		}
	}
	sort.Strings(names)
	if len(names) > 5 {
		names = names[:5]
	}
	out := make([]KindColumn, len(names))
	for i, n := range names {
		out[i] = KindColumn{Field: "spec." + n, Title: title("spec." + n)}
	}
	return out
}

// DescribeKinds returns the kinds of a valid catalog.kinds as the portal shows them
// (Catalog.Kinds once SetKinds has applied it); invalid entries are left out.
func DescribeKinds(cfgs []KindConfig) []Kind {
	ks, _ := compileKinds(cfgs)
	out := make([]Kind, len(ks.order))
	for i, k := range ks.order {
		out[i] = k.Kind
	}
	return out
}

// Kinds returns the declared custom kinds (catalog.kinds), in config order.
func (c *Catalog) Kinds() []Kind {
	ks := c.custom.Load()
	if ks == nil {
		return nil
	}
	out := make([]Kind, len(ks.order))
	for i, k := range ks.order {
		out[i] = k.Kind
	}
	return out
}

// SetKinds applies a reloaded catalog.kinds: relations of entities of the kinds that
// changed are rebuilt at once, and the next processing pass reads every source again
// (the kinds are part of the rules fingerprint), so that every entity is checked
// against the new schemas. An entity that no longer validates keeps its last valid
// version, with the error in its status; one of a kind no longer declared likewise.
// A running processing loop (Run, Lead) makes that pass at once.
func (c *Catalog) SetKinds(ctx context.Context, kinds []KindConfig) error {
	ks, errs := compileKinds(kinds)
	if len(errs) > 0 {
		return fmt.Errorf("catalog: %w", errors.Join(errs...))
	}
	if old := c.custom.Load(); old != nil && old.fingerprint == ks.fingerprint {
		return nil // unchanged: a reload of other sections waits for no pass
	}
	c.procMu.Lock()
	defer c.procMu.Unlock()
	c.mu.Lock()
	defer c.mu.Unlock()
	old := c.custom.Load()
	if old != nil && old.fingerprint == ks.fingerprint {
		return nil
	}
	b := newBatch(c)
	var affected []*entity
	for _, e := range c.ents {
		if old.get(e.kind) != nil || ks.get(e.kind) != nil {
			affected = append(affected, e)
		}
	}
	for _, e := range affected {
		for _, r := range c.relations(e) {
			c.removeEdge(r, e.key)
			b.dirty[strings.ToLower(r.Source)] = true
		}
	}
	c.custom.Store(ks)
	for _, e := range affected {
		rels := c.relations(e)
		e.fwd = c.ownEdges(rels, e.key)
		for _, r := range rels {
			c.addEdge(r, e.key)
			b.dirty[strings.ToLower(r.Source)] = true
		}
		b.dirty[e.key] = true
	}
	if err := b.commit(ctx); err != nil {
		return err
	}
	select {
	case c.kick <- struct{}{}:
	default: // a pass is asked for already
	}
	return nil
}

// kindsFingerprint identifies catalog.kinds for rulesFingerprint.
func (c *Catalog) kindsFingerprint() string {
	if ks := c.custom.Load(); ks != nil {
		return ks.fingerprint
	}
	return ""
}

// relationsOf returns the relations an entity emits: the built-in kinds' rules, or a
// custom kind's reference fields.
func (c *Catalog) relationsOf(doc map[string]any) ([]model.Relation, []error) {
	kind, _ := doc["kind"].(string)
	if ck := c.custom.Load().get(kind); ck != nil {
		return model.CustomRelations(doc, ck.refs)
	}
	return model.Relations(doc)
}

// validateDoc checks an entity: Backstage's rules for the built-in kinds, the envelope
// and the kind's schema for a custom kind.
func (c *Catalog) validateDoc(doc map[string]any) []error {
	kind, _ := doc["kind"].(string)
	ck := c.custom.Load().get(kind)
	if ck == nil {
		return model.Validate(doc)
	}
	if errs := model.ValidateEnvelope(doc); len(errs) > 0 {
		return errs
	}
	if av, _ := doc["apiVersion"].(string); av != ck.APIVersion {
		return []error{fmt.Errorf("apiVersion %q does not match kind %s, which catalog.kinds declares with apiVersion %s; write apiVersion: %s", av, ck.Kind.Kind, ck.APIVersion, ck.APIVersion)}
	}
	spec, has := doc["spec"]
	if !has {
		spec = map[string]any{}
	}
	if err := ck.schema.Validate(spec); err != nil {
		return specErrors(ck, err)
	}
	return nil
}

// specErrors words a spec's schema failures: where in the entity, what, and where in
// the kind's schema (a JSON pointer into catalog.kinds[].schema).
func specErrors(ck *customKind, err error) []error {
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return []error{fmt.Errorf("/spec: %v", err)}
	}
	var out []error
	walk(ve, func(e *jsonschema.ValidationError) {
		loc := "/spec"
		if len(e.InstanceLocation) > 0 {
			loc += "/" + strings.Join(e.InstanceLocation, "/")
		}
		sp := e.SchemaURL
		if i := strings.IndexByte(sp, '#'); i >= 0 {
			sp = sp[i+1:]
		} else {
			sp = ""
		}
		if kp := e.ErrorKind.KeywordPath(); len(kp) > 0 {
			sp += "/" + strings.Join(kp, "/")
		}
		out = append(out, fmt.Errorf("%s: %s (schema of kind %s in catalog.kinds, at #%s)", loc, e.ErrorKind.LocalizedString(printer), ck.Kind.Kind, sp))
	})
	return out
}

// ValidateEntity checks an entity as POST /validate-entity does, with the catalog's
// custom kinds (catalog.kinds) besides the built-in ones.
func (c *Catalog) ValidateEntity(entity map[string]any) []error {
	if md, ok := entity["metadata"].(map[string]any); ok {
		if _, has := md["namespace"]; !has {
			md["namespace"] = model.DefaultNamespace
		}
	}
	if errs := c.validateDoc(entity); len(errs) > 0 {
		return errs
	}
	_, errs := c.relationsOf(entity)
	return errs
}
