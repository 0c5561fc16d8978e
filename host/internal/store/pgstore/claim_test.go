package pgstore_test

import (
	"strconv"
	"sync"
	"testing"
	"time"
)

// TestContractStateUpdate: Update and Claim are compare-and-set on one key on both
// backends: fn sees the stored value, writes only when it says so, and concurrent
// increments lose none.
func TestContractStateUpdate(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			b := open(t).StateBucket("scaffolder")
			if wrote, err := b.Claim("missing", func([]byte) ([]byte, bool) {
				t.Error("Claim called fn for a missing key")
				return nil, true
			}); wrote || err != nil {
				t.Fatalf("claim of a missing key = %v, %v", wrote, err)
			}
			if wrote, err := b.Update("n", func(v []byte, ok bool) ([]byte, bool) {
				if ok {
					t.Errorf("Update of a missing key saw %q", v)
				}
				return []byte("0"), true
			}); !wrote || err != nil {
				t.Fatalf("update = %v, %v", wrote, err)
			}
			if wrote, _ := b.Update("n", func([]byte, bool) ([]byte, bool) { return []byte("x"), false }); wrote {
				t.Error("Update wrote though fn said not to")
			}
			var wg sync.WaitGroup
			for range 20 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if _, err := b.Update("n", func(v []byte, ok bool) ([]byte, bool) {
						n, _ := strconv.Atoi(string(v))
						return []byte(strconv.Itoa(n + 1)), true
					}); err != nil {
						t.Error(err)
					}
				}()
			}
			wg.Wait()
			if v, _, _ := b.Get("n"); string(v) != "20" {
				t.Errorf("after 20 concurrent increments n = %s; want 20", v)
			}
		})
	}
}

// TestClaimSkipsLocked: with PostgreSQL, a Claim of a key another replica holds (in an
// Update that has not committed) passes it over at once, without waiting or calling fn.
func TestClaimSkipsLocked(t *testing.T) {
	b := backends(t)["pg"](t).StateBucket("scaffolder")
	if err := b.Put("task", []byte("open")); err != nil {
		t.Fatal(err)
	}
	type result struct {
		wrote bool
		err   error
		took  time.Duration
	}
	got := make(chan result, 1)
	if _, err := b.Update("task", func(v []byte, ok bool) ([]byte, bool) {
		go func() {
			began := time.Now()
			wrote, err := b.Claim("task", func([]byte) ([]byte, bool) {
				t.Error("Claim called fn for a key another transaction holds")
				return []byte("claimed twice"), true
			})
			got <- result{wrote, err, time.Since(began)}
		}()
		select {
		case r := <-got:
			got <- r
		case <-time.After(10 * time.Second):
			t.Error("Claim waited for the row's holder")
		}
		return []byte("processing"), true
	}); err != nil {
		t.Fatal(err)
	}
	r := <-got
	if r.wrote || r.err != nil {
		t.Errorf("claim of a held key = %v, %v; want false, nil", r.wrote, r.err)
	}
	if v, _, _ := b.Get("task"); string(v) != "processing" {
		t.Errorf("value %q; want the holder's", v)
	}
}
