package api

import (
	"sort"
	"strings"

	"greenroom.dev/greenroom/host/internal/catalog"
)

// ComputedFilter answers a filter condition on a key the catalog's entities do not
// hold, but another part of the host computes for them (scorecard.<id>.level): the
// metadata.uid of the entities whose key has one of values (any value when exists).
// An error is the client's: it becomes a 400 InputError.
type ComputedFilter func(key string, values []string, exists bool) (uids []string, err error)

// SetComputedFilter has filter conditions whose keys start with prefix (lower-case,
// such as "scorecard.") answered by fn, on every route that takes a filter. Call it
// before serving.
func (a *API) SetComputedFilter(prefix string, fn ComputedFilter) {
	if a.computed == nil {
		a.computed = map[string]ComputedFilter{}
	}
	a.computed[prefix] = fn
}

// noUID matches no entity: a computed condition no entity meets.
const noUID = "\x00none"

// rewriteFilters replaces the computed conditions of the filter parameters by
// metadata.uid conditions on the entities that meet them, set by set (a filter
// parameter's conditions are ANDed: the uids of one key are one OR-ed condition).
func (a *API) rewriteFilters(params []string) ([]string, error) {
	if len(a.computed) == 0 {
		return params, nil
	}
	var out []string
	for _, raw := range params {
		lower := strings.ToLower(raw)
		hit := false
		for p := range a.computed {
			hit = hit || strings.Contains(lower, p)
		}
		if !hit {
			out = append(out, raw)
			continue
		}
		type cond struct {
			values []string
			exists bool
		}
		conds := map[string]*cond{}
		var order []string
		var kept []string
		for _, stmt := range strings.Split(raw, ",") {
			key, value, hasValue := strings.Cut(stmt, "=")
			k := strings.ToLower(strings.TrimSpace(key))
			fn := a.computedFor(k)
			if fn == nil {
				kept = append(kept, stmt)
				continue
			}
			c := conds[k]
			if c == nil {
				c = &cond{}
				conds[k] = c
				order = append(order, k)
			}
			if hasValue {
				c.values = append(c.values, strings.TrimSpace(value))
			} else {
				c.exists = true
			}
		}
		if len(order) == 0 {
			out = append(out, raw)
			continue
		}
		if hasUID(kept) {
			return nil, &catalog.Error{Name: "InputError", Message: "Invalid filter, " + order[0] + " cannot be combined with metadata.uid in one filter"}
		}
		// The conditions of one set are ANDed: the entities that meet every computed
		// one, as one metadata.uid condition (a key repeated in a set matches any of
		// its values).
		var meet map[string]bool
		for _, k := range order {
			c := conds[k]
			uids, err := a.computedFor(k)(k, c.values, c.exists)
			if err != nil {
				return nil, &catalog.Error{Name: "InputError", Message: "Invalid filter, " + err.Error()}
			}
			next := make(map[string]bool, len(uids))
			for _, u := range uids {
				if meet == nil || meet[u] {
					next[u] = true
				}
			}
			meet = next
		}
		set := kept
		uids := make([]string, 0, len(meet))
		for u := range meet {
			uids = append(uids, u)
		}
		sort.Strings(uids)
		if len(uids) == 0 {
			uids = []string{noUID}
		}
		for _, u := range uids {
			set = append(set, "metadata.uid="+u)
		}
		out = append(out, strings.Join(set, ","))
	}
	return out, nil
}

func hasUID(set []string) bool {
	for _, s := range set {
		k, _, _ := strings.Cut(s, "=")
		if strings.EqualFold(strings.TrimSpace(k), "metadata.uid") {
			return true
		}
	}
	return false
}

func (a *API) computedFor(key string) ComputedFilter {
	for p, fn := range a.computed {
		if strings.HasPrefix(key, p) {
			return fn
		}
	}
	return nil
}
