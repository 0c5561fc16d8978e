package scaffolder

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"greenroom.dev/greenroom/host/internal/urlreader/githubreader"
)

// Action is one action a template's step can run: a built-in, or one a Wasm plugin
// declares.
type Action struct {
	ID          string `json:"id"`
	Description string `json:"description,omitempty"`
	// Schema holds the JSON Schemas of the input and the output.
	Schema ActionSchema `json:"schema"`
	// Examples are shown by GET /v2/actions.
	Examples []ActionExample `json:"examples,omitempty"`
	// DryRun says the action runs in a dry-run (it has no effect outside the
	// workspace); otherwise a dry-run skips it and returns ExampleOutput.
	DryRun        bool           `json:"-"`
	ExampleOutput map[string]any `json:"-"`
	// Plugin is the plugin that declares the action; "" for a built-in.
	Plugin  string                                             `json:"-"`
	Handler func(ctx context.Context, ac *ActionContext) error `json:"-"`

	once sync.Once
	sch  *jsonschema.Schema
	err  error
}

// ActionSchema is an action's input and output schemas.
type ActionSchema struct {
	Input  map[string]any `json:"input,omitempty"`
	Output map[string]any `json:"output,omitempty"`
}

// ActionExample is one example of GET /v2/actions.
type ActionExample struct {
	Description string `json:"description"`
	Example     string `json:"example"`
}

func (a *Action) validate(input map[string]any) error {
	if a.Schema.Input == nil {
		return nil
	}
	a.once.Do(func() { a.sch, a.err = compileSchema("greenroom:action/"+a.ID+"/input", a.Schema.Input) })
	if a.err != nil {
		return fmt.Errorf("the action's input schema does not compile: %w", a.err)
	}
	// Validate a JSON copy: the input holds JSON types, but be sure.
	b, err := json.Marshal(input)
	if err != nil {
		return err
	}
	v, err := jsonschema.UnmarshalJSON(strings.NewReader(string(b)))
	if err != nil {
		return err
	}
	if err := a.sch.Validate(v); err != nil {
		var ve *jsonschema.ValidationError
		if ok := asValidation(err, &ve); ok {
			fe := flatten(ve, input)
			msgs := make([]string, len(fe))
			for i, f := range fe {
				msgs[i] = f.Stack
			}
			return fmt.Errorf("%s", strings.Join(msgs, ", "))
		}
		return err
	}
	return nil
}

// TemplateInfo is what an action knows of its template.
type TemplateInfo struct {
	EntityRef string
	BaseURL   string
}

// ActionContext is what an action runs with.
type ActionContext struct {
	Input        map[string]any
	Workspace    *workspace
	TaskID       string
	Secrets      map[string]string
	User         User
	DryRun       bool
	TemplateInfo TemplateInfo
	// Log writes a line to the task's log (secrets masked).
	Log func(format string, args ...any)
	// Output sets one output of the step.
	Output func(name string, v any)

	source  *source
	cfg     *Config
	catalog Catalog
	github  *githubreader.Repos
}

// WorkspaceDir is the task's workspace directory.
func (ac *ActionContext) WorkspaceDir() string { return ac.Workspace.dir }

// Registry holds the actions, built-in and from plugins.
type Registry struct {
	mu      sync.RWMutex
	actions map[string]*Action
}

// NewRegistry returns a registry with acts.
func NewRegistry(acts ...*Action) *Registry {
	r := &Registry{actions: map[string]*Action{}}
	for _, a := range acts {
		r.actions[a.ID] = a
	}
	return r
}

// Add registers a; an id already taken is an error naming both owners.
func (r *Registry) Add(a *Action) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if old, ok := r.actions[a.ID]; ok {
		return fmt.Errorf("action %s of %s: the id is already taken by %s", a.ID, owner(a), owner(old))
	}
	r.actions[a.ID] = a
	return nil
}

func owner(a *Action) string {
	if a.Plugin == "" {
		return "the built-in actions"
	}
	return "plugin " + a.Plugin
}

// SetPlugin replaces the actions of plugin with acts (none removes them): at start and
// on every reload. An id a built-in or another plugin has is an error naming both, and
// then nothing changes.
func (r *Registry) SetPlugin(plugin string, acts []*Action) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	seen := map[string]bool{}
	for _, a := range acts {
		if old, ok := r.actions[a.ID]; ok && old.Plugin != plugin {
			return fmt.Errorf("plugin %s: action %s: the id is already taken by %s; rename the action in the plugin's manifest", plugin, a.ID, owner(old))
		}
		if seen[a.ID] {
			return fmt.Errorf("plugin %s: action %s is declared twice", plugin, a.ID)
		}
		seen[a.ID] = true
	}
	for id, a := range r.actions {
		if a.Plugin == plugin {
			delete(r.actions, id)
		}
	}
	for _, a := range acts {
		a.Plugin = plugin
		r.actions[a.ID] = a
	}
	return nil
}

// Plugins lists the plugins that have actions.
func (r *Registry) Plugins() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	seen := map[string]bool{}
	var out []string
	for _, a := range r.actions {
		if a.Plugin != "" && !seen[a.Plugin] {
			seen[a.Plugin] = true
			out = append(out, a.Plugin)
		}
	}
	sort.Strings(out)
	return out
}

// Get finds an action.
func (r *Registry) Get(id string) (*Action, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	a, ok := r.actions[id]
	return a, ok
}

// List returns the actions sorted by id.
func (r *Registry) List() []*Action {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]*Action, 0, len(r.actions))
	for _, a := range r.actions {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// unknown is Backstage's error for an action id no one registered, with the nearest
// known id.
func (r *Registry) unknown(id string) error {
	best, bestD := "", 1<<30
	for _, a := range r.List() {
		if d := distance(id, a.ID); d < bestD {
			best, bestD = a.ID, d
		}
	}
	msg := fmt.Sprintf("Template action with ID '%s' is not registered.", id)
	if best != "" {
		msg += fmt.Sprintf(" Did you mean '%s'?", best)
	}
	return fmt.Errorf("%s", msg)
}

// distance is the Levenshtein distance.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			c := 1
			if a[i-1] == b[j-1] {
				c = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+c)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// str reads a string input.
func str(in map[string]any, key, def string) string {
	if v, ok := in[key].(string); ok && v != "" {
		return v
	}
	return def
}

func boolean(in map[string]any, key string, def bool) bool {
	if v, ok := in[key].(bool); ok {
		return v
	}
	return def
}

func strings_(in map[string]any, key string) []string {
	var out []string
	if l, ok := in[key].([]any); ok {
		for _, v := range l {
			if s, ok := v.(string); ok {
				out = append(out, s)
			}
		}
	}
	return out
}
