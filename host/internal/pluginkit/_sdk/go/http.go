package greenroom

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// Request is the HTTP request message that gr_http receives (SPEC.md section 7.1).
type Request struct {
	// Method is the HTTP method of the request, upper case.
	Method string `json:"method"`
	// Path is the request path relative to /api/<plugin-id>, starting with "/".
	Path string `json:"path"`
	// Route is the manifest route pattern that matched, like "/items/:id".
	Route string `json:"route,omitempty"`
	// Params holds the values of the route's ":name" segments, and "*" for a wildcard.
	Params map[string]string `json:"params,omitempty"`
	// Query holds the query string's parameters.
	Query map[string][]string `json:"query,omitempty"`
	// Headers holds the request headers; names are lower case. The host keeps the
	// caller's credentials (Authorization, Cookie) to itself.
	Headers Header `json:"headers,omitempty"`
	// Caller is who the host verified the request comes from; nil when nobody signed
	// in. The host decides every host call made while serving the request for this
	// caller, so use it to say who someone is, not to decide what they may see.
	Caller *Caller `json:"caller,omitempty"`
	// RequestID is the request's ID, as the host returns it in X-Request-Id and records
	// it in its access and audit logs: log it, and pass it on to services the plugin
	// calls, to tie them together.
	RequestID string `json:"requestId,omitempty"`
	// Body is the request body (base64 on the wire).
	Body []byte `json:"body,omitempty"`
}

// Caller is the verified caller of a request (abi/SPEC.md 7.1).
type Caller struct {
	// Type is "user" or "service".
	Type string `json:"type"`
	// UserEntityRef is the signed-in user's entity ref, user:default/jane.
	UserEntityRef string `json:"userEntityRef,omitempty"`
	// OwnershipEntityRefs are the refs the user owns things as: itself and its groups.
	OwnershipEntityRefs []string `json:"ownershipEntityRefs,omitempty"`
	// Subject names a service: external:ci-bot.
	Subject string `json:"subject,omitempty"`
}

// User returns the signed-in user's entity ref, or "" when the caller is not a user.
func (r *Request) User() string {
	if r.Caller == nil || r.Caller.Type != "user" {
		return ""
	}
	return r.Caller.UserEntityRef
}

// Owns reports whether the caller owns things as ref (its own ref or one of its
// groups', compared case-insensitively), as an entity's spec.owner names them.
func (r *Request) Owns(ref string) bool {
	if r.Caller == nil {
		return false
	}
	for _, o := range r.Caller.OwnershipEntityRefs {
		if strings.EqualFold(o, ref) {
			return true
		}
	}
	return false
}

