package model

import (
	"runtime"
	"strings"
	"testing"
)

func TestParseRef(t *testing.T) {
	cases := []struct {
		in      string
		ctx     RefContext
		want    string
		wantErr string
	}{
		{"component:default/x", RefContext{}, "component:default/x", ""},
		{"x", RefContext{DefaultKind: "Group", DefaultNamespace: "ns1"}, "group:ns1/x", ""},
		{"ns2/x", RefContext{DefaultKind: "Group"}, "group:ns2/x", ""},
		{"User:Default/Ada", RefContext{}, "user:default/Ada", ""},
		{"a/b:c", RefContext{DefaultKind: "Group"}, "group:a/b:c", ""},
		{"x", RefContext{}, "", `Entity reference "x" had missing or empty kind (e.g. did not start with "component:" or similar)`},
		{":x", RefContext{}, "", `Entity reference ":x" was not on the form [<kind>:][<namespace>/]<name>`},
		{"k:/x", RefContext{}, "", `was not on the form`},
		{"", RefContext{}, "", "Entity reference must not be empty"},
	}
	for _, c := range cases {
		r, err := ParseRef(c.in, c.ctx)
		if c.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("ParseRef(%q) err = %v, want %q", c.in, err, c.wantErr)
			}
			continue
		}
		if err != nil || r.String() != c.want {
			t.Errorf("ParseRef(%q) = %q, %v; want %q", c.in, r.String(), err, c.want)
		}
	}
}

func component() map[string]any {
	return map[string]any{
		"apiVersion": "backstage.io/v1alpha1", "kind": "Component",
		"metadata": map[string]any{"name": "svc", "namespace": "default"},
		"spec":     map[string]any{"type": "service", "lifecycle": "production", "owner": "team-a"},
	}
}

