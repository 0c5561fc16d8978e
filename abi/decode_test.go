package abi

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
)

func slowDecode(b []byte) (HTTPResponse, error) {
	var r HTTPResponse
	err := json.Unmarshal(b, &r)
	return r, err
}

func sameResponse(t *testing.T, in []byte) {
	var fast HTTPResponse
	if decodeResponseFast(in, &fast) != nil {
		return
	}
	slow, err := slowDecode(in)
	if err != nil {
		t.Fatalf("fast path accepted %q, encoding/json refuses it: %v", in, err)
	}
	if fast.Status != slow.Status || !reflect.DeepEqual(fast.Headers, slow.Headers) ||
		!reflect.DeepEqual(fast.Text, slow.Text) || !bytes.Equal(fast.JSON, slow.JSON) {
		t.Fatalf("fast and slow differ on %q:\nfast %+v\nslow %+v", in, fast, slow)
	}
}

func TestDecodeResponseFastMatchesEncodingJSON(t *testing.T) {
	for _, in := range []string{
		`{"status":200,"headers":{"content-type":"application/json"},"json":{"message":"hello X"}}`,
		` { "status" : 404 , "headers" : { "a" : [ "x" , "y" ] , "b" : [] } , "text" : "no" } `,
		`{"json":[1,{"a":"}"},"x\"y"],"status":201}`,
		`{"json":null}`, `{"json":"s"}`, `{"json":12.5e3}`, `{}`,
		`{"status":0200}`, `{"status":2e2}`, `{"text":"é"}`, `{"text":"a\nb"}`, `{"body":"AAEC"}`,
		`{"status":200}x`, `{"headers":{"a":null}}`, `{"json":{"a":1}`,
	} {
		sameResponse(t, []byte(in))
	}
	var r HTTPResponse
	if err := decodeResponseFast([]byte(`{"status":200,"headers":{"content-type":"application/json"},"json":{"message":"hello X"}}`), &r); err != nil {
		t.Fatal("the common response shape must take the fast path")
	}
}

func FuzzDecodeResponseFast(f *testing.F) {
	f.Add([]byte(`{"status":200,"headers":{"content-type":"application/json"},"json":{"message":"hello X"}}`))
	f.Add([]byte(`{"text":"x","headers":{"a":["b","c"]}}`))
	f.Add([]byte(`{"json":[{"a":"\"}"}]}`))
	f.Fuzz(func(t *testing.T, in []byte) { sameResponse(t, in) })
}
