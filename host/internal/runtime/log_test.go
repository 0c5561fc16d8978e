package runtime

import (
	"context"
	"encoding/binary"
	"log/slog"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

func floodInput(lines, length uint64) []byte {
	in := binary.LittleEndian.AppendUint64(nil, lines)
	return binary.LittleEndian.AppendUint64(in, length)
}

var droppedRE = regexp.MustCompile(`dropped=(\d+)`)

// logCounts reads a text log: the plugin's INFO lines, their message bytes, and the
// warnings about dropped lines with the sum of their counts.
func logCounts(t *testing.T, logs string) (lines, bytes, warnings, dropped int) {
	t.Helper()
	for _, l := range strings.Split(logs, "\n") {
		switch {
		case strings.HasPrefix(l, "level=INFO msg="), strings.HasPrefix(l, "level=DEBUG msg="):
			lines++
			msg := l[strings.Index(l, "msg=")+4:]
			bytes += len(msg[:strings.IndexByte(msg, ' ')])
		case strings.HasPrefix(l, "level=WARN") && strings.Contains(l, "log lines dropped"):
			warnings++
			m := droppedRE.FindStringSubmatch(l)
			if m == nil {
				t.Fatalf("warning without a count: %s", l)
			}
			n, _ := strconv.Atoi(m[1])
			dropped += n
		}
	}
	return
}

// TestLogLimits: what a guest can make the host write to its log is bounded per call
// and per plugin (SPEC.md section 1.2). Lines over the limits are dropped, counted, and
// reported in one warning line with the count, not one per line.
func TestLogLimits(t *testing.T) {
	e := newTestEngine(t)
	newPlugin := func(t *testing.T) (*Plugin, *syncBuffer) {
		var buf syncBuffer
		logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{
			Level: slog.LevelDebug,
			ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
				if a.Key == slog.TimeKey {
					return slog.Attr{}
				}
				return a
			}}))
		return load(t, e, wat(t, "logflood"), Options{Name: "flood", Instances: 2, Logger: logger}), &buf
	}
	waitReported := func(t *testing.T, buf *syncBuffer, total int) (lines, bytes, warnings, dropped int) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for {
			lines, bytes, warnings, dropped = logCounts(t, buf.String())
			if lines+dropped == total || time.Now().After(deadline) {
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
	}

	for _, export := range []string{"flood", "flood_stdout"} {
		t.Run("per call "+export, func(t *testing.T) {
			p, buf := newPlugin(t)
			const total = 200_000
			if _, err := p.Call(context.Background(), export, floodInput(total, 400)); err != nil {
				t.Fatal(err)
			}
			lines, bytes, warnings, dropped := waitReported(t, buf, total)
			if lines > LogLinesPerCall || bytes > LogBytesPerCall {
				t.Errorf("one call wrote %d lines, %d bytes; the limits are %d lines, %d bytes", lines, bytes, LogLinesPerCall, LogBytesPerCall)
			}
			if warnings != 1 || lines+dropped != total {
				t.Errorf("%d lines written, %d warnings counting %d dropped; want one warning counting the other %d", lines, warnings, dropped, total-lines)
			}
			if len(buf.String()) > 1<<20 {
				t.Errorf("one call made %d bytes of log", len(buf.String()))
			}
		})
	}

	t.Run("long line", func(t *testing.T) {
		p, buf := newPlugin(t)
		if _, err := p.Call(context.Background(), "flood", floodInput(1, 60000)); err != nil {
			t.Fatal(err)
		}
		lines, bytes, _, _ := logCounts(t, buf.String())
		if lines != 1 || bytes > LogLineBytes+64 || !strings.Contains(buf.String(), "[cut ") {
			t.Errorf("a 60000-byte line: %d lines of %d bytes; want it cut to about %d bytes and marked", lines, bytes, LogLineBytes)
		}
	})

	t.Run("per plugin", func(t *testing.T) {
		p, buf := newPlugin(t)
		began := time.Now()
		const calls, per = 400, 50 // within the per-call limit each time
		for i := 0; i < calls; i++ {
			if _, err := p.Call(context.Background(), "flood", floodInput(per, 100)); err != nil {
				t.Fatal(err)
			}
		}
		elapsed := time.Since(began).Seconds()
		lines, _, warnings, dropped := waitReported(t, buf, calls*per)
		allowed := LogLinesBurst + int(LogLinesPerSecond*(elapsed+1))
		if lines > allowed {
			t.Errorf("%d calls wrote %d lines in %.1fs; the plugin's limit allows %d", calls, lines, elapsed, allowed)
		}
		if lines+dropped != calls*per || warnings > 2+int(elapsed/LogReportInterval.Seconds()) {
			t.Errorf("%d lines written, %d dropped in %d warnings over %.1fs; want every line written or counted, one warning per %v at most",
				lines, dropped, warnings, elapsed, LogReportInterval)
		}
	})
}
