package scaffolder

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"greenroom.dev/greenroom/host/internal/identity"
	"greenroom.dev/greenroom/host/internal/permission"
	"greenroom.dev/greenroom/host/internal/scaffolder/nunjucks"
	"greenroom.dev/greenroom/host/internal/urlreader/githubreader"
)

// EventBody is the body of a task event.
type EventBody struct {
	Message string         `json:"message"`
	StepID  string         `json:"stepId,omitempty"`
	Status  string         `json:"status,omitempty"`
	Output  map[string]any `json:"output,omitempty"`
	Error   *ErrorInfo     `json:"error,omitempty"`
}

// ErrorInfo is a failed task's error.
type ErrorInfo struct {
	Name    string `json:"name"`
	Message string `json:"message"`
}

// User is who runs a task: the signed-in caller who created it.
type User struct {
	Ref    string `json:"ref,omitempty"`
	Entity any    `json:"entity,omitempty"`
}

// run is one execution of a template.
type run struct {
	taskID    string
	tpl       *Template
	values    map[string]any
	secrets   map[string]string
	user      User
	ws        *workspace
	src       *source
	dryRun    bool
	log       func(EventBody)
	engine    *nunjucks.Engine
	actions   *Registry
	cfg       *Config
	catalog   Catalog
	github    *githubreader.Repos
	decide    func(identity.Principal, permission.Permission) permission.Decision
	baseURL   string
	stepState map[string]string // step id -> status, for the dry-run's steps list
}

// maskValue masks every secret in the strings of a JSON value (a task's output, which
// is stored with its completion event).
func (r *run) maskValue(v map[string]any) map[string]any {
	if len(r.secrets) == 0 || v == nil {
		return v
	}
	b, err := json.Marshal(v)
	if err != nil {
		return v
	}
	var out map[string]any
	if json.Unmarshal([]byte(r.mask(string(b))), &out) != nil {
		return v
	}
	return out
}

// mask replaces every secret value in s with ***.
func (r *run) mask(s string) string {
	for _, v := range r.secrets {
		if len(v) > 1 {
			s = strings.ReplaceAll(s, v, "***")
		}
	}
	return s
}

func (r *run) emit(b EventBody) {
	b.Message = r.mask(b.Message)
	r.log(b)
}

// StepError is a step's failure, naming the step.
type StepError struct {
	StepID string
	Err    error
}

func (e *StepError) Error() string { return "step " + e.StepID + ": " + e.Err.Error() }
func (e *StepError) Unwrap() error { return e.Err }

// execute runs the steps in order, then renders the output.
func (r *run) execute(ctx context.Context) (map[string]any, error) {
	steps := map[string]any{}
	scope := map[string]any{
		"parameters": r.values,
		"steps":      steps,
		"secrets":    stringMap(r.secrets),
		"user":       map[string]any{"ref": r.user.Ref, "entity": r.user.Entity},
		"context":    map[string]any{"task": map[string]any{"id": r.taskID}},
	}
	for _, st := range r.tpl.Spec.Steps {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		r.emit(EventBody{Message: "Beginning step " + st.Name, StepID: st.ID, Status: "processing"})
		out, skipped, err := r.step(ctx, st, scope)
		if err != nil {
			status := "failed"
			if ctx.Err() != nil {
				status = "cancelled"
			}
			r.emit(EventBody{Message: err.Error(), StepID: st.ID, Status: status})
			r.stepState[st.ID] = status
			return nil, &StepError{st.ID, err}
		}
		if skipped {
			r.emit(EventBody{Message: "Skipping step " + st.ID + " because its if condition was false", StepID: st.ID, Status: "skipped"})
			r.stepState[st.ID] = "skipped"
			continue
		}
		steps[st.ID] = map[string]any{"output": out}
		r.emit(EventBody{Message: "Finished step " + st.Name, StepID: st.ID, Status: "completed"})
		r.stepState[st.ID] = "completed"
	}
	out, err := r.render(r.tpl.Spec.Output, scope, "spec.output")
	if err != nil {
		return nil, err
	}
	m, _ := out.(map[string]any)
	if m == nil {
		m = map[string]any{}
	}
	return m, nil
}

