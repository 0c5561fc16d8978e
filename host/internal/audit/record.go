package audit

import (
	"errors"
	"time"

	"greenroom.dev/greenroom/abi"
)

// Limits on what an entry keeps of a target and an error message.
const (
	MaxTarget = 1024
	MaxError  = 512
)

// RecordCall records one call of a capability host function: e names the plugin,
// capability, function and target, e.Time is when the call began (the duration is
// measured to now), and err is how it ended (Classify).
func (l *Log) RecordCall(e Entry, err error) {
	if l == nil {
		return
	}
	e.DurationMs = float64(time.Since(e.Time).Microseconds()) / 1000
	e.Target = clip(e.Target, MaxTarget)
	e.Outcome, e.Error = Classify(err)
	l.Record(e)
}

// Classify turns a host function's error into an outcome and an error message: nil is
// OK, an *abi.Error with code capability_denied (anywhere in the chain) is Denied, and
// anything else is Failed.
func Classify(err error) (Outcome, string) {
	if err == nil {
		return OK, ""
	}
	var ae *abi.Error
	if errors.As(err, &ae) && ae.Code == abi.CodeCapabilityDenied {
		return Denied, clip(err.Error(), MaxError)
	}
	return Failed, clip(err.Error(), MaxError)
}

// clip shortens s to at most n bytes on a rune boundary, marking the cut with "…".
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := n - len("…")
	for i > 0 && s[i]&0xc0 == 0x80 {
		i--
	}
	return s[:i] + "…"
}

// RecordTask records one run of a scheduled task (capability tasks): call it when the
// gr_task call returns, with its start time and error. A run that was not allowed (the
// grant was removed) is recorded with an *abi.Error of code capability_denied.
func (l *Log) RecordTask(plugin, task string, start time.Time, err error) {
	if l == nil {
		return
	}
	outcome, msg := Classify(err)
	l.Record(Entry{
		Time:       start,
		Plugin:     plugin,
		Caller:     "plugin:" + plugin,
		Capability: abi.CapTasks,
		Function:   abi.ExportTask,
		Target:     task,
		Outcome:    outcome,
		Error:      msg,
		DurationMs: float64(time.Since(start).Microseconds()) / 1000,
	})
}
