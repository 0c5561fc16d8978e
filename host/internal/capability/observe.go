package capability

import (
	"errors"
	"time"

	"greenroom.dev/greenroom/abi"
)

// Observer is told of every capability host call a plugin makes, for the host's metrics:
// the plugin's config id, the function, its capability, the decision (Decision) and
// how long the call took. Plain values only, so that no metrics library reaches this
// package; it must be cheap and safe for concurrent use.
type Observer interface {
	ObserveHostCall(plugin, function, capability, decision string, took time.Duration)
}

// Decisions a host call ends with, as Observer and the metrics label them.
const (
	// DecisionAllow: the call was allowed and returned a result.
	DecisionAllow = "allow"
	// DecisionDeny: a grant or the permission policy refused it (capability_denied).
	DecisionDeny = "deny"
	// DecisionError: it was allowed and failed (not found, timeout, upstream error...).
	DecisionError = "error"
)

// Decision labels how a host call ended, as the audit log's outcome does: nil is allow,
// capability_denied is deny, anything else error.
func Decision(err error) string {
	if err == nil {
		return DecisionAllow
	}
	var ae *abi.Error
	if errors.As(err, &ae) && ae.Code == abi.CodeCapabilityDenied {
		return DecisionDeny
	}
	return DecisionError
}
