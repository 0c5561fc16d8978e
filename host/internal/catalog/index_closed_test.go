package catalog

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// indexFiles are the index's own files: only they may touch its fields, its internal
// types and the slot fields it keeps on entities (index_test.go is its white-box test).
var indexFiles = []string{"index.go", "index_keys.go", "index_match.go", "index_expr.go", "index_test.go", "index_expr_test.go", "index_closed_test.go"}

// indexInternals returns the field names of the index type, read from index.go.
func indexInternals(t *testing.T) map[string]bool {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "index.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	fields := map[string]bool{}
	ast.Inspect(f, func(n ast.Node) bool {
		if ts, ok := n.(*ast.TypeSpec); ok && ts.Name.Name == "index" {
			for _, fl := range ts.Type.(*ast.StructType).Fields.List {
				for _, name := range fl.Names {
					fields[name.Name] = true
				}
			}
		}
		return true
	})
	if len(fields) == 0 {
		t.Fatal("index.go declares no index struct")
	}
	return fields
}

// indexReachIns lists the places in a file that reach into the index: a field of the
// index (through c.idx, idx or ix), a field the index keeps on an entity (slot,
// indexed), or one of the index's internal types (keyIndex, slotSet).
func indexReachIns(name string, src []byte, fields map[string]bool) ([]string, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, name, src, 0)
	if err != nil {
		return nil, err
	}
	kept := map[string]bool{"slot": true, "indexed": true}
	internalTypes := map[string]bool{"keyIndex": true, "slotSet": true}
	isIndex := func(x ast.Expr) bool {
		switch x := x.(type) {
		case *ast.SelectorExpr:
			return x.Sel.Name == "idx"
		case *ast.Ident:
			return x.Name == "idx" || x.Name == "ix"
		}
		return false
	}
	var out []string
	report := func(n ast.Node, what string) {
		out = append(out, fmt.Sprintf("%s: %s", fset.Position(n.Pos()), what))
	}
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.SelectorExpr:
			switch {
			case fields[n.Sel.Name] && isIndex(n.X):
				report(n, "index field "+n.Sel.Name)
			case kept[n.Sel.Name]:
				report(n, "entity field "+n.Sel.Name+" kept by the index")
			}
		case *ast.CompositeLit:
			if id, ok := n.Type.(*ast.Ident); ok && id.Name == "entity" {
				for _, el := range n.Elts {
					if kv, ok := el.(*ast.KeyValueExpr); ok {
						if k, ok := kv.Key.(*ast.Ident); ok && kept[k.Name] {
							report(kv, "entity field "+k.Name+" kept by the index")
						}
					}
				}
			}
		case *ast.Ident:
			if internalTypes[n.Name] {
				report(n, "index type "+n.Name)
			}
		}
		return true
	})
	return out, nil
}

func TestIndexReachIns(t *testing.T) {
	fields := indexInternals(t)
	tests := []struct {
		code string
		want int
	}{
		{"c.idx.slots[3] = e", 1},
		{"n := len(c.idx.slots)", 1},
		{"k := ix.keys[\"kind\"]; _ = k", 1},
		{"var k *keyIndex; _ = k", 1},
		{"e.indexed = true; _ = e.slot", 2},
		{"e := &entity{key: \"k\", slot: 2}; _ = e", 1},
		{"e := c.idx.at(3); _ = c.idx.holds(e); c.idx.add(e, nil, nil)", 0},
		{"n := c.idx.slotCount() + c.idx.live(); _ = n", 0},
		{"e := &entity{key: \"k\"}; _ = e.key", 0},
	}
	for _, tt := range tests {
		src := "package catalog\nfunc f() {\n" + tt.code + "\n}\n"
		got, err := indexReachIns("x.go", []byte(src), fields)
		if err != nil {
			t.Fatalf("%s: %v", tt.code, err)
		}
		if len(got) != tt.want {
			t.Errorf("%s: %d reach-ins %v, want %d", tt.code, len(got), got, tt.want)
		}
	}
}

// TestIndexIsClosed checks that no file of the package outside the index's own reaches
// into the index: everything goes through its methods.
func TestIndexIsClosed(t *testing.T) {
	fields := indexInternals(t)
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, name := range files {
		if slices.Contains(indexFiles, name) {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		got, err := indexReachIns(name, src, fields)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range got {
			t.Errorf("%s: use the index's methods instead", r)
		}
		checked++
	}
	if checked < 10 {
		t.Fatalf("checked only %d files", checked)
	}
}
