package scaffolder

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"
)

// template50 is a template whose skeleton has 50 files, each with expressions in its
// name and contents, with its files as a dry-run receives them.
func template50(tb testing.TB, dir string) (*Template, map[string][]byte) {
	files := map[string][]byte{}
	for i := 0; i < 50; i++ {
		name := fmt.Sprintf("skeleton/pkg%d/${{ values.name }}_%d.go", i%5, i)
		files[name] = []byte(fmt.Sprintf("// Package ${{ values.name }} file %d.\npackage ${{ values.name | replace('-', '_') }}\n\n"+
			"{%% for t in values.tags %%}// tag ${{ t | upper }}\n{%% endfor %%}"+
			"{%% if values.debug %%}const debug = true\n{%% endif %%}const owner = \"${{ values.owner }}\"\n", i))
	}
	ent := map[string]any{"apiVersion": TemplateAPIVersion, "kind": "Template", "metadata": map[string]any{"name": "bench"},
		"spec": map[string]any{
			"parameters": map[string]any{"properties": map[string]any{"name": map[string]any{"type": "string"}}},
			"steps": []any{map[string]any{"id": "fetch", "action": "fetch:template", "input": map[string]any{"url": "./skeleton",
				"values": map[string]any{"name": "${{ parameters.name }}", "owner": "group:default/team-a", "tags": []any{"a", "b", "c"}, "debug": true}}}}}}
	b, _ := json.Marshal(ent)
	tpl, err := ParseTemplate(b)
	if err != nil {
		tb.Fatal(err)
	}
	return tpl, files
}

// BenchmarkDryRun50Files: POST /v2/dry-run's work for a 50-file fetch:template; p50-ms
// is the goal's figure (<= 30 ms).
func BenchmarkDryRun50Files(b *testing.B) {
	s, _ := newTestScaffolder(b, 0, &memCatalog{})
	tpl, files := template50(b, b.TempDir())
	var durs []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		res, err := s.DryRun(context.Background(), tpl, map[string]any{"name": "svc"}, nil, files)
		if err != nil {
			b.Fatal(err)
		}
		durs = append(durs, time.Since(t0))
		if len(res.DirectoryContents) != 50 {
			b.Fatalf("%d files", len(res.DirectoryContents))
		}
	}
	sort.Slice(durs, func(i, j int) bool { return durs[i] < durs[j] })
	b.ReportMetric(float64(durs[len(durs)/2].Microseconds())/1000, "p50-ms")
}

// BenchmarkTasks20: 20 tasks queued at once with concurrentTasksLimit 4, each with a
// fetch:template of 50 files; every task must complete.
func BenchmarkTasks20(b *testing.B) {
	dir := b.TempDir()
	tpl, files := template50(b, dir)
	for p, c := range files {
		full := filepath.Join(dir, p)
		os.MkdirAll(filepath.Dir(full), 0o755)
		os.WriteFile(full, c, 0o644)
	}
	tpl.Raw["metadata"] = map[string]any{"name": "bench", "annotations": map[string]any{"backstage.io/managed-by-location": "file:" + filepath.Join(dir, "template.yaml")}}
	cat := &memCatalog{entities: map[string]map[string]any{"template:default/bench": tpl.Raw}}
	s, _ := newTestScaffolder(b, 4, cat)
	s.Start(context.Background())
	defer s.Stop(context.Background())
	b.ResetTimer()
	t0 := time.Now()
	for i := 0; i < b.N; i++ {
		ids := make([]string, 20)
		for j := range ids {
			id, err := s.Create(context.Background(), "template:default/bench", map[string]any{"name": "svc"}, nil)
			if err != nil {
				b.Fatal(err)
			}
			ids[j] = id
		}
		for _, id := range ids {
			for {
				tk, err := s.Get(id)
				if err != nil {
					b.Fatal(err)
				}
				if tk.Status == StatusCompleted {
					break
				}
				if tk.Status == StatusFailed || tk.Status == StatusCancelled {
					b.Fatalf("task %s %s", id, tk.Status)
				}
				select {
				case <-s.Wait(id):
				case <-time.After(50 * time.Millisecond):
				}
			}
		}
	}
	b.ReportMetric(float64(20*b.N)/time.Since(t0).Seconds(), "tasks/s")
}
