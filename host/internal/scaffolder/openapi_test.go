package scaffolder

import (
	"bytes"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"greenroom.dev/greenroom/host/internal/openapitest"
)

var (
	docOnce   sync.Once
	docVal    *openapitest.Validators
	eventOnce sync.Once
	eventSch  *jsonschema.Schema
)

// checkOpenAPI validates an answer of the API against its OpenAPI document
// (host/internal/openapi's scaffolder document): every answer the tests of this package
// get goes through it, so the document cannot drift from the code.
func checkOpenAPI(t testing.TB, req *http.Request, resp *http.Response, body []byte) {
	t.Helper()
	docOnce.Do(func() { docVal = openapitest.New(t) })
	docVal.Check(t, req, resp, body)
}

// checkEventStream validates an event stream's frames: each data line is a
// SerializedTaskEvent of the document, and its event line names the event's type.
func checkEventStream(t testing.TB, stream []byte) {
	t.Helper()
	eventOnce.Do(func() { eventSch = openapitest.Schema(t, "scaffolder", "SerializedTaskEvent") })
	for _, frame := range strings.Split(strings.TrimSpace(string(stream)), "\n\n") {
		var typ string
		for _, line := range strings.Split(frame, "\n") {
			switch {
			case strings.HasPrefix(line, "event: "):
				typ = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				data := []byte(strings.TrimPrefix(line, "data: "))
				openapitest.Value(t, eventSch, "event stream frame", data)
				if !bytes.Contains(data, []byte(`"type":"`+typ+`"`)) {
					t.Errorf("event stream frame: event %q, data %s", typ, data)
				}
			case strings.HasPrefix(line, ":"), line == "":
			default:
				t.Errorf("event stream: a line that is not a server-sent event's: %q", line)
			}
		}
	}
}
