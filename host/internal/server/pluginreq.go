package server

import (
	"bytes"
	"encoding/base64"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2/utils"
	"github.com/valyala/fasthttp"

	"greenroom.dev/greenroom/abi"
)

// pluginRequest is the working memory of one request on a plugin route. It is pooled,
// so that the usual request encodes its message straight from fasthttp's request into a
// reused buffer and reads the plugin's response in place, without building an
// abi.HTTPRequest (maps of copied strings) or an abi.HTTPResponse.
type pluginRequest struct {
	req    *fasthttp.Request
	method string
	path   string
	body   []byte
	caller abi.Caller // the verified caller; Type "" for nobody
	reqID  string     // the request's ID
	route  string     // the manifest route that matched (set by encodeMessage)

	msg    []byte                                              // the request message
	out    []byte                                              // the response message
	resp   abi.HTTPResponseView                                // decoded from out
	query  []field                                             // query fields in request order, then sorted by name
	header []field                                             // header fields, names lower case, then sorted
	names  []byte                                              // the lower-cased header names
	path1  []byte                                              // "/" + the path after /api/<id>
	encode func(route string, params map[string]string) []byte // p.encodeMessage, bound once
}

// field is a query or header field; the slices refer into the request (values, query
// names) or into pluginRequest.names (header names).
type field struct {
	name, value []byte
	nameLen     int // while collecting header names, see collect
}

// Buffers over this size are not kept in the pool, so that one large request does not
// pin its memory for ever.
const maxPooledRequest = 64 << 10

var pluginRequests = sync.Pool{New: func() any {
	p := &pluginRequest{}
	p.encode = p.encodeMessage
	return p
}}

func getPluginRequest() *pluginRequest { return pluginRequests.Get().(*pluginRequest) }

func putPluginRequest(p *pluginRequest) {
	if cap(p.msg) > maxPooledRequest || cap(p.out) > maxPooledRequest || cap(p.names) > maxPooledRequest {
		return
	}
	p.req, p.body, p.method, p.path, p.caller, p.reqID, p.route = nil, nil, "", "", abi.Caller{}, "", ""
	clear(p.query)
	clear(p.header)
	p.query, p.header = p.query[:0], p.header[:0]
	clear(p.resp.Headers)
	p.resp.Body = nil
	pluginRequests.Put(p)
}

// setPath sets the request's path relative to /api/<id>: "/" + rest. The string refers
// into the pooled buffer and is valid for this request only.
func (p *pluginRequest) setPath(rest string) {
	p.path1 = append(append(p.path1[:0], '/'), rest...)
	p.path = utils.UnsafeString(p.path1)
}

// encodeMessage is the plugin.RequestEncoder of this request.
func (p *pluginRequest) encodeMessage(route string, params map[string]string) []byte {
	p.route = route
	p.msg = appendRequestMessage(p.msg[:0], p, route, params)
	return p.msg
}

// appendRequestMessage appends the HTTP request message of p.req for route and params:
// the same bytes as abi.AppendHTTPRequest of the abi.HTTPRequest the host would build
// from it (method, path, route, params, query values by name, header values by
// lower-cased name, caller, request ID, body), see
// TestRequestMessageMatchesAppendHTTPRequest.
func appendRequestMessage(dst []byte, p *pluginRequest, route string, params map[string]string) []byte {
	p.collect()
	dst = append(dst, `{"method":`...)
	dst = abi.AppendJSONString(dst, p.method)
	dst = append(dst, `,"path":`...)
	dst = abi.AppendJSONString(dst, p.path)
	if route != "" {
		dst = append(dst, `,"route":`...)
		dst = abi.AppendJSONString(dst, route)
	}
	if len(params) > 0 {
		dst = appendParams(dst, params)
	}
	if len(p.query) > 0 {
		dst = append(dst, `,"query":`...)
		dst = appendFields(dst, p.query)
	}
	if len(p.header) > 0 {
		dst = append(dst, `,"headers":`...)
		dst = appendFields(dst, p.header)
	}
	if p.caller.Type != "" {
		dst = abi.AppendCaller(append(dst, `,"caller":`...), &p.caller)
	}
	if p.reqID != "" {
		dst = append(dst, `,"requestId":`...)
		dst = abi.AppendJSONString(dst, p.reqID)
	}
	if len(p.body) > 0 {
		dst = append(dst, `,"body":"`...)
		dst = base64.StdEncoding.AppendEncode(dst, p.body)
		dst = append(dst, '"')
	}
	return append(dst, '}')
}

