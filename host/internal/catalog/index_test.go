package catalog

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// indexModel drives an index and a plain map model side by side: entity name -> its
// (key, value) pairs.
type indexModel struct {
	ix    *index
	ents  map[string]*entity
	pairs map[string][]pair
}

func newIndexModel() *indexModel {
	return &indexModel{ix: newIndex(), ents: map[string]*entity{}, pairs: map[string][]pair{}}
}

// put adds or updates an entity (an update frees its slot and takes a new one).
func (m *indexModel) put(name string, kv ...string) {
	e := m.ents[name]
	if e == nil {
		e = &entity{key: name}
		m.ents[name] = e
	}
	var ps []pair
	for i := 0; i < len(kv); i += 2 {
		ps = append(ps, mkPair(kv[i], kv[i+1]))
	}
	m.ix.remove(e)
	m.ix.add(e, ps, nil)
	m.pairs[name] = ps
}

func (m *indexModel) del(name string) {
	m.ix.remove(m.ents[name])
	delete(m.ents, name)
	delete(m.pairs, name)
}

// want returns the sorted names whose pairs hold key=value (any value when value is "").
func (m *indexModel) want(key, value string) []string {
	var out []string
	for name, ps := range m.pairs {
		for _, p := range ps {
			if p.key == key && (value == "" || p.value == value) {
				out = append(out, name)
				break
			}
		}
	}
	slices.Sort(out)
	return out
}

func (m *indexModel) got(key, value string) []string {
	c := condition{key: key}
	if value != "" {
		c.values = []string{value}
	}
	var out []string
	for _, id := range m.ix.match([]filterSet{{c}}) {
		out = append(out, m.ix.slots[id].key)
	}
	slices.Sort(out)
	return out
}

func TestIndexPostings(t *testing.T) {
	type step struct {
		op   string // put, del, compact, trim
		name string
		kv   []string
	}
	type query struct{ key, value string }
	tests := []struct {
		name    string
		steps   []step
		queries []query
		// singles and lists count the postings of key "k" by form after the steps.
		singles, lists int
	}{
		{
			name:    "singletons stay inline",
			steps:   []step{{"put", "a", []string{"k", "1"}}, {"put", "b", []string{"k", "2"}}},
			queries: []query{{"k", "1"}, {"k", "2"}, {"k", "3"}, {"k", ""}},
			singles: 2,
		},
		{
			name:    "second slot promotes a singleton to a list",
			steps:   []step{{"put", "a", []string{"k", "1"}}, {"put", "b", []string{"k", "1"}}, {"put", "c", []string{"k", "1"}}},
			queries: []query{{"k", "1"}, {"k", ""}},
			lists:   1,
		},
		{
			name:    "update replaces a tombstoned singleton in place",
			steps:   []step{{"put", "a", []string{"k", "1"}}, {"put", "a", []string{"k", "1"}}, {"put", "a", []string{"k", "1", "j", "x"}}},
			queries: []query{{"k", "1"}, {"j", "x"}},
			singles: 1,
		},
		{
			name: "update moves a value",
			steps: []step{{"put", "a", []string{"k", "1"}}, {"put", "b", []string{"k", "1"}},
				{"put", "a", []string{"k", "2"}}},
			queries: []query{{"k", "1"}, {"k", "2"}},
			singles: 1, lists: 1,
		},
		{
			name: "compaction demotes lists of one and drops empty postings",
			steps: []step{{"put", "a", []string{"k", "1"}}, {"put", "b", []string{"k", "1"}},
				{"put", "c", []string{"k", "2"}}, {"del", "b", nil}, {"del", "c", nil}, {"compact", "", nil}},
			queries: []query{{"k", "1"}, {"k", "2"}, {"k", ""}},
			singles: 1,
		},
		{
			name: "lookups after compaction and later adds",
			steps: []step{{"put", "a", []string{"k", "1", "n", "a"}}, {"put", "b", []string{"k", "1", "n", "b"}},
				{"put", "c", []string{"k", "1", "n", "c"}}, {"del", "a", nil}, {"compact", "", nil},
				{"put", "d", []string{"k", "1", "n", "d"}}, {"put", "b", []string{"k", "2", "n", "b"}}, {"compact", "", nil},
				{"put", "e", []string{"k", "2"}}},
			queries: []query{{"k", "1"}, {"k", "2"}, {"n", "a"}, {"n", "b"}, {"n", "d"}, {"k", ""}, {"n", ""}},
			lists:   2,
		},
		{
			name: "trim packs lists and appends still work",
			steps: []step{{"put", "a", []string{"k", "1"}}, {"put", "b", []string{"k", "1"}}, {"put", "c", []string{"k", "2"}},
				{"put", "d", []string{"k", "2"}}, {"trim", "", nil}, {"put", "e", []string{"k", "1"}}, {"put", "f", []string{"k", "2"}}},
			queries: []query{{"k", "1"}, {"k", "2"}, {"k", ""}},
			lists:   2,
		},
		{
			name:    "removing everything empties the key",
			steps:   []step{{"put", "a", []string{"k", "1"}}, {"put", "b", []string{"k", "1"}}, {"del", "a", nil}, {"del", "b", nil}, {"compact", "", nil}},
			queries: []query{{"k", "1"}, {"k", ""}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newIndexModel()
			for _, s := range tt.steps {
				switch s.op {
				case "put":
					m.put(s.name, s.kv...)
				case "del":
					m.del(s.name)
				case "compact":
					m.ix.compact()
				case "trim":
					m.ix.trim()
				}
			}
			for _, q := range tt.queries {
				if got, want := m.got(q.key, q.value), m.want(q.key, q.value); !slices.Equal(got, want) {
					t.Errorf("%s=%s: got %v, want %v", q.key, q.value, got, want)
				}
			}
			singles, lists := 0, 0
			if k := m.ix.keys["k"]; k != nil {
				k.each(func(_ string, ref uint32) bool {
					if ref&single != 0 {
						singles++
					} else {
						lists++
					}
					return true
				})
			}
			if singles != tt.singles || lists != tt.lists {
				t.Errorf("postings of k: %d singletons, %d lists; want %d, %d", singles, lists, tt.singles, tt.lists)
			}
		})
	}
}

