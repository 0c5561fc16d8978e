package auth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"greenroom.dev/greenroom/host/internal/identity"
)

// SessionCookie is the name of the browser's session cookie.
const SessionCookie = "greenroom-session"

// sessionRecord is a sign-in session as stored, under the hash of the cookie's id (so
// that reading the store does not give anyone a cookie).
type sessionRecord struct {
	// Sid names the session in the tokens issued for it (their sid claim).
	Sid       string    `json:"sid"`
	Provider  string    `json:"provider"`
	User      string    `json:"user"`
	Ownership []string  `json:"ent"`
	Profile   Profile   `json:"profile"`
	Scope     string    `json:"scope,omitempty"`
	Created   time.Time `json:"created"`
	Expires   time.Time `json:"expires"`
}

// Session is a signed-in browser's session, for the pages that show who is signed
// in (the user menu, the settings page).
type Session struct {
	// Provider is the provider the user signed in with (guest, oidc, github).
	Provider string
	// User is the user and its ownership refs.
	User identity.Principal
	// Profile is what the provider said about the account.
	Profile Profile
	// Expires is when the session ends.
	Expires time.Time
}

// sessions keeps sign-in sessions in the store, behind HMAC-signed cookies.
type sessions struct {
	store  Store
	secret []byte

	mu        sync.Mutex
	lastSweep time.Time
}

// sweepEvery is how often signing in also drops the expired sessions.
const sweepEvery = time.Hour

// sessionSecret returns auth.session.secret, or in development a random secret made
// once and kept in the store.
func sessionSecret(cfg Config, store Store) ([]byte, error) {
	if cfg.Session.Secret != "" {
		return []byte(cfg.Session.Secret), nil
	}
	if !cfg.IsDevelopment() {
		return nil, errors.New("auth: auth.session.secret is required outside development")
	}
	b, ok, err := store.Get(secretKey)
	if err != nil {
		return nil, fmt.Errorf("auth: read the development session secret: %w", err)
	}
	if ok && len(b) >= minSessionSecret {
		return b, nil
	}
	b = make([]byte, 32)
	rand.Read(b)
	if err := store.Put(secretKey, b); err != nil {
		return nil, fmt.Errorf("auth: keep the development session secret: %w", err)
	}
	return b, nil
}

// mac is the HMAC-SHA256 of msg under the secret, for purpose.
func (s *sessions) mac(purpose, msg string) []byte {
	h := hmac.New(sha256.New, s.secret)
	h.Write([]byte(purpose))
	h.Write([]byte{0})
	h.Write([]byte(msg))
	return h.Sum(nil)
}

// derive returns a secret value bound to msg (a sign-in's nonce): the PKCE verifier
// and the OIDC nonce, which thus need no server-side state between start and callback.
func (s *sessions) derive(purpose, msg string) string {
	return base64.RawURLEncoding.EncodeToString(s.mac(purpose, msg))
}

func recordKey(id string) string {
	sum := sha256.Sum256([]byte(id))
	return sessionPrefix + hex.EncodeToString(sum[:])
}

// create stores a session and returns the cookie value for it.
func (s *sessions) create(rec sessionRecord, now time.Time) (string, error) {
	var idb [32]byte
	rand.Read(idb[:])
	id := base64.RawURLEncoding.EncodeToString(idb[:])
	b, err := json.Marshal(rec)
	if err != nil {
		return "", fmt.Errorf("auth: encode session: %w", err)
	}
	if err := s.store.Put(recordKey(id), b); err != nil {
		return "", fmt.Errorf("auth: keep session: %w", err)
	}
	s.sweep(now)
	return id + "." + base64.RawURLEncoding.EncodeToString(s.mac("session", id)), nil
}

// lookup returns the session a cookie value names, if it is signed, stored and not
// expired; and the store key it is under.
func (s *sessions) lookup(cookie string, now time.Time) (*sessionRecord, string, bool) {
	id, sig, ok := strings.Cut(cookie, ".")
	if !ok || len(id) != 43 {
		return nil, "", false
	}
	want := s.mac("session", id)
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil || !hmac.Equal(got, want) {
		return nil, "", false
	}
	key := recordKey(id)
	b, found, err := s.store.Get(key)
	if err != nil || !found {
		return nil, "", false
	}
	var rec sessionRecord
	if json.Unmarshal(b, &rec) != nil || !now.Before(rec.Expires) {
		return nil, "", false
	}
	return &rec, key, true
}

// sweep drops expired sessions, at most every sweepEvery.
func (s *sessions) sweep(now time.Time) {
	s.mu.Lock()
	if now.Sub(s.lastSweep) < sweepEvery {
		s.mu.Unlock()
		return
	}
	s.lastSweep = now
	s.mu.Unlock()
	all, err := s.store.List(sessionPrefix)
	if err != nil {
		return
	}
	for k, b := range all {
		var rec sessionRecord
		if json.Unmarshal(b, &rec) != nil || !now.Before(rec.Expires) {
			s.store.Delete(k)
		}
	}
}

// sessionFrom returns r's session, if its cookie names a live one of a provider that
// is still configured.
func (s *Service) sessionFrom(r *http.Request) (*sessionRecord, string, bool) {
	c, err := r.Cookie(SessionCookie)
	if err != nil {
		return nil, "", false
	}
	return s.session(c.Value)
}

// session returns the session a cookie value names, if it is live and of a provider
// that is still configured, and the store key it is under.
func (s *Service) session(cookie string) (*sessionRecord, string, bool) {
	if cookie == "" {
		return nil, "", false
	}
	rec, key, ok := s.sessions.lookup(cookie, s.now())
	if !ok {
		return nil, "", false
	}
	if _, configured := s.providers[rec.Provider]; !configured {
		return nil, "", false
	}
	return rec, key, true
}

// Session returns the signed-in session r's cookie names, if it is live.
func (s *Service) Session(r *http.Request) (Session, bool) {
	c, err := r.Cookie(SessionCookie)
	if err != nil {
		return Session{}, false
	}
	return s.SessionOf(c.Value)
}

// SessionOf is Session for the value of the session cookie, for a server that holds no
// *http.Request.
func (s *Service) SessionOf(cookie string) (Session, bool) {
	rec, _, ok := s.session(cookie)
	if !ok {
		return Session{}, false
	}
	return Session{Provider: rec.Provider, User: identity.NewUser(rec.User, rec.Ownership), Profile: rec.Profile, Expires: rec.Expires}, true
}

// signOut ends r's session, if any: it deletes the record, refuses the tokens issued
// for it, and clears the cookie.
func (s *Service) signOut(w http.ResponseWriter, r *http.Request) error {
	s.clearCookie(w, SessionCookie, "/")
	rec, key, ok := s.sessionFrom(r)
	if !ok {
		return nil
	}
	if err := s.store.Delete(key); err != nil {
		return fmt.Errorf("auth: sign out: %w", err)
	}
	now := s.now()
	// Tokens issued for the session expire at most a token lifetime from now.
	return s.tokens.revoked.revoke(rec.Sid, now.Add(s.tokens.lifetime+time.Second), now)
}

func (s *Service) setCookie(w http.ResponseWriter, name, value, path string, maxAge time.Duration) {
	http.SetCookie(w, &http.Cookie{
		Name: name, Value: value, Path: path, MaxAge: int(maxAge / time.Second),
		HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode,
	})
}

func (s *Service) clearCookie(w http.ResponseWriter, name, path string) {
	http.SetCookie(w, &http.Cookie{
		Name: name, Value: "", Path: path, MaxAge: -1,
		HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode,
	})
}

func randomString(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
