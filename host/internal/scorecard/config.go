package scorecard

import (
	"fmt"
	"regexp"
	"strings"

	"greenroom.dev/greenroom/host/internal/frontend/ui"
	"greenroom.dev/greenroom/host/internal/lifecycle"
	"greenroom.dev/greenroom/host/internal/units"
)

// Config is the `scorecards:` section of app-config.yaml: scorecards that rate catalog
// entities by rules, and the limits on the facts plugins publish for them.
//
//	scorecards:
//	  schedule: 1h
//	  definitions:
//	    - id: production-readiness
//	      title: Production readiness
//	      filter: [kind=component]
//	      levels:
//	        - {name: Bronze, color: "#cd7f32"}
//	        - {name: Silver, color: "#c0c0c0"}
//	        - {name: Gold, color: "#ffd700"}
//	      rules:
//	        - id: has-owner
//	          level: Bronze
//	          expression: entity.spec.owner != ""
type Config struct {
	// Schedule is how often every scorecard is evaluated again over every entity, and a
	// point of its trend recorded (entities and facts that change are evaluated again
	// as they change). Default 1h.
	Schedule units.Duration `yaml:"schedule"`
	// CostLimit bounds the work of one rule on one entity, in CEL cost units (about
	// one per value visited); a rule that goes over fails for that entity with a
	// reason that says so. Default 100000.
	CostLimit uint64 `yaml:"costLimit"`
	// Facts limits what plugins with the facts.write grant publish.
	Facts FactsConfig `yaml:"facts"`
	// Definitions are the scorecards.
	Definitions []Definition `yaml:"definitions"`
}

// FactsConfig limits the facts plugins publish (scorecards.facts).
type FactsConfig struct {
	// MaxPerCall is how many facts one facts_publish call may carry; a larger call is
	// refused whole. Default 1000.
	MaxPerCall int `yaml:"maxPerCall"`
	// PerMinute is how many facts one plugin may publish in a minute (a token bucket
	// that refills evenly); a call over it is refused whole. Default 20000.
	PerMinute int `yaml:"perMinute"`
	// MaxPerPlugin is how many facts (entity and name pairs) one plugin may hold; a
	// call that would hold more is refused whole. Default 200000.
	MaxPerPlugin int `yaml:"maxPerPlugin"`
}

// Definition is one scorecard.
type Definition struct {
	// ID names the scorecard in routes (/api/scorecards/<id>) and catalog filters
	// (scorecard.<id>.level): lower-case letters, digits and '-'.
	ID string `yaml:"id"`
	// Title is shown on the scorecards page and the entity card; default the id.
	Title string `yaml:"title"`
	// Description says what the scorecard measures.
	Description string `yaml:"description"`
	// Filter selects the entities the scorecard rates, in the catalog API's filter
	// grammar (each string a set of comma-separated conditions; any set matches).
	// Default [kind=component].
	Filter []string `yaml:"filter"`
	// Levels are the scorecard's levels, lowest first. An entity reaches a level when
	// it passes every rule of that level and of every level below it.
	Levels []Level `yaml:"levels"`
	// Rules are the checks, each of one level.
	Rules []Rule `yaml:"rules"`
}

// Level is one level of a scorecard.
type Level struct {
	// Name is the level's name (Bronze, Silver, Gold).
	Name string `yaml:"name" json:"name"`
	// Color is the level's colour on the pages: a CSS hex colour (#rgb or #rrggbb).
	Color string `yaml:"color" json:"color,omitempty"`
}

// Rule is one check of a scorecard.
type Rule struct {
	// ID names the rule in results: lower-case letters, digits and '-'.
	ID string `yaml:"id"`
	// Title is shown on the entity card; default the id.
	Title string `yaml:"title"`
	// Description explains a failing rule on the entity card: what to do to pass.
	Description string `yaml:"description"`
	// Level is the name of the level the rule belongs to.
	Level string `yaml:"level"`
	// Expression is a CEL expression that is true when the entity passes, over
	// `entity` (the entity as the catalog API returns it, with metadata.annotations,
	// labels, tags, spec and relations always present) and `facts` (a map of the
	// facts plugins published for the entity, by name: "ci.successRate30d" in facts
	// && facts["ci.successRate30d"] >= 0.9). For example
	// entity.spec.lifecycle != "production" || "pagerduty.com/service-id" in
	// entity.metadata.annotations.
	Expression string `yaml:"expression"`
}

// Defaults.
const (
	DefaultSchedule     = units.Duration(3_600_000_000_000)
	DefaultCostLimit    = 100_000
	DefaultMaxPerCall   = 1000
	DefaultPerMinute    = 20_000
	DefaultMaxPerPlugin = 200_000
)

