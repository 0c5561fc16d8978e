package server

import (
	"errors"
	"fmt"
	"testing"

	"greenroom.dev/greenroom/abi"
	"greenroom.dev/greenroom/host/internal/runtime"
)

func TestPluginErrorStatus(t *testing.T) {
	ce := func(k runtime.ErrKind, guest *abi.Error) error {
		return fmt.Errorf("serving: %w", &runtime.CallError{Kind: k, Plugin: "p", Export: "gr_http", Guest: guest})
	}
	for _, c := range []struct {
		err    error
		status int
		name   string
	}{
		{ce(runtime.KindGuest, &abi.Error{Code: abi.CodeNotFound, Message: "no widget"}), 404, "PluginError"},
		{ce(runtime.KindGuest, &abi.Error{Code: abi.CodeCapabilityDenied, Message: "no"}), 403, "PluginError"},
		{ce(runtime.KindGuest, nil), 500, "PluginError"},
		{ce(runtime.KindTrap, nil), 502, "PluginCrashError"},
		{ce(runtime.KindOutOfMemory, nil), 502, "PluginCrashError"},
		{ce(runtime.KindTimeout, nil), 504, "PluginTimeoutError"},
		{ce(runtime.KindExhausted, nil), 503, "ServiceUnavailableError"},
		{ce(runtime.KindClosed, nil), 503, "ServiceUnavailableError"},
		{ce(runtime.KindNoExport, nil), 404, "NotFoundError"},
		{statusErr{413, "PayloadTooLargeError", "big"}, 413, "PayloadTooLargeError"},
		{errors.New("something else"), 500, "Error"},
	} {
		if status, name := pluginErrorStatus(c.err); status != c.status || name != c.name {
			t.Errorf("%v: %d %s, want %d %s", c.err, status, name, c.status, c.name)
		}
	}
}
