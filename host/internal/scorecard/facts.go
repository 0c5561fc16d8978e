package scorecard

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"
)

// Fact is one value a plugin publishes about one entity: a number, a string or a
// boolean (nil removes the fact).
type Fact struct {
	// Entity is the entity's lower-cased ref, "kind:namespace/name".
	Entity string
	Name   string
	Value  any
}

// Errors of Publish.
var (
	// ErrFlood is a call over scorecards.facts.perMinute or maxPerCall.
	ErrFlood = errors.New("facts: over the rate limit")
	// ErrTooMany is a call that would leave the plugin more than maxPerPlugin facts.
	ErrTooMany = errors.New("facts: over the plugin's quota")
	// ErrBadFact is a fact with a bad name or value.
	ErrBadFact = errors.New("facts: bad fact")
)

var factName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9._-]{0,63}$`)

// facts holds every plugin's facts by entity, and each plugin's token bucket.
type facts struct {
	store StateBucket
	now   func() time.Time

	mu      sync.RWMutex
	limits  FactsConfig
	by      map[string]map[string]map[string]any // plugin -> entity key -> name -> value
	buckets map[string]*bucket
	dirty   map[string]bool // plugins whose facts changed since saved
}

type bucket struct {
	tokens float64
	at     time.Time
}

func newFacts(l FactsConfig, st StateBucket, now func() time.Time) *facts {
	return &facts{store: st, now: now, limits: l, by: map[string]map[string]map[string]any{},
		buckets: map[string]*bucket{}, dirty: map[string]bool{}}
}

func (f *facts) setLimits(l FactsConfig) {
	f.mu.Lock()
	f.limits = l
	f.mu.Unlock()
}

// of returns the facts of one entity, merged over the plugins in id order (a later id
// wins a name two plugins publish). Nil when there are none.
func (f *facts) of(key string) map[string]any {
	f.mu.RLock()
	defer f.mu.RUnlock()
	var out map[string]any
	plugins := make([]string, 0, len(f.by))
	for p := range f.by {
		plugins = append(plugins, p)
	}
	sort.Strings(plugins)
	for _, p := range plugins {
		for n, v := range f.by[p][key] {
			if out == nil {
				out = map[string]any{}
			}
			out[n] = v
		}
	}
	if out == nil {
		return map[string]any{}
	}
	return out
}

// Published is one fact as the API shows it, with the plugin that published it.
type Published struct {
	Name   string `json:"name"`
	Value  any    `json:"value"`
	Plugin string `json:"plugin"`
}

// list returns the facts of one entity with their plugins, by name.
func (f *facts) list(key string) []Published {
	f.mu.RLock()
	defer f.mu.RUnlock()
	var out []Published
	for p, ents := range f.by {
		for n, v := range ents[key] {
			out = append(out, Published{Name: n, Value: v, Plugin: p})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		return out[i].Plugin < out[j].Plugin
	})
	return out
}

// checkFact checks one fact's name and value; numbers become float64.
func checkFact(x *Fact) error {
	if !factName.MatchString(x.Name) {
		return fmt.Errorf("%w: name %q is not a letter followed by letters, digits, '.', '_' or '-' (at most 64)", ErrBadFact, x.Name)
	}
	switch v := x.Value.(type) {
	case nil, string, bool, float64:
	case json.Number:
		n, err := v.Float64()
		if err != nil {
			return fmt.Errorf("%w: %s: %v", ErrBadFact, x.Name, err)
		}
		x.Value = n
	case int:
		x.Value = float64(v)
	default:
		return fmt.Errorf("%w: %s: the value is a %T; a fact is a number, a string or a boolean (null removes it)", ErrBadFact, x.Name, v)
	}
	if s, ok := x.Value.(string); ok && len(s) > 1024 {
		return fmt.Errorf("%w: %s: the value is over 1024 bytes", ErrBadFact, x.Name)
	}
	return nil
}

// publish applies one plugin's facts, all or none, and returns the entity keys whose
// facts changed.
func (f *facts) publish(plugin string, list []Fact) ([]string, error) {
	for i := range list {
		if err := checkFact(&list[i]); err != nil {
			return nil, fmt.Errorf("facts[%d] (%s): %w", i, list[i].Entity, err)
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(list) > f.limits.MaxPerCall {
		return nil, fmt.Errorf("%w: %d facts in one call, over scorecards.facts.maxPerCall (%d); send them in smaller calls", ErrFlood, len(list), f.limits.MaxPerCall)
	}
	now := f.now()
	b := f.buckets[plugin]
	if b == nil {
		b = &bucket{tokens: float64(f.limits.PerMinute), at: now}
		f.buckets[plugin] = b
	}
	b.tokens = min(float64(f.limits.PerMinute), b.tokens+now.Sub(b.at).Minutes()*float64(f.limits.PerMinute))
	b.at = now
	if float64(len(list)) > b.tokens {
		return nil, fmt.Errorf("%w: plugin %s published more than scorecards.facts.perMinute (%d) facts in the last minute; this call of %d is refused, publish only facts that changed or raise the limit", ErrFlood, plugin, f.limits.PerMinute, len(list))
	}
	ents := f.by[plugin]
	count := 0
	for _, m := range ents {
		count += len(m)
	}
	// Count what the call would leave, without changing anything yet.
	added := map[string]bool{}
	for _, x := range list {
		_, had := ents[x.Entity][x.Name]
		id := x.Entity + "\x00" + x.Name
		switch {
		case x.Value == nil && had && !added[id]:
			count--
			added[id] = true
		case x.Value != nil && !had && !added[id]:
			count++
			added[id] = true
		}
	}
	if count > f.limits.MaxPerPlugin {
		return nil, fmt.Errorf("%w: plugin %s would hold %d facts, over scorecards.facts.maxPerPlugin (%d); remove facts (publish null) or raise the limit", ErrTooMany, plugin, count, f.limits.MaxPerPlugin)
	}
	b.tokens -= float64(len(list))
	if ents == nil {
		ents = map[string]map[string]any{}
		f.by[plugin] = ents
	}
	changed := map[string]bool{}
	for _, x := range list {
		m := ents[x.Entity]
		if x.Value == nil {
			if _, ok := m[x.Name]; ok {
				delete(m, x.Name)
				changed[x.Entity] = true
				if len(m) == 0 {
					delete(ents, x.Entity)
				}
			}
			continue
		}
		if m == nil {
			m = map[string]any{}
			ents[x.Entity] = m
		}
		if old, ok := m[x.Name]; !ok || old != x.Value {
			m[x.Name] = x.Value
			changed[x.Entity] = true
		}
	}
	keys := make([]string, 0, len(changed))
	for k := range changed {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if len(keys) > 0 {
		f.dirty[plugin] = true
	}
	return keys, nil
}

// Publish applies one plugin's facts (all or none) and queues the entities whose facts
// changed for evaluation. The caller has checked that the plugin may see each entity.
// Errors wrap ErrFlood, ErrTooMany or ErrBadFact.
func (e *Engine) Publish(plugin string, list []Fact) (changed int, err error) {
	for i := range list {
		list[i].Entity = strings.ToLower(list[i].Entity)
	}
	keys, err := e.facts.publish(plugin, list)
	if err != nil {
		return 0, err
	}
	if len(keys) > 0 {
		e.factsChanged(keys)
	}
	return len(keys), nil
}

// Facts returns the facts published for an entity (lower-cased ref).
func (e *Engine) Facts(key string) []Published { return e.facts.list(strings.ToLower(key)) }

const factsPrefix = "facts/"

func (f *facts) load() error {
	if f.store == nil {
		return nil
	}
	all, err := f.store.List(factsPrefix)
	if err != nil {
		return err
	}
	for k, v := range all {
		var m map[string]map[string]any
		if err := json.Unmarshal(v, &m); err != nil {
			return fmt.Errorf("%s: %w", k, err)
		}
		f.by[strings.TrimPrefix(k, factsPrefix)] = m
	}
	return nil
}

// save writes the facts of the plugins whose facts changed.
func (f *facts) save() error {
	if f.store == nil {
		return nil
	}
	f.mu.Lock()
	out := map[string][]byte{}
	for p := range f.dirty {
		b, err := json.Marshal(f.by[p])
		if err != nil {
			f.mu.Unlock()
			return err
		}
		out[p] = b
	}
	f.dirty = map[string]bool{}
	f.mu.Unlock()
	var errs []error
	for p, b := range out {
		if err := f.store.Put(factsPrefix+p, b); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
