package audit_test

import (
	"context"
	"fmt"
	"io"

	"greenroom.dev/greenroom/abi"
	"greenroom.dev/greenroom/host/internal/audit"
)

// The loader wraps every capability function it links; calls and denials land in the log.
func ExampleWrap() {
	log := audit.New(io.Discard, 100)
	urlRead := func(ctx context.Context, req []byte) ([]byte, error) {
		return nil, abi.Errorf(abi.CodeCapabilityDenied, "host evil.example is not granted")
	}
	f := audit.Wrap(log, "docs", "url_read", urlRead)
	f(context.Background(), []byte(`{"url":"https://evil.example/x"}`))

	e := log.Recent(audit.Filter{Outcome: audit.Denied})[0]
	fmt.Println(e.Plugin, e.Capability, e.Target, e.Outcome)
	log.Close()
	// Output:
	// docs url.read https://evil.example/x denied
}
