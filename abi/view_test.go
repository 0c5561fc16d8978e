package abi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

// viewMatchesDecode checks that the view decodes msg to the same answer as
// DecodeHTTPResponse, or fails too (with the same words if sameWords: with several bad
// headers, which one DecodeHTTPResponse names depends on map order).
func viewMatchesDecode(t *testing.T, v *HTTPResponseView, msg []byte, sameWords bool) {
	t.Helper()
	want, werr := DecodeHTTPResponse(msg)
	gerr := v.Decode(msg)
	if (werr == nil) != (gerr == nil) || sameWords && werr != nil && werr.Error() != gerr.Error() {
		t.Fatalf("%q: view error %v, DecodeHTTPResponse error %v", msg, gerr, werr)
	}
	if werr != nil {
		return
	}
	got := map[string][]string{}
	for _, f := range v.Headers {
		got[string(f.Name)] = append(got[string(f.Name)], string(f.Value))
	}
	wantH := map[string][]string{}
	for k, vs := range want.Headers {
		if len(vs) > 0 {
			wantH[k] = vs
		}
	}
	// SPEC.md 7.2, whichever path decoded it: the status in range, names lower-case
	// tokens that responses may set, no line break in a value (response splitting).
	if v.Status < 100 || v.Status > 599 {
		t.Fatalf("%q: status %d", msg, v.Status)
	}
	for _, f := range v.Headers {
		if !validHeaderName(string(f.Name)) || strings.ToLower(string(f.Name)) != string(f.Name) || hopByHop[string(f.Name)] ||
			bytes.ContainsAny(f.Value, "\r\n") {
			t.Fatalf("%q: header %q: %q", msg, f.Name, f.Value)
		}
	}
	wantFile := ""
	if want.File != nil {
		wantFile = *want.File
	}
	if string(v.File) != wantFile || (v.File == nil) != (want.File == nil) {
		t.Fatalf("%q: view file %q, decode file %q", msg, v.File, wantFile)
	}
	if v.Status != want.Status || !bytes.Equal(v.Body, want.Body) || (v.Body == nil) != (want.Body == nil) || !reflect.DeepEqual(got, wantH) {
		t.Fatalf("%q:\nview   %d %q %q\ndecode %d %q %q", msg, v.Status, got, v.Body, want.Status, wantH, want.Body)
	}
}

