package audit_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"greenroom.dev/greenroom/abi"
	"greenroom.dev/greenroom/host/internal/audit"
)

func TestRecordCall(t *testing.T) {
	var buf bytes.Buffer
	log := audit.New(&buf, 10)
	defer log.Close()
	start := time.Now().Add(-5 * time.Millisecond)
	log.RecordCall(audit.Entry{Time: start, Plugin: "p", Capability: abi.CapURLRead, Function: "url_read", Target: strings.Repeat("u", 2000)}, errors.New("boom"))
	log.RecordCall(audit.Entry{Time: start, Plugin: "p", Capability: abi.CapKV, Function: "kv_get", Target: "k"}, nil)
	var nilLog *audit.Log
	nilLog.RecordCall(audit.Entry{Plugin: "p"}, nil) // records nothing, and does not panic
	got := log.Recent(audit.Filter{})
	if len(got) != 2 {
		t.Fatalf("%d entries", len(got))
	}
	for _, e := range got {
		if e.DurationMs < 5 || !e.Time.Equal(start) {
			t.Errorf("entry %+v: the duration runs from the call's start", e)
		}
		switch e.Function {
		case "url_read":
			if e.Outcome != audit.Failed || e.Error != "boom" || len(e.Target) > audit.MaxTarget || !strings.HasSuffix(e.Target, "…") {
				t.Errorf("failed call %+v", e)
			}
		case "kv_get":
			if e.Outcome != audit.OK || e.Error != "" || e.Target != "k" {
				t.Errorf("ok call %+v", e)
			}
		}
	}
}

func TestClassify(t *testing.T) {
	wrapped := fmt.Errorf("narrowed: %w", abi.Errorf(abi.CodeCapabilityDenied, "host evil.example is not in grants[\"url.read\"].hosts"))
	for _, c := range []struct {
		err  error
		want audit.Outcome
	}{
		{nil, audit.OK},
		{abi.Errorf(abi.CodeCapabilityDenied, "no"), audit.Denied},
		{wrapped, audit.Denied},
		{abi.Errorf(abi.CodeNotFound, "no"), audit.Failed},
		{context.DeadlineExceeded, audit.Failed},
	} {
		if got, _ := audit.Classify(c.err); got != c.want {
			t.Errorf("%v: %s, want %s", c.err, got, c.want)
		}
	}
	_, msg := audit.Classify(errors.New(strings.Repeat("é", 400)))
	if len(msg) > audit.MaxError || !strings.HasSuffix(msg, "…") || !strings.HasPrefix(msg, "éé") {
		t.Fatalf("clipped message %q (%d bytes)", msg, len(msg))
	}
}

func TestRecordTask(t *testing.T) {
	log := audit.New(&bytes.Buffer{}, 10)
	defer log.Close()
	start := time.Now().Add(-time.Millisecond)
	log.RecordTask("hello", "tick", start, nil)
	log.RecordTask("hello", "tick", start, errors.New("trap"))
	(*audit.Log)(nil).RecordTask("hello", "tick", start, nil)
	got := log.Recent(audit.Filter{Capability: abi.CapTasks})
	if len(got) != 2 || got[1].Target != "tick" || got[1].Function != "gr_task" || got[1].Outcome != audit.OK || got[0].Outcome != audit.Failed || got[1].DurationMs < 1 {
		t.Fatalf("%+v", got)
	}
}
