package ext

import (
	"context"
	"encoding/json"
)

// AttachPoint names the input of a parent extension that an extension attaches to.
type AttachPoint struct {
	// ID of the parent extension, e.g. app/nav.
	ID string `yaml:"id" json:"id"`
	// Input of the parent, e.g. items.
	Input string `yaml:"input" json:"input"`
}

func (a AttachPoint) String() string { return a.ID + "/" + a.Input }

// Input is a named input of an extension: which data refs its attachments must
// output (refs marked Optional need not be), and how many attachments it takes. A
// Singleton input takes at most one; a Singleton that is not Optional takes exactly
// one. Other inputs take any number, in order.
type Input struct {
	Name      string
	Refs      []AnyRef
	Singleton bool
	Optional  bool
}

// Extension is one node of the extension tree, before config is applied.
type Extension struct {
	// ID is kind:namespace/name (see ParseID).
	ID string
	// AttachTo is where the extension attaches by default; zero for the root (app).
	AttachTo AttachPoint
	// Disabled makes the extension disabled by default; config can enable it, which
	// moves it to the end of its parent's input.
	Disabled bool
	// Inputs are the extension's inputs.
	Inputs []Input
	// Output lists the data refs the factory produces; refs marked Optional may be
	// left out.
	Output []AnyRef
	// ConfigSchema is a JSON Schema for the extension's config; defaults in it are
	// filled in. Without a schema, the extension takes no config.
	ConfigSchema json.RawMessage
	// Factory creates the outputs.
	Factory Factory
	// Source says where the extension comes from, for messages: "host" or
	// "plugin tech-radar".
	Source string
	// TrustedUI marks host code whose elements' UI trees are not re-validated.
	TrustedUI bool
}

// Factory creates an extension's outputs from its config and its inputs. Host
// built-ins implement it in Go; Wasm plugins' extensions implement it with a call to
// gr_extension. Factories run at start-up, leaves first; they should be cheap and
// leave the work to the Elements they return.
type Factory interface {
	Create(ctx context.Context, in FactoryInput) ([]Value, error)
}

// FactoryFunc adapts a function to Factory.
type FactoryFunc func(ctx context.Context, in FactoryInput) ([]Value, error)

// Create calls f.
func (f FactoryFunc) Create(ctx context.Context, in FactoryInput) ([]Value, error) {
	return f(ctx, in)
}

// FactoryInput is what a factory gets.
type FactoryInput struct {
	// ID is the extension's id.
	ID string
	// Config is the extension's config with schema defaults filled in (an empty map
	// when there is no schema). Values are as encoding/json decodes them.
	Config map[string]any
	inputs map[string][]Attachment
}

// Attachment is one extension attached to an input, with its outputs.
type Attachment struct {
	ID   string
	Data Data
}

// Input returns the attachments of an input, in order.
func (in FactoryInput) Input(name string) []Attachment { return in.inputs[name] }

// Single returns the attachment of a singleton input.
func (in FactoryInput) Single(name string) (Attachment, bool) {
	a := in.inputs[name]
	if len(a) == 0 {
		return Attachment{}, false
	}
	return a[0], true
}

// ConfigString reads a string from the config, or def.
func (in FactoryInput) ConfigString(key, def string) string {
	if s, ok := in.Config[key].(string); ok {
		return s
	}
	return def
}

// ConfigInt reads an integer from the config, or def.
func (in FactoryInput) ConfigInt(key string, def int) int {
	if f, ok := in.Config[key].(float64); ok {
		return int(f)
	}
	return def
}
