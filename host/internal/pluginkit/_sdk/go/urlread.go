package greenroom

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
	var res URLFilesResult
	if err := call(fnURLReadTree, urlRequest{URL: url, ETag: etag, Filter: filter}, &res); err != nil {
		return nil, err
	}
	return &res, nil
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
