package abi

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// TestFilesWriteDecodeFast: what DecodeFast takes it decodes as encoding/json does, it
// takes the Go SDK's messages, and it leaves every other shape (and the request) to
// encoding/json.
func TestFilesWriteDecodeFast(t *testing.T) {
	checkDecodeFast(t, filesWriteCases(t), FilesWriteRequest{Replace: "untouched"})
}

// FuzzFilesWriteDecodeFast: whatever DecodeFast takes, encoding/json takes too and
// decodes to the same request.
func FuzzFilesWriteDecodeFast(f *testing.F) {
	for _, c := range filesWriteCases(f) {
		f.Add(c.msg)
	}
	f.Fuzz(func(t *testing.T, msg string) {
		var fast FilesWriteRequest
		if !fast.DecodeFast([]byte(msg)) {
			return
		}
		var want FilesWriteRequest
		if err := json.Unmarshal([]byte(msg), &want); err != nil {
			t.Fatalf("%q: taken, but encoding/json refuses it: %v", msg, err)
		}
		if !reflect.DeepEqual(fast, want) {
			t.Fatalf("%q:\n fast %+v\n json %+v", msg, fast, want)
		}
	})
}

func filesWriteCases(t testing.TB) []struct {
	msg  string
	fast bool
} {
	sdk := func(r FilesWriteRequest) string {
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	big := []byte(strings.Repeat("<p>page</p>\x00\xff", 5000))
	cases := []struct {
		msg  string
		fast bool
	}{
		{sdk(FilesWriteRequest{Files: []FileContent{}}), true},
		{sdk(FilesWriteRequest{Files: []FileContent{{Path: "a/index.html", Content: big}}, Replace: "sites/x"}), true},
		{sdk(FilesWriteRequest{Files: []FileContent{{Path: "a", Content: []byte{}}, {Path: "b/ü.png", Content: []byte{1, 2, 3}}}}), true},
		{sdk(FilesWriteRequest{Files: []FileContent{{Path: "a", Content: nil}}}), true}, // neither content nor block: empty
		{`{"files":[{"path":"a","content":null}]}`, false},
		{sdk(FilesWriteRequest{Files: []FileContent{{Path: `q"uote<&>`, Content: []byte("x")}}}), false},
		{`{"files":[{"path":"a\u0062","content":"eA=="}]}`, false},
		{`{"files":[{"path":"a","content":"eA=="}],"replace":"d"}`, true},
		{`{"files":[{"content":"eA==","path":"a"}]}`, false},
		{`{"files": [{"path":"a","content":"eA=="}]}`, false},
		{`{"files":[{"path":"a","content":"eA=="}]} `, false},
		{`{"files":[{"path":"a","content":"eA=="},]}`, false},
		{`{"files":[{"path":"a","content":"not base64!"}]}`, false},
		{`{"files":[{"path":"a","content":"eA"}]}`, false},
		{"{\"files\":[{\"path\":\"a\xff\",\"content\":\"eA==\"}]}", false},
		{`{"files":null}`, false},
		{`{"Files":[]}`, false},
		{`{"files":[],"replace":"a","replace":"b"}`, false},
		{`{"files":[{"path":"a","content":"eA==","extra":1}]}`, false},
		{`{"files":[{"path":"a","content":"eA=="}]`, false},
		{`{"files":[`, false},
		// Arena blocks in place of content.
		{`{"files":[{"path":"a","block":8},{"path":"b","content":"eA=="},{"path":"c","block":123456789012345678}],"replace":"d"}`, true},
		{`{"files":[{"path":"a","block":0}]}`, false},
		{`{"files":[{"path":"a","block":08}]}`, false},
		{`{"files":[{"path":"a","block":-8}]}`, false},
		{`{"files":[{"path":"a","block":8.0}]}`, false},
		{`{"files":[{"path":"a","block":8e2}]}`, false},
		{`{"files":[{"path":"a","block":1234567890123456789}]}`, false},
		{`{"files":[{"path":"a","block":99999999999999999999}]}`, false},
		{`{"files":[{"path":"a","block":"8"}]}`, false},
		{`{"files":[{"path":"a","block":8,"content":"eA=="}]}`, false},
		{`{"files":[{"path":"a"}]}`, true},
		{`{"files":[{"path":"a","size":1}]}`, false},
		// Line breaks, escapes and non-ASCII bytes inside base64.
		{"{\"files\":[{\"path\":\"a\",\"content\":\"eA\n==\"}]}", false},
		{"{\"files\":[{\"path\":\"a\",\"content\":\"eA\r==\"}]}", false},
		{`{"files":[{"path":"a","content":"eA\u003d="}]}`, false},
		{`{"files":[{"path":"a","content":"e\"A=="}]}`, false},
		{"{\"files\":[{\"path\":\"a\",\"content\":\"e\xc3\xa9A=\"}]}", false},
		{``, false},
	}
	return cases
}

// decodeFaster is a request with a fast decoder beside encoding/json.
type decodeFaster[T any] interface {
	*T
	DecodeFast([]byte) bool
}

// checkDecodeFast runs DecodeFast, on a request holding before, over each message: it
// must take the message when fast says so, decode what it takes as encoding/json does,
// and leave the request as it was when it declines.
func checkDecodeFast[T any, P decodeFaster[T]](t *testing.T, cases []struct {
	msg  string
	fast bool
}, before T) {
	t.Helper()
	for _, c := range cases {
		fast := before
		ok := P(&fast).DecodeFast([]byte(c.msg))
		if ok != c.fast {
			t.Errorf("%.120s: fast %v, want %v", c.msg, ok, c.fast)
		}
		if !ok {
			if !reflect.DeepEqual(fast, before) {
				t.Errorf("%.120s: declined but changed the request: %+v", c.msg, fast)
			}
			continue
		}
		var want T
		if err := json.Unmarshal([]byte(c.msg), &want); err != nil {
			t.Errorf("%.120s: taken, but encoding/json refuses it: %v", c.msg, err)
			continue
		}
		if !reflect.DeepEqual(fast, want) {
			t.Errorf("%.120s:\n fast %+v\n json %+v", c.msg, fast, want)
		}
	}
}