// collect gathers the query and header fields of p.req, sorted by name (stably, so the
// values of one name keep their order), as abi.AppendHTTPRequest writes map keys.
func (p *pluginRequest) collect() {
	p.query, p.header, p.names = p.query[:0], p.header[:0], p.names[:0]
	if q := p.req.URI().QueryArgs(); q.Len() > 0 {
		q.VisitAll(func(k, v []byte) {
			p.query = append(p.query, field{name: k, value: v})
		})
	}
	// Header names are lower-cased into p.names; since appending may move it, fields
	// first record where their name starts, and take their slices once it is complete.
	h := &p.req.Header
	h.VisitAll(func(k, v []byte) {
		if isCredential(k) {
			return
		}
		start := len(p.names)
		p.names = appendLower(p.names, k)
		p.header = append(p.header, field{value: v, nameLen: len(p.names) - start})
	})
	off := 0
	for i := range p.header {
		n := p.header[i].nameLen
		p.header[i].name = p.names[off : off+n : off+n]
		off += n
	}
	sortFields(p.query)
	sortFields(p.header)
}

// isCredential reports whether a request header carries the caller's credentials
// (Authorization, Cookie), which the host keeps from plugins: a plugin learns who the
// caller is from the message's caller, never the caller's tokens (SPEC.md 7.1).
func isCredential(k []byte) bool {
	switch len(k) {
	case 6:
		return asciiEqualFold(k, "cookie")
	case 13:
		return asciiEqualFold(k, "authorization")
	}
	return false
}

func asciiEqualFold(b []byte, lower string) bool {
	for i, c := range b {
		if c|0x20 != lower[i] {
			return false
		}
	}
	return true
}

// appendLower appends the lower-cased header name k, as strings.ToLower does (the
// rare non-ASCII name goes through it).
func appendLower(dst, k []byte) []byte {
	for _, c := range k {
		if c >= utf8.RuneSelf {
			return append(dst, strings.ToLower(string(k))...)
		}
	}
	for _, c := range k {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}

func sortFields(fs []field) {
	if len(fs) > 1 {
		slices.SortStableFunc(fs, func(a, b field) int { return bytes.Compare(a.name, b.name) })
	}
}

// appendFields writes sorted fields as a JSON object from name to the list of values.
func appendFields(dst []byte, fs []field) []byte {
	dst = append(dst, '{')
	for i, f := range fs {
		if i > 0 && bytes.Equal(f.name, fs[i-1].name) {
			dst = append(dst, ',')
			dst = abi.AppendJSONString(dst, utils.UnsafeString(f.value))
			continue
		}
		if i > 0 {
			dst = append(dst, "],"...)
		}
		dst = abi.AppendJSONString(dst, utils.UnsafeString(f.name))
		dst = append(dst, ":["...)
		dst = abi.AppendJSONString(dst, utils.UnsafeString(f.value))
	}
	return append(dst, "]}"...)
}

// appendParams writes the route params, keys sorted. Routes have a handful of params,
// so an insertion sort over a small array avoids sort's allocation.
func appendParams(dst []byte, params map[string]string) []byte {
	var small [8]string
	keys := small[:0]
	for k := range params {
		keys = append(keys, k)
	}
	for i := 1; i < len(keys); i++ {
		for j := i; j > 0 && keys[j] < keys[j-1]; j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
	dst = append(dst, `,"params":{`...)
	for i, k := range keys {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = abi.AppendJSONString(dst, k)
		dst = append(dst, ':')
		dst = abi.AppendJSONString(dst, params[k])
	}
	return append(dst, '}')
}