// ApplyDefaults fills in the defaults of unset fields.
func (c *Config) ApplyDefaults() {
	if c.Schedule == 0 {
		c.Schedule = DefaultSchedule
	}
	if c.CostLimit == 0 {
		c.CostLimit = DefaultCostLimit
	}
	if c.Facts.MaxPerCall == 0 {
		c.Facts.MaxPerCall = DefaultMaxPerCall
	}
	if c.Facts.PerMinute == 0 {
		c.Facts.PerMinute = DefaultPerMinute
	}
	if c.Facts.MaxPerPlugin == 0 {
		c.Facts.MaxPerPlugin = DefaultMaxPerPlugin
	}
	for i := range c.Definitions {
		d := &c.Definitions[i]
		if len(d.Filter) == 0 {
			d.Filter = []string{"kind=component"}
		}
	}
}

var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// Validate checks the section after ApplyDefaults, compiling every rule: an
// expression that does not compile, or is not a boolean, is an error at its path that
// names the scorecard and the rule.
func (c *Config) Validate() []error {
	var errs []error
	if c.Schedule.D() < 1e9 {
		errs = append(errs, lifecycle.Errorf([]string{"schedule"}, "%s is under 1s", c.Schedule))
	}
	if c.CostLimit > 1e9 {
		errs = append(errs, lifecycle.Errorf([]string{"costLimit"}, "%d is over 1000000000", c.CostLimit))
	}
	for _, f := range []struct {
		key string
		v   int
	}{{"maxPerCall", c.Facts.MaxPerCall}, {"perMinute", c.Facts.PerMinute}, {"maxPerPlugin", c.Facts.MaxPerPlugin}} {
		if f.v < 1 {
			errs = append(errs, lifecycle.Errorf([]string{"facts", f.key}, "%d is under 1", f.v))
		}
	}
	env, err := newEnv()
	if err != nil {
		return append(errs, fmt.Errorf("scorecards: expression environment: %w", err))
	}
	ids := map[string]bool{}
	for i, d := range c.Definitions {
		at := func(p ...string) []string { return append([]string{"definitions", lifecycle.Index(i)}, p...) }
		if !idPattern.MatchString(d.ID) {
			errs = append(errs, lifecycle.Errorf(at("id"), "%q is not lower-case letters, digits and '-' (at most 63), such as production-readiness", d.ID))
		} else if ids[d.ID] {
			errs = append(errs, lifecycle.Errorf(at("id"), "scorecard %s is defined twice; give each an id of its own", d.ID))
		}
		ids[d.ID] = true
		if _, err := parseFilter(d.Filter); err != nil {
			errs = append(errs, lifecycle.Errorf(at("filter"), "scorecard %s: %v", d.ID, err))
		}
		if len(d.Levels) == 0 {
			errs = append(errs, lifecycle.Errorf(at("levels"), "scorecard %s has no levels; list them lowest first, such as [{name: Bronze}, {name: Silver}, {name: Gold}]", d.ID))
		}
		levels := map[string]bool{}
		for j, l := range d.Levels {
			if strings.TrimSpace(l.Name) == "" {
				errs = append(errs, lifecycle.Errorf(at("levels", lifecycle.Index(j), "name"), "scorecard %s: a level needs a name", d.ID))
			} else if levels[l.Name] {
				errs = append(errs, lifecycle.Errorf(at("levels", lifecycle.Index(j), "name"), "scorecard %s: level %s is listed twice", d.ID, l.Name))
			}
			levels[l.Name] = true
			if l.Color != "" && !ui.IsHexColor(l.Color) {
				errs = append(errs, lifecycle.Errorf(at("levels", lifecycle.Index(j), "color"), "scorecard %s, level %s: %q is not a CSS hex colour such as \"#ffd700\"", d.ID, l.Name, l.Color))
			}
		}
		rules := map[string]bool{}
		for j, r := range d.Rules {
			rat := func(k string) []string { return at("rules", lifecycle.Index(j), k) }
			if !idPattern.MatchString(r.ID) {
				errs = append(errs, lifecycle.Errorf(rat("id"), "scorecard %s: rule id %q is not lower-case letters, digits and '-' (at most 63), such as has-owner", d.ID, r.ID))
			} else if rules[r.ID] {
				errs = append(errs, lifecycle.Errorf(rat("id"), "scorecard %s: rule %s is defined twice", d.ID, r.ID))
			}
			rules[r.ID] = true
			if !levels[r.Level] {
				errs = append(errs, lifecycle.Errorf(rat("level"), "scorecard %s, rule %s: level %q is not one of the scorecard's levels (%s)", d.ID, r.ID, r.Level, levelNames(d.Levels)))
			}
			if _, err := compile(env, r.Expression); err != nil {
				errs = append(errs, lifecycle.Errorf(rat("expression"), "scorecard %s, rule %s: %v", d.ID, r.ID, err))
			}
		}
	}
	return errs
}

func levelNames(ls []Level) string {
	names := make([]string, len(ls))
	for i, l := range ls {
		names[i] = l.Name
	}
	return strings.Join(names, ", ")
}
