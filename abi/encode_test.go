package abi

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"
)

func TestAppendHTTPRequestMatchesEncodingJSON(t *testing.T) {
	cases := []*HTTPRequest{
		{Method: "GET", Path: "/"},
		{Method: "POST", Path: "/items/42", Route: "/items/:id", Params: map[string]string{"id": "42", "a": "b"},
			Query:   map[string][]string{"q": {"x", "y"}, "empty": {""}, "nil": nil},
			Headers: map[string][]string{"content-type": {"application/json"}, "x-odd": {"a\"b\\c\n\t<>&\u2028\x01é\xff"}},
			Body:    []byte{0, 1, 2, 250}},
	}
	var golden HTTPRequest
	b, _ := os.ReadFile("testdata/http-request-body.json")
	if err := json.Unmarshal(b, &golden); err != nil {
		t.Fatal(err)
	}
	cases = append(cases, &golden)
	for _, r := range cases {
		want, _ := json.Marshal(r)
		got := AppendHTTPRequest(nil, r)
		if !bytes.Equal(got, want) {
			t.Errorf("got  %s\nwant %s", got, want)
		}
	}
}

func FuzzAppendHTTPRequest(f *testing.F) {
	f.Add("GET", "/a", "k", "v", []byte("body"))
	f.Add("P\xffST", "/\u2028", "<k>", "\x00", []byte{})
	f.Fuzz(func(t *testing.T, method, path, k, v string, body []byte) {
		r := &HTTPRequest{Method: method, Path: path, Params: map[string]string{k: v},
			Query: map[string][]string{k: {v, path}}, Headers: map[string][]string{v: {k}}, Body: body}
		want, _ := json.Marshal(r)
		if got := AppendHTTPRequest(nil, r); !bytes.Equal(got, want) {
			t.Fatalf("got  %s\nwant %s", got, want)
		}
	})
}

func BenchmarkAppendHTTPRequest(b *testing.B) {
	r := &HTTPRequest{Method: "GET", Path: "/hello", Route: "/hello", Query: map[string][]string{"name": {"X"}},
		Headers: map[string][]string{"host": {"localhost:7007"}, "user-agent": {"wrk"}}}
	b.Run("append", func(b *testing.B) {
		b.ReportAllocs()
		buf := make([]byte, 0, 512)
		for i := 0; i < b.N; i++ {
			buf = AppendHTTPRequest(buf[:0], r)
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			json.Marshal(r)
		}
	})
}

func BenchmarkDecodeHTTPResponse(b *testing.B) {
	in := []byte(`{"status":200,"headers":{"content-type":"application/json"},"json":{"message":"hello X"}}`)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := DecodeHTTPResponse(in); err != nil {
			b.Fatal(err)
		}
	}
}
