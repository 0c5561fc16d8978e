package plugin

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"greenroom.dev/greenroom/abi"
	"greenroom.dev/greenroom/host/internal/config"
)

// pluginConfig decodes the operator's config for a plugin, fills in the schema's
// defaults, validates it, and returns it as JSON and as the config_get map.
func pluginConfig(man *abi.Manifest, entry *config.Plugin) (json.RawMessage, map[string]string, error) {
	var v any = map[string]any{}
	if entry.Config.Kind != 0 {
		var raw any
		if err := entry.Config.Decode(&raw); err != nil {
			return nil, nil, fmt.Errorf("config: %w", err)
		}
		if raw != nil {
			v = raw
		}
	}
	// Round-trip through JSON to get JSON types (yaml may give map[string]any with
	// non-string-keyed maps nested inside).
	v, err := toJSONValue(v)
	if err != nil {
		return nil, nil, fmt.Errorf("config (%s.config): %w", entry.Path(), err)
	}
	if len(man.ConfigSchema) > 0 {
		schemaDoc, err := jsonschema.UnmarshalJSON(bytes.NewReader(man.ConfigSchema))
		if err != nil {
			return nil, nil, fmt.Errorf("manifest configSchema: %w", err)
		}
		applyDefaults(schemaDoc, v)
		c := jsonschema.NewCompiler()
		if err := c.AddResource("greenroom:config-schema.json", schemaDoc); err != nil {
			return nil, nil, fmt.Errorf("manifest configSchema: %w", err)
		}
		sch, err := c.Compile("greenroom:config-schema.json")
		if err != nil {
			return nil, nil, fmt.Errorf("manifest configSchema is not a valid JSON Schema: %w", err)
		}
		if err := sch.Validate(v); err != nil {
			return nil, nil, fmt.Errorf("config does not match the plugin's schema: %s; fix %s.config in %s", describe(err, entry.Path()+".config"), entry.Path(), entry.File)
		}
	}
	all, err := json.Marshal(v)
	if err != nil {
		return nil, nil, err
	}
	m := map[string]string{abi.ConfigKeyAll: string(all)}
	if obj, ok := v.(map[string]any); ok {
		for k, x := range obj {
			if s, ok := x.(string); ok {
				m[k] = s
			} else {
				b, _ := json.Marshal(x)
				m[k] = string(b)
			}
		}
	}
	return all, m, nil
}

func toJSONValue(v any) (any, error) {
	var conv func(v any) (any, error)
	conv = func(v any) (any, error) {
		switch t := v.(type) {
		case map[string]any:
			out := make(map[string]any, len(t))
			for k, x := range t {
				c, err := conv(x)
				if err != nil {
					return nil, err
				}
				out[k] = c
			}
			return out, nil
		case map[any]any:
			out := make(map[string]any, len(t))
			for k, x := range t {
				ks, ok := k.(string)
				if !ok {
					return nil, fmt.Errorf("key %v is not a string", k)
				}
				c, err := conv(x)
				if err != nil {
					return nil, err
				}
				out[ks] = c
			}
			return out, nil
		case []any:
			out := make([]any, len(t))
			for i, x := range t {
				c, err := conv(x)
				if err != nil {
					return nil, err
				}
				out[i] = c
			}
			return out, nil
		}
		return v, nil
	}
	c, err := conv(v)
	if err != nil {
		return nil, err
	}
	// Normalise numbers to what jsonschema expects (json.Number or float64).
	b, err := json.Marshal(c)
	if err != nil {
		return nil, err
	}
	return jsonschema.UnmarshalJSON(bytes.NewReader(b))
}

// applyDefaults fills in "default" values of object properties, recursively, where the
// instance lacks them.
func applyDefaults(schema any, v any) {
	s, ok := schema.(map[string]any)
	if !ok {
		return
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return
	}
	props, _ := s["properties"].(map[string]any)
	for name, ps := range props {
		psm, ok := ps.(map[string]any)
		if !ok {
			continue
		}
		if _, present := obj[name]; !present {
			if d, has := psm["default"]; has {
				obj[name] = d
			} else if t, _ := psm["type"].(string); t == "object" && psm["properties"] != nil {
				child := map[string]any{}
				applyDefaults(psm, child)
				if len(child) > 0 {
					obj[name] = child
				}
			}
			continue
		}
		applyDefaults(psm, obj[name])
	}
}

var english = message.NewPrinter(language.English)

// describe flattens a validation error into "path: message" items with YAML paths.
func describe(err error, base string) string {
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return err.Error()
	}
	var out []string
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) == 0 {
			p := base
			for _, seg := range e.InstanceLocation {
				p += "." + seg
			}
			out = append(out, fmt.Sprintf("%s: %s", p, e.ErrorKind.LocalizedString(english)))
			return
		}
		for _, c := range e.Causes {
			walk(c)
		}
	}
	walk(ve)
	return strings.Join(out, "; ")
}
