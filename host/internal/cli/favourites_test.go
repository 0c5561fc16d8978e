package cli

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"testing"

	"greenroom.dev/greenroom/host/internal/identity"
	"greenroom.dev/greenroom/host/internal/store"
)

// TestRecentSurvivesRestart: the entities a user opened are kept in the store, per
// user and at most maxRecent of them, so a host restarted on the same bbolt file
// still lists them on the home page.
func TestRecentSurvivesRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "greenroom.db")
	alice := identity.With(context.Background(), identity.NewUser("user:default/alice", nil))
	bob := identity.With(context.Background(), identity.NewUser("user:default/bob", nil))
	anon := context.Background()

	f, err := store.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	fav := newFavourites(f.Bucket("home"))
	for i := range maxRecent + 3 {
		fav.Visited(alice, fmt.Sprintf("component:default/svc-%d", i))
	}
	fav.Visited(alice, "component:default/svc-5") // again: moves to the front
	fav.Visited(bob, "api:default/payments-api")
	fav.Visited(anon, "component:default/nobody")
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}

	f, err = store.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fav = newFavourites(f.Bucket("home"))
	want := []string{"component:default/svc-5"}
	for i := maxRecent + 2; len(want) < maxRecent; i-- {
		if i != 5 {
			want = append(want, fmt.Sprintf("component:default/svc-%d", i))
		}
	}
	for _, tc := range []struct {
		name string
		ctx  context.Context
		want []string
	}{
		{"alice", alice, want},
		{"bob", bob, []string{"api:default/payments-api"}},
		{"anonymous", anon, nil},
	} {
		got, err := fav.Recent(tc.ctx)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s after a restart: recent %v, want %v", tc.name, got, tc.want)
		}
	}
}
