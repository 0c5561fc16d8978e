package auth

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"greenroom.dev/greenroom/host/internal/identity"
)

var jane = identity.NewUser("user:default/jane", []string{"group:default/team-a"})

func b64(v any) string {
	b, _ := json.Marshal(v)
	return base64.RawURLEncoding.EncodeToString(b)
}

// hs256 builds a token "signed" with HMAC-SHA256 under secret.
func hs256(header, claims map[string]any, secret []byte) string {
	in := b64(header) + "." + b64(claims)
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(in))
	return in + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// es256 signs claims with key under header kid and typ (typ "" leaves it out).
func es256(t *testing.T, key *ecdsa.PrivateKey, kid, typ string, claims any) string {
	t.Helper()
	opts := &jose.SignerOptions{}
	if typ != "" {
		opts = opts.WithType(jose.ContentType(typ))
	}
	sig, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: jose.JSONWebKey{Key: key, KeyID: kid}}, opts)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := jwt.Signed(sig).Claims(claims).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// flipped is s with its i-th character changed (to another base64url character).
func flipped(s string, i int) string {
	c := byte('A')
	if s[i] == 'A' {
		c = 'B'
	}
	return s[:i] + string(c) + s[i+1:]
}

func bearerRequest(token string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "/api/catalog/entities", nil)
	r.Header.Set("Authorization", "Bearer "+token)
	return r
}

func TestTokenRoundTrip(t *testing.T) {
	clk := newClock()
	s := newService(t, Options{Now: clk.Now})
	raw, exp, err := s.IssueToken(jane)
	if err != nil {
		t.Fatal(err)
	}
	if !exp.Equal(clk.Now().Add(time.Hour)) {
		t.Errorf("exp %v, want an hour from now", exp)
	}
	// Backstage's layout: header alg, kid, typ; claims iss, sub, ent, aud, iat, exp.
	parts := strings.Split(raw, ".")
	var header, claims map[string]any
	hb, _ := base64.RawURLEncoding.DecodeString(parts[0])
	cb, _ := base64.RawURLEncoding.DecodeString(parts[1])
	json.Unmarshal(hb, &header)
	json.Unmarshal(cb, &claims)
	if header["alg"] != "ES256" || header["typ"] != "vnd.backstage.user" || header["kid"] == "" {
		t.Errorf("header %v", header)
	}
	if claims["iss"] != "http://localhost:7007/api/auth" || claims["sub"] != "user:default/jane" || claims["aud"] != "backstage" ||
		!reflect.DeepEqual(claims["ent"], []any{"group:default/team-a", "user:default/jane"}) || claims["iat"] == nil || claims["exp"] == nil {
		t.Errorf("claims %v", claims)
	}
	for i := 0; i < 2; i++ { // the second time from the cache
		p, err := s.Authenticate(bearerRequest(raw))
		if err != nil || !reflect.DeepEqual(p, jane) {
			t.Fatalf("authenticate #%d: %+v %v", i, p, err)
		}
	}
	if p, err := s.AuthenticateValues(context.Background(), "bearer "+raw, ""); err != nil || !reflect.DeepEqual(p, jane) {
		t.Errorf("AuthenticateValues: %+v %v", p, err)
	}
	if p, err := s.Authenticate(httptest.NewRequest(http.MethodGet, "/", nil)); err != nil || p.Type != identity.None {
		t.Errorf("no credentials: %+v %v", p, err)
	}
	basic := httptest.NewRequest(http.MethodGet, "/", nil)
	basic.SetBasicAuth("a", "b")
	if p, err := s.Authenticate(basic); err != nil || p.Type != identity.None {
		t.Errorf("Basic credentials are no credentials for the portal (they may be for a proxied upstream): %+v %v", p, err)
	}
	if _, _, err := s.IssueToken(identity.NewService("external:x")); err == nil {
		t.Error("issued a user token for a service")
	}
}