// TestIndexRandomized checks every lookup against the model through many updates,
// deletes, compactions and trims, and that facet originals survive them.
func TestIndexRandomized(t *testing.T) {
	m := newIndexModel()
	rnd := uint32(1)
	next := func(n int) int { rnd = rnd*1664525 + 1013904223; return int(rnd>>8) % n }
	for step := 0; step < 3000; step++ {
		name := fmt.Sprintf("e%d", next(200))
		switch r := next(20); {
		case r == 0:
			m.ix.compact()
		case r == 1:
			m.ix.trim()
		case r < 5:
			if m.ents[name] != nil {
				m.del(name)
			}
		default:
			m.put(name, "kind", []string{"A", "B"}[next(2)], "name", name, "v", fmt.Sprint(next(10)))
		}
	}
	for _, q := range [][2]string{{"kind", "a"}, {"kind", "b"}, {"kind", ""}, {"v", "3"}, {"name", "e7"}, {"name", ""}} {
		if got, want := m.got(q[0], q[1]), m.want(q[0], q[1]); !slices.Equal(got, want) {
			t.Fatalf("%s=%s: got %v, want %v", q[0], q[1], got, want)
		}
	}
	for v := 0; v < 10; v++ {
		if got, want := m.got("v", fmt.Sprint(v)), m.want("v", fmt.Sprint(v)); !slices.Equal(got, want) {
			t.Fatalf("v=%d: got %v, want %v", v, got, want)
		}
	}
	if k := m.ix.keys["kind"]; k != nil {
		k.each(func(v string, _ uint32) bool {
			if o := k.orig(v); o != map[string]string{"a": "A", "b": "B"}[v] {
				t.Errorf("orig of %q = %q", v, o)
			}
			return true
		})
	}
	if m.ix.live() != len(m.ents) {
		t.Errorf("live %d, entities %d", m.ix.live(), len(m.ents))
	}
}

