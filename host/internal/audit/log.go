// Package audit records what plugins did with their capabilities: every capability host
// call, every denial and every scheduled task run, as JSON lines in a rotating file (or
// stdout), with the most recent entries kept in memory for GET /api/audit.
//
// The report that `greenroom audit` prints (what plugins could do) is beside the other
// commands, in host/internal/cli/auditreport. This package sits below the plugin loader
// and has no dependency on the config model, so that host/internal/config can compose
// Config.
package audit

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"greenroom.dev/greenroom/abi"
)

// Outcome is how a call ended.
type Outcome string

// Outcomes.
const (
	// OK: the host function returned a result.
	OK Outcome = "ok"
	// Denied: a grant did not cover the call (an abi.Error with code capability_denied).
	Denied Outcome = "denied"
	// Failed: the call failed for another reason (not found, timeout, upstream error...).
	Failed Outcome = "error"
)

// Entry is one line of the audit log.
type Entry struct {
	Time time.Time `json:"time"`
	// Plugin is the config id of the plugin; empty for the host's own actions.
	Plugin string `json:"plugin,omitempty"`
	// Caller is who the call was made for: the signed-in user's entity ref
	// (user:default/jane), a service's subject (external:ci-bot, plugin:<id> for a
	// plugin's own scheduled tasks), or anonymous.
	Caller string `json:"caller,omitempty"`
	// Capability is the capability the call used (kv, catalog.read, url.read, proxy...).
	Capability string `json:"capability"`
	// Function is the greenroom:host/v1 function (kv_get, url_read...), or for a task
	// run "task".
	Function string `json:"function,omitempty"`
	// Target is what the call reached: a URL, "METHOD endpoint/path", an entity ref, a
	// key.
	Target  string  `json:"target,omitempty"`
	Outcome Outcome `json:"outcome"`
	// Error is the error message for denied and failed calls.
	Error      string  `json:"error,omitempty"`
	DurationMs float64 `json:"durationMs"`
	// RequestID is the ID of the HTTP request that caused the entry (its X-Request-Id);
	// empty for what no request caused (a scheduled task, the catalog's processing).
	RequestID string `json:"requestId,omitempty"`
}

// FlushInterval bounds how long an ok entry may sit in the write buffer. Denials and
// errors are written through at once.
const FlushInterval = time.Second

// Log is an audit log. It is safe for concurrent use. A nil *Log records nothing.
type Log struct {
	mu       sync.Mutex
	out      io.Writer     // the file, or stdout
	file     *os.File      // nil when writing to stdout (or a caller's writer)
	w        *bufio.Writer // buffers out
	path     string
	size     int64
	maxSize  int64
	maxFiles int
	buf      []byte
	err      error // the first write error since the last successful write
	dropped  int64 // entries not written because of write errors
	closed   bool

	ring []Entry
	next int
	n    int

	stop chan struct{}
	done chan struct{}
}

// Open opens the log that cfg describes (after ApplyDefaults). dir is the directory a
// relative file path is taken from (the first config file's). recent is how many
// entries Recent can return.
func Open(cfg LogConfig, dir string, recent int) (*Log, error) {
	l := newLog(recent)
	if err := l.open(cfg, dir); err != nil {
		return nil, err
	}
	l.start()
	return l, nil
}

// New returns a log that writes to w without rotation (stdout, or a test's buffer).
func New(w io.Writer, recent int) *Log {
	l := newLog(recent)
	l.out, l.w = w, bufio.NewWriterSize(w, 64<<10)
	l.start()
	return l
}

func newLog(recent int) *Log {
	if recent <= 0 {
		recent = DefaultRecent
	}
	return &Log{ring: make([]Entry, recent), buf: make([]byte, 0, 512)}
}

func (l *Log) start() {
	l.stop, l.done = make(chan struct{}), make(chan struct{})
	go func() {
		defer close(l.done)
		t := time.NewTicker(FlushInterval)
		defer t.Stop()
		for {
			select {
			case <-l.stop:
				return
			case <-t.C:
				l.mu.Lock()
				l.flushLocked()
				l.mu.Unlock()
			}
		}
	}()
}

