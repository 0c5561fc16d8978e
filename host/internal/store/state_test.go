package store

import (
	"errors"
	"path/filepath"
	"reflect"
	"testing"
)

func TestBucket(t *testing.T) {
	path := filepath.Join(t.TempDir(), "greenroom.db")
	f, err := OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	a, b := f.Bucket("auth"), f.Bucket("other")
	if _, ok, err := a.Get("missing"); ok || err != nil {
		t.Fatalf("get from a bucket never written: %v %v", ok, err)
	}
	if m, err := a.List(""); err != nil || len(m) != 0 {
		t.Fatalf("list of a bucket never written: %v %v", m, err)
	}
	if err := a.Delete("missing"); err != nil {
		t.Fatalf("delete from a bucket never written: %v", err)
	}
	for k, v := range map[string]string{"key/1": "one", "key/2": "two", "session/x": "s"} {
		if err := a.Put(k, []byte(v)); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Put("key/1", []byte("b's")); err != nil {
		t.Fatal(err)
	}
	if v, ok, err := a.Get("key/1"); !ok || err != nil || string(v) != "one" {
		t.Fatalf("get: %q %v %v", v, ok, err)
	}
	if v, _, _ := b.Get("key/1"); string(v) != "b's" {
		t.Fatalf("namespaces must not share keys: %q", v)
	}
	m, err := a.List("key/")
	if err != nil || !reflect.DeepEqual(m, map[string][]byte{"key/1": []byte("one"), "key/2": []byte("two")}) {
		t.Fatalf("list: %q %v", m, err)
	}
	if err := a.Delete("key/1"); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := a.Get("key/1"); ok {
		t.Fatal("deleted key still there")
	}
	for _, err := range []error{a.Put("", nil), a.Delete("")} {
		if !errors.Is(err, ErrBadStateKey) {
			t.Errorf("empty key: %v", err)
		}
	}
	// The plugins' key-value store is apart: a plugin named like a namespace sees
	// nothing of it.
	if _, err := f.KV().Get("auth", []byte("key/2")); !errors.Is(err, ErrKVNotFound) {
		t.Fatalf("plugin kv sees host state: %v", err)
	}
	// Survives a reopen.
	f.Close()
	f, err = OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if v, ok, _ := f.Bucket("auth").Get("key/2"); !ok || string(v) != "two" {
		t.Fatalf("after reopen: %q %v", v, ok)
	}
}
