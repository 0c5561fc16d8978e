package catalog

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"greenroom.dev/greenroom/host/internal/catalog/gen"
)

func TestExprConstructors(t *testing.T) {
	a, b, c := Equals("Kind", "Component"), Exists("Metadata.Tags.GO"), Equals("spec.owner")
	tests := []struct {
		name string
		x    Expr
		want string
	}{
		{"zero", Expr{}, "all"},
		{"nothing", Nothing(), "none"},
		{"lower-cased", a, `"kind"=["component"]`},
		{"exists", b, `"metadata.tags.go"`},
		{"no values", c, `"spec.owner"=[]`},
		{"empty and", And(), "all"},
		{"empty or", Or(), "none"},
		{"and of one", And(a), `"kind"=["component"]`},
		{"and drops all", And(Expr{}, a, Expr{}), `"kind"=["component"]`},
		{"and with nothing", And(a, Nothing(), b), "none"},
		{"or drops nothing", Or(Nothing(), b), `"metadata.tags.go"`},
		{"or with all", Or(a, Expr{}), "all"},
		{"and flattens", And(a, And(b, c)), `and("kind"=["component"],"metadata.tags.go","spec.owner"=[])`},
		{"or flattens", Or(Or(a, b), c), `or("kind"=["component"],"metadata.tags.go","spec.owner"=[])`},
		{"and keeps or", And(a, Or(b, c)), `and("kind"=["component"],or("metadata.tags.go","spec.owner"=[]))`},
		{"not", Not(a), `not("kind"=["component"])`},
		{"not not", Not(Not(a)), `"kind"=["component"]`},
		{"not all", Not(Expr{}), "none"},
		{"not nothing", Not(Nothing()), "all"},
		{"quoted", Equals(`a"b`, `x,y`), `"a\"b"=["x,y"]`},
		{"filter", mustFilter(t, "kind=API,spec.type=grpc,spec.type=openapi", "metadata.tags").Expr(), `or(and("kind"=["api"],"spec.type"=["grpc","openapi"]),"metadata.tags")`},
		{"empty filter", Filter(nil).Expr(), "all"},
	}
	for _, tt := range tests {
		if got := tt.x.String(); got != tt.want {
			t.Errorf("%s: %s, want %s", tt.name, got, tt.want)
		}
	}
	if !Nothing().None() || Nothing().All() || !(Expr{}).All() || And(a, Not(a)).None() {
		t.Error("All/None")
	}
}

// searchRows flattens a served entity into search rows the way Backstage's
// buildEntitySearch does (written from its description, independently of bodyPairs):
// dotted paths, arrays by element plus "path.<item>" = "true" for string items, name,
// namespace and uid, relations as "relations.<type>" = target ref; keys and values
// lower-cased, values over 200 characters kept as null (nil).
func searchRows(t testing.TB, served []byte) map[string][]*string {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(served))
	d.UseNumber()
	var e map[string]any
	if err := d.Decode(&e); err != nil {
		t.Fatal(err)
	}
	rows := map[string][]*string{}
	row := func(key string, v *string) {
		key = strings.ToLower(key)
		if v != nil {
			if len(*v) > 200 {
				v = nil
			} else {
				l := strings.ToLower(*v)
				v = &l
			}
		}
		rows[key] = append(rows[key], v)
	}
	str := func(s string) *string { return &s }
	var visit func(path string, v any)
	visit = func(path string, v any) {
		switch path {
		case "attachments", "relations", "status", "metadata.name", "metadata.namespace", "metadata.uid", "metadata.etag":
			return
		}
		switch x := v.(type) {
		case nil:
			row(path, nil)
		case string:
			row(path, str(x))
		case bool:
			row(path, str(strconv.FormatBool(x)))
		case json.Number:
			row(path, str(x.String()))
		case []any:
			for _, item := range x {
				visit(path, item)
				if s, ok := item.(string); ok {
					row(path+"."+s, str("true"))
				}
			}
		case map[string]any:
			for k, c := range x {
				p := k
				if path != "" {
					p = path + "." + k
				}
				visit(p, c)
			}
		}
	}
	visit("", e)
	md := e["metadata"].(map[string]any)
	for _, k := range []string{"name", "namespace", "uid"} {
		row("metadata."+k, str(md[k].(string)))
	}
	rels, _ := e["relations"].([]any)
	for _, r := range rels {
		r := r.(map[string]any)
		row("relations."+r["type"].(string), str(r["targetRef"].(string)))
	}
	return rows
}