func TestValidateRules(t *testing.T) {
	cases := []struct {
		name    string
		mutate  func(e map[string]any)
		wantErr string
	}{
		{"valid", func(map[string]any) {}, ""},
		{"no apiVersion", func(e map[string]any) { delete(e, "apiVersion") }, "<root> must have required property 'apiVersion' - missingProperty: apiVersion"},
		{"no kind", func(e map[string]any) { delete(e, "kind") }, "<root> must have required property 'kind'"},
		{"no metadata", func(e map[string]any) { delete(e, "metadata") }, "<root> must have required property 'metadata'"},
		{"bad apiVersion", func(e map[string]any) { e["apiVersion"] = "a/b/c" }, `"apiVersion" is not valid; expected a valid prefix and/or suffix but found "a/b/c".`},
		{"bad kind", func(e map[string]any) { e["kind"] = "1Component" }, `"kind" is not valid; expected a string that is a sequence of [a-zA-Z][a-z0-9A-Z]`},
		{"no name", func(e map[string]any) { delete(e["metadata"].(map[string]any), "name") }, "metadata.name must have a value"},
		{"bad name", func(e map[string]any) { e["metadata"].(map[string]any)["name"] = "-bad" }, `"metadata.name" is not valid; expected a string that is sequences of [a-zA-Z0-9] separated by any of [-_.], at most 63 characters in total but found "-bad".`},
		{"long name", func(e map[string]any) { e["metadata"].(map[string]any)["name"] = strings.Repeat("a", 64) }, `"metadata.name" is not valid`},
		{"bad namespace", func(e map[string]any) { e["metadata"].(map[string]any)["namespace"] = "Upper" }, `"metadata.namespace" is not valid; expected a string that is sequences of [a-z0-9] separated by [-]`},
		{"bad label key", func(e map[string]any) { e["metadata"].(map[string]any)["labels"] = map[string]any{"a/b/c": "x"} }, `"labels.a/b/c" is not valid; expected a valid prefix and/or suffix`},
		{"bad label value", func(e map[string]any) { e["metadata"].(map[string]any)["labels"] = map[string]any{"k": "not ok"} }, `"labels.k" is not valid; expected a string that is sequences of [a-zA-Z0-9]`},
		{"bad annotation key", func(e map[string]any) { e["metadata"].(map[string]any)["annotations"] = map[string]any{"Bad_/x": "v"} }, `"annotations.Bad_/x" is not valid; expected a valid prefix and/or suffix`},
		{"bad annotation value", func(e map[string]any) { e["metadata"].(map[string]any)["annotations"] = map[string]any{"a": int64(1)} }, `"annotations.a" is not valid; expected a string`},
		{"bad tag", func(e map[string]any) { e["metadata"].(map[string]any)["tags"] = []any{"Java"} }, `"tags.0" is not valid; expected a string that is sequences of [a-z0-9+#] separated by [-]`},
		{"tags not array", func(e map[string]any) { e["metadata"].(map[string]any)["tags"] = "java" }, "/metadata/tags must be array"},
		{"link without url", func(e map[string]any) { e["metadata"].(map[string]any)["links"] = []any{map[string]any{"title": "x"}} }, "/metadata/links/0 must have required property 'url'"},
		{"bad link url", func(e map[string]any) { e["metadata"].(map[string]any)["links"] = []any{map[string]any{"url": "nope"}} }, `"links.0.url" is not valid; expected a string that is a valid url`},
		{"empty link title", func(e map[string]any) {
			e["metadata"].(map[string]any)["links"] = []any{map[string]any{"url": "https://x", "title": ""}}
		}, `"links.0.title" is not valid; expected a non empty string`},
		{"no spec", func(e map[string]any) { delete(e, "spec") }, "<root> must have required property 'spec'"},
		{"no lifecycle", func(e map[string]any) { delete(e["spec"].(map[string]any), "lifecycle") }, "/spec must have required property 'lifecycle' - missingProperty: lifecycle"},
		{"empty owner", func(e map[string]any) { e["spec"].(map[string]any)["owner"] = "" }, "/spec/owner must NOT have fewer than 1 characters"},
		{"type not string", func(e map[string]any) { e["spec"].(map[string]any)["type"] = int64(3) }, "/spec/type must be string"},
		{"providesApis not array", func(e map[string]any) { e["spec"].(map[string]any)["providesApis"] = "x" }, "/spec/providesApis must be array"},
		{"unknown kind", func(e map[string]any) { e["kind"] = "Widget" }, "No processor recognized the entity widget:default/svc as valid"},
		{"wrong apiVersion", func(e map[string]any) { e["apiVersion"] = "backstage.io/v2" }, "possibly caused by a foreign kind or apiVersion"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := component()
			c.mutate(e)
			errs := Validate(e)
			if c.wantErr == "" {
				if len(errs) > 0 {
					t.Fatalf("unexpected errors: %v", errs)
				}
				return
			}
			for _, err := range errs {
				if strings.Contains(err.Error(), c.wantErr) {
					return
				}
			}
			t.Fatalf("errors %v do not contain %q", errs, c.wantErr)
		})
	}
}

func TestValidateReportsEveryBrokenRule(t *testing.T) {
	e := component()
	e["metadata"].(map[string]any)["name"] = "bad name"
	e["metadata"].(map[string]any)["tags"] = []any{"OK", "fine", "Nope"}
	errs := Validate(e)
	if len(errs) != 3 {
		t.Fatalf("got %d errors, want 3 (name, tags.0, tags.2): %v", len(errs), errs)
	}
}

func TestKindSpecs(t *testing.T) {
	kinds := map[string]map[string]any{
		"API":      {"type": "openapi", "lifecycle": "production", "owner": "a"},
		"Resource": {"type": "database", "owner": "a"},
		"System":   {"owner": "a"},
		"Domain":   {"owner": "a"},
		"Group":    {"type": "team", "children": []any{}},
		"User":     {"memberOf": []any{}},
		"Location": {"targets": []any{"./a.yaml"}},
	}
	required := map[string]string{"API": "definition", "Resource": "", "System": "", "Domain": "", "Group": "", "User": "", "Location": ""}
	for kind, spec := range kinds {
		e := map[string]any{"apiVersion": "backstage.io/v1alpha1", "kind": kind, "metadata": map[string]any{"name": "x"}, "spec": spec}
		errs := Validate(e)
		if want := required[kind]; want != "" {
			if len(errs) != 1 || !strings.Contains(errs[0].Error(), "'"+want+"'") {
				t.Errorf("%s: errors %v, want missing %s", kind, errs, want)
			}
		} else if len(errs) > 0 {
			t.Errorf("%s: unexpected %v", kind, errs)
		}
	}
	tpl := map[string]any{"apiVersion": "scaffolder.backstage.io/v1beta3", "kind": "Template", "metadata": map[string]any{"name": "t"},
		"spec": map[string]any{"type": "service", "steps": []any{map[string]any{"id": "a"}}}}
	errs := Validate(tpl)
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "/spec/steps/0 must have required property 'action'") {
		t.Errorf("template: %v", errs)
	}
	loc := map[string]any{"apiVersion": "backstage.io/v1alpha1", "kind": "Location", "metadata": map[string]any{"name": "l"}, "spec": map[string]any{"presence": "maybe"}}
	if errs := Validate(loc); len(errs) != 1 || !strings.Contains(errs[0].Error(), "allowed values") {
		t.Errorf("location presence: %v", errs)
	}
}