var viewCases = []string{
	`{"status":200,"headers":{"content-type":"application/json"},"json":{"message":"hello X"}}`,
	`{"json":{"message":"hello X"}}`,
	` { "status" : 404 , "headers" : { "a" : [ "x" , "y" ] , "b" : [] } , "text" : "no" } `,
	`{"headers":{"content-type":[]},"json":1}`,
	`{"headers":{"content-type":[]},"text":"x"}`,
	`{"headers":{"x-a":"1","x-b":["2","3"],"x-c":""},"text":""}`,
	`{"json":[1,{"a":"}"},"x\"y"],"status":201}`,
	`{"json":null}`, `{"json":"s"}`, `{"json":12.5e3}`, `{"json":true}`, `{}`, ` {} `,
	`{"status":0200}`, `{"status":2e2}`, `{"status":200.0}`, `{"status":0}`, `{"status":99}`,
	`{"status":600}`, `{"status":-200}`, `{"status":"200"}`, `{"status":null}`,
	`{"text":"é"}`, `{"text":"a\nb"}`, `{"text":"\xff"}`, `{"text":"a` + "\n" + `b"}`,
	`{"body":"AAEC"}`, `{"body":""}`, `{"body":"AAE"}`, `{"body":"!!!!"}`, `{"body":null}`,
	`{"body":"AAEC","text":"x"}`, `{"text":"x","json":1}`, `{"text":"x","text":"y"}`,
	`{"status":200}x`, `{"headers":{"a":null}}`, `{"json":{"a":1}`, `{"json":}`, `{"json":{"a":}}`,
	`{"headers":{"Content-Type":"text/html"},"text":"x"}`,
	`{"headers":{"connection":"close","content-length":"9","x":"y"},"text":"x"}`,
	`{"headers":{"a b":"x"}}`, `{"headers":{"":"x"}}`, `{"headers":{"a":"x\r\ny"}}`,
	`{"headers":{"a":"x","a":"y"}}`, `{"headers":{"a":"é"}}`, `{"headers":{"a":"\xff"}}`,
	`{"headers":{"a":"x"},"headers":{"b":"y"}}`, `{"headers":{"a":1}}`, `{"headers":[]}`,
	`{"unknown":1,"text":"x"}`, `{"\u0074ext":"x"}`, ``, `  `, `[]`, `null`, `{"status":200,}`,
	// Response splitting and header names fasthttp would write as they are.
	`{"headers":{"a":"x\u000d\u000ay"}}`, `{"headers":{"a":["ok","x\ny"]}}`, `{"headers":{"a":["ok","x\ry"]}}`,
	`{"headers":{"a":"\u0000"}}`, `{"headers":{"a":"x` + "\r\n" + `y"}}`, `{"headers":{"a:b":"x"}}`,
	`{"headers":{"a\r\nb":"x"}}`, `{"headers":{"a` + "\n" + `b":"x"}}`, `{"headers":{"a\u0020b":"x"}}`,
	`{"headers":{"é":"x"}}`, `{"headers":{"set-cookie":["a=1","b=2"]},"text":"x"}`,
	`{"headers":{"Transfer-Encoding":"chunked"},"text":"x"}`, `{"headers":{"content-length":"0"},"body":"AAEC"}`,
	`{"headers":{"a":"x","b":[]}}`,
	` { "status" : 404 , "headers" : { "a" : [ "x" , "y" ] , "b" : [] } , "text" : "no" } `,
	`{"json":[1,{"a":"}"},"x\"y"],"status":201}`,
	// Status bounds and numbers.
	`{"status":100}`, `{"status":599}`, `{"status":1e2}`, `{"status":99999999999999999999}`, `{"status":200 }`,
	`{"status":-0}`, `{"status":20}`, `{"status":2000}`, `{"Status":404}`,
	// Bodies.
	`{"body":"AA=="}`, `{"body":"AA"}`, `{"body":"AA\r\n=="}`, `{"body":"A===" }`, `{"text":"\ud800"}`,
	`{"text":"\u2028"}`, `{"Text":"x"}`, `{"json":"\xff"}`, "{\"json\":\"\xff\"}", `{"json":1e999}`, `{"json":-}`,
	`{"json":[` + strings.Repeat("[", 70) + strings.Repeat("]", 70) + `]}`, `{"json":{"a":1,"a":2}}`,
	`{"json":1,"headers":{"content-type":"text/x"}}`,
	// Files.
	`{"headers":{"content-type":"text/html"},"file":"sites/a/index.html"}`, `{"file":""}`, `{"file":null}`,
	`{"file":1}`, `{"file":"a","text":"x"}`, `{"body":"AA==","file":"a"}`, `{"file":"a","json":1}`,
	`{"file":"a","file":"b"}`, `{"file":"\u0061"}`, `{"file":"\xff"}`, "{\"file\":\"\xff\"}", `{"file":"é/ü"}`, `{"json":` + "\t 1 \n" + `}`, `{"json":01}`,
}

func TestHTTPResponseViewMatchesDecode(t *testing.T) {
	var v HTTPResponseView
	for _, in := range viewCases {
		viewMatchesDecode(t, &v, []byte(in), true)
	}
	// The benchmark's response, and plain headers, must take the fast path.
	for _, in := range []string{viewCases[0], viewCases[5], `{"headers":{"content-type":"text/html"},"file":"sites/a/index.html"}`} {
		if !v.decodeFast([]byte(in)) {
			t.Errorf("%s: want the fast path", in)
		}
	}
}

func TestHTTPResponseViewDecodesWithoutAllocating(t *testing.T) {
	var v HTTPResponseView
	msg := []byte(viewCases[0])
	if n := testing.AllocsPerRun(100, func() {
		if err := v.Decode(msg); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Errorf("%v allocations per decode, want 0", n)
	}
}

func FuzzHTTPResponseView(f *testing.F) {
	for _, in := range viewCases {
		f.Add([]byte(in))
	}
	var v HTTPResponseView
	f.Fuzz(func(t *testing.T, in []byte) { viewMatchesDecode(t, &v, in, false) })
}

func BenchmarkHTTPResponseView(b *testing.B) {
	in := []byte(viewCases[0])
	var v HTTPResponseView
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if err := v.Decode(in); err != nil {
			b.Fatal(err)
		}
	}
}

