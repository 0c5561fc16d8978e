package scorecard

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
)

// What the store keeps, in the "scorecards" state bucket:
//
//	results/<scorecard>        each entity's level and level changes (its trend)
//	trend/<scorecard>/<nanos>  the count of entities at each level, at each scheduled evaluation
//	facts/<plugin>             the facts a plugin published
//
// Rule outcomes are not kept: they are evaluated again at start.

const (
	resultsPrefix = "results/"
	trendPrefix   = "trend/"
	// maxTrendPoints bounds each scorecard's trend.
	maxTrendPoints = 500
)

type keptResult struct {
	Level   string        `json:"l"`
	History []LevelChange `json:"h,omitempty"`
}

// loadResults reads the levels and histories kept, so that trends survive a restart.
func (e *Engine) loadResults() error {
	if e.opts.Store == nil {
		return nil
	}
	all, err := e.opts.Store.List(resultsPrefix)
	if err != nil {
		return err
	}
	for k, v := range all {
		var m map[string]keptResult
		if err := json.Unmarshal(v, &m); err != nil {
			return fmt.Errorf("%s: %w", k, err)
		}
		out := make(map[string]*Result, len(m))
		for key, r := range m {
			out[key] = &Result{Level: r.Level, History: r.History}
		}
		e.kept[strings.TrimPrefix(k, resultsPrefix)] = out
	}
	return nil
}

// save writes the results and facts that changed since they were last saved.
func (e *Engine) save() {
	if e.opts.Store == nil {
		return
	}
	e.mu.Lock()
	var out map[string][]byte
	if e.dirty {
		out = map[string][]byte{}
		for id, m := range e.results {
			kept := make(map[string]keptResult, len(m))
			for k, r := range m {
				kept[k] = keptResult{Level: r.Level, History: r.History}
			}
			b, err := json.Marshal(kept)
			if err != nil {
				e.log.Error("scorecards: encode results", "scorecard", id, "err", err)
				continue
			}
			out[id] = b
		}
		e.dirty = false
	}
	e.mu.Unlock()
	var errs []error
	for id, b := range out {
		if err := e.opts.Store.Put(resultsPrefix+id, b); err != nil {
			errs = append(errs, err)
		}
	}
	if err := e.facts.save(); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		e.log.Error("scorecards: save", "err", err)
	}
}

// TrendPoint is the count of entities at each level of a scorecard at one time.
type TrendPoint struct {
	At time.Time `json:"at"`
	// Levels counts the entities at each level; "" counts those below the lowest.
	Levels map[string]int `json:"levels"`
	Total  int            `json:"total"`
}

// snapshot records a point of every scorecard's trend, and forgets the oldest beyond
// maxTrendPoints.
func (e *Engine) snapshot() {
	now := e.opts.Now()
	e.mu.Lock()
	points := map[string]TrendPoint{}
	for _, cd := range e.cards {
		p := TrendPoint{At: now, Levels: map[string]int{}}
		for _, r := range e.results[cd.def.ID] {
			p.Levels[r.Level]++
			p.Total++
		}
		points[cd.def.ID] = p
	}
	e.mu.Unlock()
	if e.opts.Store == nil {
		e.mu.Lock()
		if e.memTrend == nil {
			e.memTrend = map[string][]TrendPoint{}
		}
		for id, p := range points {
			e.memTrend[id] = append(e.memTrend[id], p)
			if n := len(e.memTrend[id]); n > maxTrendPoints {
				e.memTrend[id] = e.memTrend[id][n-maxTrendPoints:]
			}
		}
		e.mu.Unlock()
		return
	}
	for id, p := range points {
		b, _ := json.Marshal(p)
		if err := e.opts.Store.Put(fmt.Sprintf("%s%s/%020d", trendPrefix, id, now.UnixNano()), b); err != nil {
			e.log.Error("scorecards: record trend", "scorecard", id, "err", err)
			continue
		}
		keys, _, err := e.trendPoints(id)
		if err != nil {
			continue
		}
		for _, k := range keys[:max(0, len(keys)-maxTrendPoints)] {
			_ = e.opts.Store.Delete(k)
		}
	}
}

// trendPoints lists a scorecard's stored trend points: their keys, oldest first, and
// the values by key.
func (e *Engine) trendPoints(id string) ([]string, map[string][]byte, error) {
	all, err := e.opts.Store.List(trendPrefix + id + "/")
	if err != nil {
		return nil, nil, err
	}
	keys := make([]string, 0, len(all))
	for k := range all {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys, all, nil
}

// Trend returns a scorecard's trend, oldest first.
func (e *Engine) Trend(id string) ([]TrendPoint, error) {
	if e.opts.Store == nil {
		e.mu.RLock()
		defer e.mu.RUnlock()
		return append([]TrendPoint{}, e.memTrend[id]...), nil
	}
	keys, all, err := e.trendPoints(id)
	if err != nil {
		return nil, err
	}
	out := make([]TrendPoint, 0, len(keys))
	for _, k := range keys {
		var p TrendPoint
		if json.Unmarshal(all[k], &p) == nil {
			out = append(out, p)
		}
	}
	return out, nil
}
