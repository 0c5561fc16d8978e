package catalog

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
)

func TestProject(t *testing.T) {
	e := []byte(`{"apiVersion":"v1","kind":"Component","metadata":{"name":"a\"b","tags":["x","y"],"annotations":{"k/v":"1"},"esc\u0061ped":true},"spec":{"type":"service","n":12.5,"o":{"p":[{"q":"}"}]}},"relations":[]}`)
	cases := []struct {
		fields string
		want   string
	}{
		{"kind", `{"kind":"Component"}`},
		{"metadata.name,kind", `{"kind":"Component","metadata":{"name":"a\"b"}}`},
		{"metadata.tags,spec.o", `{"metadata":{"tags":["x","y"]},"spec":{"o":{"p":[{"q":"}"}]}}}`},
		{"metadata,metadata.name", `{"metadata":{"name":"a\"b","tags":["x","y"],"annotations":{"k/v":"1"},"esc\u0061ped":true}}`},
		{"metadata.escaped", `{"metadata":{"escaped":true}}`},
		{"spec.n,spec.missing,nope", `{"spec":{"n":12.5}}`},
		{"kind.sub", `{}`},
		{"nothing", `{}`},
	}
	for _, c := range cases {
		got := Project(e, ParseFields([]string{c.fields}))
		var g, w any
		if err := json.Unmarshal(got, &g); err != nil {
			t.Fatalf("%s: invalid JSON %s", c.fields, got)
		}
		_ = json.Unmarshal([]byte(c.want), &w)
		if !reflect.DeepEqual(g, w) {
			t.Errorf("%s: got %s, want %s", c.fields, got, c.want)
		}
	}
}

func TestEncodeBodyOrderAndValidity(t *testing.T) {
	for _, e := range []map[string]any{
		{"kind": "X", "metadata": map[string]any{"title": "<b>&"}, "apiVersion": "v1", "extra": 1, "spec": map[string]any{}},
		{"metadata": map[string]any{"namespace": "n", "name": "a", "uid": "u", "etag": "old", "z": []any{"x"}}},
	} {
		b := encodeBody(e)
		if !json.Valid(b) {
			t.Fatalf("invalid JSON %s", b)
		}
		if bytes.Contains(b, []byte(`"old"`)) || !bytes.Contains(b, etagMarker) {
			t.Fatalf("etag placeholder missing: %s", b)
		}
	}
	b := encodeBody(map[string]any{"spec": 1, "kind": "K", "apiVersion": "v", "metadata": map[string]any{"name": "n", "namespace": "d", "a": "<"}})
	if want := `{"apiVersion":"v","kind":"K","metadata":{"namespace":"d","name":"n",` + string(etagMarker) + `,"a":"<"},"spec":1}`; string(b) != want {
		t.Fatalf("got  %s\nwant %s", b, want)
	}
}
