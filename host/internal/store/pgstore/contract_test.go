package pgstore_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"greenroom.dev/greenroom/host/internal/catalog"
	"greenroom.dev/greenroom/host/internal/pgtest"
	"greenroom.dev/greenroom/host/internal/store"
	"greenroom.dev/greenroom/host/internal/store/pgstore"
)

// backends opens one empty store per backend: the bbolt file and PostgreSQL. The
// contract tests run the same cases over both, so they keep the same data the same way.
func backends(t *testing.T) map[string]func(t *testing.T) store.Backend {
	var (
		once    sync.Once
		cluster *pgtest.Cluster
	)
	return map[string]func(t *testing.T) store.Backend{
		"bbolt": func(t *testing.T) store.Backend {
			f, err := store.OpenFile(filepath.Join(t.TempDir(), "greenroom.db"))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { f.Close() })
			return f
		},
		"pg": func(t *testing.T) store.Backend {
			once.Do(func() { cluster = pgtest.Start(t) })
			if cluster == nil {
				t.FailNow()
			}
			db, err := pgstore.Open(context.Background(), cluster.NewDatabase())
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			return db
		},
	}
}

func TestContractKV(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			kv := open(t).KVStore()
			if _, err := kv.Get("p", []byte("a")); !errors.Is(err, store.ErrKVNotFound) {
				t.Fatalf("get missing: %v, want ErrKVNotFound", err)
			}
			for _, bad := range [][]byte{nil, []byte("\x00x"), bytes.Repeat([]byte("k"), store.MaxKVKey+1)} {
				if err := kv.Put("p", bad, []byte("v"), 0); !errors.Is(err, store.ErrKVBadKey) {
					t.Errorf("put key %q: %v, want ErrKVBadKey", bad, err)
				}
			}
			for _, k := range []string{"b/2", "a", "b/1", "b\xff", "c"} {
				if err := kv.Put("p", []byte(k), []byte("v-"+k), 100); err != nil {
					t.Fatalf("put %q: %v", k, err)
				}
			}
			if err := kv.Put("other", []byte("a"), []byte("x"), 0); err != nil {
				t.Fatal(err)
			}
			if v, err := kv.Get("p", []byte("b/1")); err != nil || string(v) != "v-b/1" {
				t.Fatalf("get b/1 = %q, %v", v, err)
			}
			if err := kv.Put("p", []byte("a"), []byte(""), 100); err != nil {
				t.Fatal(err)
			}
			if v, err := kv.Get("p", []byte("a")); err != nil || len(v) != 0 {
				t.Fatalf("empty value: %q, %v", v, err)
			}
			keys, err := kv.List("p", []byte("b"), 0)
			if err != nil {
				t.Fatal(err)
			}
			if got := fmt.Sprintf("%q", keys); got != `["b/1" "b/2" "b\xff"]` {
				t.Errorf("list b = %s", got)
			}
			if keys, _ := kv.List("p", nil, 2); len(keys) != 2 || string(keys[0]) != "a" {
				t.Errorf("list limit 2 = %q", keys)
			}
			// a(1+0) b/2(3+5) b/1(3+5) b\xff(2+4) c(1+3)
			if u, err := kv.Usage("p"); err != nil || u != 27 {
				t.Errorf("usage = %d, %v; want 27", u, err)
			}
			err = kv.Put("p", []byte("big"), bytes.Repeat([]byte("x"), 80), 100)
			if !errors.Is(err, store.ErrKVQuota) {
				t.Fatalf("over quota: %v", err)
			}
			if _, err := kv.Get("p", []byte("big")); !errors.Is(err, store.ErrKVNotFound) {
				t.Errorf("a refused put was stored: %v", err)
			}
			// Replacing a value counts only the difference.
			if err := kv.Put("p", []byte("c"), bytes.Repeat([]byte("y"), 70), 100); err != nil {
				t.Errorf("replace within quota: %v", err)
			}
			if err := kv.Delete("p", []byte("c")); err != nil {
				t.Fatal(err)
			}
			if err := kv.Delete("p", []byte("never")); err != nil {
				t.Errorf("delete missing: %v", err)
			}
			if u, _ := kv.Usage("p"); u != 23 {
				t.Errorf("usage after delete = %d, want 23", u)
			}
		})
	}
}

