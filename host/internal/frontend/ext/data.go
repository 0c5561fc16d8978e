package ext

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"sync"
)

// AnyRef is an extension data ref of any value type: what inputs accept and what
// extensions output. Ref[T] is the only implementation.
type AnyRef interface {
	// ID is the ref's id, e.g. core.routing.path.
	ID() string
	// IsOptional reports whether an output or input may go without this value.
	IsOptional() bool
	// TypeName is the Go type of the values, for messages.
	TypeName() string
	check(v any) error
	decode(raw json.RawMessage) (Value, error)
	asOptional() AnyRef
}

// Ref is a typed extension data ref. Declare refs once, as package variables.
type Ref[T any] struct {
	id       string
	optional bool
}

// NewRef declares a data ref with values of type T.
func NewRef[T any](id string) Ref[T] { return Ref[T]{id: id} }

// ID is the ref's id.
func (r Ref[T]) ID() string { return r.id }

// IsOptional reports whether the ref was marked optional.
func (r Ref[T]) IsOptional() bool { return r.optional }

// Optional returns the ref marked optional: as an output, the factory may leave it
// out; as an input's ref, attachments need not output it.
func (r Ref[T]) Optional() Ref[T] { r.optional = true; return r }

func (r Ref[T]) asOptional() AnyRef { return r.Optional() }

// TypeName is the Go type of the ref's values.
func (r Ref[T]) TypeName() string { return reflect.TypeFor[T]().String() }

// Value pairs a value with the ref, for a factory's outputs.
func (r Ref[T]) Value(v T) Value { return Value{ref: r, v: v} }

// Get reads the ref's value from an extension's outputs.
func (r Ref[T]) Get(d Data) (T, bool) {
	v, ok := d.values[r.id].(T)
	return v, ok
}

func (r Ref[T]) check(v any) error {
	if _, ok := v.(T); !ok {
		return fmt.Errorf("data ref %q wants a %s, got %T", r.id, r.TypeName(), v)
	}
	return nil
}

func (r Ref[T]) decode(raw json.RawMessage) (Value, error) {
	var v T
	if reflect.TypeFor[T]().Kind() == reflect.Interface {
		return Value{}, fmt.Errorf("data ref %q (%s) cannot be read from JSON; the host builds its values", r.id, r.TypeName())
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return Value{}, fmt.Errorf("data ref %q wants a %s: %w", r.id, r.TypeName(), err)
	}
	if c, ok := any(&v).(interface{ validate() error }); ok {
		if err := c.validate(); err != nil {
			return Value{}, fmt.Errorf("data ref %q: %w", r.id, err)
		}
	}
	return Value{ref: r, v: v}, nil
}

// Value is one output of a factory: a data ref and its value.
type Value struct {
	ref AnyRef
	v   any
}

// Ref is the value's data ref.
func (v Value) Ref() AnyRef { return v.ref }

// Data is the outputs of one instantiated extension, read with Ref.Get.
type Data struct {
	id     string
	values map[string]any
}

// Extension is the id of the extension that produced the data.
func (d Data) Extension() string { return d.id }

// Has reports whether the data holds a value for the ref id.
func (d Data) Has(refID string) bool { _, ok := d.values[refID]; return ok }

var (
	registryMu sync.RWMutex
	registry   = map[string]AnyRef{}
)

// RegisterRef makes a ref known by id, so that declarations read from a plugin
// manifest (ids as strings) can name it. Registering two refs with one id panics.
func RegisterRef(r AnyRef) {
	registryMu.Lock()
	defer registryMu.Unlock()
	if _, dup := registry[r.ID()]; dup {
		panic("ext: data ref " + r.ID() + " registered twice")
	}
	registry[r.ID()] = r
}

// LookupRef finds a registered ref by id.
func LookupRef(id string) (AnyRef, bool) {
	registryMu.RLock()
	defer registryMu.RUnlock()
	r, ok := registry[id]
	return r, ok
}

// KnownRefs lists the ids of registered refs, sorted.
func KnownRefs() []string {
	registryMu.RLock()
	defer registryMu.RUnlock()
	ids := make([]string, 0, len(registry))
	for id := range registry {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// DecodeValue reads a value of a registered ref from JSON, as a Wasm factory returns
// it ({"core.routing.path": "/radar"} gives one call per key).
func DecodeValue(refID string, raw json.RawMessage) (Value, error) {
	r, ok := LookupRef(refID)
	if !ok {
		return Value{}, fmt.Errorf("unknown data ref %q; known refs: %v", refID, KnownRefs())
	}
	return r.decode(raw)
}
