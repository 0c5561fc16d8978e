package ext

import (
	"reflect"
	"strings"
	"testing"
)

func TestConfigDefaults(t *testing.T) {
	s, err := compileConfigSchema([]byte(`{"type":"object","properties":{
		"title":{"type":"string","default":"Radar"},
		"rings":{"type":"array","default":[{"name":"Adopt"}],"items":{"type":"object","properties":{"name":{"type":"string"},"color":{"type":"string","default":"green"}}}},
		"layout":{"type":"object","default":{"columns":2},"properties":{"columns":{"type":"integer"},"dense":{"type":"boolean","default":false}}},
		"limits":{"type":"object","properties":{"max":{"type":"integer","default":10}}}
	}}`))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		in   map[string]any
		want map[string]any
	}{
		{nil, map[string]any{"title": "Radar", "rings": []any{map[string]any{"name": "Adopt", "color": "green"}},
			"layout": map[string]any{"columns": 2.0, "dense": false}}},
		{map[string]any{"title": "Mine", "rings": []any{map[string]any{"name": "Hold", "color": "red"}, map[string]any{"name": "Trial"}}, "limits": map[string]any{}},
			map[string]any{"title": "Mine", "rings": []any{map[string]any{"name": "Hold", "color": "red"}, map[string]any{"name": "Trial", "color": "green"}},
				"layout": map[string]any{"columns": 2.0, "dense": false}, "limits": map[string]any{"max": 10.0}}},
	}
	for _, tt := range tests {
		got, err := s.apply(tt.in)
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("apply(%v) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	// Defaults are copied: filling one config must not change the schema's default.
	a, _ := s.apply(nil)
	a["layout"].(map[string]any)["columns"] = 9.0
	if b, _ := s.apply(nil); b["layout"].(map[string]any)["columns"] != 2.0 {
		t.Error("a filled-in default was shared between configs")
	}
	if _, err := s.apply(map[string]any{"rings": []any{map[string]any{"name": 5}}}); err == nil || !strings.Contains(err.Error(), "config.rings[0].name: got number, want string") {
		t.Errorf("nested error = %v", err)
	}
	if _, err := s.apply(map[string]any{"bad": make(chan int)}); err == nil || !strings.Contains(err.Error(), "config cannot be read as JSON") {
		t.Errorf("unencodable config: %v", err)
	}
}
