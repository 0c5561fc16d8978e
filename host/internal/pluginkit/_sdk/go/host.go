package greenroom

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unsafe"
)

// backend is what the package needs from its environment: the Extism guest ABI and the
// greenroom:host/v1 functions inside WebAssembly (host_wasm.go), a TestHost elsewhere.
type backend interface {
	input() []byte
	setOutput(b []byte)
	setError(b []byte)
	config(key string) ([]byte, bool)
	log(level Level, msg string)
	logLevel() Level
	invoke(fn *hostFn, req []byte) []byte
	// block copies b into a new arena block for a request to name (files_write's
	// block), or returns 0 where there is no arena; free releases it.
	block(b []byte) uint64
	free(h uint64)
}

// hostFn is one capability-bearing greenroom:host/v1 function. call is its import; only
// the functions a plugin reaches are linked, so a module imports only what it calls.
type hostFn struct {
	name string
	call func(req uint64) uint64
}

var (
	fnKVGet          = &hostFn{"kv_get", importKVGet}
	fnKVPut          = &hostFn{"kv_put", importKVPut}
	fnKVDelete       = &hostFn{"kv_delete", importKVDelete}
	fnKVList         = &hostFn{"kv_list", importKVList}
	fnCatalogGet     = &hostFn{"catalog_get", importCatalogGet}
	fnCatalogQuery   = &hostFn{"catalog_query", importCatalogQuery}
	fnCatalogFacets  = &hostFn{"catalog_facets", importCatalogFacets}
	fnCatalogApply   = &hostFn{"catalog_apply", importCatalogApply}
	fnURLRead        = &hostFn{"url_read", importURLRead}
	fnURLReadTree    = &hostFn{"url_read_tree", importURLReadTree}
	fnURLSearch      = &hostFn{"url_search", importURLSearch}
	fnProxyFetch     = &hostFn{"proxy_fetch", importProxyFetch}
	fnAuthorize      = &hostFn{"permission_authorize", importPermissionAuthorize}
	fnFilesRead      = &hostFn{"files_read", importFilesRead}
	fnFilesWrite     = &hostFn{"files_write", importFilesWrite}
	fnFilesList      = &hostFn{"files_list", importFilesList}
	fnFilesDelete    = &hostFn{"files_delete", importFilesDelete}
	fnWorkspaceRead  = &hostFn{"workspace_read", importWorkspaceRead}
	fnWorkspaceWrite = &hostFn{"workspace_write", importWorkspaceWrite}
	fnWorkspaceList  = &hostFn{"workspace_list", importWorkspaceList}
	fnSearchReplace  = &hostFn{"search_replace", importSearchReplace}
	fnFactsPublish   = &hostFn{"facts_publish", importFactsPublish}
)

// envelope is the result envelope every capability-bearing host function returns.
type envelope struct {
	Result json.RawMessage `json:"result,omitempty"`
	Error  *Error          `json:"error,omitempty"`
}

// call sends req as JSON to fn and decodes the envelope's result into out (when out is
// not nil). An error envelope comes back as *Error.
func call(fn *hostFn, req, out any) error {
	b, err := json.Marshal(req)
	if err != nil {
		return Errorf(CodeInvalidArgument, "%s: encoding the request: %v", fn.name, err)
	}
	return decodeEnvelope(fn, current.invoke(fn, b), out)
}

// decodeEnvelope decodes a host function's result envelope into out.
func decodeEnvelope(fn *hostFn, resp []byte, out any) error {
	var env envelope
	if err := json.Unmarshal(resp, &env); err != nil {
		return Errorf(CodeInternal, "%s: the host's result envelope does not decode: %v", fn.name, err)
	}
	if env.Error != nil {
		if env.Error.Code == "" {
			env.Error.Code = CodeInternal
		}
		return env.Error
	}
	if out != nil && len(env.Result) > 0 {
		if err := json.Unmarshal(env.Result, out); err != nil {
			return Errorf(CodeInternal, "%s: decoding the result: %v", fn.name, err)
		}
	}
	return nil
}