func TestRelationsBothDirections(t *testing.T) {
	e := component()
	spec := e["spec"].(map[string]any)
	spec["system"] = "shop"
	spec["providesApis"] = []any{"orders"}
	spec["consumesApis"] = []any{"other/payments"}
	spec["dependsOn"] = []any{"resource:db"}
	spec["subcomponentOf"] = "parent"
	rels, errs := Relations(e)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	want := map[string]bool{
		"component:default/svc ownedBy group:default/team-a":     true,
		"group:default/team-a ownerOf component:default/svc":     true,
		"component:default/svc partOf system:default/shop":       true,
		"system:default/shop hasPart component:default/svc":      true,
		"component:default/svc providesApi api:default/orders":   true,
		"api:default/orders apiProvidedBy component:default/svc": true,
		"component:default/svc consumesApi api:other/payments":   true,
		"api:other/payments apiConsumedBy component:default/svc": true,
		"component:default/svc dependsOn resource:default/db":    true,
		"resource:default/db dependencyOf component:default/svc": true,
		"component:default/svc partOf component:default/parent":  true,
		"component:default/parent hasPart component:default/svc": true,
	}
	if len(rels) != len(want) {
		t.Fatalf("got %d relations, want %d: %v", len(rels), len(want), rels)
	}
	for _, r := range rels {
		if !want[r.Source+" "+r.Type+" "+r.Target] {
			t.Errorf("unexpected %v", r)
		}
	}
	group := map[string]any{"apiVersion": "backstage.io/v1alpha1", "kind": "Group", "metadata": map[string]any{"name": "g", "namespace": "org"},
		"spec": map[string]any{"type": "team", "parent": "root", "children": []any{"kid"}, "members": []any{"ada"}}}
	rels, _ = Relations(group)
	got := map[string]bool{}
	for _, r := range rels {
		got[r.Source+" "+r.Type+" "+r.Target] = true
	}
	for _, w := range []string{"group:org/g childOf group:org/root", "group:org/root parentOf group:org/g",
		"group:org/g parentOf group:org/kid", "group:org/kid childOf group:org/g",
		"group:org/g hasMember user:org/ada", "user:org/ada memberOf group:org/g"} {
		if !got[w] {
			t.Errorf("missing %s in %v", w, rels)
		}
	}
}

func TestBrokenRefs(t *testing.T) {
	e := component()
	e["spec"].(map[string]any)["dependsOn"] = []any{"db"} // dependsOn has no default kind
	_, errs := Relations(e)
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), `spec.dependsOn: Entity reference "db" had missing or empty kind`) {
		t.Fatalf("errors = %v", errs)
	}
	e["spec"].(map[string]any)["dependsOn"] = []any{"resource:/db"}
	_, errs = Relations(e)
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "was not on the form") {
		t.Fatalf("errors = %v", errs)
	}
}

func TestParseYAMLSyntaxErrorNamesFileAndLine(t *testing.T) {
	_, err := ParseYAML("cat.yaml", []byte("apiVersion: v1\nkind: Component\nmetadata:\n  name: [oops\n"))
	if err == nil || !strings.Contains(err.Error(), "cat.yaml: line") {
		t.Fatalf("err = %v", err)
	}
}

