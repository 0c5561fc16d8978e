package runtime

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"
	"unicode/utf8"
)

// Limits on what a guest can make the host write to its log (log_* and WASI
// stdout/stderr), SPEC.md section 1.2. Lines of a level the host's log does not show
// cost nothing and do not count.
const (
	LogLineBytes      = 4096     // a longer message is cut
	LogLinesPerCall   = 100      // lines one call may write
	LogBytesPerCall   = 64 << 10 // message bytes one call may write
	LogLinesPerSecond = 100      // a plugin's sustained rate, all its instances together
	LogBytesPerSecond = 64 << 10
	LogLinesBurst     = 1000 // what a plugin may write at once after a quiet spell
	LogBytesBurst     = 1 << 20
	// LogReportInterval spaces the warnings that count dropped lines: at most one per
	// interval per plugin, counting every line dropped since the last.
	LogReportInterval = time.Second
)

const logLimitsText = "100 lines and 64 KiB per call; per plugin 100 lines and 64 KiB a second, in bursts of up to 1000 lines and 1 MiB"

// logLimiter is a plugin's: a token bucket of lines and bytes shared by its instances,
// and the dropped lines not yet reported.
type logLimiter struct {
	logger *slog.Logger

	mu         sync.Mutex
	lines      float64 // tokens
	bytes      float64
	at         int64 // monoNow of the last refill
	pending    int   // dropped lines not yet reported
	lastReport int64 // monoNow of the last warning; 0 before the first
	timer      *time.Timer
}

func newLogLimiter(logger *slog.Logger) *logLimiter {
	return &logLimiter{logger: logger, lines: LogLinesBurst, bytes: LogBytesBurst, at: monoNow()}
}

// take spends one line of n bytes from the bucket, or reports false.
func (l *logLimiter) take(n int) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := monoNow()
	secs := float64(now-l.at) / float64(time.Second)
	l.at = now
	l.lines = min(LogLinesBurst, l.lines+secs*LogLinesPerSecond)
	l.bytes = min(LogBytesBurst, l.bytes+secs*LogBytesPerSecond)
	if l.lines < 1 || l.bytes < float64(n) {
		return false
	}
	l.lines--
	l.bytes -= float64(n)
	return true
}

// dropped counts n dropped lines and reports them now, or when the report interval
// since the last warning has passed.
func (l *logLimiter) dropped(n int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.pending += n
	if l.timer != nil {
		return
	}
	wait := time.Duration(l.lastReport + int64(LogReportInterval) - monoNow())
	if l.lastReport == 0 || wait <= 0 {
		l.reportLocked()
		return
	}
	l.timer = time.AfterFunc(wait, func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		l.timer = nil
		l.reportLocked()
	})
}

// flush reports what is pending now (the plugin is closing).
func (l *logLimiter) flush() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.timer != nil {
		l.timer.Stop()
		l.timer = nil
	}
	l.reportLocked()
}

func (l *logLimiter) reportLocked() {
	if l.pending == 0 {
		return
	}
	l.logger.Warn("plugin log lines dropped: over the logging limits", "dropped", l.pending, "limits", logLimitsText)
	l.pending = 0
	l.lastReport = monoNow()
}

// guestLog writes one line the guest logs at level, within the call's and the plugin's
// limits; a line over them is counted as dropped.
func (inst *instance) guestLog(ctx context.Context, level slog.Level, msg []byte, attrs ...any) {
	l := inst.p.logger
	if !l.Enabled(ctx, level) {
		return
	}
	cut := 0
	if len(msg) > LogLineBytes {
		i := LogLineBytes
		for i > 0 && !utf8.RuneStart(msg[i]) {
			i--
		}
		cut, msg = len(msg)-i, msg[:i]
	}
	n := len(msg)
	if inst.logLines >= LogLinesPerCall || inst.logBytes+n > LogBytesPerCall || !inst.p.logs.take(n) {
		inst.logDropped++
		return
	}
	inst.logLines++
	inst.logBytes += n
	text := string(msg)
	if cut > 0 {
		text += fmt.Sprintf("…[cut %d bytes]", cut)
	}
	l.Log(ctx, level, text, attrs...)
}