// naive evaluates an expression over an entity's search rows.
func naive(n *exprNode, rows map[string][]*string) bool {
	switch {
	case n == nil:
		return true
	case n.op == opNone:
		return false
	case n.op == opCond:
		vals, ok := rows[n.cond.key]
		if n.cond.values == nil {
			return ok
		}
		for _, v := range vals {
			if v != nil && slices.Contains(n.cond.values, *v) {
				return true
			}
		}
		return false
	case n.op == opAnd:
		for _, k := range n.kids {
			if !naive(k, rows) {
				return false
			}
		}
		return true
	case n.op == opOr:
		for _, k := range n.kids {
			if naive(k, rows) {
				return true
			}
		}
		return false
	}
	return !naive(n.kids[0], rows)
}

// exprGen makes random expressions over the generated catalog's keys and values.
type exprGen struct {
	r      *rand.Rand
	groups int
	names  []string
}

func (g *exprGen) pick(s ...string) string { return s[g.r.IntN(len(s))] }

func (g *exprGen) group() string { return fmt.Sprintf("group:default/group-%06d", g.r.IntN(g.groups)) }

func (g *exprGen) leaf() Expr {
	tags := []string{"java", "go", "python", "typescript", "rust", "kotlin", "grpc", "web", "batch", "pci"}
	switch g.r.IntN(14) {
	case 0:
		return Equals("kind", g.pick("component", "API", "Resource", "group", "User", "system", "domain", "location"))
	case 1:
		return Equals("spec.lifecycle", g.pick("production", "experimental", "Deprecated"), g.pick("production", "none"))
	case 2:
		return Equals("spec.type", g.pick("service", "website", "library", "openapi", "grpc", "database", "team"))
	case 3:
		return Equals("metadata.tags", g.pick(tags...))
	case 4:
		return Exists("metadata.tags." + g.pick(tags...))
	case 5:
		return Equals("metadata.tags."+g.pick(tags...), "true")
	case 6:
		claims := []string{g.group()}
		for range g.r.IntN(3) {
			claims = append(claims, g.group())
		}
		return Equals("relations.ownedBy", claims...)
	case 7:
		return Exists(g.pick("metadata.annotations.github.com/project-slug", "spec.definition", "spec.memberOf", "metadata.title", "spec.profile.email", "spec.parent"))
	case 8:
		return Equals("metadata.name", g.pick(g.names...), g.pick(g.names...))
	case 9:
		return Equals("relations.memberOf", g.group())
	case 10:
		return Exists(g.pick("no.such.key", "metadata.labels.tier", "spec.dependsOn"))
	case 11:
		return Equals("spec.owner", strings.TrimPrefix(g.group(), "group:default/"))
	case 12:
		return Equals("metadata.annotations.backstage.io/managed-by-location", "nothing")
	}
	return Equals("spec.dependsOn", "resource:"+g.pick("resource-000001", "resource-000002", "resource-000003"))
}

func (g *exprGen) expr(depth int) Expr {
	if depth == 0 || g.r.IntN(4) == 0 {
		return g.leaf()
	}
	kids := make([]Expr, 2+g.r.IntN(2))
	for i := range kids {
		kids[i] = g.expr(depth - 1)
	}
	switch g.r.IntN(5) {
	case 0, 1:
		return And(kids...)
	case 2, 3:
		return Or(kids...)
	}
	return Not(kids[0])
}

