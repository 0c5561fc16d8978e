package auth

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// Store keeps auth's state between restarts: the public halves of the signing keys,
// the sign-in sessions, the revoked sessions and, in development, the session secret.
// (*store.Bucket) implements it.
type Store interface {
	// Get returns key's value; ok is false when there is none.
	Get(key string) (value []byte, ok bool, err error)
	// Put sets key's value.
	Put(key string, value []byte) error
	// Delete removes key; a missing key is not an error.
	Delete(key string) error
	// List returns every key starting with prefix, with its value.
	List(prefix string) (map[string][]byte, error)
}

// The Store's key prefixes.
const (
	keyPrefix     = "key/"
	sessionPrefix = "session/"
	revokedPrefix = "revoked/"
	secretKey     = "session-secret"
	// environmentKey holds the auth.environment the state belongs to.
	environmentKey = "environment"
)

// tokenType is the typ header of a user identity token.
const tokenType = "vnd.backstage.user"

// keyRecord is a published public key as stored.
type keyRecord struct {
	CreatedAt time.Time       `json:"createdAt"`
	Key       jose.JSONWebKey `json:"key"`
}

// publicKey is a key that verifies tokens while now < created+3×lifetime.
type publicKey struct {
	kid     string
	created time.Time
	key     *ecdsa.PublicKey
	jwk     jose.JSONWebKey
}

// signingKey is the private key that signs new tokens; it never leaves memory.
type signingKey struct {
	kid     string
	created time.Time
	priv    *ecdsa.PrivateKey
	signer  jose.Signer
}

// keys signs user tokens with a key that is replaced every token lifetime, and keeps
// the public keys of the last three lifetimes, in memory and in the store.
type keys struct {
	store    Store
	lifetime time.Duration

	mu       sync.Mutex
	signing  *signingKey
	lastLoad time.Time
	// public is read without the lock on every verification; it is replaced whole.
	public atomic.Pointer[map[string]*publicKey]
}

// reloadEvery bounds how often an unknown key id makes keys read the store again
// (another instance, or this one before a restart, may have made the key).
const reloadEvery = 5 * time.Second

func newKeys(store Store, lifetime time.Duration, now time.Time) (*keys, error) {
	k := &keys{store: store, lifetime: lifetime}
	k.public.Store(&map[string]*publicKey{})
	k.mu.Lock()
	defer k.mu.Unlock()
	if err := k.loadLocked(now); err != nil {
		return nil, err
	}
	return k, nil
}

// retired reports whether a key created at created is no longer published.
func (k *keys) retired(created, now time.Time) bool {
	return !now.Before(created.Add(3 * k.lifetime))
}

// loadLocked reads the published keys from the store, dropping retired ones there.
func (k *keys) loadLocked(now time.Time) error {
	recs, err := k.store.List(keyPrefix)
	if err != nil {
		return fmt.Errorf("auth: read signing keys: %w", err)
	}
	m := map[string]*publicKey{}
	for name, b := range recs {
		var rec keyRecord
		var pub *ecdsa.PublicKey
		if json.Unmarshal(b, &rec) == nil {
			pub, _ = rec.Key.Key.(*ecdsa.PublicKey)
		}
		if pub == nil || k.retired(rec.CreatedAt, now) {
			// Unreadable or retired: it verifies nothing any more.
			if err := k.store.Delete(name); err != nil {
				return fmt.Errorf("auth: drop retired signing key: %w", err)
			}
			continue
		}
		m[rec.Key.KeyID] = &publicKey{kid: rec.Key.KeyID, created: rec.CreatedAt, key: pub, jwk: rec.Key}
	}
	k.public.Store(&m)
	k.lastLoad = now
	return nil
}

// signer returns the current signing key, making a new one when the current one is
// a lifetime old.
func (k *keys) signer(now time.Time) (*signingKey, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if s := k.signing; s != nil && now.Before(s.created.Add(k.lifetime)) {
		return s, nil
	}
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("auth: make signing key: %w", err)
	}
	kid := newUUID()
	jwk := jose.JSONWebKey{Key: &priv.PublicKey, KeyID: kid, Algorithm: string(jose.ES256), Use: "sig"}
	rec, err := json.Marshal(keyRecord{CreatedAt: now.UTC(), Key: jwk})
	if err != nil {
		return nil, fmt.Errorf("auth: encode signing key: %w", err)
	}
	// Publish the public half before the first token it signs.
	if err := k.store.Put(keyPrefix+kid, rec); err != nil {
		return nil, fmt.Errorf("auth: keep signing key: %w", err)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: jose.JSONWebKey{Key: priv, KeyID: kid}},
		(&jose.SignerOptions{}).WithType(tokenType))
	if err != nil {
		return nil, fmt.Errorf("auth: signer: %w", err)
	}
	if err := k.loadLocked(now); err != nil {
		return nil, err
	}
	k.signing = &signingKey{kid: kid, created: now, priv: priv, signer: signer}
	return k.signing, nil
}

// lookup returns the published key kid, reading the store again (at most every
// reloadEvery) when it is not known.
func (k *keys) lookup(kid string, now time.Time) (*publicKey, bool) {
	if pk, ok := (*k.public.Load())[kid]; ok {
		return pk, !k.retired(pk.created, now)
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if now.Sub(k.lastLoad) >= reloadEvery || now.Before(k.lastLoad) {
		if err := k.loadLocked(now); err != nil {
			return nil, false
		}
	}
	pk, ok := (*k.public.Load())[kid]
	return pk, ok && !k.retired(pk.created, now)
}

// jwks returns the published public keys, oldest first.
func (k *keys) jwks(now time.Time) ([]jose.JSONWebKey, error) {
	k.mu.Lock()
	err := k.loadLocked(now)
	k.mu.Unlock()
	if err != nil {
		return nil, err
	}
	var pks []*publicKey
	for _, pk := range *k.public.Load() {
		if !k.retired(pk.created, now) {
			pks = append(pks, pk)
		}
	}
	sort.Slice(pks, func(i, j int) bool {
		if !pks[i].created.Equal(pks[j].created) {
			return pks[i].created.Before(pks[j].created)
		}
		return pks[i].kid < pks[j].kid
	})
	out := make([]jose.JSONWebKey, len(pks))
	for i, pk := range pks {
		out[i] = pk.jwk
	}
	return out, nil
}

// newUUID returns a random (version 4) UUID, the form Backstage's key ids take.
func newUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return strings.Join([]string{h[0:8], h[8:12], h[12:16], h[16:20], h[20:]}, "-")
}
