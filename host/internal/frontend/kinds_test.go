package frontend

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"greenroom.dev/greenroom/host/internal/frontend/ext"
)

func kindsApp(t *testing.T) *App {
	t.Helper()
	ents := append(entities(),
		ext.Entity{APIVersion: "greenroom.dev/v1", Kind: "Cluster", Metadata: ext.EntityMetadata{Name: "eu-1"},
			Spec: map[string]any{"region": "eu-west-1", "nodes": float64(3)}},
		ext.Entity{APIVersion: "greenroom.dev/v1", Kind: "Cluster", Metadata: ext.EntityMetadata{Name: "us-1", Title: "US one"},
			Spec: map[string]any{"region": "us-east-1", "nodes": float64(5)}},
		ext.Entity{APIVersion: "greenroom.dev/v1", Kind: "Environment", Metadata: ext.EntityMetadata{Name: "prod"},
			Spec: map[string]any{"cluster": "eu-1", "tier": "production"}},
	)
	kinds := []CustomKind{
		{Kind: "Cluster", Icon: "☁", TitleField: "spec.region",
			Columns: []KindColumn{{Field: "spec.region", Title: "Region", Filter: true}, {Field: "spec.nodes", Title: "Nodes"}},
			Schema: map[string]any{"type": "object", "required": []any{"region"}, "properties": map[string]any{
				"region": map[string]any{"type": "string", "title": "Region"}, "nodes": map[string]any{"type": "integer", "title": "Nodes"}}}},
		{Kind: "Environment", Columns: []KindColumn{{Field: "spec.cluster", Title: "cluster"}},
			Schema: map[string]any{"type": "object", "properties": map[string]any{"cluster": map[string]any{"type": "string", "title": "Runs on"}, "tier": map[string]any{"type": "string"}}},
			Refs:   map[string]string{"spec.cluster": "Cluster"}},
	}
	a, err := New(context.Background(), Options{Catalog: NewMemoryCatalog(ents), Kinds: kinds})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

var tags = regexp.MustCompile(`<[^>]*>`)

// text is the page's text without markup, spaces collapsed.
func text(html string) string {
	return strings.Join(strings.Fields(tags.ReplaceAllString(html, " ")), " ")
}

func TestCustomKindTable(t *testing.T) {
	a := kindsApp(t)
	status, html := get(t, a, "/catalog?kind=cluster")
	if status != 200 {
		t.Fatalf("status %d", status)
	}
	body := text(html)
	for _, want := range []string{"Name Region Nodes Description", "eu-west-1 eu-west-1 3", "US one us-east-1 5", `Region`} {
		if !strings.Contains(body, want) {
			t.Errorf("table lacks %q:\n%s", want, body)
		}
	}
	if !strings.Contains(html, `name="f.spec.region"`) || !strings.Contains(html, "us-east-1 (1)") {
		t.Errorf("no Region filter with its values:\n%s", html)
	}
	_, html = get(t, a, "/catalog?kind=cluster&f.spec.region=us-east-1")
	if body := text(html); !strings.Contains(body, "1 entity") || strings.Contains(body, "eu-west-1 eu-west-1 3") {
		t.Errorf("filter by region:\n%s", body)
	}
	// All kinds: the built-in table, the custom kind shown with its icon.
	_, html = get(t, a, "/catalog")
	if body := text(html); !strings.Contains(body, "Name Kind Type Owner") || !strings.Contains(body, "☁ Cluster") {
		t.Errorf("catalog of every kind:\n%s", body)
	}
}

func TestCustomKindAboutCard(t *testing.T) {
	a := kindsApp(t)
	status, html := get(t, a, "/catalog/default/environment/prod")
	if status != 200 {
		t.Fatalf("status %d", status)
	}
	body := text(html)
	for _, want := range []string{"Runs on eu-1", "tier production", "Kind Environment"} {
		if !strings.Contains(body, want) {
			t.Errorf("About card lacks %q:\n%s", want, body)
		}
	}
	if !strings.Contains(html, `href="/catalog/default/cluster/eu-1"`) || strings.Contains(body, "Owner") {
		t.Errorf("the reference must link to the cluster, and no Owner row without spec.owner:\n%s", html)
	}
	_, html = get(t, a, "/catalog/default/cluster/eu-1")
	if body := text(html); !strings.Contains(body, "Region eu-west-1 Nodes 3") || !strings.Contains(body, "☁ Cluster") {
		t.Errorf("cluster page:\n%s", body)
	}
}
