package runtime

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"sync"
	"testing"
)

var (
	watMu    sync.Mutex
	watCache = map[string][]byte{}
)

// wat compiles testdata/<name>.wat with wat2wasm (from wabt) once per test binary.
func wat(tb testing.TB, name string) []byte {
	tb.Helper()
	watMu.Lock()
	defer watMu.Unlock()
	if b, ok := watCache[name]; ok {
		return b
	}
	bin, err := exec.LookPath("wat2wasm")
	if err != nil {
		tb.Fatalf("wat2wasm not found (install wabt): %v", err)
	}
	out := filepath.Join(tb.TempDir(), name+".wasm")
	cmd := exec.Command(bin, filepath.Join("testdata", name+".wat"), "-o", out)
	if msg, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("wat2wasm %s: %v\n%s", name, err, msg)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		tb.Fatal(err)
	}
	watCache[name] = b
	return b
}

var (
	goPDKOnce sync.Once
	goPDKWasm []byte
	goPDKErr  error
)

// goPDK builds testdata/gopdk with the official Extism Go PDK for wasip1, cached in the
// user cache directory by a hash of its sources and the Go version.
func goPDK(tb testing.TB) []byte {
	tb.Helper()
	goPDKOnce.Do(func() {
		dir := filepath.Join("testdata", "gopdk")
		h := sha256.New()
		names, _ := filepath.Glob(filepath.Join(dir, "*"))
		sort.Strings(names)
		for _, n := range names {
			b, err := os.ReadFile(n)
			if err != nil {
				goPDKErr = err
				return
			}
			h.Write([]byte(filepath.Base(n)))
			h.Write(b)
		}
		ver, _ := exec.Command("go", "env", "GOVERSION").Output()
		h.Write(ver)
		sum := hex.EncodeToString(h.Sum(nil))[:16]
		cacheDir, err := os.UserCacheDir()
		if err != nil {
			cacheDir = os.TempDir()
		}
		cacheDir = filepath.Join(cacheDir, "greenroom-test")
		if err := os.MkdirAll(cacheDir, 0o755); err != nil {
			goPDKErr = err
			return
		}
		out := filepath.Join(cacheDir, "gopdk-"+sum+".wasm")
		if b, err := os.ReadFile(out); err == nil {
			goPDKWasm = b
			return
		}
		abs, _ := filepath.Abs(dir)
		tmp := out + ".tmp"
		cmd := exec.Command("go", "build", "-buildmode=c-shared", "-o", tmp, ".")
		cmd.Dir = abs
		cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "GOFLAGS=-mod=mod", "GOWORK=off")
		if msg, err := cmd.CombinedOutput(); err != nil {
			goPDKErr = &buildError{msg: string(msg), err: err}
			return
		}
		if err := os.Rename(tmp, out); err != nil {
			goPDKErr = err
			return
		}
		goPDKWasm, goPDKErr = os.ReadFile(out)
	})
	if goPDKErr != nil {
		tb.Fatalf("build testdata/gopdk: %v", goPDKErr)
	}
	return goPDKWasm
}

type buildError struct {
	msg string
	err error
}

func (e *buildError) Error() string { return e.err.Error() + "\n" + e.msg }

// syncBuffer is a goroutine-safe log sink.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func quietLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

func newTestEngine(tb testing.TB) *Engine {
	tb.Helper()
	e, err := NewEngine(context.Background(), EngineConfig{CacheDir: filepath.Join(tb.TempDir(), "cache"), Logger: quietLogger()})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = e.Close(context.Background()) })
	return e
}

func load(tb testing.TB, e *Engine, wasm []byte, opts Options) *Plugin {
	tb.Helper()
	if opts.Name == "" {
		opts.Name = "test"
	}
	p, err := e.Load(context.Background(), wasm, opts)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = p.Close(context.Background()) })
	return p
}
