package catalog_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"greenroom.dev/greenroom/host/internal/catalog"
)

// TestPlaceholders: $text, $json and $yaml beside a catalog file are read into the
// entity as Backstage's placeholder processor does; one that leaves the file's
// directory, is absolute or is missing is the entity's processing error, naming it.
func TestPlaceholders(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("api/openapi.yaml", "openapi: 3.0.0\ninfo: {title: Pets, version: 1.0.0}\npaths: {}\n")
	write("api/meta.json", `{"team": "pets", "level": 2}`)
	write("api/extra.yaml", "owners: [a, b]\n")
	api := func(name, def string) string {
		return "apiVersion: backstage.io/v1alpha1\nkind: API\nmetadata:\n  name: " + name + "\nspec:\n  type: openapi\n  lifecycle: production\n  owner: team-a\n  definition: " + def + "\n"
	}
	write("api/catalog-info.yaml", strings.Join([]string{
		api("pets", "{$text: ./openapi.yaml}") + "  meta: {$json: meta.json}\n  extra: {$yaml: ./extra.yaml}\n",
		api("escape", "{$text: ../../etc/passwd}"),
		api("absolute", "{$text: /etc/passwd}"),
		api("missing", "{$text: ./nope.yaml}"),
	}, "---\n"))
	rules := []catalog.Rule{{Allow: []string{"API", "Location"}}}
	c, err := catalog.New(context.Background(), catalog.Options{
		Config: catalog.Config{Rules: &rules, Locations: []catalog.LocationConfig{{Type: "file", Target: filepath.Join(dir, "api", "catalog-info.yaml")}}},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.RefreshAll(context.Background()); err != nil {
		t.Fatal(err)
	}
	var pets struct {
		Spec struct {
			Definition string         `json:"definition"`
			Meta       map[string]any `json:"meta"`
			Extra      map[string]any `json:"extra"`
		} `json:"spec"`
	}
	if err := json.Unmarshal(c.ByRef("api:default/pets"), &pets); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(pets.Spec.Definition, "title: Pets") || pets.Spec.Meta["team"] != "pets" || len(pets.Spec.Extra["owners"].([]any)) != 2 {
		t.Errorf("resolved spec: %+v", pets.Spec)
	}
	for _, name := range []string{"escape", "absolute", "missing"} {
		if c.ByRef("api:default/"+name) != nil {
			t.Errorf("%s was added despite its placeholder", name)
		}
	}
	// A file's entities that were never valid are reported on its Location's page.
	f, err := catalog.ParseFilter([]string{"kind=location"})
	if err != nil {
		t.Fatal(err)
	}
	locs, _ := c.Select(catalog.Selection{Filter: f, Limit: -1})
	var all strings.Builder
	for _, l := range locs {
		all.Write(l)
	}
	for _, want := range []string{
		`spec.definition: placeholder $text: \"../../etc/passwd\" leaves the catalog file's directory`,
		`spec.definition: placeholder $text: \"/etc/passwd\" is an absolute path`,
		`spec.definition: placeholder $text: read ` + filepath.Join(dir, "api", "nope.yaml"),
	} {
		if !strings.Contains(all.String(), want) {
			t.Errorf("the location's errors lack %s:\n%s", want, all.String())
		}
	}
}
