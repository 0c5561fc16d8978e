package auth

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// Error is a failure a caller sees, with Backstage's error name and message; the
// server writes it as Backstage's error body (ErrorBody). Cause, for logs only, says
// what exactly was wrong.
type Error struct {
	Status  int
	Name    string
	Message string
	Cause   error
}

func (e *Error) Error() string {
	if e.Cause != nil {
		return e.Message + ": " + e.Cause.Error()
	}
	return e.Message
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Cause }

// The error names of Backstage's @backstage/errors that auth answers with.
func authenticationError(msg string, cause error) *Error {
	return &Error{Status: http.StatusUnauthorized, Name: "AuthenticationError", Message: msg, Cause: cause}
}

func inputError(format string, args ...any) *Error {
	return &Error{Status: http.StatusBadRequest, Name: "InputError", Message: fmt.Sprintf(format, args...)}
}

func notAllowedError(format string, args ...any) *Error {
	return &Error{Status: http.StatusForbidden, Name: "NotAllowedError", Message: fmt.Sprintf(format, args...)}
}

func notFoundError(format string, args ...any) *Error {
	return &Error{Status: http.StatusNotFound, Name: "NotFoundError", Message: fmt.Sprintf(format, args...)}
}

func conflictError(format string, args ...any) *Error {
	return &Error{Status: http.StatusConflict, Name: "ConflictError", Message: fmt.Sprintf(format, args...)}
}

// errIllegalToken is the answer to every Bearer token that is not valid; the cause
// says why, for the log.
func errIllegalToken(cause error) *Error { return authenticationError("Illegal token", cause) }

// ErrorBody is Backstage's error envelope:
// {error: {name, message}, request: {method, url}, response: {statusCode}}.
func ErrorBody(method, requestURL string, e *Error) []byte {
	var body struct {
		Error struct {
			Name    string `json:"name"`
			Message string `json:"message"`
		} `json:"error"`
		Request struct {
			Method string `json:"method"`
			URL    string `json:"url"`
		} `json:"request"`
		Response struct {
			StatusCode int `json:"statusCode"`
		} `json:"response"`
	}
	body.Error.Name, body.Error.Message = e.Name, e.Message
	body.Request.Method, body.Request.URL = method, requestURL
	body.Response.StatusCode = e.Status
	b, _ := json.Marshal(body)
	return b
}

func writeError(w http.ResponseWriter, r *http.Request, e *Error) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(e.Status)
	w.Write(ErrorBody(r.Method, r.URL.RequestURI(), e))
}

// HTTPStatus is the status the error answers with.
func (e *Error) HTTPStatus() int { return e.Status }

// BackstageName is the error's name in Backstage's error body.
func (e *Error) BackstageName() string { return e.Name }
