package search

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/gob"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// fileMagic starts the index file; a file from another format version is rebuilt.
const fileMagic = "greenroom search index v1\n"

// snapshot is what the file holds: every source's documents, and the plugins' types.
type snapshot struct {
	Types   []TypeInfo
	Sources []storedSource
}

type storedSource struct {
	Type, Source string
	Docs         []Document
	Keywords     []string
	Refs         []string
}

// load reads the index file into the (empty) index. Callers are New.
func (e *Engine) load() {
	b, err := os.ReadFile(e.file)
	if errors.Is(err, fs.ErrNotExist) {
		e.log.Info("search: no index file yet; the collators build it", "file", e.file)
		return
	}
	if err == nil {
		err = e.decode(b)
	}
	if err == nil {
		e.log.Info("search: index loaded", "file", e.file, "documents", e.idx.live())
		return
	}
	e.idx = newIndex()
	aside := e.file + ".corrupt"
	if rerr := os.Rename(e.file, aside); rerr != nil {
		aside = "(could not move it aside: " + rerr.Error() + ")"
	}
	e.log.Warn("search: the index file is unreadable; starting empty, the collators rebuild it", "file", e.file, "err", err, "keptAs", aside)
}

func (e *Engine) decode(b []byte) error {
	if !bytes.HasPrefix(b, []byte(fileMagic)) || len(b) < len(fileMagic)+sha256.Size {
		return fmt.Errorf("not a search index file of this version")
	}
	body, sum := b[len(fileMagic):len(b)-sha256.Size], b[len(b)-sha256.Size:]
	if h := sha256.Sum256(body); !bytes.Equal(h[:], sum) {
		return fmt.Errorf("checksum mismatch: the file is truncated or damaged")
	}
	var s snapshot
	if err := gob.NewDecoder(bytes.NewReader(body)).Decode(&s); err != nil {
		return fmt.Errorf("decode: %w", err)
	}
	for _, t := range s.Types {
		if _, ok := e.types[t.Name]; !ok {
			e.types[t.Name] = t
		}
	}
	for _, src := range s.Sources {
		for i := range src.Docs {
			if i < len(src.Keywords) {
				src.Docs[i].Keywords = src.Keywords[i]
			}
			if i < len(src.Refs) {
				src.Docs[i].ResourceRef = src.Refs[i]
			}
		}
		e.idx.replace(src.Type, src.Source, src.Docs)
	}
	e.idx.rerank()
	return nil
}

// Save writes the index's documents to its file (a new file renamed over the old, so
// a crash leaves the old or the new one whole). It does nothing without a file or
// without changes since the last save.
func (e *Engine) Save() error {
	if e.file == "" || !e.dirty.Load() {
		return nil
	}
	e.saveMu.Lock()
	defer e.saveMu.Unlock()
	e.dirty.Store(false)
	e.mu.RLock()
	s := snapshot{}
	for _, t := range e.types {
		s.Types = append(s.Types, t)
	}
	keys := make([]string, 0, len(e.idx.sources))
	for k := range e.idx.sources {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		ids := e.idx.sources[k]
		first := &e.idx.slots[ids[0]]
		src := storedSource{Type: first.typ, Source: first.source, Docs: make([]Document, len(ids)),
			Keywords: make([]string, len(ids)), Refs: make([]string, len(ids))}
		for i, id := range ids {
			d := e.idx.slots[id].doc
			src.Docs[i], src.Keywords[i], src.Refs[i] = d, d.Keywords, d.ResourceRef
		}
		s.Sources = append(s.Sources, src)
	}
	e.mu.RUnlock()
	var buf bytes.Buffer
	buf.WriteString(fileMagic)
	if err := gob.NewEncoder(&buf).Encode(&s); err != nil {
		e.dirty.Store(true)
		return fmt.Errorf("search: save the index: encode: %w", err)
	}
	sum := sha256.Sum256(buf.Bytes()[len(fileMagic):])
	buf.Write(sum[:])
	if err := writeFile(e.file, buf.Bytes()); err != nil {
		e.dirty.Store(true)
		return fmt.Errorf("search: save the index: %w", err)
	}
	return nil
}

func writeFile(path string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	_, err = tmp.Write(b)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}

// SaveEvery saves the index at each interval while it changes, and once more when ctx
// ends. It returns when ctx is done.
func (e *Engine) SaveEvery(ctx context.Context, interval time.Duration) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			if err := e.Save(); err != nil {
				e.log.Error("search: save the index", "err", err)
			}
			return ctx.Err()
		case <-t.C:
			if err := e.Save(); err != nil {
				e.log.Error("search: save the index", "err", err)
			}
		}
	}
}
