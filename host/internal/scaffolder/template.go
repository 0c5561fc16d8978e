package scaffolder

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

var printer = message.NewPrinter(language.English)

// TemplateAPIVersion is the only Template apiVersion the scaffolder runs.
const TemplateAPIVersion = "scaffolder.backstage.io/v1beta3"

// Template is a Template entity, as the catalog serves it.
type Template struct {
	APIVersion string         `json:"apiVersion"`
	Kind       string         `json:"kind"`
	Metadata   Metadata       `json:"metadata"`
	Spec       TemplateSpec   `json:"spec"`
	Raw        map[string]any `json:"-"`
}

// Metadata is the part of an entity's metadata the scaffolder reads.
type Metadata struct {
	Name        string            `json:"name"`
	Namespace   string            `json:"namespace,omitempty"`
	Title       string            `json:"title,omitempty"`
	Description string            `json:"description,omitempty"`
	Tags        []string          `json:"tags,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

// TemplateSpec is a Template's spec.
type TemplateSpec struct {
	Owner        string          `json:"owner,omitempty"`
	Type         string          `json:"type,omitempty"`
	Parameters   json.RawMessage `json:"parameters,omitempty"`
	Steps        []Step          `json:"steps"`
	Output       map[string]any  `json:"output,omitempty"`
	Presentation any             `json:"presentation,omitempty"`
	Decorators   any             `json:"EXPERIMENTAL_formDecorators,omitempty"`
}

// Step is one step of a template.
type Step struct {
	ID     string         `json:"id,omitempty"`
	Name   string         `json:"name,omitempty"`
	Action string         `json:"action"`
	Input  map[string]any `json:"input,omitempty"`
	If     any            `json:"if,omitempty"`
	Each   any            `json:"each,omitempty"`
}

// ParseTemplate reads a Template entity. It refuses another kind or apiVersion with
// Backstage's message.
func ParseTemplate(b []byte) (*Template, error) {
	var t Template
	if err := json.Unmarshal(b, &t); err != nil {
		return nil, fmt.Errorf("template: %w", err)
	}
	if err := json.Unmarshal(b, &t.Raw); err != nil {
		return nil, fmt.Errorf("template: %w", err)
	}
	if t.Kind != "Template" || t.APIVersion != TemplateAPIVersion {
		return nil, fmt.Errorf("Input template is not a template: kind %q, apiVersion %q; the scaffolder runs kind Template, apiVersion %s", t.Kind, t.APIVersion, TemplateAPIVersion)
	}
	if t.Metadata.Namespace == "" {
		t.Metadata.Namespace = "default"
	}
	for i := range t.Spec.Steps {
		s := &t.Spec.Steps[i]
		if s.ID == "" {
			s.ID = fmt.Sprintf("step-%d", i+1)
		}
		if s.Name == "" {
			s.Name = s.Action
		}
	}
	return &t, nil
}

// Ref is the template's entity ref.
func (t *Template) Ref() string {
	return "template:" + t.Metadata.Namespace + "/" + t.Metadata.Name
}

// ParameterSteps returns spec.parameters as form steps: one object, or an array of them.
func (t *Template) ParameterSteps() ([]map[string]any, error) {
	raw := strings.TrimSpace(string(t.Spec.Parameters))
	if raw == "" || raw == "null" {
		return nil, nil
	}
	if strings.HasPrefix(raw, "[") {
		var steps []map[string]any
		if err := json.Unmarshal(t.Spec.Parameters, &steps); err != nil {
			return nil, fmt.Errorf("spec.parameters: %w", err)
		}
		return steps, nil
	}
	var one map[string]any
	if err := json.Unmarshal(t.Spec.Parameters, &one); err != nil {
		return nil, fmt.Errorf("spec.parameters: %w", err)
	}
	return []map[string]any{one}, nil
}

// ParameterSchema is the body of GET .../parameter-schema.
type ParameterSchema struct {
	Title        string           `json:"title"`
	Description  string           `json:"description,omitempty"`
	Presentation any              `json:"presentation,omitempty"`
	Steps        []ParameterStep  `json:"steps"`
	Decorators   any              `json:"EXPERIMENTAL_formDecorators,omitempty"`
	UIOptions    map[string]any   `json:"ui:options,omitempty"`
	Raw          []map[string]any `json:"-"`
}

// ParameterStep is one form step.
type ParameterStep struct {
	Title       string         `json:"title"`
	Description string         `json:"description,omitempty"`
	Schema      map[string]any `json:"schema"`
}

// Schema returns the template's form, as Backstage serves it.
func (t *Template) Schema() (*ParameterSchema, error) {
	steps, err := t.ParameterSteps()
	if err != nil {
		return nil, err
	}
	title := t.Metadata.Title
	if title == "" {
		title = t.Metadata.Name
	}
	out := &ParameterSchema{Title: title, Description: t.Metadata.Description, Presentation: t.Spec.Presentation, Decorators: t.Spec.Decorators, Steps: []ParameterStep{}, Raw: steps}
	for _, s := range steps {
		st := ParameterStep{Title: "Please enter the following information", Schema: s}
		if v, ok := s["title"].(string); ok {
			st.Title = v
		}
		if v, ok := s["description"].(string); ok {
			st.Description = v
		}
		out.Steps = append(out.Steps, st)
	}
	return out, nil
}

// FieldError is one entry of a 400 body's errors: the shape of jsonschema's
// ValidationError, as Backstage returns it.
type FieldError struct {
	Path     []string `json:"path"`
	Property string   `json:"property"`
	Message  string   `json:"message"`
	Schema   any      `json:"schema"`
	Instance any      `json:"instance"`
	Name     string   `json:"name"`
	Argument any      `json:"argument"`
	Stack    string   `json:"stack"`
}

// ValidationError is a task's values failing the template's schema.
type ValidationError struct{ Errors []FieldError }

func (e *ValidationError) Error() string {
	msgs := make([]string, len(e.Errors))
	for i, f := range e.Errors {
		msgs[i] = f.Stack
	}
	return "the values do not match the template's parameters: " + strings.Join(msgs, "; ")
}

// ValidateValues checks values against every form step's schema.
func (t *Template) ValidateValues(values map[string]any) error {
	steps, err := t.ParameterSteps()
	if err != nil {
		return err
	}
	var fe []FieldError
	for i, s := range steps {
		sch, err := compileSchema(fmt.Sprintf("greenroom:template/%s/parameters/%d", t.Ref(), i), s)
		if err != nil {
			return fmt.Errorf("%s: spec.parameters[%d] is not a valid JSON Schema: %w", t.Ref(), i, err)
		}
		v := any(values)
		if values == nil {
			v = map[string]any{}
		}
		if err := sch.Validate(v); err != nil {
			var ve *jsonschema.ValidationError
			if !errors.As(err, &ve) {
				return err
			}
			fe = append(fe, flatten(ve, values)...)
		}
	}
	if len(fe) > 0 {
		return &ValidationError{fe}
	}
	return nil
}

// compileSchema compiles a schema given as a JSON value.
func compileSchema(url string, schema any) (*jsonschema.Schema, error) {
	b, err := json.Marshal(schema)
	if err != nil {
		return nil, err
	}
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(string(b)))
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(url, doc); err != nil {
		return nil, err
	}
	return c.Compile(url)
}

// flatten turns a validation error tree into its leaves.
func flatten(ve *jsonschema.ValidationError, values map[string]any) []FieldError {
	var out []FieldError
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) > 0 {
			for _, c := range e.Causes {
				walk(c)
			}
			return
		}
		path := append([]string{}, e.InstanceLocation...)
		kw := e.ErrorKind.KeywordPath()
		name := ""
		if len(kw) > 0 {
			name = kw[len(kw)-1]
		}
		msg := e.ErrorKind.LocalizedString(printer)
		prop := "instance"
		for _, p := range path {
			prop += "." + p
		}
		// A missing required property is named in the path too, so a form can show the
		// error beside its field.
		if name == "required" {
			if m := missingProps(msg); len(m) > 0 {
				for _, p := range m {
					fp := append(append([]string{}, path...), p)
					out = append(out, FieldError{Path: fp, Property: prop, Message: "requires property \"" + p + "\"", Name: "required", Argument: p, Instance: lookup(values, path), Stack: prop + " requires property \"" + p + "\""})
				}
				return
			}
		}
		out = append(out, FieldError{Path: path, Property: prop, Message: msg, Name: name, Instance: lookup(values, path), Stack: prop + " " + msg})
	}
	walk(ve)
	sort.SliceStable(out, func(i, j int) bool { return strings.Join(out[i].Path, ".") < strings.Join(out[j].Path, ".") })
	return out
}

// missingProps reads the property names of jsonschema's "missing property 'x'" /
// "missing properties 'x', 'y'" message.
func missingProps(msg string) []string {
	var out []string
	for {
		i := strings.IndexByte(msg, '\'')
		if i < 0 {
			return out
		}
		j := strings.IndexByte(msg[i+1:], '\'')
		if j < 0 {
			return out
		}
		out = append(out, msg[i+1:i+1+j])
		msg = msg[i+2+j:]
	}
}

func lookup(v map[string]any, path []string) any {
	var cur any = v
	for _, p := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[p]
	}
	return cur
}

func asValidation(err error, ve **jsonschema.ValidationError) bool { return errors.As(err, ve) }

// ValidateStep checks values against one form step's schema only (the /create form
// checks each step as it is submitted).
func (t *Template) ValidateStep(step int, values map[string]any) error {
	steps, err := t.ParameterSteps()
	if err != nil {
		return err
	}
	if step < 0 || step >= len(steps) {
		return fmt.Errorf("%s has no form step %d", t.Ref(), step)
	}
	sch, err := compileSchema(fmt.Sprintf("greenroom:template/%s/parameters/%d", t.Ref(), step), steps[step])
	if err != nil {
		return fmt.Errorf("%s: spec.parameters[%d] is not a valid JSON Schema: %w", t.Ref(), step, err)
	}
	v := any(values)
	if values == nil {
		v = map[string]any{}
	}
	if err := sch.Validate(v); err != nil {
		var ve *jsonschema.ValidationError
		if !errors.As(err, &ve) {
			return err
		}
		return &ValidationError{flatten(ve, values)}
	}
	return nil
}
