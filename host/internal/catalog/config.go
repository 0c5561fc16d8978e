package catalog

import (
	"fmt"
	"strings"
	"time"

	"greenroom.dev/greenroom/host/internal/lifecycle"
	"greenroom.dev/greenroom/host/internal/units"
)

// Config is the `catalog:` section of app-config.yaml. Keys keep Backstage's meaning.
type Config struct {
	// Locations are read at start-up and on every processing interval. Each is a
	// catalog file (often a Location entity that lists further files).
	//
	//	locations:
	//	  - type: file                # a path, relative to the config file that sets it
	//	    target: ./examples/catalog/all.yaml
	//	  - type: url                 # an http(s) URL, read through the URL readers
	//	    target: https://example.com/catalog-info.yaml
	//	    rules:
	//	      - allow: [User, Group]  # kinds this location may add, besides catalog.rules
	Locations []LocationConfig `yaml:"locations"`

	// Rules list the entity kinds that locations may add. When absent the default is
	// Component, API and Location, as in Backstage; when present it replaces the
	// default, so `rules: []` allows nothing but what per-location rules allow.
	//
	//	rules:
	//	  - allow: [Component, System, API, Resource, Location, Template, Group, User, Domain]
	Rules *[]Rule `yaml:"rules"`

	// OrphanStrategy decides what happens to an entity that its location no longer
	// emits: "delete" (the default) removes it, "keep" keeps it with the annotation
	// backstage.io/orphan: "true".
	OrphanStrategy string `yaml:"orphanStrategy"`

	// ProcessingInterval is how often every location is read again (with ETags, so an
	// unchanged source costs one conditional read). Either a duration string ("5m",
	// "90s") or Backstage's object form ({ minutes: 5 }, keys years..milliseconds).
	// Default: 2 minutes. 0 disables background refresh.
	ProcessingInterval *units.Duration `yaml:"processingInterval"`

	// Readonly, when true, refuses POST/DELETE /locations (403), as in Backstage.
	Readonly bool `yaml:"readonly"`

	// Kinds declares custom kinds of entity (blueprints), each with a JSON Schema for
	// its spec, the spec fields that reference other entities and the relations they
	// produce, and how the portal shows it; see KindConfig. A declared kind is allowed
	// in every location. Changing this list is a config reload, not a restart.
	Kinds []KindConfig `yaml:"kinds"`
}

// LocationConfig is one entry of catalog.locations.
type LocationConfig struct {
	// Type is "file" or "url".
	Type string `yaml:"type"`
	// Target is a file path (relative to the directory of the config file that sets it)
	// or a URL.
	Target string `yaml:"target"`
	// Rules allow extra kinds for entities read from exactly this location.
	Rules []Rule `yaml:"rules"`
}

// Rule is one allow-list entry.
type Rule struct {
	// Allow lists entity kinds, case-insensitively (for example [Component, API]).
	Allow []string `yaml:"allow"`
}

// DefaultProcessingInterval is used when catalog.processingInterval is absent.
const DefaultProcessingInterval = 2 * time.Minute

// Validate checks the config; errors name the YAML path and the fix.
func (c *Config) Validate() []error {
	var errs []error
	at := func(format string, args ...any) func(path ...string) {
		return func(path ...string) { errs = append(errs, lifecycle.Errorf(path, format, args...)) }
	}
	for i, l := range c.Locations {
		loc := []string{"locations", lifecycle.Index(i)}
		switch l.Type {
		case "file", "url":
		default:
			at("%q is not supported; use \"file\" or \"url\"", l.Type)(append(loc, "type")...)
		}
		if strings.TrimSpace(l.Target) == "" {
			at("must not be empty; give a file path or URL")(append(loc, "target")...)
		}
		for j, r := range l.Rules {
			if err := checkKinds(r.Allow); err != nil {
				at("%v", err)(append(loc, "rules", lifecycle.Index(j), "allow")...)
			}
		}
	}
	if c.Rules != nil {
		for j, r := range *c.Rules {
			if err := checkKinds(r.Allow); err != nil {
				at("%v", err)("rules", lifecycle.Index(j), "allow")
			}
		}
	}
	_, kindErrs := compileKinds(c.Kinds)
	errs = append(errs, kindErrs...)
	switch c.OrphanStrategy {
	case "", "delete", "keep":
	default:
		at("%q is not supported; use \"delete\" (the default) or \"keep\"", c.OrphanStrategy)("orphanStrategy")
	}
	return errs
}

func checkKinds(kinds []string) error {
	for _, k := range kinds {
		if strings.TrimSpace(k) == "" {
			return fmt.Errorf("empty kind; list kind names such as Component or API")
		}
	}
	return nil
}

// Interval returns the effective processing interval.
func (c *Config) Interval() time.Duration {
	if c.ProcessingInterval == nil {
		return DefaultProcessingInterval
	}
	return c.ProcessingInterval.D()
}

// allowed returns the global allow-list (lower-cased kinds).
func (c *Config) allowed() map[string]bool {
	out := map[string]bool{}
	if c.Rules == nil {
		for _, k := range []string{"component", "api", "location"} {
			out[k] = true
		}
		return out
	}
	for _, r := range *c.Rules {
		for _, k := range r.Allow {
			out[strings.ToLower(k)] = true
		}
	}
	return out
}
