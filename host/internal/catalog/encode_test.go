package catalog

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestAppendJSONStringMatchesEncoder(t *testing.T) {
	tests := []string{
		"", "plain", "component:default/Foo", `quote " and \ backslash`, "tab\tnew\nline\rcr",
		"\b\f\x00\x01\x1f\x7f", "<html> & 'x'", "héllo wörld", "\u2028 and \u2029", "bad \xff utf8 \xc3",
		"emoji 😀", "\u00e9\u0301",
	}
	for _, s := range tests {
		var b bytes.Buffer
		writeJSON(&b, s)
		if got := appendJSONString([]byte("x"), s); string(got) != "x"+b.String() {
			t.Errorf("appendJSONString(%q) = %s, want %s", s, got[1:], b.String())
		}
	}
}

// TestServedEntityMatchesStitch checks that the document plus relations written at
// serve time is what buildFinal stitches, and that projections from the document
// alone equal projections of the whole entity.
func TestServedEntityMatchesStitch(t *testing.T) {
	path := filepath.Join(t.TempDir(), "catalog-info.yaml")
	writeFile(t, path, `apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: a, tags: [x, y], annotations: {k: "v\u2028"}}
spec: {type: service, lifecycle: production, owner: team-a, system: s, dependsOn: ["component:b"]}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: b}
spec: {type: service, lifecycle: production, owner: team-a, dependencyOf: ["component:a"]}
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: team-a}
spec: {type: team, children: []}
`)
	rules := allKinds
	c := newTestCatalog(t, Config{Rules: &rules, Locations: []LocationConfig{{Type: "file", Target: path}}}, nil)
	if err := c.RefreshAll(context.Background()); err != nil {
		t.Fatal(err)
	}
	c.mu.RLock()
	e := c.ents["component:default/a"]
	served := c.entityJSON(e)
	rels := stitchRelations(append(ownToEdges(e.fwd), c.rels[e.key]...))
	want := buildFinal(e.bodyBytes(), rels, nil)
	doc := e.doc
	c.mu.RUnlock()
	if !bytes.Equal(served, want) {
		t.Fatalf("served\n%s\nwant\n%s", served, want)
	}
	if !json.Valid(served) {
		t.Fatalf("served entity is not JSON: %s", served)
	}
	for _, f := range []string{"metadata.name", "metadata", "spec.owner,kind", "metadata.etag,metadata.annotations", "nope"} {
		fields := ParseFields([]string{f})
		if needsTail(fields) {
			t.Fatalf("%s needs the tail", f)
		}
		var b bytes.Buffer
		projectTo(&b, doc, buildTree(fields))
		if got, want := b.String(), string(Project(served, fields)); got != want {
			t.Errorf("fields %s: from document %s, from entity %s", f, got, want)
		}
	}
	for _, f := range []string{"relations", "status.items", "metadata.name,relations.type"} {
		if !needsTail(ParseFields([]string{f})) {
			t.Errorf("%s does not need the tail", f)
		}
	}
	out, n, total := c.SelectJSON(nil, Selection{Filter: Filter{{{key: "kind", values: []string{"component"}}}}, Limit: -1}, ParseFields([]string{"metadata.name,relations"}))
	if n != 2 || total != 2 || !json.Valid(out) {
		t.Fatalf("SelectJSON: %d of %d: %s", n, total, out)
	}
}

func ownToEdges(own []ownEdge) []relEdge {
	out := make([]relEdge, len(own))
	for i, o := range own {
		out[i] = relEdge{target: o.target, typ: o.typ}
	}
	return out
}

func TestAppendJSONValueMatchesEncoder(t *testing.T) {
	tests := []any{
		nil, "s", "<&> \u2028 \x01", true, false, int64(-42), 7, 0.1, math.Copysign(0, -1), 1e20, 1e21, 1.5e21, 1e-6, 1e-7, -3.25e-9,
		123456789.0, 2.5e300, float64(1 << 53),
		map[string]any{}, map[string]any(nil), []any{}, []any(nil),
		map[string]any{"b": []any{int64(1), "x", nil, map[string]any{"z": 1.0, "a": false}}, "a": "é", "": 0.5, "A": nil},
		[]any{[]any{}, map[string]any{"k\"ey": "v\\al"}},
		json.Number("12.50"), []string{"fallback"},
	}
	for _, v := range tests {
		var b bytes.Buffer
		writeJSON(&b, v)
		if got := appendJSONValue([]byte("x"), v); string(got) != "x"+b.String() {
			t.Errorf("appendJSONValue(%#v) = %s, want %s", v, got[1:], b.String())
		}
	}
}

// The served form as stitching wrote it before relations moved to serve time: an
// encoder independent of appendRelationsTail and mergeRelations, kept as the oracle of
// TestServedEntityMatchesStitch.

type relOut struct {
	Type      string `json:"type"`
	TargetRef string `json:"targetRef"`
}

// buildFinal stitches the entity: body + relations + status, with a fresh etag.
func buildFinal(body []byte, rels []relOut, status []StatusItem) []byte {
	tail := appendTail(nil, rels, statusTail(status))
	doc := append([]byte(nil), body...)
	setEtag(doc, body, tail)
	return append(doc[:len(doc)-1], tail...)
}

// appendTail appends what the served entity has after its body: relations, the status
// tail and the closing brace.
func appendTail(dst []byte, rels []relOut, status []byte) []byte {
	dst = append(dst, `,"relations":[`...)
	for i, r := range rels {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"type":`...)
		dst = appendJSONString(dst, r.Type)
		dst = append(dst, `,"targetRef":`...)
		dst = appendJSONString(dst, r.TargetRef)
		dst = append(dst, '}')
	}
	dst = append(dst, ']')
	dst = append(dst, status...)
	return append(dst, '}')
}

// stitchRelations turns the relations whose source is the entity into its sorted,
// de-duplicated output list.
func stitchRelations(in []relEdge) []relOut {
	out := make([]relOut, 0, len(in))
	for _, r := range in {
		out = append(out, relOut{Type: relTab.Load().types[r.typ], TargetRef: r.target})
	}
	return sortRelations(out)
}

// sortRelations sorts relations by type, then target ref, and drops duplicates, in place.
func sortRelations(out []relOut) []relOut {
	slices.SortFunc(out, func(a, b relOut) int {
		if c := strings.Compare(a.Type, b.Type); c != 0 {
			return c
		}
		return strings.Compare(a.TargetRef, b.TargetRef)
	})
	return slices.Compact(out)
}
