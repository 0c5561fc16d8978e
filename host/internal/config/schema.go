package config

//go:generate go run ./gendocs

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"

	"greenroom.dev/greenroom/host/internal/auth"
	"greenroom.dev/greenroom/host/internal/frontend/ext"
	"greenroom.dev/greenroom/host/internal/proxy"
	"greenroom.dev/greenroom/host/internal/units"
)

// The JSON Schema of app-config.yaml is built from the config model by reflection: each
// struct is an object whose properties are its YAML keys, described by the field's doc
// comment (schemaDocs, which go generate writes from the source), with no other keys,
// as the decoder is strict. A type that decodes itself (a yaml.Unmarshaler) has the
// shape that its UnmarshalYAML reads, written out in customShape; building the schema
// fails for one that has none. Every value may also be null (~), which the decoder
// reads as unset (how an overlay takes a value away), and a number or a boolean may be
// written as a plain ${VAR}, which Load replaces before decoding (a quoted one stays a
// string, which a JSON Schema cannot tell apart: it takes both).
//
// docs/app-config.schema.json is the committed schema; a test fails when it or
// schema_docs.go differs from what `go generate ./host/internal/config` writes.

// SchemaDraft is the JSON Schema dialect of the config's schema.
const SchemaDraft = "https://json-schema.org/draft/2020-12/schema"

// PluginSchema is the config schema (configSchema) of a configured plugin's manifest.
type PluginSchema struct {
	// ID is the plugin's id in config.
	ID string
	// Schema is the manifest's configSchema, a JSON Schema.
	Schema json.RawMessage
}

// Schema returns the JSON Schema (draft 2020-12) of app-config.yaml, indented, with the
// config schemas of plugins: each one applies to the config of the plugins: entries
// with that id.
func Schema(plugins ...PluginSchema) ([]byte, error) {
	return BuildSchema(schemaDocs, plugins...)
}

// BuildSchema is Schema with the descriptions taken from docs (by configdoc.Key), for
// the generator, which makes them.
func BuildSchema(docs map[string]string, plugins ...PluginSchema) ([]byte, error) {
	b := &schemaBuilder{docs: docs, structs: map[reflect.Type]bool{}}
	root := b.value(reflect.TypeOf(Config{}))
	if b.err != nil {
		return nil, b.err
	}
	root["$schema"] = SchemaDraft
	root["title"] = "Greenroom app-config.yaml"
	root["description"] = "The configuration of a Greenroom host: app-config.yaml and its overlays (greenroom serve --config app-config.yaml --config overlay.yaml). " +
		"Each file is checked on its own; overlays merge key by key, and ~ (null) unsets a value. ${VAR} is replaced by the environment variable VAR. " +
		"`greenroom config validate FILE...` checks files as start-up does."
	root["type"] = "object"
	if len(plugins) > 0 {
		defs := map[string]any{}
		root["$defs"] = defs
		if err := addPluginSchemas(root, defs, plugins); err != nil {
			return nil, err
		}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(root); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// SchemaTypes lists the struct types whose fields the schema describes, for the
// generator that reads their doc comments.
func SchemaTypes() []reflect.Type {
	b := &schemaBuilder{structs: map[reflect.Type]bool{}}
	b.value(reflect.TypeOf(Config{}))
	out := make([]reflect.Type, 0, len(b.structs))
	for t := range b.structs {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].PkgPath()+"."+out[i].Name() < out[j].PkgPath()+"."+out[j].Name() })
	return out
}

// ModulePath is the Go module the config's types belong to (their configdoc.Key is
// relative to it).
func ModulePath() string {
	return strings.TrimSuffix(reflect.TypeOf(Config{}).PkgPath(), "/host/internal/config")
}

type schemaBuilder struct {
	docs    map[string]string
	structs map[reflect.Type]bool // the struct types described, with their fields
	err     error
}

// scalar is what a YAML scalar decodes to as JSON: a string field takes any of them.
var scalar = []any{"string", "number", "boolean", "null"}

// envPattern matches a ${VAR} reference, which Load replaces before decoding, so that a
// number or a boolean may be written as one.
const envPattern = `\$\{[^}]*\}`

// boolWords are the plain words, besides true and false, that the decoder reads as
// booleans (YAML 1.1's).
const boolWords = `^(y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF)$`

// customShape is the schema of a type that decodes itself, as its UnmarshalYAML reads
// it (false for other types).
func (b *schemaBuilder) customShape(t reflect.Type) (map[string]any, bool) {
	switch t {
	case nodeType: // a plugin's own config: anything, checked against its manifest's schema
		return map[string]any{}, true
	case reflect.TypeOf(units.ByteSize(0)):
		return byteSizeShape(), true
	case reflect.TypeOf(units.Duration(0)):
		return durationShape(), true
	case reflect.TypeOf(auth.Strings{}), reflect.TypeOf(auth.CommaStrings{}), reflect.TypeOf(auth.Scopes{}):
		return stringOrList(), true
	case reflect.TypeOf(proxy.PathRewrite{}):
		return pathRewriteShape(), true
	case reflect.TypeOf(proxy.Endpoint{}):
		return b.endpointShape(), true
	case reflect.TypeOf(ext.Extensions{}):
		return extensionsShape(), true
	case reflect.TypeOf(DatabaseConnection{}):
		return map[string]any{
			"type":                 []any{"object", "string", "null"},
			"properties":           b.properties(reflect.TypeOf(DatabaseConnection{})),
			"additionalProperties": false,
		}, true
	}
	return nil, false
}