// TestExprMatchesNaiveEvaluator is the differential test of the index's evaluation: on a
// generated catalog (with tombstones left by updates), random expressions select
// exactly the entities a naive evaluator over each entity's JSON selects, both as a
// set (View.Select) and entity by entity (what by-name and by-refs use), and filters
// select the same entities through the expression evaluator as through match.
func TestExprMatchesNaiveEvaluator(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "g")
	root, err := gen.Generate(dir, 1000, 3)
	if err != nil {
		t.Fatal(err)
	}
	rules := allKinds
	c := newTestCatalog(t, Config{Rules: &rules, Locations: []LocationConfig{{Type: "file", Target: root}}}, nil)
	refresh(t, c)
	// Change one file so that its entities move to new slots and leave tombstones.
	f := filepath.Join(dir, "components-000.yaml")
	src, err := os.ReadFile(f)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, f, strings.ReplaceAll(string(src), "lifecycle: production", "lifecycle: experimental"))
	refresh(t, c)
	c.mu.RLock()
	dead := c.idx.slotCount() - c.idx.live()
	c.mu.RUnlock()
	if dead == 0 {
		t.Fatal("no tombstones; the test would not cover them")
	}

	type ent struct {
		key  string
		e    *entity
		rows map[string][]*string
	}
	var ents []ent
	var names []string
	c.mu.RLock()
	for k, e := range c.ents {
		ents = append(ents, ent{k, e, searchRows(t, c.entityJSON(e))})
		names = append(names, e.ref[strings.IndexByte(e.ref, '/')+1:])
	}
	c.mu.RUnlock()
	slices.SortFunc(ents, func(a, b ent) int { return strings.Compare(a.key, b.key) })
	slices.Sort(names)

	fields := ParseFields([]string{"kind,metadata.namespace,metadata.name"})
	keysOf := func(page []byte) []string {
		var items []struct {
			Kind     string
			Metadata struct{ Namespace, Name string }
		}
		if err := json.Unmarshal(page, &items); err != nil {
			t.Fatal(err)
		}
		out := make([]string, len(items))
		for i, it := range items {
			out[i] = strings.ToLower(it.Kind + ":" + it.Metadata.Namespace + "/" + it.Metadata.Name)
		}
		slices.Sort(out)
		return out
	}
	g := &exprGen{r: rand.New(rand.NewPCG(7, 11)), groups: gen.Split(1000).Groups, names: names}
	nonEmpty, nonFull := 0, 0
	for i := 0; i < 200; i++ {
		x := g.expr(3)
		var want []string
		in := map[string]bool{}
		for _, en := range ents {
			if naive(x.n, en.rows) {
				want = append(want, en.key)
				in[en.key] = true
			}
		}
		page, _, total := c.Within(x).SelectJSON(nil, Selection{Limit: -1}, fields)
		got := keysOf(page)
		if !slices.Equal(got, want) || total != len(want) {
			t.Fatalf("%s: index selects %d entities (total %d), the naive evaluator %d\nonly index: %v\nonly naive: %v",
				x, len(got), total, len(want), missing(got, want), missing(want, got))
		}
		c.mu.RLock()
		for _, en := range ents {
			if c.idx.matches(en.e, x.n) != in[en.key] {
				c.mu.RUnlock()
				t.Fatalf("%s: entity %s: slot test disagrees with the naive evaluator", x, en.key)
			}
		}
		c.mu.RUnlock()
		if len(want) > 0 {
			nonEmpty++
		}
		if len(want) < len(ents) {
			nonFull++
		}
	}
	if nonEmpty < 60 || nonFull < 60 {
		t.Fatalf("only %d non-empty and %d non-full selections: the generator is too narrow", nonEmpty, nonFull)
	}

	// Filters (Backstage's DNF) select the same through match and through Expr.
	for i := 0; i < 100; i++ {
		var f Filter
		for range 1 + g.r.IntN(3) {
			var set filterSet
			for range 1 + g.r.IntN(3) {
				l := g.leaf().n.cond
				set = append(set, condition{key: l.key, values: l.values, exists: l.values == nil})
			}
			f = append(f, set)
		}
		c.mu.RLock()
		a, b := c.idx.match(f), c.idx.selectExpr(f.Expr().n)
		c.mu.RUnlock()
		if !slices.Equal(a, b) {
			t.Fatalf("%s: match gives %d slots, the expression %d", f.Expr(), len(a), len(b))
		}
	}
}

