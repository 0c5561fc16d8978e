package scorecard

import (
	"fmt"
	"sort"
	"strings"
)

// Summary describes one scorecard and how many entities stand at each level.
type Summary struct {
	ID          string         `json:"id"`
	Title       string         `json:"title"`
	Description string         `json:"description,omitempty"`
	Filter      []string       `json:"filter"`
	Levels      []Level        `json:"levels"`
	Rules       []RuleInfo     `json:"rules"`
	Counts      map[string]int `json:"counts"`
	Total       int            `json:"total"`
}

// RuleInfo describes one rule.
type RuleInfo struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
	Level       string `json:"level"`
	Expression  string `json:"expression"`
}

func (cd *compiled) summary(results map[string]*Result) Summary {
	d := cd.def
	s := Summary{ID: d.ID, Title: d.Title, Description: d.Description, Filter: d.Filter, Levels: d.Levels, Counts: map[string]int{}}
	if s.Title == "" {
		s.Title = d.ID
	}
	s.Counts[""] = 0
	for _, l := range d.Levels {
		s.Counts[l.Name] = 0
	}
	for _, r := range d.Rules {
		t := r.Title
		if t == "" {
			t = r.ID
		}
		s.Rules = append(s.Rules, RuleInfo{ID: r.ID, Title: t, Description: r.Description, Level: r.Level, Expression: r.Expression})
	}
	for _, r := range results {
		s.Counts[r.Level]++
		s.Total++
	}
	return s
}

// Scorecards returns every scorecard, in config order.
func (e *Engine) Scorecards() []Summary {
	e.mu.RLock()
	defer e.mu.RUnlock()
	out := make([]Summary, len(e.cards))
	for i, cd := range e.cards {
		out[i] = cd.summary(e.results[cd.def.ID])
	}
	return out
}

// Scorecard returns one scorecard; ok is false when there is none with that id.
func (e *Engine) Scorecard(id string) (Summary, bool) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	for _, cd := range e.cards {
		if cd.def.ID == id {
			return cd.summary(e.results[id]), true
		}
	}
	return Summary{}, false
}

// Query selects the results of one scorecard.
type Query struct {
	// Level keeps the entities at this level ("none" or "" for those below the lowest;
	// unset keeps all).
	Level *string
	// Owner and System keep the entities with this spec.owner or spec.system
	// (case-insensitive).
	Owner, System string
	// Rule and Failing keep the entities that fail (Failing) or pass this rule.
	Rule    string
	Failing bool
	// Visible, when set, keeps the results of the entities (lower-cased refs) it
	// reports true for: the caller's read permission.
	Visible func(keys []string) []bool
}

// Results returns the results of a scorecard that q selects, ordered by entity ref.
func (e *Engine) Results(id string, q Query) ([]*Result, bool) {
	e.mu.RLock()
	var cd *compiled
	for _, c := range e.cards {
		if c.def.ID == id {
			cd = c
		}
	}
	if cd == nil {
		e.mu.RUnlock()
		return nil, false
	}
	var keys []string
	var out []*Result
	for k, r := range e.results[id] {
		if q.Level != nil && !strings.EqualFold(r.Level, levelArg(*q.Level)) {
			continue
		}
		if q.Owner != "" && !strings.EqualFold(r.Owner, q.Owner) {
			continue
		}
		if q.System != "" && !strings.EqualFold(r.System, q.System) {
			continue
		}
		if q.Rule != "" && !ruleMatches(r, q.Rule, q.Failing) {
			continue
		}
		keys = append(keys, k)
		out = append(out, r)
	}
	e.mu.RUnlock()
	if q.Visible != nil {
		vis := q.Visible(keys)
		n := 0
		for i, r := range out {
			if vis[i] {
				out[n] = r
				n++
			}
		}
		out = out[:n]
	}
	sort.Slice(out, func(i, j int) bool { return out[i].EntityRef < out[j].EntityRef })
	return out, true
}

func levelArg(s string) string {
	if strings.EqualFold(s, "none") {
		return ""
	}
	return s
}