func TestSlotSet(t *testing.T) {
	tests := []struct {
		name   string
		add    []uint32
		nslots int
		bitset bool
	}{
		{"empty", nil, 10, false},
		{"sparse stays a list", []uint32{3, 3, 70, 900}, 1000, false},
		{"dense becomes a bitset", seq(0, 200, 2), 400, true},
		{"bitset grows past its first size", append(seq(0, 100, 1), 5000, 70000), 100, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s slotSet
			var want []uint32
			for _, id := range tt.add {
				n := max(tt.nslots, int(id)+1)
				s.add(id, n)
				if len(want) == 0 || want[len(want)-1] != id {
					want = append(want, id)
				}
			}
			if got := s.ids(); !slices.Equal(got, want) {
				t.Fatalf("ids = %v, want %v", got, want)
			}
			if (s.bits != nil) != tt.bitset {
				t.Errorf("bitset form = %v, want %v", s.bits != nil, tt.bitset)
			}
			// Drop every other slot and renumber densely.
			const gone = ^uint32(0)
			remap := make([]uint32, 70001)
			next := uint32(0)
			for i := range remap {
				if i%2 == 1 {
					remap[i] = gone
				} else {
					remap[i] = next
					next++
				}
			}
			var kept []uint32
			for _, id := range want {
				if remap[id] != gone {
					kept = append(kept, remap[id])
				}
			}
			if left := s.remap(remap, gone, int(next)); left != (len(kept) > 0) {
				t.Errorf("remap left = %v", left)
			}
			if got := s.ids(); !slices.Equal(got, kept) {
				t.Errorf("after remap ids = %v, want %v", got, kept)
			}
		})
	}
}

func seq(from, to, step uint32) []uint32 {
	var out []uint32
	for i := from; i < to; i += step {
		out = append(out, i)
	}
	return out
}

// TestIndexFrozen drives a key with enough values to be frozen through updates,
// deletes, revivals of deleted frozen values, trims and compactions.
func TestIndexFrozen(t *testing.T) {
	m := newIndexModel()
	const n = freezeMin * 3 / 2
	name := func(i int) string { return fmt.Sprintf("E%05d", i) } // upper case: orig differs
	for i := 0; i < n; i++ {
		m.put(name(i), "name", name(i), "kind", "c")
	}
	m.ix.trim()
	k := m.ix.keys["name"]
	if len(k.fvals) != n || k.vals != nil || k.forigs == nil {
		t.Fatalf("not frozen: %d frozen, %d in map, forigs %v", len(k.fvals), len(k.vals), k.forigs != nil)
	}
	check := func(stage string) {
		t.Helper()
		for i := 0; i < n; i += 991 {
			v := strings.ToLower(name(i))
			if got, want := m.got("name", v), m.want("name", v); !slices.Equal(got, want) {
				t.Fatalf("%s: name=%s: got %v, want %v", stage, v, got, want)
			}
			if len(m.want("name", v)) > 0 {
				if o := m.ix.keys["name"].orig(v); o != name(i) {
					t.Fatalf("%s: orig of %s = %q", stage, v, o)
				}
			}
		}
		if got, want := m.got("name", ""), m.want("name", ""); !slices.Equal(got, want) {
			t.Fatalf("%s: name exists: %d, want %d", stage, len(got), len(want))
		}
		seen := map[string]bool{}
		m.ix.keys["name"].each(func(v string, _ uint32) bool { seen[v] = true; return true })
		for _, ps := range m.pairs {
			for _, p := range ps {
				if p.key == "name" && !seen[p.value] {
					t.Fatalf("%s: each misses %s", stage, p.value)
				}
			}
		}
	}
	check("frozen")
	for i := 0; i < n; i += 3 {
		m.put(name(i), "name", name(i), "kind", "c") // frozen singleton replaced in place
	}
	for i := 1; i < n; i += 5 {
		m.del(name(i))
	}
	for i := 2; i < 600; i += 2 {
		m.put(name(i), "name", "shared", "kind", "c") // frozen values left with a dead slot
	}
	m.put("extra", "name", "Extra")
	check("updated")
	m.ix.compact()
	check("compacted")
	for i := 1; i < n; i += 10 {
		m.put(name(i), "name", name(i)) // revive values deleted while frozen
	}
	for i := 2; i < 300; i += 2 {
		m.put(name(i), "name", name(i)) // and values compaction dropped
	}
	check("revived")
	m.ix.trim() // leaves a map of fewer than freezeMin new values alone
	check("trimmed")
	m.ix.keys["name"].freeze()
	check("refrozen")
	if k := m.ix.keys["name"]; k.vals != nil || k.r1 != 0 {
		t.Fatalf("not refrozen: %d in map", len(k.vals))
	}
}
