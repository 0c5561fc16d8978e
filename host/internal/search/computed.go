package search

import "strings"

// ComputedFilter answers a filters[<key>] of the query API for a key that another
// part of the host computes for catalog entities (scorecard.<id>.level): the
// lower-cased refs of the entities whose key has one of values. An error is the
// client's: a 400 InputError.
type ComputedFilter func(key string, values []string) (refs map[string]bool, err error)

// SetComputedFilter has filters whose keys start with prefix (lower-case, such as
// "scorecard.") answered by fn. Results are then the documents about the entities
// that meet it: of the types that stand for catalog entities, whose resourceRef is
// one of them. Call it before serving.
func (a *API) SetComputedFilter(prefix string, fn ComputedFilter) {
	if a.computed == nil {
		a.computed = map[string]ComputedFilter{}
	}
	a.computed[prefix] = fn
}

// applyComputed moves the computed filters of q into its Visible check and its types.
func (a *API) applyComputed(q *Query) error {
	var keep map[string]bool
	for key, values := range q.Filters {
		var fn ComputedFilter
		for p, f := range a.computed {
			if strings.HasPrefix(strings.ToLower(key), p) {
				fn = f
			}
		}
		if fn == nil {
			continue
		}
		refs, err := fn(strings.ToLower(key), values)
		if err != nil {
			return inputErrorf("Invalid filter %s: %v", key, err)
		}
		if keep == nil {
			keep = refs
		} else {
			for r := range keep {
				if !refs[r] {
					delete(keep, r)
				}
			}
		}
		delete(q.Filters, key)
	}
	if keep == nil {
		return nil
	}
	var types []string
	for _, t := range a.Engine.Types() {
		if t.CatalogRead && (len(q.Types) == 0 || contains(q.Types, t.Name)) {
			types = append(types, t.Name)
		}
	}
	if len(types) == 0 {
		types = []string{"\x00none"}
	}
	q.Types = types
	prev := q.Visible
	q.Visible = func(refs []string) []bool {
		out := make([]bool, len(refs))
		var was []bool
		if prev != nil {
			was = prev(refs)
		}
		for i, r := range refs {
			out[i] = keep[r] && (was == nil || was[i])
		}
		return out
	}
	return nil
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}
