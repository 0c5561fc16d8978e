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

// favourites keeps each signed-in user's starred entities in the store's "home"
// bucket (key stars/<user ref>) and the entities they opened last in memory, for the
// home page.
type favourites struct {
	bucket store.StateBucket

	mu     sync.Mutex
	recent map[string][]string // user ref -> refs, most recent first
}

// Limits: stars per user, recent entities per user, users remembered.
const (
	maxStars      = 200
	maxRecent     = 10
	maxRecentUser = 10_000
)

func newFavourites(b store.StateBucket) *favourites {
	return &favourites{bucket: b, recent: map[string][]string{}}
}

func userOf(ctx context.Context) string {
	p := identity.From(ctx)
	if !p.IsUser() {
		return ""
	}
	return strings.ToLower(p.UserEntityRef)
}

func (f *favourites) Starred(ctx context.Context) ([]string, error) {
	user := userOf(ctx)
	if user == "" {
		return nil, nil
	}
	b, ok, err := f.bucket.Get("stars/" + user)
	if err != nil || !ok {
		return nil, err
	}
	var refs []string
	if err := json.Unmarshal(b, &refs); err != nil {
		return nil, fmt.Errorf("home: the stars of %s are unreadable: %w", user, err)
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
	user := userOf(ctx)
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.recent[user]), nil
}

func (f *favourites) Visited(ctx context.Context, ref string) {
	user := userOf(ctx)
	if user == "" || ref == "" {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.recent[user]; !ok && len(f.recent) >= maxRecentUser {
		return
	}
	l := slices.DeleteFunc(f.recent[user], func(s string) bool { return s == ref })
	l = append([]string{ref}, l...)
	if len(l) > maxRecent {
		l = l[:maxRecent]
	}
	f.recent[user] = l
}
