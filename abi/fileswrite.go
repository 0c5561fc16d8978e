package abi

import (
	"bytes"
	"encoding/base64"
	"unicode/utf8"
)

// DecodeFast decodes the usual shape of a files_write request, the one the Go SDK's
// encoding/json writes: {"files":[{"path":"...","content":"<base64>"},...]} with an
// optional "replace":"..." after the files, no spaces, and strings without escapes.
// It reports false, and leaves r as it was, for anything else, which the caller decodes
// with encoding/json; what it accepts it decodes as encoding/json would. A built site
// is megabytes of base64 in one request, and encoding/json scans it twice.
func (r *FilesWriteRequest) DecodeFast(msg []byte) bool {
	rest, ok := bytes.CutPrefix(msg, []byte(`{"files":[`))
	if !ok {
		return false
	}
	var files []FileContent
	if rest, ok = bytes.CutPrefix(rest, []byte("]")); !ok {
		for {
			var f FileContent
			var path, content []byte
			if rest, ok = bytes.CutPrefix(rest, []byte(`{"path":`)); !ok {
				return false
			}
			if path, rest, ok = plainText(rest); !ok {
				return false
			}
			if rest, ok = bytes.CutPrefix(rest, []byte(`,"content":`)); !ok {
				return false
			}
			if content, rest, ok = plainText(rest); !ok {
				return false
			}
			if rest, ok = bytes.CutPrefix(rest, []byte("}")); !ok {
				return false
			}
			f.Path = string(path)
			f.Content = make([]byte, base64.StdEncoding.DecodedLen(len(content)))
			n, err := base64.StdEncoding.Decode(f.Content, content)
			if err != nil {
				return false
			}
			f.Content = f.Content[:n]
			files = append(files, f)
			if rest, ok = bytes.CutPrefix(rest, []byte("]")); ok {
				break
			}
			if rest, ok = bytes.CutPrefix(rest, []byte(",")); !ok {
				return false
			}
		}
	}
	if files == nil {
		files = []FileContent{}
	}
	var replace []byte
	if r2, ok := bytes.CutPrefix(rest, []byte(`,"replace":`)); ok {
		if replace, rest, ok = plainText(r2); !ok {
			return false
		}
	}
	if !bytes.Equal(rest, []byte("}")) {
		return false
	}
	*r = FilesWriteRequest{Files: files, Replace: string(replace)}
	return true
}

// plainText is plainString (view.go) on the front of b, and valid UTF-8 (encoding/json
// would replace invalid bytes): the string's bytes and what follows it.
func plainText(b []byte) (s, rest []byte, ok bool) {
	s, next, ok := plainString(b, 0)
	if !ok || !utf8.Valid(s) {
		return nil, nil, false
	}
	return s, b[next:], true
}