// TestTokenRefusals: every token that is not exactly one we issued, still valid, is
// refused with 401 "Illegal token" — the refusals issue 12 lists, and their kin.
func TestTokenRefusals(t *testing.T) {
	clk := newClock()
	s := newService(t, Options{Now: clk.Now})
	good, _, err := s.IssueToken(jane)
	if err != nil {
		t.Fatal(err)
	}
	sk := s.tokens.keys.signing
	now := clk.Now()
	claims := func(change func(m map[string]any)) map[string]any {
		m := map[string]any{
			"iss": "http://localhost:7007/api/auth", "sub": "user:default/jane", "ent": []string{"user:default/jane", "group:default/admins"},
			"aud": "backstage", "iat": now.Unix(), "exp": now.Add(time.Hour).Unix(),
		}
		if change != nil {
			change(m)
		}
		return m
	}
	header := map[string]any{"alg": "HS256", "typ": "vnd.backstage.user", "kid": sk.kid}
	pkix, _ := x509.MarshalPKIXPublicKey(&sk.priv.PublicKey)
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pkix})
	jwkKey, _ := json.Marshal(jose.JSONWebKey{Key: &sk.priv.PublicKey, KeyID: sk.kid, Algorithm: "ES256", Use: "sig"})
	ecdhKey, _ := sk.priv.PublicKey.ECDH()
	point := ecdhKey.Bytes() // the uncompressed point, 0x04 || X || Y
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	parts := strings.Split(good, ".")
	cb, _ := base64.RawURLEncoding.DecodeString(parts[1])
	tamperedClaims := strings.Replace(string(cb), `"group:default/team-a"`, `"group:default/admins"`, 1)

	cases := []struct {
		name, token string
	}{
		{"alg none", b64(map[string]any{"alg": "none", "typ": "vnd.backstage.user", "kid": sk.kid}) + "." + b64(claims(nil)) + "."},
		{"alg none with a signature", b64(map[string]any{"alg": "none", "typ": "vnd.backstage.user", "kid": sk.kid}) + "." + b64(claims(nil)) + "." + parts[2]},
		{"HS256 keyed with the public key (PEM)", hs256(header, claims(nil), pemKey)},
		{"HS256 keyed with the public key (JWK)", hs256(header, claims(nil), jwkKey)},
		{"HS256 keyed with the public key (point)", hs256(header, claims(nil), point)},
		{"expired", es256(t, sk.priv, sk.kid, tokenType, claims(func(m map[string]any) {
			m["iat"], m["exp"] = now.Add(-2*time.Hour).Unix(), now.Add(-time.Second).Unix()
		}))},
		{"not yet valid (nbf)", es256(t, sk.priv, sk.kid, tokenType, claims(func(m map[string]any) { m["nbf"] = now.Add(time.Minute).Unix() }))},
		{"issued in the future", es256(t, sk.priv, sk.kid, tokenType, claims(func(m map[string]any) { m["iat"] = now.Add(time.Minute).Unix() }))},
		{"another issuer", es256(t, sk.priv, sk.kid, tokenType, claims(func(m map[string]any) { m["iss"] = "http://evil.example.com/api/auth" }))},
		{"another audience", es256(t, sk.priv, sk.kid, tokenType, claims(func(m map[string]any) { m["aud"] = "other" }))},
		{"no audience", es256(t, sk.priv, sk.kid, tokenType, claims(func(m map[string]any) { delete(m, "aud") }))},
		{"no exp", es256(t, sk.priv, sk.kid, tokenType, claims(func(m map[string]any) { delete(m, "exp") }))},
		{"no iat", es256(t, sk.priv, sk.kid, tokenType, claims(func(m map[string]any) { delete(m, "iat") }))},
		{"exp past what its key allows", es256(t, sk.priv, sk.kid, tokenType, claims(func(m map[string]any) { m["exp"] = now.Add(3 * time.Hour).Unix() }))},
		{"sub not a user", es256(t, sk.priv, sk.kid, tokenType, claims(func(m map[string]any) { m["sub"] = "group:default/admins" }))},
		{"sub not a ref", es256(t, sk.priv, sk.kid, tokenType, claims(func(m map[string]any) { m["sub"] = "" }))},
		{"no typ", es256(t, sk.priv, sk.kid, "", claims(nil))},
		{"another typ", es256(t, sk.priv, sk.kid, "vnd.backstage.plugin", claims(nil))},
		{"unknown kid", es256(t, sk.priv, "not-a-key", tokenType, claims(nil))},
		{"another key under our kid", es256(t, other, sk.kid, tokenType, claims(nil))},
		{"tampered payload", parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(tamperedClaims)) + "." + parts[2]},
		{"tampered signature", parts[0] + "." + parts[1] + "." + flipped(parts[2], 10)},
		{"truncated", parts[0] + "." + parts[1]},
		{"garbage", "not-a-token"},
		{"too long", parts[0] + "." + strings.Repeat("A", maxTokenLength) + "." + parts[2]},
	}
	// The good token is verified (and cached) first: a tampered copy must still fail.
	if _, err := s.Authenticate(bearerRequest(good)); err != nil {
		t.Fatal(err)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := s.Authenticate(bearerRequest(tc.token))
			var e *Error
			if !errors.As(err, &e) || e.Status != 401 || e.Name != "AuthenticationError" || e.Message != "Illegal token" {
				t.Fatalf("got %+v, %v; want 401 Illegal token", p, err)
			}
			if p.Type != identity.None {
				t.Errorf("principal %+v", p)
			}
			body := string(ErrorBody("GET", "/api/catalog/entities", e))
			if body != `{"error":{"name":"AuthenticationError","message":"Illegal token"},"request":{"method":"GET","url":"/api/catalog/entities"},"response":{"statusCode":401}}` {
				t.Errorf("body %s", body)
			}
		})
	}
	// A valid token from the same forger's kit is accepted: the cases above fail for
	// their one flaw, not for how they were made.
	if _, err := s.Authenticate(bearerRequest(es256(t, sk.priv, sk.kid, tokenType, claims(nil)))); err != nil {
		t.Fatalf("a well-formed token: %v", err)
	}
}

