package abi

import "fmt"

// Code is an error code that crosses the boundary.
type Code string

// Error codes (SPEC.md section 8).
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

// HTTPStatus is the status a request gets when a plugin fails with this code.
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

// Error is the {code, message} pair that crosses the boundary.
type Error struct {
	Code    Code   `json:"code"`
	Message string `json:"message"`
}

func (e *Error) Error() string { return fmt.Sprintf("%s: %s", e.Code, e.Message) }

// Errorf builds an Error.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}
