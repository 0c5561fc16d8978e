package abi

import (
	"bytes"
	"encoding/base64"
	"unicode/utf8"
)

// DecodeFast decodes the usual shape of a files_write request, the one the Go SDK's
// SDKs write: {"files":[{"path":"...","content":"<base64>"},...]}, or a file's
// "block":<handle> in place of its content, with an optional "replace":"..." after the
// files, no spaces, and strings without escapes.
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
			f.Path = string(path)
			if r2, ok := bytes.CutPrefix(rest, []byte(`,"content":`)); ok {
				if content, rest, ok = base64String(r2); !ok {
					return false
				}
				f.Content = make([]byte, base64.StdEncoding.DecodedLen(len(content)))
				n, err := base64.StdEncoding.Decode(f.Content, content)
				if err != nil {
					return false
				}
				f.Content = f.Content[:n]
			} else if r2, ok := bytes.CutPrefix(rest, []byte(`,"block":`)); ok {
				if f.Block, rest, ok = handle(r2); !ok {
					return false
				}
			}
			if rest, ok = bytes.CutPrefix(rest, []byte("}")); !ok {
				return false
			}
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

// base64String is the JSON string on the front of b when it can only be base64 (and
// then needs no unescaping): the string's bytes and what follows. It finds the closing
// quote with one IndexByte over megabytes, where plainString looks at every byte; a
// backslash, a control character or a non-ASCII byte inside makes the base64 decoding
// fail, so the caller declines, but raw line breaks, which encoding/json refuses in a
// string and the base64 decoder skips, are refused here.
func base64String(b []byte) (s, rest []byte, ok bool) {
	if len(b) == 0 || b[0] != '"' {
		return nil, nil, false
	}
	end := bytes.IndexByte(b[1:], '"')
	if end < 0 {
		return nil, nil, false
	}
	s = b[1 : 1+end : 1+end]
	if bytes.IndexByte(s, '\n') >= 0 || bytes.IndexByte(s, '\r') >= 0 {
		return nil, nil, false
	}
	return s, b[2+end:], true
}

// handle is a positive JSON integer of at most 18 digits (an arena handle) on the front
// of b, and what follows it; zero, signs, fractions and exponents are left to
// encoding/json.
func handle(b []byte) (int64, []byte, bool) {
	var n int64
	i := 0
	for ; i < len(b) && i < 19 && b[i] >= '0' && b[i] <= '9'; i++ {
		if i == 0 && b[i] == '0' {
			return 0, nil, false
		}
		n = n*10 + int64(b[i]-'0')
	}
	if i == 0 || i > 18 || i < len(b) && (b[i] == '.' || b[i] == 'e' || b[i] == 'E' || b[i] >= '0' && b[i] <= '9') {
		return 0, nil, false
	}
	return n, b[i:], true
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
