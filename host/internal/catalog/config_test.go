package catalog

import (
	"errors"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
	"greenroom.dev/greenroom/host/internal/lifecycle"
)

func decodeConfig(t *testing.T, src string) (Config, error) {
	t.Helper()
	var c Config
	dec := yaml.NewDecoder(strings.NewReader(src))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil {
		return c, err
	}
	if errs := c.Validate(); len(errs) > 0 {
		// The config loader places the section's paths under "catalog".
		return c, lifecycle.Under([]string{"catalog"}, errors.Join(errs...))
	}
	return c, nil
}

func TestConfigDecode(t *testing.T) {
	c, err := decodeConfig(t, `
locations:
  - type: file
    target: ./examples/catalog/all.yaml
    rules:
      - allow: [User, Group]
rules:
  - allow: [Component, API]
orphanStrategy: keep
processingInterval: { minutes: 5, seconds: 30 }
`)
	if err != nil {
		t.Fatal(err)
	}
	if c.Interval() != 5*time.Minute+30*time.Second || c.OrphanStrategy != "keep" || len(c.Locations[0].Rules[0].Allow) != 2 {
		t.Fatalf("%+v", c)
	}
	a := c.allowed()
	if !a["component"] || !a["api"] || a["location"] {
		t.Fatalf("allowed %v", a)
	}
	c, err = decodeConfig(t, "processingInterval: 90s\n")
	if err != nil || c.Interval() != 90*time.Second {
		t.Fatalf("%v %v", c.Interval(), err)
	}
	c, _ = decodeConfig(t, "{}\n")
	if c.Interval() != DefaultProcessingInterval || !c.allowed()["location"] {
		t.Fatal("defaults")
	}
	c, _ = decodeConfig(t, "rules: []\n")
	if len(c.allowed()) != 0 {
		t.Fatal("rules: [] must allow nothing")
	}
}

func TestConfigErrors(t *testing.T) {
	cases := []struct{ src, want string }{
		// Durations are units.Duration; the config loader adds the file and YAML path.
		{"processingInterval: soon\n", `line 1: "soon" is not a duration like 500ms, 5s or 10m (or an object such as {minutes: 5})`},
		{"processingInterval: { fortnights: 1 }\n", `unknown unit "fortnights"`},
		{"processingInterval: { minutes: x }\n", `minutes: "x" is not a non-negative number`},
		{"processingInterval: [1]\n", "want a duration like 5s, or an object"},
		{"orphanStrategy: purge\n", `catalog.orphanStrategy: "purge" is not supported; use "delete" (the default) or "keep"`},
		{"locations: [{type: git, target: x}]\n", `catalog.locations[0].type: "git" is not supported; use "file" or "url"`},
		{"locations: [{type: url, target: ''}]\n", "catalog.locations[0].target: must not be empty"},
		{"rules: [{allow: ['']}]\n", "catalog.rules[0].allow: empty kind"},
		{"locations: [{type: file, target: a, rules: [{allow: [' ']}]}]\n", "catalog.locations[0].rules[0].allow: empty kind"},
		{"bogus: 1\n", "field bogus not found"},
	}
	for _, c := range cases {
		_, err := decodeConfig(t, c.src)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: err = %v, want %q", c.src, err, c.want)
		}
	}
}
