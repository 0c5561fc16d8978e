package server

import (
	"errors"

	"greenroom.dev/greenroom/abi"
	"greenroom.dev/greenroom/host/internal/runtime"
)

// pluginErrorStatus maps the error of a plugin request to its HTTP status and Backstage
// error name (abi/SPEC.md section 8): the endpoint's own request errors (StatusError:
// no route, a malformed response, a body over the limit) say theirs; a failed call says
// why it failed. The runtime knows nothing of HTTP.
func pluginErrorStatus(err error) (status int, name string) {
	var se StatusError
	if errors.As(err, &se) {
		return se.HTTPStatus(), se.BackstageName()
	}
	switch {
	case errors.Is(err, runtime.ErrGuest):
		// The plugin's own {code, message}: its code picks the status.
		code := abi.CodeInternal
		var ae *abi.Error
		if errors.As(err, &ae) && ae.Code != "" {
			code = ae.Code
		}
		return code.HTTPStatus(), "PluginError"
	case errors.Is(err, runtime.ErrTrap), errors.Is(err, runtime.ErrOutOfMemory):
		return 502, "PluginCrashError"
	case errors.Is(err, runtime.ErrTimeout):
		return 504, "PluginTimeoutError"
	case errors.Is(err, runtime.ErrExhausted), errors.Is(err, runtime.ErrClosed):
		return 503, "ServiceUnavailableError"
	case errors.Is(err, runtime.ErrNoExport):
		return 404, "NotFoundError"
	}
	return 500, "Error"
}
