package store

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
)

func openKV(t *testing.T, path string) (*KV, *bolt.DB) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	kv, err := NewKV(db)
	if err != nil {
		t.Fatal(err)
	}
	return kv, db
}

func TestKV(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kv.db")
	kv, db := openKV(t, path)
	if err := kv.Put("a", []byte("count"), []byte("1"), 0); err != nil {
		t.Fatal(err)
	}
	if err := kv.Put("a", []byte("countess"), []byte("x"), 0); err != nil {
		t.Fatal(err)
	}
	if err := kv.Put("b", []byte("count"), []byte("other"), 0); err != nil {
		t.Fatal(err)
	}
	if v, err := kv.Get("a", []byte("count")); err != nil || string(v) != "1" {
		t.Fatalf("get: %q %v", v, err)
	}
	if v, _ := kv.Get("b", []byte("count")); string(v) != "other" {
		t.Fatal("plugins must not share keys")
	}
	keys, err := kv.List("a", []byte("count"), 0)
	if err != nil || len(keys) != 2 || string(keys[0]) != "count" || string(keys[1]) != "countess" {
		t.Fatalf("list: %q %v", keys, err)
	}
	if keys, _ := kv.List("a", []byte("count"), 1); len(keys) != 1 {
		t.Fatalf("limit: %q", keys)
	}
	if err := kv.Delete("a", []byte("count")); err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Get("a", []byte("count")); !errors.Is(err, ErrKVNotFound) {
		t.Fatalf("after delete: %v", err)
	}
	if n, _ := kv.Usage("a"); n != int64(len("countess")+1) {
		t.Fatalf("usage %d", n)
	}
	// Survives a reopen.
	db.Close()
	kv, db = openKV(t, path)
	defer db.Close()
	if v, err := kv.Get("a", []byte("countess")); err != nil || string(v) != "x" {
		t.Fatalf("after reopen: %q %v", v, err)
	}
}

func TestKVQuotaAndKeys(t *testing.T) {
	kv, db := openKV(t, filepath.Join(t.TempDir(), "kv.db"))
	defer db.Close()
	if err := kv.Put("p", []byte("k"), make([]byte, 90), 100); err != nil {
		t.Fatal(err)
	}
	err := kv.Put("p", []byte("k2"), make([]byte, 20), 100)
	if !errors.Is(err, ErrKVQuota) || !strings.Contains(err.Error(), "plugin p would use 113 of its 100 bytes") {
		t.Fatalf("quota: %v", err)
	}
	// Overwriting the same key counts the old value out.
	if err := kv.Put("p", []byte("k"), make([]byte, 95), 100); err != nil {
		t.Fatalf("overwrite within quota: %v", err)
	}
	for _, k := range [][]byte{nil, []byte(strings.Repeat("x", MaxKVKey+1)), {0, 'a'}} {
		if err := kv.Put("p", k, nil, 0); !errors.Is(err, ErrKVBadKey) {
			t.Errorf("key %q: %v", k, err)
		}
	}
}
