package ui

import (
	"bytes"
	"strings"
	"testing"
)

// TestGraphChart: the host's relations graph draws every edge with its label and
// every node linked, escapes what entities name, drops unsafe links, and is not
// available to plugins (Validate refuses the kind).
func TestGraphChart(t *testing.T) {
	g := &Graph{Nodes: []GraphNode{
		{ID: "component:default/web", Label: "Web <script>", Kind: "Component"},
		{ID: "group:default/a", Label: "Team A", Kind: "group", Href: "/catalog/default/group/a"},
		{ID: "api:default/x", Label: "X API", Kind: "api", Href: "javascript:alert(1)"},
	}, Edges: []GraphEdge{{To: "group:default/a", Label: "ownedBy"}, {To: "api:default/x", Label: "providesApi"}, {To: "missing", Label: "dependsOn"}}}
	n := Node{Type: TypeChart, Chart: &Chart{Kind: ChartGraph, Graph: g}}
	var buf bytes.Buffer
	Render(&buf, &n)
	html := buf.String()
	for _, want := range []string{`>ownedBy</text><a href="/catalog/default/group/a"><rect`, `>providesApi</text><rect`, "Web &lt;script&gt;", "X API"} {
		if !strings.Contains(html, want) {
			t.Errorf("graph lacks %s:\n%s", want, html)
		}
	}
	if strings.Contains(html, "javascript:") || strings.Contains(html, "dependsOn") || strings.Contains(html, "<script>") {
		t.Errorf("graph has an unsafe link, an edge to no node or raw markup:\n%s", html)
	}
	if err := n.Validate(); err == nil || !strings.Contains(err.Error(), `chart.kind "graph" is not one of bar, radar`) {
		t.Errorf("Validate: %v", err)
	}
}
