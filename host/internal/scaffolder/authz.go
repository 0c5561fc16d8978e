package scaffolder

import (
	"context"
	"encoding/json"
	"fmt"

	"greenroom.dev/greenroom/host/internal/identity"
	"greenroom.dev/greenroom/host/internal/permission"
)

// NotAllowedError answers 403.
type NotAllowedError struct{ Msg string }

func (e *NotAllowedError) Error() string { return e.Msg }

// allowed decides a basic scaffolder permission for the caller in ctx.
func (s *Scaffolder) allowed(ctx context.Context, perm permission.Permission) error {
	if s.decide == nil {
		return nil
	}
	p := identity.From(ctx)
	if d := s.decide(p, perm); d.Result != permission.Allow {
		return &NotAllowedError{fmt.Sprintf("%s may not do this (permission %s)", p.Name(), perm.Name)}
	}
	return nil
}

// mayExecute decides scaffolder.action.execute for the task's creator: ALLOW, or
// CONDITIONAL with HAS_ACTION_ID rules (allOf, anyOf, not) that match the action.
func (r *run) mayExecute(ctx context.Context, act *Action, input map[string]any) error {
	if r.decide == nil {
		return nil
	}
	d := r.decide(identity.From(ctx), permission.ScaffolderActionExecute)
	ok := d.Result == permission.Allow
	if d.Result == permission.Conditional && d.Conditions != nil {
		ok = matchAction(*d.Conditions, act.ID)
	}
	if ok {
		return nil
	}
	in, _ := json.Marshal(input)
	return fmt.Errorf("Unauthorized action: %s. The action is not allowed. Input: %s", act.ID, r.mask(string(in)))
}

func matchAction(c permission.Criteria, id string) bool {
	switch {
	case len(c.AllOf) > 0:
		for _, x := range c.AllOf {
			if !matchAction(x, id) {
				return false
			}
		}
		return true
	case len(c.AnyOf) > 0:
		for _, x := range c.AnyOf {
			if matchAction(x, id) {
				return true
			}
		}
		return false
	case c.Not != nil:
		return !matchAction(*c.Not, id)
	case c.Rule == permission.RuleHasActionID:
		var p struct {
			ActionID string `json:"actionId"`
		}
		_ = json.Unmarshal(c.Params, &p)
		return p.ActionID == id
	}
	// Rules on the action's input are not evaluated: not allowed.
	return false
}
