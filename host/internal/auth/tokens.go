package auth

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"greenroom.dev/greenroom/host/internal/catalog/model"
	"greenroom.dev/greenroom/host/internal/identity"
)

// audience is the aud of every user identity token.
const audience = "backstage"

// maxTokenLength is the longest Bearer token considered, as in Backstage.
const maxTokenLength = 32768

// userClaims are a user identity token's claims: Backstage's (iss, sub, ent, aud, iat,
// exp) and sid, the sign-in session the token was issued for, so that signing out
// revokes the session's tokens too.
type userClaims struct {
	jwt.Claims
	Ent []string `json:"ent"`
	Sid string   `json:"sid,omitempty"`
}

// tokens issues and verifies user identity tokens.
type tokens struct {
	keys     *keys
	issuer   string
	lifetime time.Duration
	revoked  *revocations
	cache    tokenCache
}

// issue signs a token for user p, tied to sign-in session sid (if any).
func (t *tokens) issue(p identity.Principal, sid string, now time.Time) (string, time.Time, error) {
	sk, err := t.keys.signer(now)
	if err != nil {
		return "", time.Time{}, err
	}
	iat := now.Truncate(time.Second)
	exp := iat.Add(t.lifetime)
	c := userClaims{
		Claims: jwt.Claims{
			Issuer:   t.issuer,
			Subject:  p.UserEntityRef,
			Audience: jwt.Audience{audience},
			IssuedAt: jwt.NewNumericDate(iat),
			Expiry:   jwt.NewNumericDate(exp),
		},
		Ent: p.OwnershipEntityRefs,
		Sid: sid,
	}
	raw, err := jwt.Signed(sk.signer).Claims(c).Serialize()
	if err != nil {
		return "", time.Time{}, fmt.Errorf("auth: sign token for %s: %w", p.UserEntityRef, err)
	}
	return raw, exp, nil
}

// errNotUserToken is the cause when a Bearer token is not shaped like a user token
// at all (it may be a service token).
var errNotUserToken = errors.New("not a user token")

// verify checks a user identity token and returns its user. Every failure is
// "Illegal token", with the reason as the cause.
func (t *tokens) verify(raw string, now time.Time) (identity.Principal, error) {
	if v, ok := t.cache.get(raw); ok {
		if err := t.stillValid(v, now); err != nil {
			return identity.Nobody, errIllegalToken(err)
		}
		return v.principal, nil
	}
	v, err := t.verifySlow(raw, now)
	if err != nil {
		return identity.Nobody, errIllegalToken(err)
	}
	if err := t.stillValid(v, now); err != nil {
		return identity.Nobody, errIllegalToken(err)
	}
	t.cache.put(raw, v, now)
	return v.principal, nil
}

// stillValid checks what may change after a token was verified: the clock, its key's
// retirement, and its session's sign-out.
func (t *tokens) stillValid(v *verified, now time.Time) error {
	if !now.Before(v.exp) {
		return errors.New("token has expired")
	}
	if _, ok := t.keys.lookup(v.kid, now); !ok {
		return errors.New("its signing key is retired")
	}
	if v.sid != "" && t.revoked.has(v.sid, now) {
		return errors.New("its session was signed out")
	}
	return nil
}

