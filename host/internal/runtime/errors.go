package runtime

import (
	"errors"
	"fmt"

	"greenroom.dev/greenroom/abi"
)

// ErrKind classifies why a call failed.
type ErrKind int

const (
	// KindGuest: the plugin ran to the end and reported an error (non-zero return or
	// error_set). CallError.Guest holds the {code, message} it gave.
	KindGuest ErrKind = iota + 1
	// KindTrap: the guest trapped (unreachable, out-of-bounds access, a host function
	// misuse such as reading outside the arena). The instance was replaced.
	KindTrap
	// KindTimeout: the call ran past its deadline or its context was cancelled. The
	// instance was replaced.
	KindTimeout
	// KindOutOfMemory: the guest hit the memory limit (linear memory or arena), or the
	// input does not fit into the arena. The instance was replaced when it had run.
	KindOutOfMemory
	// KindExhausted: no instance became free within the queue timeout.
	KindExhausted
	// KindClosed: the plugin is closed (or closing).
	KindClosed
	// KindNoExport: the module does not export the requested function with the
	// () -> i32 or () -> () shape.
	KindNoExport
)

func (k ErrKind) String() string {
	switch k {
	case KindGuest:
		return "guest error"
	case KindTrap:
		return "trap"
	case KindTimeout:
		return "timeout"
	case KindOutOfMemory:
		return "out of memory"
	case KindExhausted:
		return "exhausted"
	case KindClosed:
		return "closed"
	case KindNoExport:
		return "no such export"
	}
	return fmt.Sprintf("ErrKind(%d)", int(k))
}

// Sentinel errors, matched with errors.Is against a *CallError of that kind.
var (
	ErrGuest       = errors.New("plugin returned an error")
	ErrTrap        = errors.New("plugin trapped")
	ErrTimeout     = errors.New("plugin call timed out")
	ErrOutOfMemory = errors.New("plugin ran out of memory")
	ErrExhausted   = errors.New("no plugin instance free")
	ErrClosed      = errors.New("plugin is closed")
	ErrNoExport    = errors.New("plugin has no such export")
)

func (k ErrKind) sentinel() error {
	switch k {
	case KindGuest:
		return ErrGuest
	case KindTrap:
		return ErrTrap
	case KindTimeout:
		return ErrTimeout
	case KindOutOfMemory:
		return ErrOutOfMemory
	case KindExhausted:
		return ErrExhausted
	case KindClosed:
		return ErrClosed
	case KindNoExport:
		return ErrNoExport
	}
	return nil
}

// CallError is the error every failed Plugin.Call returns.
type CallError struct {
	Kind   ErrKind
	Plugin string // Options.Name
	Export string
	// Guest is the plugin's own error for KindGuest: the error_set text decoded as
	// {"code","message"} when it is such JSON, else code "internal" with the text.
	Guest *abi.Error
	// Err is the underlying cause (a wazero error for traps, a context error, ...).
	Err error
}

func (e *CallError) Error() string {
	prefix := fmt.Sprintf("plugin %s: call %s", e.Plugin, e.Export)
	switch {
	case e.Kind == KindGuest && e.Guest != nil:
		return fmt.Sprintf("%s: %s (%s)", prefix, e.Guest.Message, e.Guest.Code)
	case e.Err != nil:
		return fmt.Sprintf("%s: %s: %v", prefix, e.Kind, e.Err)
	}
	return fmt.Sprintf("%s: %s", prefix, e.Kind)
}

// Unwrap exposes both the kind's sentinel (ErrTimeout, ...) and the cause.
func (e *CallError) Unwrap() []error {
	errs := []error{e.Kind.sentinel()}
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	if e.Guest != nil {
		errs = append(errs, e.Guest)
	}
	return errs
}

// Code is the ABI error code that best describes the failure (SPEC.md section 8).
func (e *CallError) Code() abi.Code {
	switch e.Kind {
	case KindGuest:
		if e.Guest != nil && e.Guest.Code != "" {
			return e.Guest.Code
		}
		return abi.CodeInternal
	case KindTimeout:
		return abi.CodeTimeout
	case KindExhausted, KindClosed:
		return abi.CodeUnavailable
	case KindNoExport:
		return abi.CodeNotFound
	}
	return abi.CodeInternal
}

// trapError is the panic value of host functions that trap the guest on misuse.
type trapError struct {
	kind ErrKind
	msg  string
}

func (t *trapError) Error() string { return t.msg }

func trap(format string, args ...any) {
	panic(&trapError{kind: KindTrap, msg: fmt.Sprintf(format, args...)})
}

func oom(format string, args ...any) {
	panic(&trapError{kind: KindOutOfMemory, msg: fmt.Sprintf(format, args...)})
}