// missing returns the elements of a that are not in b (both sorted).
func missing(a, b []string) []string {
	var out []string
	for _, x := range a {
		if _, ok := slices.BinarySearch(b, x); !ok {
			out = append(out, x)
		}
	}
	return out
}

// TestExprOverIndexModel checks the set operations on a small hand-made index, where
// slots, tombstones and bitsets are known: each expression against a model.
func TestExprOverIndexModel(t *testing.T) {
	m := newIndexModel()
	// 200 entities: every one has "k"; a third have "t=x"; names are unique; e7 and e9
	// are updated (a tombstone each) and e11 deleted.
	for i := range 200 {
		kv := []string{"k", "v", "name", fmt.Sprintf("e%d", i)}
		if i%3 == 0 {
			kv = append(kv, "t", "x")
		}
		if i%50 == 0 {
			kv = append(kv, "tags", "a", "tags", "b")
		}
		m.put(fmt.Sprintf("e%d", i), kv...)
	}
	m.put("e7", "k", "v", "name", "e7", "t", "x")
	m.put("e9", "k", "v", "name", "e9")
	m.del("e11")
	names := func(ids []uint32) []string {
		var out []string
		for _, id := range ids {
			out = append(out, m.ix.slots[id].key)
		}
		slices.Sort(out)
		return out
	}
	model := func(pred func(name string, i int) bool) []string {
		var out []string
		for name := range m.ents {
			i, _ := strconv.Atoi(name[1:])
			if pred(name, i) {
				out = append(out, name)
			}
		}
		slices.Sort(out)
		return out
	}
	hasT := func(i int) bool { return (i%3 == 0 && i != 9) || i == 7 }
	tests := []struct {
		name string
		x    Expr
		want func(name string, i int) bool
	}{
		{"all", Expr{}, func(string, int) bool { return true }},
		{"dense exists", Exists("k"), func(string, int) bool { return true }},
		{"value", Equals("t", "x"), func(_ string, i int) bool { return hasT(i) }},
		{"not value", Not(Equals("t", "x")), func(_ string, i int) bool { return !hasT(i) }},
		{"names", Equals("name", "e1", "e7", "e11", "e300"), func(n string, _ int) bool { return n == "e1" || n == "e7" }},
		{"and not", And(Exists("k"), Not(Equals("name", "e3", "e4"))), func(n string, _ int) bool { return n != "e3" && n != "e4" }},
		{"only nots", And(Not(Equals("t", "x")), Not(Equals("name", "e1"))), func(n string, i int) bool { return !hasT(i) && n != "e1" }},
		{"or", Or(Equals("name", "e2"), Equals("t", "x")), func(n string, i int) bool { return n == "e2" || hasT(i) }},
		{"item form", Exists("tags.b"), func(_ string, i int) bool { return i%50 == 0 }},
		{"item true", And(Equals("tags.a", "true"), Not(Equals("name", "e0"))), func(_ string, i int) bool { return i%50 == 0 && i != 0 }},
		{"missing key", Exists("nope"), func(string, int) bool { return false }},
		{"not missing key", Not(Exists("nope")), func(string, int) bool { return true }},
		{"nested", Not(Or(And(Equals("t", "x"), Not(Equals("name", "e3"))), Equals("name", "e5"))), func(n string, i int) bool { return !(hasT(i) && n != "e3" || n == "e5") }},
	}
	for _, tt := range tests {
		want := model(tt.want)
		if got := names(m.ix.selectExpr(tt.x.n)); !slices.Equal(got, want) {
			t.Errorf("%s: %s selects %v, want %v", tt.name, tt.x, got, want)
		}
		for name, e := range m.ents {
			if m.ix.matches(e, tt.x.n) != slices.Contains(want, name) {
				t.Errorf("%s: slot test of %s disagrees", tt.name, name)
			}
		}
	}
}
