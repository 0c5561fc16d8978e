package ui

import (
	"strconv"
	"strings"
	"testing"
)

// benchTrees are plugin output of the shapes the entity page benchmark renders: a card
// with a 20-row table, and a tree 30 levels deep.
func benchTrees() map[string][]byte {
	var rows []string
	for i := 0; i < 20; i++ {
		rows = append(rows, `["`+strconv.Itoa(i)+`",{"type":"badge","text":"passed","tone":"success"},{"type":"link","text":"logs","href":"https://ci.example/payments/`+strconv.Itoa(i)+`"}]`)
	}
	table := `{"type":"card","title":"CI builds","children":[{"type":"table","columns":["Build","Status","Link"],"rows":[` + strings.Join(rows, ",") + `]}]}`
	deep := strings.Repeat(`{"type":"group","children":[`, 30) + `"x"` + strings.Repeat(`]}`, 30)
	return map[string][]byte{"table": []byte(table), "deep": []byte(deep)}
}

// BenchmarkDecode measures reading and validating a plugin's UI tree (ui.Decode), and
// validating a decoded one again (Validate), the pass that the error boundary used to
// repeat.
func BenchmarkDecode(b *testing.B) {
	for name, tree := range benchTrees() {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if _, err := Decode(tree); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(name+"/validate", func(b *testing.B) {
			n, _ := Decode(tree)
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if err := n.Validate(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
