package greenroom

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"strconv"
)

// URLReadResult is the result of URLRead.
type URLReadResult struct {
	// Content is the file's content; empty when NotModified.
	Content []byte `json:"content"`
	// ETag identifies this version; pass it to the next read to get NotModified.
	ETag string `json:"etag,omitempty"`
	// LastModifiedAt is when the file last changed (RFC 3339), when the source says.
	LastModifiedAt string `json:"lastModifiedAt,omitempty"`
	// NotModified is true when the etag passed in is still current.
	NotModified bool `json:"notModified,omitempty"`
}

// URLFile is one file of URLReadTree or URLSearch.
type URLFile struct {
	// Path is the file's path relative to the tree (URLReadTree).
	Path string `json:"path,omitempty"`
	// URL is the file's URL (URLSearch).
	URL     string `json:"url,omitempty"`
	Content []byte `json:"content,omitempty"`
	// Size is the file's size in bytes (URLReadTree).
	Size int64 `json:"size,omitempty"`
}

// URLFilesResult is the result of URLReadTree and URLSearch.
type URLFilesResult struct {
	Files       []URLFile `json:"files"`
	ETag        string    `json:"etag,omitempty"`
	NotModified bool      `json:"notModified,omitempty"`
}

type urlRequest struct {
	URL    string `json:"url"`
	ETag   string `json:"etag,omitempty"`
	Filter string `json:"filter,omitempty"`
}

// URLRead reads one file through the host's URL readers (Backstage's readUrl), which
// enforce the operator's allow rules. Pass the ETag of an earlier read, or "". Needs
// capability url.read.
func URLRead(url, etag string) (*URLReadResult, error) {
	var res URLReadResult
	if err := call(fnURLRead, urlRequest{URL: url, ETag: etag}, &res); err != nil {
		return nil, err
	}
	return &res, nil
}

// URLReadTree reads every file under a directory URL (Backstage's readTree), optionally
// only those whose path matches the glob filter. Needs capability url.read.
func URLReadTree(url, etag, filter string) (*URLFilesResult, error) {
	req, err := json.Marshal(urlRequest{URL: url, ETag: etag, Filter: filter})
	if err != nil {
		return nil, Errorf(CodeInvalidArgument, "url_read_tree: encoding the request: %v", err)
	}
	resp := current.invoke(fnURLReadTree, req)
	if res, ok := readTree(resp); ok {
		return res, nil
	}
	var res URLFilesResult
	if err := decodeEnvelope(fnURLReadTree, resp, &res); err != nil {
		return nil, err
	}
	return &res, nil
}

// readTree decodes url_read_tree's usual result,
// {"result":{"files":[{"path":"…","content":"<base64>","size":n},…],"etag":"…"}}, without
// encoding/json, which inside WebAssembly scans a tree of a few megabytes for hundreds
// of milliseconds. ok is false for any other shape (an escape in a string, another field
// order, an error), which the caller decodes in full.
func readTree(resp []byte) (res *URLFilesResult, ok bool) {
	rest, ok := bytes.CutPrefix(resp, []byte(`{"result":{"files":[`))
	if !ok {
		return nil, false
	}
	str := func(name string) (string, bool) {
		var ok bool
		if rest, ok = bytes.CutPrefix(rest, []byte(`"`+name+`":"`)); !ok {
			return "", false
		}
		end := bytes.IndexByte(rest, '"')
		if end < 0 || bytes.IndexByte(rest[:end], '\\') >= 0 {
			return "", false
		}
		s := string(rest[:end])
		rest = rest[end+1:]
		return s, true
	}
	res = &URLFilesResult{Files: []URLFile{}}
	for len(rest) > 0 && rest[0] == '{' {
		rest = rest[1:]
		p, ok := str("path")
		if !ok || len(rest) == 0 || rest[0] != ',' {
			return nil, false
		}
		rest = rest[1:]
		enc, ok := str("content")
		if !ok {
			return nil, false
		}
		content := make([]byte, base64.StdEncoding.DecodedLen(len(enc)))
		n, err := base64.StdEncoding.Decode(content, []byte(enc))
		if err != nil {
			return nil, false
		}
		if rest, ok = bytes.CutPrefix(rest, []byte(`,"size":`)); !ok {
			return nil, false
		}
		end := bytes.IndexByte(rest, '}')
		if end < 0 {
			return nil, false
		}
		size, err := strconv.ParseInt(string(rest[:end]), 10, 64)
		if err != nil {
			return nil, false
		}
		rest = rest[end+1:]
		res.Files = append(res.Files, URLFile{Path: p, Content: content[:n], Size: size})
		if len(rest) > 0 && rest[0] == ',' {
			rest = rest[1:]
		}
	}
	if rest, ok = bytes.CutPrefix(rest, []byte("]")); !ok {
		return nil, false
	}
	if bytes.HasPrefix(rest, []byte(`,"etag":"`)) {
		rest = rest[1:]
		if res.ETag, ok = str("etag"); !ok {
			return nil, false
		}
	}
	if !bytes.Equal(rest, []byte("}}")) {
		return nil, false
	}
	return res, true
}

// URLSearch finds the files that a glob URL matches (Backstage's search). Needs
// capability url.read.
func URLSearch(url, etag string) (*URLFilesResult, error) {
	var res URLFilesResult
	if err := call(fnURLSearch, urlRequest{URL: url, ETag: etag}, &res); err != nil {
		return nil, err
	}
	return &res, nil
}

// ProxyRequest is a request through one of the operator's proxy.endpoints.
type ProxyRequest struct {
	// Endpoint is the proxy endpoint's name in config, like "github".
	Endpoint string `json:"endpoint"`
	// Method defaults to GET.
	Method string `json:"method,omitempty"`
	// Path is appended to the endpoint's target.
	Path    string `json:"path"`
	Headers Header `json:"headers,omitempty"`
	Body    []byte `json:"body,omitempty"`
}

// ProxyFetch sends req through the host's proxy and returns the upstream response as an
// HTTP response message; use Response.Content for its body. Needs capability proxy.
func ProxyFetch(req *ProxyRequest) (*Response, error) {
	var res Response
	if err := call(fnProxyFetch, req, &res); err != nil {
		return nil, err
	}
	return &res, nil
}