func TestContractFiles(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			fs := open(t).FileStore()
			st, err := fs.Write("docs", []store.FileWrite{{Path: "a/index.html", Content: []byte("<h1>")}, {Path: "a/x/y.css", Content: []byte("p{}")}, {Path: "b.txt", Content: []byte("b")}}, "", store.FileLimits{Quota: 100})
			if err != nil || st.Written != 3 {
				t.Fatalf("write = %+v, %v", st, err)
			}
			content, mod, err := fs.Read("docs", "a/index.html")
			if err != nil || string(content) != "<h1>" || mod.IsZero() {
				t.Fatalf("read = %q %v %v", content, mod, err)
			}
			if _, _, err := fs.Read("docs", "nope"); !errors.Is(err, store.ErrFileNotFound) {
				t.Errorf("read missing: %v", err)
			}
			if _, _, err := fs.Read("docs", "../etc"); !errors.Is(err, store.ErrFileBadPath) {
				t.Errorf("read ../etc: %v", err)
			}
			// Replacing a/ keeps what is written and removes the rest under a/ only.
			st, err = fs.Write("docs", []store.FileWrite{{Path: "a/index.html", Content: []byte("<h2>")}}, "a/", store.FileLimits{})
			if err != nil || st.Removed != 1 || st.Written != 1 {
				t.Fatalf("replace = %+v, %v", st, err)
			}
			list, err := fs.List("docs", "", 0)
			if err != nil {
				t.Fatal(err)
			}
			var paths []string
			for _, f := range list {
				paths = append(paths, fmt.Sprintf("%s:%d", f.Path, f.Size))
			}
			if got := strings.Join(paths, " "); got != "a/index.html:4 b.txt:1" {
				t.Errorf("list = %s", got)
			}
			before, _ := fs.Usage("docs")
			if before != int64(len("a/index.html")+4+len("b.txt")+1) {
				t.Errorf("usage = %d", before)
			}
			_, err = fs.Write("docs", []store.FileWrite{{Path: "c", Content: make([]byte, 10)}}, "", store.FileLimits{MaxFileSize: 5})
			if !errors.Is(err, store.ErrFileTooLarge) {
				t.Errorf("too large: %v", err)
			}
			_, err = fs.Write("docs", []store.FileWrite{{Path: "c", Content: make([]byte, 90)}}, "a", store.FileLimits{Quota: 50})
			if !errors.Is(err, store.ErrFileQuota) {
				t.Fatalf("quota: %v", err)
			}
			// The refused write changed nothing: neither the new file nor the replace.
			if after, _ := fs.Usage("docs"); after != before {
				t.Errorf("usage after a refused write = %d, want %d", after, before)
			}
			if _, _, err := fs.Read("docs", "a/index.html"); err != nil {
				t.Errorf("a refused replace removed a file: %v", err)
			}
			if _, err := fs.Write("docs", []store.FileWrite{{Path: "a/b/c", Content: []byte("1")}, {Path: "ab", Content: []byte("2")}}, "", store.FileLimits{}); err != nil {
				t.Fatal(err)
			}
			// Writing a file's bytes again leaves it as it was, modification time too;
			// new bytes are a new time.
			_, mod1, _ := fs.Read("docs", "ab")
			time.Sleep(2 * time.Millisecond)
			if st, err := fs.Write("docs", []store.FileWrite{{Path: "ab", Content: []byte("2")}, {Path: "a/b/c", Content: []byte("3")}}, "", store.FileLimits{}); err != nil || st.Written != 2 {
				t.Fatalf("rewrite = %+v, %v", st, err)
			}
			if _, mod2, _ := fs.Read("docs", "ab"); !mod2.Equal(mod1) {
				t.Errorf("unchanged file's time moved from %v to %v", mod1, mod2)
			}
			if c, mod3, _ := fs.Read("docs", "a/b/c"); string(c) != "3" || !mod3.After(mod1) {
				t.Errorf("changed file: %q at %v, written after %v", c, mod3, mod1)
			}
			n, err := fs.Delete("docs", "a")
			if err != nil || n != 2 {
				t.Errorf("delete a = %d, %v; want 2 (a/index.html, a/b/c)", n, err)
			}
			if _, _, err := fs.Read("docs", "ab"); err != nil {
				t.Errorf("delete a removed ab: %v", err)
			}
		})
	}
}

