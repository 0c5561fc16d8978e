package scorecard

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/google/cel-go/common/types"
)

// Result is one entity's standing on one scorecard.
type Result struct {
	// EntityRef is the entity's ref, "kind:namespace/name" as the entity spells it.
	EntityRef string `json:"entityRef"`
	// Title is the entity's metadata.title, or its name.
	Title string `json:"title"`
	// Owner and System are the entity's spec.owner and spec.system, for grouping.
	Owner  string `json:"owner,omitempty"`
	System string `json:"system,omitempty"`
	// Level is the highest level whose rules, and those of every level below, pass;
	// "" when the lowest level's rules do not.
	Level string `json:"level"`
	// Rules are the results of the scorecard's rules, in its order.
	Rules []RuleResult `json:"rules"`
	// EvaluatedAt is when the entity was last evaluated.
	EvaluatedAt time.Time `json:"evaluatedAt"`
	// History is the entity's level changes, oldest first (at most maxHistory).
	History []LevelChange `json:"history,omitempty"`

	uid string
}

// RuleResult is one rule's outcome for one entity.
type RuleResult struct {
	ID     string `json:"id"`
	Title  string `json:"title"`
	Level  string `json:"level"`
	Passed bool   `json:"passed"`
	// Reason says why a rule failed: its description, or the evaluation error.
	Reason string `json:"reason,omitempty"`
}

// LevelChange is a point of an entity's trend: the level it reached at a time.
type LevelChange struct {
	At    time.Time `json:"at"`
	Level string    `json:"level"`
}

// maxHistory bounds each entity's remembered level changes.
const maxHistory = 30

// entityInput is an entity decoded for the rules, and what results show of it.
type entityInput struct {
	m                                   map[string]any
	ref, title, owner, system, uid, key string
}

// decodeEntity decodes an entity as the catalog API returns it, making sure that the
// maps and lists rules commonly test are present (so that `"x" in
// entity.metadata.annotations` is false, not an error, on an entity without any).
func decodeEntity(key string, body []byte) (*entityInput, error) {
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, err
	}
	meta, _ := m["metadata"].(map[string]any)
	if meta == nil {
		meta = map[string]any{}
		m["metadata"] = meta
	}
	for _, k := range []string{"annotations", "labels"} {
		if _, ok := meta[k].(map[string]any); !ok {
			meta[k] = map[string]any{}
		}
	}
	for _, k := range []string{"tags", "links"} {
		if _, ok := meta[k].([]any); !ok {
			meta[k] = []any{}
		}
	}
	spec, _ := m["spec"].(map[string]any)
	if spec == nil {
		spec = map[string]any{}
		m["spec"] = spec
	}
	if _, ok := m["relations"].([]any); !ok {
		m["relations"] = []any{}
	}
	str := func(mm map[string]any, k string) string { s, _ := mm[k].(string); return s }
	in := &entityInput{m: m, key: key, uid: str(meta, "uid"), owner: str(spec, "owner"), system: str(spec, "system")}
	ns := str(meta, "namespace")
	if ns == "" {
		ns = "default"
	}
	in.ref = str(m, "kind") + ":" + ns + "/" + str(meta, "name")
	in.title = str(meta, "title")
	if in.title == "" {
		in.title = str(meta, "name")
	}
	return in, nil
}

// evaluate rates one entity on one scorecard.
func (cd *compiled) evaluate(in *entityInput, facts map[string]any, now time.Time) *Result {
	res := &Result{EntityRef: in.ref, Title: in.title, Owner: in.owner, System: in.system, EvaluatedAt: now, uid: in.uid,
		Rules: make([]RuleResult, len(cd.rules))}
	failedAt := len(cd.def.Levels) // the lowest level with a failing rule
	act := map[string]any{"entity": in.m, "facts": facts}
	for i, r := range cd.rules {
		rr := RuleResult{ID: r.ID, Title: r.Title, Level: r.Level}
		if rr.Title == "" {
			rr.Title = r.ID
		}
		out, _, err := r.prg.Eval(act)
		switch {
		case err != nil:
			rr.Reason = "could not be evaluated: " + evalError(err)
		case out == types.True:
			rr.Passed = true
		case out.Type() != types.BoolType:
			rr.Reason = "the expression gave " + out.Type().TypeName() + ", not a boolean"
		default:
			rr.Reason = r.Description
			if rr.Reason == "" {
				rr.Reason = "not true: " + r.Expression
			}
		}
		if !rr.Passed && cd.levelOf[i] < failedAt {
			failedAt = cd.levelOf[i]
		}
		res.Rules[i] = rr
	}
	if failedAt > 0 {
		res.Level = cd.def.Levels[failedAt-1].Name
	}
	return res
}

// evalError words an evaluation error for the entity card.
func evalError(err error) string {
	s := err.Error()
	if strings.Contains(s, "cost limit exceeded") {
		return "the rule went over the cost limit (scorecards.costLimit) and was stopped; make it do less work per entity"
	}
	if strings.HasPrefix(s, "no such key: ") {
		return "the entity has no " + strings.TrimPrefix(s, "no such key: ")
	}
	return s
}
