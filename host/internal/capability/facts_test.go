package capability

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"greenroom.dev/greenroom/abi"
	"greenroom.dev/greenroom/host/internal/identity"
	"greenroom.dev/greenroom/host/internal/permission"
	"greenroom.dev/greenroom/host/internal/scorecard"
)

// TestFactsPublish: a plugin publishes facts about the entities its caller may read,
// of its grant's kinds; a fact about an entity the caller may not read (or that does
// not exist), of another kind, malformed, or in a flood is refused whole, naming the
// entity or the limit, and nothing of the call is kept.
func TestFactsPublish(t *testing.T) {
	s := services(t)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "policy.csv"), []byte(`
p, role:default/reader, catalog.entity.read, read, allow
g, group:default/team-a, role:default/reader
`), 0o644)
	os.WriteFile(filepath.Join(dir, "conditions.yaml"), []byte(`
result: CONDITIONAL
roleEntityRef: role:default/prod-reader
pluginId: catalog
resourceType: catalog-entity
permissionMapping: [read]
conditions:
  rule: HAS_SPEC
  resourceType: catalog-entity
  params: {key: lifecycle, value: production}
`), 0o644)
	pol, err := permission.NewEngine(permission.Config{Enabled: true, RBAC: permission.RBAC{
		PoliciesCSVFile: "policy.csv", ConditionalPoliciesFile: "conditions.yaml"}}, dir)
	if err != nil {
		t.Fatal(err)
	}
	s.Permissions = pol
	cfg := scorecard.Config{Facts: scorecard.FactsConfig{MaxPerCall: 3, PerMinute: 5}}
	cfg.ApplyDefaults()
	engine, err := scorecard.New(scorecard.Options{Config: cfg, Catalog: s.Catalog, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	s.Facts = engine
	funcs := link(t, NewHost(*s, nil), plugin(t, "facts.write: {kinds: [Component]}"))
	as := func(p identity.Principal) context.Context { return identity.With(context.Background(), p) }
	ada := as(identity.NewUser("user:default/ada", []string{"group:default/team-a"}))
	task := as(identity.NewService("plugin:p"))
	call := func(ctx context.Context, req string) (string, *abi.Error) {
		t.Helper()
		out, err := funcs["facts_publish"](ctx, []byte(req))
		if err != nil {
			return "", asABI(err).(*abi.Error)
		}
		return string(out), nil
	}
	if out, e := call(ada, `{"facts":[{"entityRef":"component:web","name":"ci.successRate30d","value":0.95},{"entityRef":"Component:default/api","name":"techdocs.hasDocs","value":true}]}`); e != nil || out != `{"changed":2}` {
		t.Fatalf("publish as a reader: %s %v", out, e)
	}
	if out, e := call(task, `{"facts":[{"entityRef":"component:default/web","name":"ci.successRate30d","value":0.9}]}`); e != nil || out != `{"changed":1}` {
		t.Fatalf("publish in the plugin's task: %s %v", out, e)
	}
	for _, tc := range []struct {
		name string
		ctx  context.Context
		req  string
		code abi.Code
		msg  string
	}{
		{"unknown entity", ada, `{"facts":[{"entityRef":"component:default/web","name":"x","value":1},{"entityRef":"component:default/nope","name":"x","value":1}]}`,
			abi.CodeCapabilityDenied, "may not publish facts about component:default/nope: there is no such entity, or its caller may not read it"},
		{"not readable", as(identity.NewUser("user:default/bob", nil)), `{"facts":[{"entityRef":"component:default/api","name":"x","value":1}]}`,
			abi.CodeCapabilityDenied, "component:default/api"},
		{"anonymous", context.Background(), `{"facts":[{"entityRef":"component:default/web","name":"x","value":1}]}`,
			abi.CodeCapabilityDenied, "component:default/web"},
		{"other kind", ada, `{"facts":[{"entityRef":"group:default/team-a","name":"x","value":1}]}`,
			abi.CodeCapabilityDenied, `its facts.write grant allows kinds Component (add the kind to plugins[0].grants["facts.write"].kinds)`},
		{"bad ref", ada, `{"facts":[{"entityRef":"web","name":"x","value":1}]}`, abi.CodeInvalidArgument, `entityRef "web"`},
		{"bad name", ada, `{"facts":[{"entityRef":"component:default/web","name":"1st","value":1}]}`, abi.CodeInvalidArgument, `name "1st"`},
		{"object value", ada, `{"facts":[{"entityRef":"component:default/web","name":"x","value":{"a":1}}]}`, abi.CodeInvalidArgument, "a number, a string or a boolean"},
		{"too many in a call", ada, `{"facts":[` + strings.TrimSuffix(strings.Repeat(`{"entityRef":"component:default/web","name":"x","value":1},`, 4), ",") + `]}`,
			abi.CodeTooLarge, "over scorecards.facts.maxPerCall (3)"},
		{"flood", ada, `{"facts":[{"entityRef":"component:default/web","name":"a","value":1},{"entityRef":"component:default/web","name":"b","value":1},{"entityRef":"component:default/web","name":"c","value":1}]}`,
			abi.CodeTooLarge, "more than scorecards.facts.perMinute (5)"},
	} {
		_, e := call(tc.ctx, tc.req)
		if e == nil || e.Code != tc.code || !strings.Contains(e.Message, tc.msg) {
			t.Errorf("%s: %v, want %s saying %q", tc.name, e, tc.code, tc.msg)
		}
	}
	got := map[string]any{}
	for _, f := range engine.Facts("component:default/web") {
		got[f.Name] = f.Value
	}
	if len(got) != 1 || got["ci.successRate30d"] != 0.9 {
		t.Errorf("web's facts after the refusals: %v, want only ci.successRate30d=0.9", got)
	}
}