func (r *run) step(ctx context.Context, st Step, scope map[string]any) (map[string]any, bool, error) {
	act, ok := r.actions.Get(st.Action)
	if !ok {
		return nil, false, r.actions.unknown(st.Action)
	}
	if st.If != nil {
		v, err := r.render(st.If, scope, "if")
		if err != nil {
			return nil, false, err
		}
		if !truthy(v) {
			return nil, true, nil
		}
	}
	type item struct{ key, value any }
	var items []item
	if st.Each != nil {
		v, err := r.render(st.Each, scope, "each")
		if err != nil {
			return nil, false, err
		}
		items = []item{}
		switch x := v.(type) {
		case nil:
			// Backstage throws on an undefined each (Object.entries(undefined)); the
			// author meant no iterations.
		case []any:
			for i, it := range x {
				items = append(items, item{fmt.Sprint(i), it})
			}
		case map[string]any:
			keys := make([]string, 0, len(x))
			for k := range x {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				items = append(items, item{k, x[k]})
			}
		default:
			return nil, false, fmt.Errorf("each: %s is not an array or an object", nunjucks.JSString(v))
		}
	}
	runOnce := func(sc map[string]any) (map[string]any, error) {
		in, err := r.render(st.Input, sc, "input")
		if err != nil {
			return nil, err
		}
		input, _ := in.(map[string]any)
		if input == nil {
			input = map[string]any{}
		}
		if err := act.validate(input); err != nil {
			return nil, fmt.Errorf("invalid input passed to action %s, %w", act.ID, err)
		}
		if err := r.mayExecute(ctx, act, input); err != nil {
			return nil, err
		}
		out := map[string]any{}
		ac := &ActionContext{
			Input: input, Workspace: r.ws, TaskID: r.taskID, Secrets: r.secrets, User: r.user, DryRun: r.dryRun,
			TemplateInfo: TemplateInfo{EntityRef: r.tpl.Ref(), BaseURL: r.baseURL},
			source:       r.src, cfg: r.cfg, catalog: r.catalog, github: r.github,
			Log: func(format string, args ...any) {
				r.emit(EventBody{Message: fmt.Sprintf(format, args...), StepID: st.ID})
			},
			Output: func(name string, v any) { out[name] = v },
		}
		if r.dryRun && !act.DryRun {
			r.emit(EventBody{Message: fmt.Sprintf("Skipping because %s does not support dry-run", act.ID), StepID: st.ID})
			for k, v := range act.ExampleOutput {
				out[k] = v
			}
			return out, nil
		}
		actx := ctx
		if act.Plugin != "" {
			// A plugin's action reaches this task's workspace, and only it, through the
			// workspace capability.
			actx = withWorkspace(ctx, pluginWorkspace{ws: r.ws, lim: r.cfg.Limits})
		}
		if err := act.Handler(actx, ac); err != nil {
			if act.Plugin != "" {
				return nil, fmt.Errorf("action %s of plugin %s: %w", act.ID, act.Plugin, err)
			}
			return nil, err
		}
		return out, nil
	}
	if items == nil {
		out, err := runOnce(scope)
		return out, false, err
	}
	merged := map[string]any{}
	for _, it := range items {
		sc := make(map[string]any, len(scope)+1)
		for k, v := range scope {
			sc[k] = v
		}
		sc["each"] = map[string]any{"key": it.key, "value": it.value}
		r.emit(EventBody{Message: fmt.Sprintf("Running step each: %s", nunjucks.JSString(map[string]any{"key": it.key, "value": it.value})), StepID: st.ID})
		out, err := runOnce(sc)
		if err != nil {
			return nil, false, err
		}
		for k, v := range out {
			l, _ := merged[k].([]any)
			merged[k] = append(l, v)
		}
	}
	return merged, false, nil
}

// render renders every string of v (any depth): a string that is one `${{ expr }}`
// keeps the expression's JSON type; an empty result is left out (undefined).
func (r *run) render(v any, scope map[string]any, where string) (any, error) {
	switch x := v.(type) {
	case string:
		if expr, ok := nunjucks.SingleExpression(x); ok {
			val, err := r.engine.Eval(expr, scope)
			if err != nil {
				return nil, &ExprError{Where: where, Expr: strings.TrimSpace(x), Err: err}
			}
			return val, nil
		}
		s, err := r.engine.Render(x, scope)
		if err != nil {
			return nil, &ExprError{Where: where, Expr: x, Err: err}
		}
		if s == "" {
			return nil, nil
		}
		return s, nil
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, it := range x {
			rv, err := r.render(it, scope, where+"."+k)
			if err != nil {
				return nil, err
			}
			if rv != nil {
				out[k] = rv
			}
		}
		return out, nil
	case []any:
		out := make([]any, 0, len(x))
		for i, it := range x {
			rv, err := r.render(it, scope, fmt.Sprintf("%s[%d]", where, i))
			if err != nil {
				return nil, err
			}
			out = append(out, rv)
		}
		return out, nil
	}
	return v, nil
}

// ExprError is an expression that did not evaluate.
type ExprError struct {
	Where, Expr string
	Err         error
}

func (e *ExprError) Error() string {
	return fmt.Sprintf("%s: the expression %q did not evaluate: %v", e.Where, e.Expr, e.Err)
}

func truthy(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case bool:
		return x
	case string:
		return x != ""
	case []any:
		return len(x) > 0
	case float64:
		return x != 0
	}
	return true
}

func stringMap(m map[string]string) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