// open points the log at cfg's file (or stdout), closing the current file.
func (l *Log) open(cfg LogConfig, dir string) error {
	maxFiles := DefaultMaxFiles
	if cfg.MaxFiles != nil {
		maxFiles = *cfg.MaxFiles
	}
	if cfg.File == Stdout {
		l.out, l.file, l.path = os.Stdout, nil, ""
		l.w = bufio.NewWriterSize(os.Stdout, 64<<10)
		return nil
	}
	path := cfg.File
	if path == "" {
		path = DefaultFile
	}
	if !filepath.IsAbs(path) {
		path = filepath.Join(dir, path)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("audit log: %w; check audit.log.file", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("audit log: %w; check audit.log.file", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return fmt.Errorf("audit log: %w", err)
	}
	l.out, l.file, l.path, l.size = f, f, path, st.Size()
	l.maxSize, l.maxFiles = int64(cfg.MaxSize), maxFiles
	if l.maxSize <= 0 {
		l.maxSize = DefaultMaxSize
	}
	l.w = bufio.NewWriterSize(f, 64<<10)
	return nil
}

// Reopen flushes and closes the current file and opens the one cfg names, keeping the
// in-memory entries. Use it on config reload when audit.log changed. On error the log
// keeps writing where it did.
func (l *Log) Reopen(cfg LogConfig, dir string) error {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return errors.New("audit log: closed")
	}
	l.flushLocked()
	old := l.file
	out, w, path, size, maxSize, maxFiles := l.out, l.w, l.path, l.size, l.maxSize, l.maxFiles
	if err := l.open(cfg, dir); err != nil {
		l.out, l.file, l.w, l.path, l.size, l.maxSize, l.maxFiles = out, old, w, path, size, maxSize, maxFiles
		return err
	}
	if old != nil && old != l.file {
		old.Close()
	}
	return nil
}

// Record adds an entry. Ok entries are buffered (written within FlushInterval);
// denials and errors are written through before Record returns.
func (l *Log) Record(e Entry) {
	if l == nil {
		return
	}
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	e.Time = e.Time.UTC()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.ring[l.next] = e
	l.next = (l.next + 1) % len(l.ring)
	if l.n < len(l.ring) {
		l.n++
	}
	if l.closed {
		l.dropped++
		return
	}
	l.buf = appendEntry(l.buf[:0], &e)
	if l.file != nil && l.size > 0 && l.size+int64(len(l.buf)) > l.maxSize {
		l.rotateLocked()
	}
	if _, err := l.w.Write(l.buf); err != nil {
		l.fail(err)
		return
	}
	l.size += int64(len(l.buf))
	if e.Outcome != OK {
		l.flushLocked()
	}
}

func (l *Log) fail(err error) {
	l.dropped++
	if l.err == nil {
		l.err = err
	}
	// A bufio.Writer stays failed after an error: start a fresh one, so that the log
	// resumes when the disk has room again.
	l.w = bufio.NewWriterSize(l.out, 64<<10)
}

func (l *Log) flushLocked() {
	if l.w == nil || l.w.Buffered() == 0 {
		return
	}
	if err := l.w.Flush(); err != nil {
		l.fail(err)
		return
	}
	l.err = nil
}

// rotateLocked moves FILE to FILE.1 (FILE.1 to FILE.2 ...), keeping maxFiles old files,
// and starts a new FILE.
func (l *Log) rotateLocked() {
	l.flushLocked()
	if err := l.file.Close(); err != nil && l.err == nil {
		l.err = err
	}
	if l.maxFiles == 0 {
		os.Remove(l.path)
	} else {
		os.Remove(fmt.Sprintf("%s.%d", l.path, l.maxFiles))
		for i := l.maxFiles - 1; i >= 1; i-- {
			os.Rename(fmt.Sprintf("%s.%d", l.path, i), fmt.Sprintf("%s.%d", l.path, i+1))
		}
		os.Rename(l.path, l.path+".1")
	}
	f, err := os.OpenFile(l.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		// Keep going into a writer that fails, so that the error shows in Err.
		l.fail(fmt.Errorf("audit log: rotate: %w", err))
		l.out, l.file = failingWriter{err}, nil
		l.w = bufio.NewWriterSize(l.out, 64<<10)
		return
	}
	l.out, l.file, l.size = f, f, 0
	l.w = bufio.NewWriterSize(f, 64<<10)
}

type failingWriter struct{ err error }

func (f failingWriter) Write([]byte) (int, error) { return 0, f.err }

// Flush writes buffered entries out.
func (l *Log) Flush() error {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.flushLocked()
	return l.err
}

// Err reports how many entries were lost to write errors in all, and the first write
// error since the last successful write; the host shows both on /readyz.
func (l *Log) Err() (dropped int64, err error) {
	if l == nil {
		return 0, nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.dropped, l.err
}

// Close flushes every buffered entry and closes the file. Entries recorded after Close
// are kept in memory only. Close is idempotent.
func (l *Log) Close() error {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	l.flushLocked()
	err := l.err
	if l.file != nil {
		if cerr := l.file.Close(); err == nil {
			err = cerr
		}
	}
	l.mu.Unlock()
	close(l.stop)
	<-l.done
	return err
}

// appendEntry writes e as one JSON line, without reflection.
func appendEntry(b []byte, e *Entry) []byte {
	b = append(b, `{"time":"`...)
	b = e.Time.UTC().AppendFormat(b, "2006-01-02T15:04:05.000000Z07:00")
	b = append(b, `","plugin":`...)
	b = appendString(b, e.Plugin)
	b = append(b, `,"capability":`...)
	b = appendString(b, e.Capability)
	if e.Function != "" {
		b = append(b, `,"function":`...)
		b = appendString(b, e.Function)
	}
	if e.Target != "" {
		b = append(b, `,"target":`...)
		b = appendString(b, e.Target)
	}
	b = append(b, `,"outcome":`...)
	b = appendString(b, string(e.Outcome))
	if e.Error != "" {
		b = append(b, `,"error":`...)
		b = appendString(b, e.Error)
	}
	b = append(b, `,"durationMs":`...)
	b = strconv.AppendFloat(b, e.DurationMs, 'f', 3, 64)
	if e.RequestID != "" {
		b = append(b, `,"requestId":`...)
		b = appendString(b, e.RequestID)
	}
	return append(b, "}\n"...)
}

// appendString appends s as a JSON string (abi's encoder: HTML-safe escaping, invalid
// UTF-8 as U+FFFD, U+2028 and U+2029 escaped so that the line is also valid JavaScript).
func appendString(b []byte, s string) []byte { return abi.AppendJSONString(b, s) }