// ConfigKeyAll is the config key whose value is the plugin's whole config as JSON.
const ConfigKeyAll = "greenroom.config"

// Config returns the plugin's config object, after the host applied the defaults of the
// manifest's configSchema, as JSON. It is "{}" when the plugin has no config.
func Config() json.RawMessage {
	if b, ok := current.config(ConfigKeyAll); ok && len(b) > 0 {
		return b
	}
	return json.RawMessage("{}")
}

// DecodeConfig decodes the plugin's config object into v.
func DecodeConfig(v any) error {
	if err := json.Unmarshal(Config(), v); err != nil {
		return Errorf(CodeInternal, "decoding the plugin config: %v", err)
	}
	return nil
}

// ConfigString returns the top-level config value key: the string itself for a string,
// the JSON text for anything else, and "" when the key is absent.
func ConfigString(key string) string {
	v, _ := ConfigValue(key)
	return v
}

// ConfigValue is ConfigString that also reports whether the key is present.
func ConfigValue(key string) (string, bool) {
	b, ok := current.config(key)
	if len(b) == 0 {
		return "", ok
	}
	// b is a fresh copy that nothing else holds: share it instead of copying again.
	return unsafe.String(&b[0], len(b)), ok
}

// Level is a log level, as the host numbers them.
type Level int32

// Log levels.
const (
	LevelTrace Level = 0
	LevelDebug Level = 1
	LevelInfo  Level = 2
	LevelWarn  Level = 3
	LevelError Level = 4
)

func (l Level) String() string {
	switch l {
	case LevelTrace:
		return "TRACE"
	case LevelDebug:
		return "DEBUG"
	case LevelInfo:
		return "INFO"
	case LevelWarn:
		return "WARN"
	case LevelError:
		return "ERROR"
	}
	return "LEVEL(" + strconv.Itoa(int(l)) + ")"
}

// Logger writes to the host log, attributed to the plugin. Its methods take a message
// and alternating keys and values, like log/slog:
//
//	greenroom.Log.Info("refreshed", "items", n, "took", d)
type Logger struct{}

// Log is the plugin's logger.
var Log Logger

// Enabled reports whether the host logs messages at level l.
func (Logger) Enabled(l Level) bool { return l >= current.logLevel() }

// Trace logs at trace level.
func (lg Logger) Trace(msg string, args ...any) { lg.Log(LevelTrace, msg, args...) }

// Debug logs at debug level.
func (lg Logger) Debug(msg string, args ...any) { lg.Log(LevelDebug, msg, args...) }

// Info logs at info level.
func (lg Logger) Info(msg string, args ...any) { lg.Log(LevelInfo, msg, args...) }

// Warn logs at warn level.
func (lg Logger) Warn(msg string, args ...any) { lg.Log(LevelWarn, msg, args...) }

// Error logs at error level.
func (lg Logger) Error(msg string, args ...any) { lg.Log(LevelError, msg, args...) }

// Log logs at level l, if the host's level lets it through.
func (lg Logger) Log(l Level, msg string, args ...any) {
	if l < LevelTrace || l > LevelError {
		l = LevelError
	}
	if !lg.Enabled(l) {
		return
	}
	current.log(l, formatLog(msg, args))
}

// formatLog renders msg and key/value pairs as "msg key=value key2="quoted value"".
func formatLog(msg string, args []any) string {
	if len(args) == 0 {
		return msg
	}
	var b strings.Builder
	b.WriteString(msg)
	for i := 0; i < len(args); i += 2 {
		key := fmt.Sprint(args[i])
		var val any = "!MISSING"
		if i+1 < len(args) {
			val = args[i+1]
		} else {
			key, val = "!BADKEY", args[i]
		}
		s := fmt.Sprint(val)
		if err, ok := val.(error); ok {
			s = err.Error()
		}
		b.WriteByte(' ')
		b.WriteString(key)
		b.WriteByte('=')
		if s == "" || strings.ContainsAny(s, " \t\r\n\"=") {
			s = strconv.Quote(s)
		}
		b.WriteString(s)
	}
	return b.String()
}
