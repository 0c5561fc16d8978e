package abi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Result is the envelope every capability-bearing host function returns.
// Exactly one of Result and Error is set.
type Result struct {
	Result json.RawMessage `json:"result,omitempty"`
	Error  *Error          `json:"error,omitempty"`
}

// HTTPRequest is the input of gr_http.
type HTTPRequest struct {
	Method  string              `json:"method"`
	Path    string              `json:"path"`
	Route   string              `json:"route,omitempty"`
	Params  map[string]string   `json:"params,omitempty"`
	Query   map[string][]string `json:"query,omitempty"`
	Headers map[string][]string `json:"headers,omitempty"`
	// Caller is who the host verified the request comes from; nil means nobody signed
	// in. The plugin's host calls while serving the request are decided for this caller.
	Caller *Caller `json:"caller,omitempty"`
	// RequestID is the request's ID (its X-Request-Id, kept or made by the host), which
	// the host's access log and every audit entry the request causes record too.
	RequestID string `json:"requestId,omitempty"`
	Body      []byte `json:"body,omitempty"`
}

// Caller is the verified caller of a request (SPEC.md 7.1): a signed-in user with its
// ownership refs, or a service.
type Caller struct {
	// Type is "user" or "service".
	Type string `json:"type"`
	// UserEntityRef is the user's entity ref, user:<namespace>/<name> (type user).
	UserEntityRef string `json:"userEntityRef,omitempty"`
	// OwnershipEntityRefs are the refs the user owns things as: itself and its groups,
	// sorted (type user).
	OwnershipEntityRefs []string `json:"ownershipEntityRefs,omitempty"`
	// Subject names the service, e.g. external:ci-bot (type service).
	Subject string `json:"subject,omitempty"`
}

// HTTPResponse is the output of gr_http (and the result of proxy_fetch).
type HTTPResponse struct {
	Status  int             `json:"status,omitempty"`
	Headers Headers         `json:"headers,omitempty"`
	Body    []byte          `json:"body,omitempty"`
	Text    *string         `json:"text,omitempty"`
	JSON    json.RawMessage `json:"json,omitempty"`
	// File, in a gr_http output only, names one of the plugin's own files (the files
	// capability) that the host serves as the body, without the plugin reading it.
	File *string `json:"file,omitempty"`
}

// Headers are response headers; on the wire a value is a string or an array of strings.
type Headers map[string][]string

// UnmarshalJSON accepts string and array-of-string values.
func (h *Headers) UnmarshalJSON(b []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	out := make(Headers, len(raw))
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

// MarshalJSON writes a single value as a string and several as an array.
func (h Headers) MarshalJSON() ([]byte, error) {
	out := make(map[string]any, len(h))
	for k, v := range h {
		if len(v) == 1 {
			out[k] = v[0]
		} else {
			out[k] = v
		}
	}
	return json.Marshal(out)
}

// hopByHop lists headers that a plugin response may not set.
var hopByHop = map[string]bool{
	"connection": true, "keep-alive": true, "proxy-authenticate": true,
	"proxy-authorization": true, "te": true, "trailer": true, "transfer-encoding": true,
	"upgrade": true, "content-length": true,
}

// validHeaderName reports whether k is an HTTP token (RFC 9110 section 5.6.2).
func validHeaderName(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// MaxResponseHeaderFields caps the header fields of a gr_http output, each value of a
// header counting once (SPEC.md 7.2): setting thousands of headers costs the host time
// outside the plugin's deadline.
const MaxResponseHeaderFields = 100

// isControl reports the characters a header value may not hold: controls other than tab.
func isControl(r rune) bool { return r < 0x20 && r != '\t' || r == 0x7f }

// DecodeHTTPResponse decodes and checks a gr_http output (SPEC.md 7.2). It fills in the
// default status, resolves text/json into Body, sets content-type for json, and drops
// hop-by-hop headers. Header names come back lower case.
func DecodeHTTPResponse(b []byte) (*HTTPResponse, error) {
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, errors.New("empty response message")
	}
	var r HTTPResponse
	// The status is read apart so that an absent one (200) differs from a zero one.
	type response HTTPResponse
	wire := struct {
		Status json.RawMessage `json:"status"`
		*response
	}{response: (*response)(&r)}
	if err := json.Unmarshal(b, &wire); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) && strings.Contains(se.Error(), "after top-level value") {
			return nil, errors.New("response message has trailing data after the JSON object")
		}
		return nil, fmt.Errorf("response message is not valid JSON for the http-response schema: %w", err)
	}
	switch {
	case wire.Status == nil:
		r.Status = 200
	case string(wire.Status) == "null":
		return nil, errors.New("response status is null; give an integer 100-599, or leave it out for 200")
	default:
		if err := json.Unmarshal(wire.Status, &r.Status); err != nil {
			return nil, fmt.Errorf("response message is not valid JSON for the http-response schema: status %s is not an integer", wire.Status)
		}
	}
	if r.Status < 100 || r.Status > 599 {
		return nil, fmt.Errorf("response status %d is outside 100-599", r.Status)
	}
	n := 0
	if r.Body != nil {
		n++
	}
	if r.Text != nil {
		n++
	}
	if r.JSON != nil {
		n++
	}
	if r.File != nil {
		n++
		if *r.File == "" {
			return nil, errors.New("response file is empty; name a path in the plugin's files, or leave file out")
		}
	}
	if n > 1 {
		return nil, errors.New("response sets more than one of body, text, json and file")
	}
	// Reuse the decoded map when every name is already a lower-case, allowed header
	// (the usual case); otherwise build a normalised copy.
	headers := r.Headers
	normal := headers != nil
	fields := 0
	for k, v := range r.Headers {
		if !validHeaderName(k) {
			return nil, fmt.Errorf("response header name %q is not a valid HTTP header name", k)
		}
		fields += max(len(v), 1)
		for _, s := range v {
			if strings.ContainsAny(s, "\r\n") {
				return nil, fmt.Errorf("response header %q has a line break", k)
			}
			if i := strings.IndexFunc(s, isControl); i >= 0 {
				return nil, fmt.Errorf("response header %q has control character %q at byte %d; header values may hold only text and tabs", k, s[i], i)
			}
		}
		if normal && (hopByHop[k] || strings.ToLower(k) != k) {
			normal = false
		}
	}
	if fields > MaxResponseHeaderFields {
		return nil, fmt.Errorf("response has %d header fields; at most %d are allowed", fields, MaxResponseHeaderFields)
	}
	if !normal {
		headers = make(Headers, len(r.Headers)+1)
		for k, v := range r.Headers {
			lk := strings.ToLower(k)
			if hopByHop[lk] {
				continue
			}
			headers[lk] = append(headers[lk], v...)
		}
	}
	switch {
	case r.Text != nil:
		if !utf8.ValidString(*r.Text) {
			return nil, errors.New("response text is not valid UTF-8")
		}
		r.Body = []byte(*r.Text)
		if _, ok := headers["content-type"]; !ok {
			headers["content-type"] = []string{"text/plain; charset=utf-8"}
		}
	case r.JSON != nil:
		r.Body = []byte(r.JSON)
		if _, ok := headers["content-type"]; !ok {
			headers["content-type"] = []string{"application/json"}
		}
	}
	r.Headers = headers
	r.Text, r.JSON = nil, nil
	return &r, nil
}