// value is the schema of a value of type t, without a description.
func (b *schemaBuilder) value(t reflect.Type) map[string]any {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if shape, ok := b.customShape(t); ok {
		return shape
	}
	if t.Implements(unmarshalerType) || reflect.PointerTo(t).Implements(unmarshalerType) {
		b.fail("%s decodes itself (UnmarshalYAML) but has no schema; add the shape its UnmarshalYAML reads to customShape in host/internal/config/schema.go", t)
		return map[string]any{}
	}
	switch t.Kind() {
	case reflect.Struct:
		return b.object(t)
	case reflect.Slice, reflect.Array:
		return map[string]any{"type": []any{"array", "null"}, "items": b.value(t.Elem())}
	case reflect.Map:
		if t.Key().Kind() != reflect.String {
			b.fail("map %s: only string keys have a schema", t)
		}
		return map[string]any{"type": []any{"object", "null"}, "additionalProperties": b.value(t.Elem())}
	case reflect.String:
		return map[string]any{"type": scalar}
	case reflect.Bool:
		return map[string]any{"type": []any{"boolean", "string", "null"}, "pattern": boolWords + "|" + envPattern}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": []any{"integer", "string", "null"}, "pattern": envPattern}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": []any{"number", "string", "null"}, "pattern": envPattern}
	case reflect.Interface:
		return map[string]any{}
	}
	b.fail("%s: no schema for kind %s", t, t.Kind())
	return map[string]any{}
}

// object is the schema of a struct: its YAML keys, each described by its field's doc
// comment, and no others.
func (b *schemaBuilder) object(t reflect.Type) map[string]any {
	props := b.properties(t)
	return map[string]any{"type": []any{"object", "null"}, "properties": props, "additionalProperties": false}
}