// FuzzValidValue checks that validValue accepts only what json.Valid accepts, and
// refuses nothing it accepts below maxFastDepth.
func FuzzValidValue(f *testing.F) {
	for _, s := range []string{`{"message":"hello X"}`, `[1,-0.5e+3,true,false,null,"\u00e9\n"]`, `{"a":{"b":[{}]}}`,
		`01`, `1.`, `-`, `1e`, `"\x01"`, `"\q"`, `"\u12"`, `{"a" 1}`, `[1,]`, `{,}`, `tru`, "\"\xff\"", ` 1`, `1 `} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		end, ok := validValue(in, 0)
		whole := ok && skipWS(in, end) == len(in)
		if whole && !json.Valid(in) {
			t.Fatalf("validValue accepts %q, json.Valid does not", in)
		}
		if !whole && json.Valid(in) && len(in) > 0 && in[0] != ' ' && in[0] != '\t' && in[0] != '\n' && in[0] != '\r' && bytes.Count(in, []byte("["))+bytes.Count(in, []byte("{")) < maxFastDepth {
			t.Fatalf("validValue refuses %q, which json.Valid accepts", in)
		}
	})
}

// manyHeaders is a response message with n distinct header names.
func manyHeaders(n int) []byte {
	msg := []byte(`{"headers":{`)
	for i := 0; i < n; i++ {
		if i > 0 {
			msg = append(msg, ',')
		}
		msg = fmt.Appendf(msg, `"h%d":""`, i)
	}
	return append(msg, `},"text":"x"}`...)
}

// TestHTTPResponseViewManyHeaders: a plugin's output of many header fields decodes as
// DecodeHTTPResponse does and in comparable time. The fast path's duplicate check
// compares each name with every field before it; unbounded, a plugin could make the
// host spend seconds of CPU (outside the plugin's deadline) on one 600 KB response.
func TestHTTPResponseViewManyHeaders(t *testing.T) {
	var v HTTPResponseView
	viewMatchesDecode(t, &v, manyHeaders(MaxResponseHeaderFields), true)
	// Far over the cap, both refuse it, and the view in about the reference decoder's
	// time: its duplicate check once compared every header with every other (18 s
	// for 50,000 names), outside the plugin's deadline.
	msg := manyHeaders(20000)
	t0 := time.Now()
	_, rerr := DecodeHTTPResponse(msg)
	ref := time.Since(t0)
	t0 = time.Now()
	verr := v.Decode(msg)
	if got := time.Since(t0); got > 10*ref+100*time.Millisecond {
		t.Errorf("the view took %v for %d header fields, DecodeHTTPResponse %v", got, 20000, ref)
	}
	for _, err := range []error{rerr, verr} {
		if err == nil || !strings.Contains(err.Error(), "at most 100") {
			t.Errorf("20,000 header fields: err = %v, want the cap", err)
		}
	}
}

// TestResponseStatusAbsentOrOutOfRange: an absent status means 200; a status given as 0
// (or null, or -0) is out of SPEC 7.2's 100-599 like any other, for the reference decoder
// and the view alike.
func TestResponseStatusAbsentOrOutOfRange(t *testing.T) {
	var v HTTPResponseView
	for _, msg := range []string{`{"text":"x"}`, `{}`, `{"headers":{"a":"b"}}`} {
		r, err := DecodeHTTPResponse([]byte(msg))
		if err != nil || r.Status != 200 {
			t.Errorf("DecodeHTTPResponse(%s): %v %v, want status 200", msg, r, err)
		}
		if err := v.Decode([]byte(msg)); err != nil || v.Status != 200 {
			t.Errorf("view of %s: %d %v, want status 200", msg, v.Status, err)
		}
	}
	for _, msg := range []string{`{"status":0,"text":"x"}`, `{"status":0}`, `{"text":"x","status":-0}`, `{"status":null}`, `{"status":0.0}`} {
		r, err := DecodeHTTPResponse([]byte(msg))
		if err == nil {
			t.Errorf("DecodeHTTPResponse(%s) = status %d, want an error", msg, r.Status)
		} else if !strings.Contains(err.Error(), "status") {
			t.Errorf("DecodeHTTPResponse(%s): error %q does not name the status", msg, err)
		}
		if err := v.Decode([]byte(msg)); err == nil {
			t.Errorf("view of %s = status %d, want an error", msg, v.Status)
		}
	}
}