func ruleMatches(r *Result, rule string, failing bool) bool {
	for _, rr := range r.Rules {
		if rr.ID == rule {
			return rr.Passed != failing
		}
	}
	return false
}

// EntityResult is an entity's result on one scorecard, with the scorecard's levels.
type EntityResult struct {
	Scorecard      string  `json:"scorecard"`
	ScorecardTitle string  `json:"scorecardTitle"`
	Levels         []Level `json:"levels"`
	*Result
}

// Entity returns an entity's results on every scorecard that rates it.
func (e *Engine) Entity(key string) []EntityResult {
	key = strings.ToLower(key)
	e.mu.RLock()
	defer e.mu.RUnlock()
	var out []EntityResult
	for _, cd := range e.cards {
		if r := e.results[cd.def.ID][key]; r != nil {
			t := cd.def.Title
			if t == "" {
				t = cd.def.ID
			}
			out = append(out, EntityResult{Scorecard: cd.def.ID, ScorecardTitle: t, Levels: cd.def.Levels, Result: r})
		}
	}
	return out
}

// LevelUIDs returns the metadata.uid of the entities at a level of a scorecard ("none"
// or "" for below the lowest; nil level for every rated entity), for catalog filters.
// ok is false when there is no such scorecard.
func (e *Engine) LevelUIDs(id string, level *string) (uids []string, ok bool) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	m, found := e.results[id]
	if !found {
		for _, cd := range e.cards {
			found = found || cd.def.ID == id
		}
		if !found {
			return nil, false
		}
	}
	for _, r := range m {
		if r.uid != "" && (level == nil || strings.EqualFold(r.Level, levelArg(*level))) {
			uids = append(uids, r.uid)
		}
	}
	sort.Strings(uids)
	return uids, true
}

// CatalogFilterPrefix is the prefix of the catalog filter keys scorecards answer.
const CatalogFilterPrefix = "scorecard."

// CatalogFilter answers the catalog filter condition scorecard.<id>.level=<level>
// (several values: any of them; "none" for below the lowest level; no value: every
// entity the scorecard rates) with the uids of the entities that meet it.
func (e *Engine) CatalogFilter(key string, values []string, exists bool) ([]string, error) {
	rest := strings.TrimPrefix(strings.ToLower(key), CatalogFilterPrefix)
	id, field, ok := strings.Cut(rest, ".")
	if !ok || field != "level" {
		return nil, fmt.Errorf("%q is not a scorecard filter; write scorecard.<id>.level=<level>", key)
	}
	if exists {
		uids, ok := e.LevelUIDs(id, nil)
		if !ok {
			return nil, fmt.Errorf("there is no scorecard %q (in %s)", id, key)
		}
		return uids, nil
	}
	var out []string
	for _, v := range values {
		uids, ok := e.LevelUIDs(id, &v)
		if !ok {
			return nil, fmt.Errorf("there is no scorecard %q (in %s)", id, key)
		}
		out = append(out, uids...)
	}
	return out, nil
}

// SearchFilter answers the search filter filters[scorecard.<id>.level]=<level> (several
// values: any of them; "none" for below the lowest level) with the lower-cased refs of
// the entities that meet it.
func (e *Engine) SearchFilter(key string, values []string) (map[string]bool, error) {
	rest := strings.TrimPrefix(strings.ToLower(key), CatalogFilterPrefix)
	id, field, ok := strings.Cut(rest, ".")
	if !ok || field != "level" {
		return nil, fmt.Errorf("%q is not a scorecard filter; write scorecard.<id>.level", key)
	}
	e.mu.RLock()
	defer e.mu.RUnlock()
	m, found := e.results[id]
	for _, cd := range e.cards {
		found = found || cd.def.ID == id
	}
	if !found {
		return nil, fmt.Errorf("there is no scorecard %q", id)
	}
	out := map[string]bool{}
	for k, r := range m {
		for _, v := range values {
			if strings.EqualFold(r.Level, levelArg(v)) {
				out[k] = true
			}
		}
	}
	return out, nil
}