func (b *schemaBuilder) properties(t reflect.Type) map[string]any {
	b.structs[t] = true
	props := map[string]any{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "-" {
			continue
		}
		if strings.Contains(opts, "inline") {
			for k, v := range b.properties(f.Type) {
				props[k] = v
			}
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		s := b.value(f.Type)
		if b.docs != nil {
			if d := b.docs[fieldKey(t, f.Name)]; d != "" {
				// The comment names the Go field; the operator writes the YAML key.
				if rest, ok := strings.CutPrefix(d, f.Name); ok && rest != "" && strings.ContainsRune(" ,(:", rune(rest[0])) {
					d = name + rest
				}
				// A unit's shape says how to write it.
				if how, ok := s["description"].(string); ok {
					d += "\n\n" + how
				}
				s["description"] = d
			}
		}
		props[name] = s
	}
	return props
}

func fieldKey(t reflect.Type, field string) string {
	return strings.TrimPrefix(strings.TrimPrefix(t.PkgPath(), ModulePath()), "/") + "." + t.Name() + "." + field
}

func (b *schemaBuilder) fail(format string, args ...any) {
	if b.err == nil {
		b.err = fmt.Errorf("config schema: "+format, args...)
	}
}

// byteSizeShape is units.ByteSize: 512, 64KiB, 10MiB, 1GiB (KB, MB, GB, K, M, G too).
func byteSizeShape() map[string]any {
	return map[string]any{
		"description": "A size in bytes: 512, 64KiB, 10MiB, 1GiB (KB, MB and GB, and K, M and G, are read as powers of 1024 too).",
		"type":        []any{"string", "integer", "null"},
		"pattern":     `^\s*\+?[0-9]+\s*(KiB|MiB|GiB|KB|MB|GB|K|M|G|B)?\s*$|` + envPattern,
		"minimum":     0,
	}
}

// durationShape is units.Duration: a Go duration string, 0, or Backstage's
// HumanDuration object.
func durationShape() map[string]any {
	units := map[string]any{}
	for _, u := range []string{"years", "months", "weeks", "days", "hours", "minutes", "seconds", "milliseconds"} {
		units[u] = map[string]any{"type": []any{"number", "null"}, "minimum": 0, "description": "Adds this many " + u + "."}
	}
	return map[string]any{
		"description": "A duration: a Go duration such as 500ms, 5s, 10m or 1h30m, or Backstage's HumanDuration object such as {minutes: 5} or {hours: 1, minutes: 30} (years, months, weeks, days, hours, minutes, seconds, milliseconds). Never negative.",
		"type":        []any{"string", "integer", "object", "null"},
		"pattern":     `^[+-]?0$|^\+?(([0-9]+\.?[0-9]*|\.[0-9]+)(ns|us|µs|μs|ms|s|m|h))+$|` + envPattern,
		// An integer is read as a duration only when it is 0.
		"minimum":              0,
		"maximum":              0,
		"properties":           units,
		"additionalProperties": false,
	}
}

// stringOrList is auth.Strings, CommaStrings and Scopes: a list of strings, or one
// string (which CommaStrings and Scopes split).
func stringOrList() map[string]any {
	return map[string]any{"type": []any{"array", "string", "number", "boolean", "null"}, "items": map[string]any{"type": scalar}}
}

// pathRewriteShape is proxy.PathRewrite: a mapping of regular expression to replacement.
func pathRewriteShape() map[string]any {
	return map[string]any{"type": []any{"object", "null"}, "additionalProperties": map[string]any{"type": scalar}}
}

// endpointShape is proxy.Endpoint: the target URL as a string, or an object with the
// endpoint's keys.
func (b *schemaBuilder) endpointShape() map[string]any {
	return map[string]any{
		"type":                 []any{"object", "string", "number", "boolean", "null"},
		"properties":           b.properties(reflect.TypeOf(proxy.Endpoint{})),
		"additionalProperties": false,
	}
}

// extensionsShape is app.extensions (ext.Extensions): a list of items, each an extension
// id, or a one-key mapping of the id to true, false, null or {attachTo, disabled, config}.
func extensionsShape() map[string]any {
	nonEmpty := func(desc string) map[string]any {
		return map[string]any{"type": "string", "minLength": 1, "description": desc}
	}
	item := map[string]any{
		"type":        []any{"null", "boolean", "object"},
		"description": "true or null enables the extension, false disables it; a mapping configures it.",
		"properties": map[string]any{
			"attachTo": map[string]any{
				"type":                 "object",
				"description":          "Moves the extension to another parent's input, e.g. {id: app/nav, input: items}.",
				"properties":           map[string]any{"id": nonEmpty("The parent extension's id."), "input": nonEmpty("The parent's input to attach to.")},
				"required":             []any{"id", "input"},
				"additionalProperties": false,
			},
			"disabled": map[string]any{"type": "boolean", "description": "Disables (true) or enables (false) the extension."},
			"config":   map[string]any{"type": "object", "description": "Replaces the extension's whole config (it is not merged), checked against the extension's config schema, whose defaults fill in what is left out."},
		},
		"additionalProperties": false,
	}
	return map[string]any{
		"type": []any{"array", "null"},
		"items": map[string]any{
			"description":          "An extension id (enables it, e.g. page:tech-radar), or a one-key mapping of the id to true, false or {attachTo, disabled, config}.",
			"type":                 []any{"string", "object"},
			"minLength":            1,
			"minProperties":        1,
			"maxProperties":        1,
			"propertyNames":        map[string]any{"minLength": 1},
			"additionalProperties": item,
		},
	}
}

// addPluginSchemas makes each plugin's config schema apply to the config of the
// plugins: entries with its id: the schema goes under $defs, and the entries' schema
// gets an if (id is ...) / then (config is ...) for each plugin. A schema without $id is
// moved as is, with its local references ("#...") rebased to where it now sits; one with
// an $id, or written for another draft, stays its own resource and is referred to by
// that $id.
func addPluginSchemas(root, defs map[string]any, plugins []PluginSchema) error {
	items := root["properties"].(map[string]any)["plugins"].(map[string]any)["items"].(map[string]any)
	var conds []any
	for _, p := range plugins {
		var s any
		if err := json.Unmarshal(p.Schema, &s); err != nil {
			return fmt.Errorf("plugin %s: manifest configSchema: %w", p.ID, err)
		}
		name := "plugin-" + p.ID + "-config"
		ref := "#/$defs/" + name
		if obj, ok := s.(map[string]any); ok {
			id, hasID := obj["$id"].(string)
			draft, _ := obj["$schema"].(string)
			switch {
			case hasID:
				ref = id
			case draft != "" && draft != SchemaDraft:
				id = "urn:greenroom:plugin:" + p.ID + ":config"
				obj["$id"], ref = id, id
			default:
				delete(obj, "$schema")
				s = rebase(obj, ref)
			}
		}
		defs[name] = s
		conds = append(conds, map[string]any{
			"if":   map[string]any{"properties": map[string]any{"id": map[string]any{"const": p.ID}}, "required": []any{"id"}},
			"then": map[string]any{"properties": map[string]any{"config": map[string]any{"$ref": ref}}},
		})
	}
	items["allOf"] = conds
	return nil
}

// rebase rewrites the local references ("#", "#/...") of a schema moved to base.
func rebase(v any, base string) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if s, ok := e.(string); ok && (k == "$ref" || k == "$dynamicRef") && strings.HasPrefix(s, "#") {
				if s == "#" || strings.HasPrefix(s, "#/") {
					x[k] = base + strings.TrimPrefix(s, "#")
				}
				continue
			}
			x[k] = rebase(e, base)
		}
	case []any:
		for i, e := range x {
			x[i] = rebase(e, base)
		}
	}
	return v
}
