package runtime

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"sync"
)

// instrVersion names the rewriter's output format; bump it when instrument changes, so
// that stale cached rewrites are not used.
const instrVersion = "greenroom-instrument-v3"

// instrCache remembers instrument's output by the hash of its input: in memory for the
// life of the engine (the same module loaded under several ids, reloads), and in the
// compilation cache directory across restarts. That directory already holds machine
// code the host runs, so a rewritten module kept beside it adds no new trust.
type instrCache struct {
	dir string // "" keeps the cache in memory only
	mu  sync.Mutex
	mem map[[32]byte]instrResult
}

type instrResult struct {
	out []byte
	err error
}

func newInstrCache(cacheDir string) *instrCache {
	c := &instrCache{mem: map[[32]byte]instrResult{}}
	if cacheDir != "" {
		c.dir = filepath.Join(cacheDir, instrVersion)
	}
	return c
}

// get returns instrument(wasm), computing it at most once per module, and the module's
// sha256 (the cache key), which callers reuse rather than hash megabytes again.
func (c *instrCache) get(wasm []byte) ([]byte, [32]byte, error) {
	key := sha256.Sum256(wasm)
	c.mu.Lock()
	r, ok := c.mem[key]
	c.mu.Unlock()
	if ok {
		return r.out, key, r.err
	}
	var file string
	if c.dir != "" {
		file = filepath.Join(c.dir, hex.EncodeToString(key[:])+".wasm")
		if b, err := os.ReadFile(file); err == nil {
			c.put(key, instrResult{out: b})
			return b, key, nil
		}
	}
	out, err := instrument(wasm)
	c.put(key, instrResult{out, err})
	if err == nil && file != "" {
		if os.MkdirAll(c.dir, 0o700) == nil {
			if tmp, terr := os.CreateTemp(c.dir, ".tmp-*"); terr == nil {
				_, werr := tmp.Write(out)
				cerr := tmp.Close()
				if werr == nil && cerr == nil {
					_ = os.Rename(tmp.Name(), file)
				} else {
					_ = os.Remove(tmp.Name())
				}
			}
		}
	}
	return out, key, err
}

func (c *instrCache) put(key [32]byte, r instrResult) {
	c.mu.Lock()
	c.mem[key] = r
	c.mu.Unlock()
}
