package scaffolder

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
)

// TestFetchTemplateOptions: fetch:template's options, as Backstage's templateActionHandler
// applies them.
func TestFetchTemplateOptions(t *testing.T) {
	s, _ := newTestScaffolder(t, 0, &memCatalog{})
	skel := map[string][]byte{
		"skel/${{ values.name }}.txt":                  []byte("name=${{ values.name }}\n"),
		"skel/keep/${{ values.name }}.raw":             []byte("raw ${{ values.name }}\n"),
		"skel/page.md.njk":                             []byte("# ${{ values.name | upper }}\n"),
		"skel/plain.md":                                []byte("plain ${{ values.name }}\n"),
		"skel/{% if values.extra %}extra{% endif %}/x": []byte("x"),
		"skel/bin.dat":                                 {0, 1, 2, '$', '{', '{'},
		"cc/{{ cookiecutter.name }}.txt":               []byte("{{ cookiecutter.name }} {{ cookiecutter.tags | jsonify }}\n"),
		"one.txt":                                      []byte("one ${{ values.name }}\n"),
	}
	run := func(steps string, pre map[string]string) (map[string]string, string) {
		t.Helper()
		var st []any
		if err := json.Unmarshal([]byte(steps), &st); err != nil {
			t.Fatal(err)
		}
		ent := map[string]any{"apiVersion": TemplateAPIVersion, "kind": "Template", "metadata": map[string]any{"name": "t"}, "spec": map[string]any{"steps": st}}
		b, _ := json.Marshal(ent)
		tpl, err := ParseTemplate(b)
		if err != nil {
			t.Fatal(err)
		}
		res, err := s.DryRun(context.Background(), tpl, map[string]any{}, nil, skel)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, f := range res.DirectoryContents {
			c, _ := base64.StdEncoding.DecodeString(f.Base64Content)
			got[f.Path] = string(c)
		}
		var errs []string
		for _, l := range res.Log {
			if e := l["body"].(EventBody).Error; e != nil {
				errs = append(errs, e.Message)
			}
		}
		return got, strings.Join(errs, "; ")
	}
	tests := []struct {
		name, steps string
		want        map[string]string
		err         string
	}{
		{"names and contents", `[{"action":"fetch:template","input":{"url":"./skel","values":{"name":"svc"}}}]`, map[string]string{
			"svc.txt": "name=svc\n", "keep/svc.raw": "raw svc\n", "page.md.njk": "# SVC\n", "plain.md": "plain svc\n", "bin.dat": "\x00\x01\x02${{"}, ""},
		{"copyWithoutTemplating", `[{"action":"fetch:template","input":{"url":"./skel","values":{"name":"svc"},"copyWithoutTemplating":["keep/**"]}}]`, map[string]string{
			"keep/${{ values.name }}.raw": "raw ${{ values.name }}\n", "svc.txt": "name=svc\n"}, ""},
		{"templateFileExtension", `[{"action":"fetch:template","input":{"url":"./skel","values":{"name":"svc"},"templateFileExtension":true}}]`, map[string]string{
			"page.md": "# SVC\n", "plain.md": "plain ${{ values.name }}\n", "svc.txt": "name=${{ values.name }}\n"}, ""},
		{"cookiecutterCompat", `[{"action":"fetch:template","input":{"url":"./cc","values":{"name":"svc","tags":["a"]},"cookiecutterCompat":true}}]`, map[string]string{
			"svc.txt": "svc [\"a\"]\n"}, ""},
		{"targetPath", `[{"action":"fetch:template","input":{"url":"./skel","targetPath":"sub/dir","values":{"name":"svc"}}}]`, map[string]string{
			"sub/dir/svc.txt": "name=svc\n"}, ""},
		{"replace false keeps", `[{"action":"fetch:template:file","input":{"url":"./one.txt","targetPath":"svc.txt","values":{"name":"first"}}},
			{"action":"fetch:template","input":{"url":"./skel","values":{"name":"svc"}}}]`, map[string]string{"svc.txt": "one first\n"}, ""},
		{"replace true overwrites", `[{"action":"fetch:template:file","input":{"url":"./one.txt","targetPath":"svc.txt","values":{"name":"first"}}},
			{"action":"fetch:template","input":{"url":"./skel","values":{"name":"svc"},"replace":true}}]`, map[string]string{"svc.txt": "name=svc\n"}, ""},
		{"both copy options", `[{"id":"f","action":"fetch:template","input":{"url":"./skel","copyWithoutRender":["a"],"copyWithoutTemplating":["b"]}}]`, nil,
			"step f: copyWithoutRender and copyWithoutTemplating can not be used at the same time"},
		{"fs:rename and fs:delete", `[{"action":"fetch:template","input":{"url":"./skel","values":{"name":"svc"}}},
			{"action":"fs:rename","input":{"files":[{"from":"svc.txt","to":"renamed/svc.txt"}]}},
			{"action":"fs:delete","input":{"files":["keep","plain.md"]}}]`, map[string]string{"renamed/svc.txt": "name=svc\n", "page.md.njk": "# SVC\n"}, ""},
		{"fs:rename onto a file", `[{"action":"fetch:template","input":{"url":"./skel","values":{"name":"svc"}}},
			{"id":"r","action":"fs:rename","input":{"files":[{"from":"svc.txt","to":"plain.md"}]}}]`, nil, "step r: the file plain.md already exists"},
	}
	for _, tt := range tests {
		got, errs := run(tt.steps, nil)
		if tt.err != "" {
			if !strings.Contains(errs, tt.err) {
				t.Errorf("%s: errors %q, want %q", tt.name, errs, tt.err)
			}
			continue
		}
		if errs != "" {
			t.Errorf("%s: %s", tt.name, errs)
		}
		for p, w := range tt.want {
			if got[p] != w {
				t.Errorf("%s: %s = %q, want %q (all %v)", tt.name, p, got[p], w, keys(got))
			}
		}
		for p := range got {
			if strings.Contains(p, "extra") {
				t.Errorf("%s: %s: a path segment that renders empty is skipped", tt.name, p)
			}
		}
	}
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestWriteAfterDelete: a directory that fs:delete removed is made again by a later write.
func TestWriteAfterDelete(t *testing.T) {
	s, _ := newTestScaffolder(t, 0, &memCatalog{})
	ent := map[string]any{"apiVersion": TemplateAPIVersion, "kind": "Template", "metadata": map[string]any{"name": "t"}, "spec": map[string]any{"steps": []any{
		map[string]any{"action": "catalog:write", "input": map[string]any{"filePath": "d/a.yaml", "entity": map[string]any{"a": 1}}},
		map[string]any{"action": "fs:delete", "input": map[string]any{"files": []any{"d"}}},
		map[string]any{"action": "catalog:write", "input": map[string]any{"filePath": "d/b.yaml", "entity": map[string]any{"b": 2}}},
	}}}
	b, _ := json.Marshal(ent)
	tpl, err := ParseTemplate(b)
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.DryRun(context.Background(), tpl, nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.DirectoryContents) != 1 || res.DirectoryContents[0].Path != "d/b.yaml" {
		t.Errorf("files %+v, log %v", res.DirectoryContents, res.Log)
	}
}
