package greenroom

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// reflectRequest has Request's fields and tags but no UnmarshalJSON: encoding/json's
// reading of the same wire, the reference for decodeRequest.
type reflectRequest struct {
	Method  string              `json:"method"`
	Path    string              `json:"path"`
	Route   string              `json:"route,omitempty"`
	Params  map[string]string   `json:"params,omitempty"`
	Query   map[string][]string `json:"query,omitempty"`
	Headers Header              `json:"headers,omitempty"`
	Caller  *Caller             `json:"caller,omitempty"`
	// RequestID as Request's.
	RequestID string `json:"requestId,omitempty"`
	Body      []byte `json:"body,omitempty"`
}

// sameRequest compares decoded requests, taking an empty map as equal to a nil one.
func sameRequest(a, b reflectRequest) bool {
	for _, r := range []*reflectRequest{&a, &b} {
		if len(r.Params) == 0 {
			r.Params = nil
		}
		if len(r.Query) == 0 {
			r.Query = nil
		}
		if len(r.Headers) == 0 {
			r.Headers = nil
		}
	}
	return reflect.DeepEqual(a, b)
}

var requestSamples = []string{
	`{"method":"GET","path":"/hello","route":"/hello","params":{},"query":{"name":["X"]},"headers":{"accept":["application/json"]}}`,
	`{"method":"POST","path":"/items/42","route":"/items/:id","params":{"id":"42"},"headers":{"content-type":["application/json"]},"body":"eyJuYW1lIjoid2lkZ2V0In0="}`,
	` { "path" : "/a\"b\\c\/d\u00e9\ud83d\ude00\n" , "method" : "GET" , "extra" : [1, -2.5e3, true, false, null, {"x": [{}]}], "query": {"q": [], "r": ["1", "2"]} } `,
	`{"method":"GET","path":"/x","headers":{"x-one":"single"},"body":null,"params":null,"query":null}`,
	`{"method":"GET","path":"/bad\ud800utf16","route":"\ud800\u0041"}`,
	"{\"method\":\"GET\",\"path\":\"/\xff\xfe invalid utf8\"}",
	`{"method":"GET","path":"/x","body":""}`,
	`{"method":"GET","path":"/x","query":{"a":["<&>"]},"method":"PUT"}`,
	`{"method":"GET","path":"/x","caller":{"type":"service","subject":"external:ci"},"requestId":"0b6f3c1e-5d0a-4f43-9d36-2a1f0c9b7e11","RequestID":"x"}`,
}

func TestDecodeRequestMatchesEncodingJSON(t *testing.T) {
	for _, in := range requestSamples {
		var want reflectRequest
		if err := json.Unmarshal([]byte(in), &want); err != nil {
			t.Fatalf("sample %s: %v", in, err)
		}
		var got Request
		if err := decodeRequest([]byte(in), &got, false); err != nil {
			t.Errorf("decodeRequest(%s): %v", in, err)
			continue
		}
		if !sameRequest(reflectRequest(got), want) {
			t.Errorf("decodeRequest(%s)\n got %#v\nwant %#v", in, got, want)
		}
	}
}

func TestDecodeRequestErrors(t *testing.T) {
	for in, want := range map[string]string{
		``:                                           "not a JSON object",
		`[]`:                                         "not a JSON object",
		`{"method":"GET"} x`:                         "trailing data",
		`{"method":1}`:                               "method: want a string",
		`{"method":"GET","body":"***"}`:              "body is not standard base64",
		`{"method":"GET","query":{"a":"b"}}`:         "query.a: want an array of strings",
		`{"method":"GET","query":[]}`:                "query: want an object",
		`{"method":"GET","params":{"a":1}}`:          "params.a: want a string",
		`{"method":"GET","path":"/x`:                 "path: unterminated string",
		`{"method":"GET","path":"\q"}`:               `bad escape \q`,
		`{"method":"GET","path":"\u12"}`:             `bad \u escape`,
		"{\"method\":\"G\nET\"}":                     "control character",
		`{"method":"GET" "path":"/"}`:                "want ',' or '}'",
		`{"method" "GET"}`:                           "want ':'",
		`{"x":1e}`:                                   "bad number",
		`{"x":tru}`:                                  "want a JSON value",
		`{"method":"GET","headers":{"a":["b" "c"]}}`: "want ',' or ']'",
	} {
		var r Request
		err := decodeRequest([]byte(in), &r, false)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("decodeRequest(%q): %v, want an error containing %q", in, err, want)
		}
	}
}