// TestParseYAMLSyntaxErrorLine: a syntax error names the line where the problem is.
// yaml.v3 alone names the line where the enclosing block starts, counted from 0, so a
// wrong indentation in a file that starts with a comment or "---" came out as line 1.
func TestParseYAMLSyntaxErrorLine(t *testing.T) {
	const entity = "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: a\nspec:\n  type: service\n  lifecycle: production\n"
	tests := []struct {
		name, yaml, want string
	}{
		{"key less indented", entity + " owner: team-a\n", "line 8: did not find expected key"},
		{"after ---", "---\n" + entity + " owner: team-a\n", "line 9: did not find expected key"},
		{"after a comment", "# the web site\n" + entity + " owner: team-a\n", "line 9: did not find expected key"},
		{"in a nested mapping", "apiVersion: v1\nkind: Component\nmetadata:\n  name: a\n description: x\nspec: {}\n", "line 5: did not find expected key"},
		{"sequence item less indented", entity + "  owner: team-a\n  dependsOn:\n    - component:b\n   - component:c\n", "line 11: did not find expected key"},
		{"sequence item at the key's column", "# c\n" + entity + "  owner: team-a\n  dependsOn:\n  - component:b\n - component:c\n", "line 12: did not find expected key"},
		{"in the second document", entity + "---\n" + entity + " owner: x\n", "line 16: did not find expected key"},
		{"key more indented", entity + "    owner: team-a\n", "line 8: mapping values are not allowed in this context"},
		{"tab", "a: b\n\t- c\n", "line 2: found a tab character that violates indentation"},
		{"after a block scalar", "a: |\n  text\n  more\nb:\n  c: d\n e: f\n", "line 6: did not find expected key"},
		{"after a flow sequence over lines", "a:\n  tags: [x,\n    y]\n  b: c\n d: e\n", "line 5: did not find expected key"},
		{"sequence then mapping", "- a\nb: c\n", "line 2: did not find expected '-' indicator"},
		{"unclosed flow sequence", "apiVersion: v1\nkind: Component\nmetadata:\n  name: [x\n", "line 4: did not find expected ',' or ']'"},
		{"unterminated quote", "a: b\nc: 'text\nd: e\n", "line 2: found unexpected end of stream"},
		{"crlf", "a: b\r\nc:\r\n  d: e\r\n f: g\r\n", "line 4: did not find expected key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseYAML("cat.yaml", []byte(tt.yaml))
			if err == nil || err.Error() != "cat.yaml: "+tt.want {
				t.Fatalf("err = %v, want cat.yaml: %s", err, tt.want)
			}
		})
	}
}

func TestParseYAMLMultiDocAndLines(t *testing.T) {
	docs, err := ParseYAML("f.yaml", []byte("a: 1\n---\n---\nb: true\n---\n- list\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) != 3 {
		t.Fatalf("docs = %d", len(docs))
	}
	if docs[0].Entity["a"] != int64(1) || docs[1].Entity["b"] != true || docs[1].Line != 4 {
		t.Fatalf("docs = %+v", docs)
	}
	if docs[2].Err == nil || !strings.Contains(docs[2].Err.Error(), "f.yaml: line 6: expected an entity (a YAML mapping) but found a list") {
		t.Fatalf("doc 3 err = %v", docs[2].Err)
	}
}

func TestParseYAMLAliasBombIsRefusedFast(t *testing.T) {
	bomb := `a: &a ["x","x","x","x","x","x","x","x","x"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
`
	// Expanded, the bomb is 9^9 (387 million) strings. Refusing it must cost a bounded,
	// small amount of work; allocation is the measure, since a wall-clock limit would
	// flake on a loaded machine.
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	docs, err := ParseYAML("bomb.yaml", []byte(bomb))
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) != 1 || docs[0].Err == nil || !strings.Contains(docs[0].Err.Error(), "excessive aliasing") {
		t.Fatalf("docs = %+v", docs)
	}
	t.Logf("allocated %d KB", (after.TotalAlloc-before.TotalAlloc)>>10)
	if n := after.TotalAlloc - before.TotalAlloc; n > 64<<20 {
		t.Fatalf("refusing the bomb allocated %d MB; it must stay bounded", n>>20)
	}
}