func TestContractState(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			be := open(t)
			auth, home := be.StateBucket("auth"), be.StateBucket("home")
			if _, ok, err := auth.Get("k"); ok || err != nil {
				t.Fatalf("get missing = %v, %v", ok, err)
			}
			if err := auth.Put("", nil); !errors.Is(err, store.ErrBadStateKey) {
				t.Errorf("empty key: %v", err)
			}
			for _, k := range []string{"session/1", "session/2", "key/1"} {
				if err := auth.Put(k, []byte(k)); err != nil {
					t.Fatal(err)
				}
			}
			if err := home.Put("session/9", []byte("other namespace")); err != nil {
				t.Fatal(err)
			}
			got, err := auth.List("session/")
			if err != nil || len(got) != 2 || string(got["session/2"]) != "session/2" {
				t.Errorf("list = %q, %v", got, err)
			}
			if err := auth.Delete("session/1"); err != nil {
				t.Fatal(err)
			}
			if v, ok, _ := auth.Get("session/1"); ok {
				t.Errorf("deleted key still there: %q", v)
			}
			if all, _ := auth.List(""); len(all) != 2 {
				t.Errorf("list all = %q", all)
			}
		})
	}
}

func TestContractCatalog(t *testing.T) {
	ctx := context.Background()
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			cs := open(t).CatalogStore()
			var ops []catalog.Op
			for i := 0; i < 5000; i++ {
				ops = append(ops, catalog.Op{Bucket: catalog.BucketEntities, Key: fmt.Sprintf("component:default/e%05d", 4999-i), Value: []byte(fmt.Sprint(i))})
			}
			ops = append(ops,
				catalog.Op{Bucket: catalog.BucketEntities, Key: "component:default/e00001", Value: []byte("last wins")},
				catalog.Op{Bucket: catalog.BucketEntities, Key: "component:default/e00002", Value: nil},
				catalog.Op{Bucket: catalog.BucketLocations, Key: "loc", Value: []byte(`{}`)})
			if err := cs.Apply(ctx, ops); err != nil {
				t.Fatal(err)
			}
			var keys []string
			values := map[string]string{}
			err := cs.ForEach(ctx, catalog.BucketEntities, func(k, v []byte) error {
				keys = append(keys, string(k))
				values[string(k)] = string(v)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(keys) != 4999 || keys[0] != "component:default/e00000" || keys[1] != "component:default/e00001" || keys[2] != "component:default/e00003" {
				t.Fatalf("ForEach: %d keys, first %q", len(keys), keys[:3])
			}
			for i := 1; i < len(keys); i++ {
				if keys[i-1] >= keys[i] {
					t.Fatalf("ForEach out of order at %d: %q %q", i, keys[i-1], keys[i])
				}
			}
			if values["component:default/e00001"] != "last wins" {
				t.Errorf("last op on a key did not win: %q", values["component:default/e00001"])
			}
			stop := errors.New("stop")
			if err := cs.ForEach(ctx, catalog.BucketLocations, func(k, v []byte) error { return stop }); !errors.Is(err, stop) {
				t.Errorf("ForEach did not return fn's error: %v", err)
			}
		})
	}
}