func FuzzDecodeRequest(f *testing.F) {
	for _, s := range requestSamples {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		var want reflectRequest
		refErr := json.Unmarshal([]byte(in), &want)
		var got Request
		err := decodeRequest([]byte(in), &got, false)
		if refErr == nil && err != nil {
			t.Fatalf("encoding/json accepts %q, decodeRequest does not: %v", in, err)
		}
		if refErr == nil && !sameRequest(reflectRequest(got), want) {
			t.Fatalf("decodeRequest(%q)\n got %#v\nwant %#v", in, got, want)
		}
		var borrowed Request
		if err2 := decodeRequest([]byte(in), &borrowed, true); (err2 == nil) != (err == nil) || !reflect.DeepEqual(borrowed, got) {
			t.Fatalf("decodeRequest(%q) borrowing: %#v, %v; copying: %#v, %v", in, borrowed, err2, got, err)
		}
	})
}

// reflectResponse is the reference encoding of a Response.
func reflectResponse(r *Response) []byte {
	var h map[string]any
	if len(r.Headers) > 0 {
		h = map[string]any{}
		for k, v := range r.Headers {
			if len(v) == 1 {
				h[k] = v[0]
			} else {
				h[k] = v
			}
		}
	}
	b, _ := json.Marshal(struct {
		Status  int             `json:"status,omitempty"`
		Headers map[string]any  `json:"headers,omitempty"`
		Body    []byte          `json:"body,omitempty"`
		Text    *string         `json:"text,omitempty"`
		JSON    json.RawMessage `json:"json,omitempty"`
		File    string          `json:"file,omitempty"`
	}{r.Status, h, r.Body, r.Text, r.JSON, r.File})
	return b
}

func TestAppendJSONMatchesEncodingJSON(t *testing.T) {
	text := "tab\t nl\n quote\" back\\ ctl\x01 html<&> \u2028\u2029 é 😀 bad\xff end"
	empty := ""
	for _, r := range []*Response{
		{},
		{Status: 204},
		JSON(200, map[string]string{"message": "hello X"}),
		Text(404, text),
		{Text: &empty},
		Bytes(201, "application/octet-stream", []byte{0, 1, 2, 3, 255}),
		Bytes(200, "", nil),
		ServeFile("text/html", "site/a \"b\".html"),
		ServeFile("", "x").WithHeader("cache-control", "no-cache"),
		{Status: 302, Headers: Header{"location": {"/x"}, "x-multi": {"a", "b"}, "x-none": {}, "x\"q": {text}}},
	} {
		got, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		if want := reflectResponse(r); string(got) != string(want) {
			t.Errorf("response %+v\n got %s\nwant %s", r, got, want)
		}
	}
}

func TestJSONFastPathsMatchEncodingJSON(t *testing.T) {
	for _, v := range []any{
		map[string]string{"message": "hello X"},
		map[string]string{"b": "2", "a": "<1>", "é\n": "\u2028 \xff"},
		map[string]string{},
		map[string]string(nil),
		"plain",
		"quote\" html<&> ctl\x00",
	} {
		want, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if got := JSON(200, v).JSON; string(got) != string(want) {
			t.Errorf("JSON(%#v) = %s, want %s", v, got, want)
		}
	}
}