// QueryValue returns the first value of query parameter key, or "".
func (r *Request) QueryValue(key string) string {
	if v := r.Query[key]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// Param returns the value of route parameter name (without the colon), or "".
func (r *Request) Param(name string) string { return r.Params[name] }

// Header returns the first value of header name (any case), or "".
func (r *Request) Header(name string) string { return r.Headers.Get(name) }

// DecodeJSON decodes the body as JSON into v. An empty body or bad JSON gives an *Error
// with CodeInvalidArgument, which ErrorResponse turns into a 400.
func (r *Request) DecodeJSON(v any) error {
	if len(bytes.TrimSpace(r.Body)) == 0 {
		return Errorf(CodeInvalidArgument, "request body is empty; a JSON body is required")
	}
	if err := json.Unmarshal(r.Body, v); err != nil {
		return Errorf(CodeInvalidArgument, "request body is not valid JSON: %v", err)
	}
	return nil
}

// Header is a set of HTTP headers. Names are stored lower case. On the wire a value is an
// array of strings; a response header may also be a single string.
type Header map[string][]string

// Get returns the first value of name (any case), or "".
func (h Header) Get(name string) string {
	if v := h[strings.ToLower(name)]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// Set replaces the values of name.
func (h Header) Set(name, value string) { h[strings.ToLower(name)] = []string{value} }

// Add appends a value to name.
func (h Header) Add(name, value string) {
	k := strings.ToLower(name)
	h[k] = append(h[k], value)
}

// UnmarshalJSON accepts string and array-of-string values.
func (h *Header) UnmarshalJSON(b []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	if raw == nil {
		*h = nil
		return nil
	}
	out := make(Header, len(raw))
	for k, v := range raw {
		v = bytes.TrimSpace(v)
		if len(v) > 0 && v[0] == '"' {
			var s string
			if err := json.Unmarshal(v, &s); err != nil {
				return fmt.Errorf("header %q: %w", k, err)
			}
			out[k] = []string{s}
			continue
		}
		var ss []string
		if err := json.Unmarshal(v, &ss); err != nil {
			return fmt.Errorf("header %q: want a string or an array of strings", k)
		}
		out[k] = ss
	}
	*h = out
	return nil
}

// Response is the HTTP response message that gr_http returns (SPEC.md section 7.2). At
// most one of Body, Text, JSON and File is set; the constructors JSON, Text, Bytes and
// ServeFile set one.
type Response struct {
	// Status is the HTTP status; 0 means 200.
	Status int `json:"status,omitempty"`
	// Headers are the response headers. Hop-by-hop headers and content-length are dropped
	// by the host.
	Headers Header `json:"headers,omitempty"`
	// Body is a binary body (base64 on the wire).
	Body []byte `json:"body,omitempty"`
	// Text is a UTF-8 body; the host sets content-type text/plain unless a header does.
	Text *string `json:"text,omitempty"`
	// JSON is a JSON body; the host sets content-type application/json unless a header does.
	JSON json.RawMessage `json:"json,omitempty"`
	// File names one of the plugin's own files (Files) that the host serves as the body,
	// without the plugin reading it; see ServeFile.
	File string `json:"file,omitempty"`
}

// JSON returns a response whose body is v encoded as JSON. If v cannot be encoded, the
// response is a 500 that says why.
func JSON(status int, v any) *Response {
	// The common small bodies are encoded without reflection, which is slow in
	// WebAssembly; the bytes are the same as encoding/json's.
	switch x := v.(type) {
	case map[string]string:
		return &Response{Status: status, JSON: appendStringMap(make([]byte, 0, 64), x)}
	case string:
		return &Response{Status: status, JSON: appendString(nil, x)}
	}
	b, err := json.Marshal(v)
	if err != nil {
		return ErrorResponse(Errorf(CodeInternal, "encoding the JSON response: %v", err))
	}
	return &Response{Status: status, JSON: b}
}

// RawJSON returns a response whose body is the JSON document b, sent as is. The caller
// guarantees that b is valid JSON; the host answers 502 otherwise.
func RawJSON(status int, b []byte) *Response { return &Response{Status: status, JSON: b} }

// Text returns a text/plain response.
func Text(status int, s string) *Response { return &Response{Status: status, Text: &s} }

// Bytes returns a response with a binary body and the given content type.
func Bytes(status int, contentType string, b []byte) *Response {
	if b == nil {
		b = []byte{}
	}
	r := &Response{Status: status, Body: b}
	if contentType != "" {
		r.Headers = Header{"content-type": {contentType}}
	}
	return r
}

// ServeFile returns a 200 response whose body is the plugin's own file at path (see
// Files), with the given content type. The host reads the file as Files.Read would and
// records it so in the audit log, so a large stored file (a built page, an image) costs
// the plugin neither a copy into its memory nor encoding; a missing file is answered
// 404 by the host. The plugin needs capability files (it imports files_read through
// this function).
func ServeFile(contentType, path string) *Response {
	keepFilesRead = importFilesRead
	r := &Response{File: path}
	if contentType != "" {
		r.Headers = Header{"content-type": {contentType}}
	}
	return r
}

// keepFilesRead makes every module that serves files import files_read, which the host
// requires of a file response: only the functions a module refers to become imports.
//
//lint:ignore U1000 written, never read: the write is what keeps the import.
var keepFilesRead func(uint64) uint64

// NoContent returns an empty response with status 204.
func NoContent() *Response { return &Response{Status: 204} }

// ErrorResponse turns err into a JSON error response in Backstage's error shape, so that
// Backstage clients understand it:
//
//	{"error":{"name":"InputError","message":"...","code":"invalid_argument"},"response":{"statusCode":400}}
//
// The status comes from the code of err when it is or wraps an *Error (CodeInvalidArgument
// gives 400, CodeNotFound 404, ...), and is 500 otherwise.
func ErrorResponse(err error) *Response {
	e := asError(err)
	return errorResponse(e.Code.HTTPStatus(), e.Code.backstageName(), e.Code, e.Message)
}

func errorResponse(status int, name string, code Code, msg string) *Response {
	return JSON(status, errorBody{
		Error:    errorBodyError{Name: name, Message: msg, Code: code},
		Response: errorBodyResponse{StatusCode: status},
	})
}

type errorBody struct {
	Error    errorBodyError    `json:"error"`
	Response errorBodyResponse `json:"response"`
}

type errorBodyError struct {
	Name    string `json:"name"`
	Message string `json:"message"`
	Code    Code   `json:"code"`
}

type errorBodyResponse struct {
	StatusCode int `json:"statusCode"`
}

// WithHeader sets header name to value and returns r, for chaining.
func (r *Response) WithHeader(name, value string) *Response {
	if r.Headers == nil {
		r.Headers = Header{}
	}
	r.Headers.Set(name, value)
	return r
}

// StatusCode returns the status, with 0 meaning 200.
func (r *Response) StatusCode() int {
	if r.Status == 0 {
		return 200
	}
	return r.Status
}

// Content returns the response body as bytes, whichever of Body, Text and JSON holds it.
func (r *Response) Content() []byte {
	switch {
	case r.Text != nil:
		return []byte(*r.Text)
	case r.JSON != nil:
		return r.JSON
	default:
		return r.Body
	}
}
