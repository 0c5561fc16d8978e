package ext

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

var printer = message.NewPrinter(language.English)

// configSchema is a compiled extension config schema.
type configSchema struct {
	doc    any
	schema *jsonschema.Schema
}

func compileConfigSchema(raw json.RawMessage) (*configSchema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("config schema is not JSON: %w", err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	if err := c.AddResource("config.schema.json", doc); err != nil {
		return nil, fmt.Errorf("config schema: %w", err)
	}
	s, err := c.Compile("config.schema.json")
	if err != nil {
		return nil, fmt.Errorf("config schema: %w", err)
	}
	return &configSchema{doc: doc, schema: s}, nil
}

// apply normalises config to JSON values, fills in schema defaults and validates.
func (s *configSchema) apply(cfg map[string]any) (map[string]any, error) {
	var v any = map[string]any{}
	if cfg != nil {
		b, err := json.Marshal(cfg)
		if err != nil {
			return nil, fmt.Errorf("config cannot be read as JSON: %w", err)
		}
		if v, err = jsonschema.UnmarshalJSON(bytes.NewReader(b)); err != nil {
			return nil, err
		}
	}
	v = fillDefaults(s.doc, v)
	if err := s.schema.Validate(v); err != nil {
		return nil, schemaError(err)
	}
	// Hand factories plain encoding/json values (float64 rather than json.Number).
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, fmt.Errorf("config must be a map: %w", err)
	}
	return out, nil
}

// schemaError turns a validation error into one line per failing leaf, each naming
// the location inside config.
func schemaError(err error) error {
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return err
	}
	var msgs []string
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) == 0 {
			loc := "config"
			for _, p := range e.InstanceLocation {
				if _, err := strconv.Atoi(p); err == nil {
					loc += "[" + p + "]"
				} else {
					loc += "." + p
				}
			}
			msgs = append(msgs, loc+": "+e.ErrorKind.LocalizedString(printer))
			return
		}
		for _, c := range e.Causes {
			walk(c)
		}
	}
	walk(ve)
	return errors.New(strings.Join(msgs, "; "))
}

// fillDefaults sets "default" values from the schema where the config leaves a value
// out, through properties of objects and items of arrays.
func fillDefaults(schema, v any) any {
	s, ok := schema.(map[string]any)
	if !ok {
		return v
	}
	if v == nil {
		if d, ok := s["default"]; ok {
			v = deepCopy(d)
		}
	}
	switch x := v.(type) {
	case map[string]any:
		if props, ok := s["properties"].(map[string]any); ok {
			for k, ps := range props {
				if nv := fillDefaults(ps, x[k]); nv != nil {
					x[k] = nv
				}
			}
		}
	case []any:
		if items, ok := s["items"].(map[string]any); ok {
			for i := range x {
				x[i] = fillDefaults(items, x[i])
			}
		}
	}
	return v
}

func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		a := make([]any, len(x))
		for i, e := range x {
			a[i] = deepCopy(e)
		}
		return a
	}
	return v
}