func (t *tokens) verifySlow(raw string, now time.Time) (*verified, error) {
	if len(raw) > maxTokenLength {
		return nil, fmt.Errorf("token is %d characters, over %d", len(raw), maxTokenLength)
	}
	// Only ES256 parses: alg none, HS256 (even one "signed" with our public key) and
	// every other algorithm are refused here.
	tok, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		return nil, fmt.Errorf("%w: not an ES256 JWT: %w", errNotUserToken, err)
	}
	if len(tok.Headers) != 1 {
		return nil, errors.New("want one signature")
	}
	h := tok.Headers[0]
	if h.ExtraHeaders[jose.HeaderType] != tokenType {
		return nil, fmt.Errorf("%w: header typ is %v, not %s", errNotUserToken, h.ExtraHeaders[jose.HeaderType], tokenType)
	}
	pk, ok := t.keys.lookup(h.KeyID, now)
	if !ok {
		return nil, fmt.Errorf("no published key %q", h.KeyID)
	}
	var c userClaims
	if err := tok.Claims(pk.key, &c); err != nil {
		return nil, fmt.Errorf("signature: %w", err)
	}
	if c.Expiry == nil || c.IssuedAt == nil {
		return nil, errors.New("iat and exp are required")
	}
	if err := c.Claims.ValidateWithLeeway(jwt.Expected{Issuer: t.issuer, AnyAudience: jwt.Audience{audience}, Time: now}, 0); err != nil {
		return nil, err
	}
	if c.Expiry.Time().After(pk.created.Add(2 * t.lifetime)) {
		return nil, errors.New("exp is later than its key allows")
	}
	ref, err := model.ParseRef(c.Subject, model.RefContext{})
	if err != nil || !strings.EqualFold(ref.Kind, "user") {
		return nil, fmt.Errorf("sub %q is not a user entity ref", c.Subject)
	}
	return &verified{
		principal: identity.NewUser(c.Subject, c.Ent),
		exp:       c.Expiry.Time(),
		kid:       pk.kid,
		sid:       c.Sid,
	}, nil
}

// verified is what a verified token stands for, remembered under its exact bytes.
type verified struct {
	principal identity.Principal
	exp       time.Time
	kid       string
	sid       string
}

// maxCachedTokens bounds the verified-token cache (about 1 KiB per entry).
const maxCachedTokens = 10000

// tokenCache remembers verified tokens by their exact text: a later request with the
// same token is answered by a map lookup, not an ECDSA verification (about 100 µs).
// Only the exact bytes that were verified match, so a tampered token never does.
type tokenCache struct {
	mu sync.RWMutex
	m  map[string]*verified
}

func (c *tokenCache) get(raw string) (*verified, bool) {
	c.mu.RLock()
	v, ok := c.m[raw]
	c.mu.RUnlock()
	return v, ok
}

func (c *tokenCache) put(raw string, v *verified, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]*verified{}
	}
	if len(c.m) >= maxCachedTokens {
		for k, old := range c.m {
			if !now.Before(old.exp) {
				delete(c.m, k)
			}
		}
		if len(c.m) >= maxCachedTokens {
			clear(c.m)
		}
	}
	c.m[raw] = v
}

// revocations are the sign-in sessions signed out while tokens issued for them may
// still be valid; kept in the store so that a restart does not forget them.
type revocations struct {
	store Store
	mu    sync.RWMutex
	until map[string]time.Time
}

func loadRevocations(store Store, now time.Time) (*revocations, error) {
	r := &revocations{store: store, until: map[string]time.Time{}}
	recs, err := store.List(revokedPrefix)
	if err != nil {
		return nil, fmt.Errorf("auth: read revoked sessions: %w", err)
	}
	for k, v := range recs {
		until, err := time.Parse(time.RFC3339, string(v))
		if err != nil || !now.Before(until) {
			if err := store.Delete(k); err != nil {
				return nil, fmt.Errorf("auth: drop expired revocation: %w", err)
			}
			continue
		}
		r.until[strings.TrimPrefix(k, revokedPrefix)] = until
	}
	return r, nil
}

// revoke refuses tokens of session sid until until (when all of them have expired).
func (r *revocations) revoke(sid string, until, now time.Time) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	for k, u := range r.until {
		if !now.Before(u) {
			delete(r.until, k)
			if err := r.store.Delete(revokedPrefix + k); err != nil {
				return fmt.Errorf("auth: drop expired revocation: %w", err)
			}
		}
	}
	r.until[sid] = until
	if err := r.store.Put(revokedPrefix+sid, []byte(until.UTC().Format(time.RFC3339))); err != nil {
		return fmt.Errorf("auth: keep revocation: %w", err)
	}
	return nil
}

func (r *revocations) has(sid string, now time.Time) bool {
	r.mu.RLock()
	until, ok := r.until[sid]
	r.mu.RUnlock()
	return ok && now.Before(until)
}
