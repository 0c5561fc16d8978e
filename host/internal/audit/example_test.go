package audit_test

import (
	"fmt"
	"io"
	"time"

	"greenroom.dev/greenroom/abi"
	"greenroom.dev/greenroom/host/internal/audit"
)

// The capability table records every call and denial of a host function as it returns.
func ExampleLog_RecordCall() {
	log := audit.New(io.Discard, 100)
	start := time.Now()
	err := abi.Errorf(abi.CodeCapabilityDenied, "host evil.example is not granted")
	log.RecordCall(audit.Entry{Time: start, Plugin: "docs", Capability: abi.CapURLRead, Function: "url_read", Target: "https://evil.example/x"}, err)

	e := log.Recent(audit.Filter{Outcome: audit.Denied})[0]
	fmt.Println(e.Plugin, e.Capability, e.Target, e.Outcome)
	log.Close()
	// Output:
	// docs url.read https://evil.example/x denied
}