// TaskRequest is the input of gr_task.
type TaskRequest struct {
	Name        string `json:"name"`
	ScheduledAt string `json:"scheduledAt"`
}

// ActionRequest is the input of gr_action: run the manifest's action Action with Input
// (rendered, and checked against the action's input schema) in task TaskID, whose
// workspace the workspace_* functions reach during the call.
type ActionRequest struct {
	Action      string         `json:"action"`
	Input       map[string]any `json:"input"`
	TaskID      string         `json:"taskId"`
	TemplateRef string         `json:"templateRef,omitempty"`
	// User is the entity ref of the user who created the task.
	User string `json:"user,omitempty"`
	// DryRun is true in a dry-run: the action must have no effect outside the
	// workspace.
	DryRun bool `json:"dryRun,omitempty"`
}

// ActionResult is the output of gr_action: the step's outputs and lines for the
// task's log.
type ActionResult struct {
	Output map[string]any `json:"output,omitempty"`
	Log    []string       `json:"log,omitempty"`
}

// KVGetRequest and friends are the kv_* requests.
type KVGetRequest struct {
	Key string `json:"key"`
}

// KVGetResult is kv_get's result; Value is nil when the key is absent.
type KVGetResult struct {
	Value []byte `json:"value"`
}

// KVPutRequest is kv_put's request.
type KVPutRequest struct {
	Key   string `json:"key"`
	Value []byte `json:"value"`
}

// KVDeleteRequest is kv_delete's request.
type KVDeleteRequest struct {
	Key string `json:"key"`
}

// KVListRequest is kv_list's request.
type KVListRequest struct {
	Prefix string `json:"prefix"`
	Limit  int    `json:"limit,omitempty"`
}

// KVListResult is kv_list's result.
type KVListResult struct {
	Keys []string `json:"keys"`
}

// ExtensionRequest is the input of gr_extension: one extension's id as declared and its
// config (from app.extensions, with the declaration's schema defaults).
type ExtensionRequest struct {
	Extension string          `json:"extension"`
	Config    json.RawMessage `json:"config,omitempty"`
}

// ExtensionOutput is the output of gr_extension: a value per data ref id
// (core.routing.path, core.nav.target, core.title, catalog.entity-filter-expression,
// core.ui.element).
type ExtensionOutput map[string]json.RawMessage

// RenderRequest is the input of gr_render.
type RenderRequest struct {
	Extension string              `json:"extension"`
	Config    json.RawMessage     `json:"config,omitempty"`
	Path      string              `json:"path"`
	Query     map[string][]string `json:"query,omitempty"`
	Params    map[string]string   `json:"params,omitempty"`
	// Entity is the current entity on entity pages, in Backstage's JSON envelope.
	Entity json.RawMessage `json:"entity,omitempty"`
	// Element is the state gr_extension returned under core.ui.element.
	Element json.RawMessage `json:"element,omitempty"`
}

// UINode is a UI tree (gr_render output), described by schema/ui-node.schema.json; the
// host decodes and renders it.
type UINode = json.RawMessage