// TestTokenExpiresInCache: a token verified while valid is refused once it expires,
// though its verification is cached.
func TestTokenExpiresInCache(t *testing.T) {
	clk := newClock()
	s := newService(t, Options{Now: clk.Now})
	raw, _, _ := s.IssueToken(jane)
	if _, err := s.Authenticate(bearerRequest(raw)); err != nil {
		t.Fatal(err)
	}
	clk.Add(time.Hour)
	if _, err := s.Authenticate(bearerRequest(raw)); err == nil || !strings.Contains(err.Error(), "Illegal token: token has expired") {
		t.Fatalf("expired token: %v", err)
	}
}

func jwksKids(t *testing.T, s *Service) []string {
	t.Helper()
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/auth/.well-known/jwks.json", nil))
	if rec.Code != 200 {
		t.Fatalf("jwks: %d %s", rec.Code, rec.Body)
	}
	var set struct {
		Keys []map[string]any `json:"keys"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &set); err != nil {
		t.Fatal(err)
	}
	var kids []string
	for _, k := range set.Keys {
		if k["kty"] != "EC" || k["crv"] != "P-256" || k["alg"] != "ES256" || k["use"] != "sig" || k["d"] != nil {
			t.Errorf("key %v: want a public P-256 signing key", k)
		}
		kids = append(kids, k["kid"].(string))
	}
	return kids
}

// TestKeyRotation: a new key every token lifetime; old public keys stay published
// for three lifetimes, so every token verifies until it expires; and a restart keeps
// them (the private key does not survive it: a new one signs).
func TestKeyRotation(t *testing.T) {
	clk := newClock()
	dir := t.TempDir()
	f, bucket := openStore(t, dir)
	s := newService(t, Options{Now: clk.Now, Store: bucket})
	if kids := jwksKids(t, s); len(kids) != 0 {
		t.Fatalf("keys before the first token: %v", kids)
	}
	tok1, _, _ := s.IssueToken(jane)
	k1 := s.tokens.keys.signing.kid
	clk.Add(59 * time.Minute)
	tok2, _, _ := s.IssueToken(jane) // same key, expires at 1h59m
	if s.tokens.keys.signing.kid != k1 {
		t.Fatal("rotated before a lifetime")
	}
	clk.Add(2 * time.Minute) // 1h01m
	tok3, _, _ := s.IssueToken(jane)
	k2 := s.tokens.keys.signing.kid
	if k2 == k1 {
		t.Fatal("not rotated after a lifetime")
	}
	if kids := jwksKids(t, s); !reflect.DeepEqual(kids, []string{k1, k2}) {
		t.Fatalf("published %v, want [%s %s]", kids, k1, k2)
	}
	if _, err := s.Authenticate(bearerRequest(tok1)); err == nil {
		t.Error("tok1 has expired")
	}
	for _, tok := range []string{tok2, tok3} {
		if _, err := s.Authenticate(bearerRequest(tok)); err != nil {
			t.Errorf("a token signed before the rotation: %v", err)
		}
	}

	// Restart: the public keys come from the store; a new private key signs.
	f.Close()
	_, bucket = openStore(t, dir)
	s = newService(t, Options{Now: clk.Now, Store: bucket})
	if _, err := s.Authenticate(bearerRequest(tok3)); err != nil {
		t.Fatalf("a token from before the restart: %v", err)
	}
	tok4, _, _ := s.IssueToken(jane)
	k3 := s.tokens.keys.signing.kid
	if k3 == k2 || k3 == k1 {
		t.Fatal("the private key survived the restart")
	}
	kids := jwksKids(t, s)
	sort.Strings(kids)
	want := []string{k1, k2, k3}
	sort.Strings(want)
	if !reflect.DeepEqual(kids, want) {
		t.Fatalf("after restart %v, want %v", kids, want)
	}

	// k1 retires three lifetimes after it was made; k2 and k3 stay.
	clk.Add(2 * time.Hour) // 3h01m after k1
	if kids := jwksKids(t, s); len(kids) != 2 || kids[0] == k1 || kids[1] == k1 {
		t.Fatalf("after 3 lifetimes %v, want k1 gone", kids)
	}
	if _, err := s.Authenticate(bearerRequest(tok4)); err == nil {
		t.Error("tok4 has expired")
	}
}

func TestDiscovery(t *testing.T) {
	s := newService(t, Options{BaseURL: "https://portal.example.com/"})
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/.well-known/openid-configuration", nil))
	var doc map[string]any
	json.Unmarshal(rec.Body.Bytes(), &doc)
	if rec.Code != 200 || doc["issuer"] != "https://portal.example.com/api/auth" || doc["jwks_uri"] != "https://portal.example.com/api/auth/.well-known/jwks.json" ||
		!reflect.DeepEqual(doc["claims_supported"], []any{"sub", "ent"}) || !reflect.DeepEqual(doc["id_token_signing_alg_values_supported"], []any{"ES256"}) {
		t.Errorf("%d %v", rec.Code, doc)
	}
}

// BenchmarkVerify: what verifying a user token costs a request. "cached" is the hot
// path (a token seen before: every request after a client's first); "first" is a
// token's first verification, an ES256 signature check. Goal (issue 12): cached p50
// <= 20 µs.
func BenchmarkVerify(b *testing.B) {
	s := newService(b, Options{})
	raw, _, err := s.IssueToken(identity.NewUser("user:default/jane", []string{"group:default/team-a", "group:default/team-b"}))
	if err != nil {
		b.Fatal(err)
	}
	r := bearerRequest(raw)
	run := func(b *testing.B, before func()) {
		times := make([]time.Duration, 0, 1<<16)
		b.ReportAllocs()
		for b.Loop() {
			before()
			t0 := time.Now()
			p, err := s.Authenticate(r)
			d := time.Since(t0)
			if err != nil || !p.IsUser() {
				b.Fatal(p, err)
			}
			if len(times) < cap(times) {
				times = append(times, d)
			}
		}
		sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
		b.ReportMetric(float64(times[len(times)/2].Nanoseconds()), "p50-ns")
		b.ReportMetric(float64(times[len(times)*99/100].Nanoseconds()), "p99-ns")
	}
	b.Run("cached", func(b *testing.B) { run(b, func() {}) })
	b.Run("first", func(b *testing.B) {
		run(b, func() {
			s.tokens.cache.mu.Lock()
			clear(s.tokens.cache.m)
			s.tokens.cache.mu.Unlock()
		})
	})
}

// TestConcurrentVerify: verification, issuing and key rotation from many goroutines
// at once (run with -race).
func TestConcurrentVerify(t *testing.T) {
	clk := newClock()
	s := newService(t, Options{Now: clk.Now})
	var toks []string
	for i := 0; i < 4; i++ {
		raw, _, err := s.IssueToken(identity.NewUser("user:default/u"+string(rune('a'+i)), nil))
		if err != nil {
			t.Fatal(err)
		}
		toks = append(toks, raw)
	}
	done := make(chan error)
	for g := 0; g < 8; g++ {
		go func(g int) {
			for i := 0; i < 50; i++ {
				if g == 0 && i%10 == 0 {
					clk.Add(time.Minute)
					if _, _, err := s.IssueToken(jane); err != nil {
						done <- err
						return
					}
				}
				if _, err := s.Authenticate(bearerRequest(toks[(g+i)%len(toks)])); err != nil {
					done <- err
					return
				}
			}
			done <- nil
		}(g)
	}
	for g := 0; g < 8; g++ {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}

func TestCheckPluginAccess(t *testing.T) {
	svc := identity.NewService("ci", identity.AccessRestriction{Plugin: "catalog"}, identity.AccessRestriction{Plugin: "proxy"})
	if e := CheckPluginAccess(svc, "hello-go"); e == nil || e.Status != 403 || e.Message != "This token's access is restricted to plugin(s) 'catalog', 'proxy'" {
		t.Errorf("%+v", e)
	}
	if e := CheckPluginAccess(svc, "catalog"); e != nil {
		t.Errorf("%+v", e)
	}
	if e := CheckPluginAccess(jane, "hello-go"); e != nil {
		t.Errorf("%+v", e)
	}
	if e := MissingCredentials(); e.Status != 401 || e.Message != "Missing credentials" {
		t.Errorf("%+v", e)
	}
}
