package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"

	"greenroom.dev/greenroom/host/internal/catalog/model"
	"greenroom.dev/greenroom/host/internal/identity"
	"greenroom.dev/greenroom/host/internal/store"
)

// favourites keeps each signed-in user's starred entities (key stars/<user ref>) and
// the entities they opened last (key recent/<user ref>, most recent first) in the
// store's "home" bucket, for the home page; both survive a restart.
type favourites struct {
	bucket store.StateBucket

	mu sync.Mutex // one read-modify-write at a time
}

// Limits: stars per user, recent entities per user.
const (
	maxStars  = 200
	maxRecent = 10
)

func newFavourites(b store.StateBucket) *favourites {
	return &favourites{bucket: b}
}

func userOf(ctx context.Context) string {
	p := identity.From(ctx)
	if !p.IsUser() {
		return ""
	}
	return strings.ToLower(p.UserEntityRef)
}

func (f *favourites) Starred(ctx context.Context) ([]string, error) {
	return f.list("stars", userOf(ctx))
}

// list reads the refs kept under what/<user>.
func (f *favourites) list(what, user string) ([]string, error) {
	if user == "" {
		return nil, nil
	}
	b, ok, err := f.bucket.Get(what + "/" + user)
	if err != nil || !ok {
		return nil, err
	}
	var refs []string
	if err := json.Unmarshal(b, &refs); err != nil {
		return nil, fmt.Errorf("home: the %s of %s are unreadable: %w", what, user, err)
	}
	return refs, nil
}

// Star stars or unstars an entity for the user of ctx; the newest star comes first.
func (f *favourites) Star(ctx context.Context, ref string, on bool) error {
	user := userOf(ctx)
	if user == "" {
		return fmt.Errorf("sign in to star entities")
	}
	r, err := model.ParseRef(ref, model.RefContext{DefaultNamespace: "default"})
	if err != nil || r.Kind == "" {
		return fmt.Errorf("entityRef %q is not a full entity ref such as component:default/my-service", ref)
	}
	key := r.Key()
	f.mu.Lock() // one read-modify-write at a time
	defer f.mu.Unlock()
	refs, err := f.Starred(ctx)
	if err != nil {
		return err
	}
	refs = slices.DeleteFunc(refs, func(s string) bool { return s == key })
	if on {
		refs = append([]string{key}, refs...)
		if len(refs) > maxStars {
			return fmt.Errorf("you have starred %d entities, the most the home page keeps; unstar one first", maxStars)
		}
	}
	b, _ := json.Marshal(refs)
	return f.bucket.Put("stars/"+user, b)
}

func (f *favourites) Recent(ctx context.Context) ([]string, error) {
	return f.list("recent", userOf(ctx))
}

// Visited puts ref first in the user's recent entities, keeping maxRecent. Reopening
// the entity already first writes nothing. A store that fails to write costs the
// user this visit on the home page, not the page they asked for, so the error is
// dropped.
func (f *favourites) Visited(ctx context.Context, ref string) {
	user := userOf(ctx)
	if user == "" || ref == "" {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	l, err := f.list("recent", user)
	if err != nil {
		l = nil // unreadable: start the list again
	}
	if len(l) > 0 && l[0] == ref {
		return
	}
	l = slices.DeleteFunc(l, func(s string) bool { return s == ref })
	l = append([]string{ref}, l...)
	if len(l) > maxRecent {
		l = l[:maxRecent]
	}
	b, _ := json.Marshal(l)
	_ = f.bucket.Put("recent/"+user, b)
}
