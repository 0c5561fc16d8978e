package greenroom

import (
	"errors"
	"fmt"
)

// Code is an error code that crosses the host/plugin boundary (SPEC.md section 8).
type Code string

// Error codes.
const (
	CodeInvalidArgument  Code = "invalid_argument"
	CodeNotFound         Code = "not_found"
	CodeCapabilityDenied Code = "capability_denied"
	CodeConflict         Code = "conflict"
	CodeTooLarge         Code = "too_large"
	CodeUnavailable      Code = "unavailable"
	CodeTimeout          Code = "timeout"
	CodeInternal         Code = "internal"
)

// HTTPStatus is the HTTP status that the host answers with when a plugin fails with this
// code, and the status ErrorResponse uses.
func (c Code) HTTPStatus() int {
	switch c {
	case CodeInvalidArgument:
		return 400
	case CodeNotFound:
		return 404
	case CodeCapabilityDenied:
		return 403
	case CodeConflict:
		return 409
	case CodeTooLarge:
		return 413
	case CodeUnavailable:
		return 503
	case CodeTimeout:
		return 504
	default:
		return 500
	}
}

// backstageName is the Backstage error name for a code, used in JSON error bodies so that
// Backstage clients recognise them.
func (c Code) backstageName() string {
	switch c {
	case CodeInvalidArgument:
		return "InputError"
	case CodeNotFound:
		return "NotFoundError"
	case CodeCapabilityDenied:
		return "NotAllowedError"
	case CodeConflict:
		return "ConflictError"
	case CodeTooLarge:
		return "PayloadTooLargeError"
	case CodeUnavailable:
		return "ServiceUnavailableError"
	case CodeTimeout:
		return "TimeoutError"
	default:
		return "Error"
	}
}

// Error is the {code, message} pair that crosses the boundary. Host calls that fail return
// an *Error; handlers may return one from a task or turn one into a response with
// ErrorResponse.
type Error struct {
	Code    Code   `json:"code"`
	Message string `json:"message"`
}

func (e *Error) Error() string { return string(e.Code) + ": " + e.Message }

// Errorf builds an *Error.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// asError turns any error into an *Error, keeping the code of a wrapped *Error and using
// CodeInternal otherwise.
func asError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		if e.Code == "" {
			return &Error{Code: CodeInternal, Message: err.Error()}
		}
		if e.Error() == err.Error() {
			return e
		}
		return &Error{Code: e.Code, Message: err.Error()}
	}
	return &Error{Code: CodeInternal, Message: err.Error()}
}

// ErrorCode returns the code of err if it is or wraps an *Error, and "" otherwise.
func ErrorCode(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}
