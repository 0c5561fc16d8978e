package auth

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"gopkg.in/yaml.v3"

	"greenroom.dev/greenroom/host/internal/identity"
)

func backendConfig(t *testing.T, body string) BackendConfig {
	t.Helper()
	var c BackendConfig
	if err := yaml.Unmarshal([]byte(body), &c); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestStaticTokens(t *testing.T) {
	s := newService(t, Options{Backend: backendConfig(t, `externalAccess:
  - type: static
    options: {token: ci-token-0123456789, subject: ci-bot}
    accessRestrictions: [{plugin: catalog, permission: catalog.entity.read}]
  - type: static
    options: {token: admin-token-abcdefgh, subject: admin-script}
`)})
	cases := []struct {
		token string
		want  identity.Principal
	}{
		{"ci-token-0123456789", identity.NewService("ci-bot", identity.AccessRestriction{Plugin: "catalog", Permissions: []string{"catalog.entity.read"}})},
		{"admin-token-abcdefgh", identity.NewService("admin-script")},
	}
	for _, tc := range cases {
		got, err := s.Authenticate(bearerRequest(tc.token))
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: %+v %v", tc.token, got, err)
		}
	}
	for _, bad := range []string{"ci-token-012345678", "ci-token-01234567890", "CI-TOKEN-0123456789", "ci-token-0123456789x"} {
		if got, err := s.Authenticate(bearerRequest(bad)); err == nil || got.Authenticated() {
			t.Errorf("%s: %+v %v", bad, got, err)
		}
	}
}

// jwksServer serves a JSON Web Key Set on 127.0.0.1 and counts its fetches.
type jwksServer struct {
	*httptest.Server
	fetches atomic.Int32
}

func newJWKSServer(t *testing.T, keys ...jose.JSONWebKey) *jwksServer {
	j := &jwksServer{}
	j.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		j.fetches.Add(1)
		json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: keys})
	}))
	t.Cleanup(j.Close)
	return j
}

func signJWT(t *testing.T, alg jose.SignatureAlgorithm, key any, kid string, claims any) string {
	t.Helper()
	sig, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: jose.JSONWebKey{Key: key, KeyID: kid}}, (&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := jwt.Signed(sig).Claims(claims).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// TestJWKSTokens: service tokens verified against a remote JWKS, with issuer,
// audience and algorithm checked, and the subject named external:[prefix:]sub.
func TestJWKSTokens(t *testing.T) {
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	stranger, _ := rsa.GenerateKey(rand.Reader, 2048)
	srv := newJWKSServer(t,
		jose.JSONWebKey{Key: &rsaKey.PublicKey, KeyID: "rsa-1", Algorithm: "RS256", Use: "sig"},
		jose.JSONWebKey{Key: &ecKey.PublicKey, KeyID: "ec-1", Algorithm: "ES256", Use: "sig"})
	clk := newClock()
	clk.t = time.Now().Truncate(time.Second) // go-oidc's key set has no clock of its own; it needs none
	s := newService(t, Options{Now: clk.Now, Backend: backendConfig(t, `externalAccess:
  - type: jwks
    options: {url: "`+srv.URL+`/jwks", issuer: https://ci.example.com, audience: greenroom, algorithm: RS256, subjectPrefix: ci}
    accessRestrictions: [{plugin: catalog}]
  - type: jwks
    options: {url: "`+srv.URL+`/jwks", issuer: [https://other.example.com], algorithm: [ES256]}
`)})
	now := clk.Now()
	claims := func(change func(m map[string]any)) map[string]any {
		m := map[string]any{"iss": "https://ci.example.com", "sub": "pipeline-7", "aud": "greenroom", "iat": now.Unix(), "exp": now.Add(10 * time.Minute).Unix()}
		if change != nil {
			change(m)
		}
		return m
	}
	good := signJWT(t, jose.RS256, rsaKey, "rsa-1", claims(nil))
	got, err := s.Authenticate(bearerRequest(good))
	if want := identity.NewService("external:ci:pipeline-7", identity.AccessRestriction{Plugin: "catalog"}); err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("good token: %+v %v", got, err)
	}
	other := signJWT(t, jose.ES256, ecKey, "ec-1", map[string]any{"iss": "https://other.example.com", "sub": "deployer", "exp": now.Add(time.Minute).Unix()})
	if got, err := s.Authenticate(bearerRequest(other)); err != nil || got.Subject != "external:deployer" {
		t.Fatalf("second entry, no prefix: %+v %v", got, err)
	}
	fetched := srv.fetches.Load()
	if _, err := s.Authenticate(bearerRequest(good)); err != nil || srv.fetches.Load() != fetched {
		t.Errorf("a token seen before costs a fetch: %v", err)
	}
	// A user token is not tried against the remote key set.
	user, _, _ := s.IssueToken(jane)
	if got, err := s.Authenticate(bearerRequest(user)); err != nil || !got.IsUser() || srv.fetches.Load() != fetched {
		t.Errorf("user token with jwks configured: %+v %v, fetches %d -> %d", got, err, fetched, srv.fetches.Load())
	}

	pkix, _ := x509.MarshalPKIXPublicKey(&rsaKey.PublicKey)
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pkix})
	cases := map[string]string{
		"another issuer":                  signJWT(t, jose.RS256, rsaKey, "rsa-1", claims(func(m map[string]any) { m["iss"] = "https://evil.example.com" })),
		"another audience":                signJWT(t, jose.RS256, rsaKey, "rsa-1", claims(func(m map[string]any) { m["aud"] = "someone-else" })),
		"expired":                         signJWT(t, jose.RS256, rsaKey, "rsa-1", claims(func(m map[string]any) { m["exp"] = now.Add(-2 * time.Minute).Unix() })),
		"not yet valid":                   signJWT(t, jose.RS256, rsaKey, "rsa-1", claims(func(m map[string]any) { m["nbf"] = now.Add(5 * time.Minute).Unix() })),
		"no exp":                          signJWT(t, jose.RS256, rsaKey, "rsa-1", claims(func(m map[string]any) { delete(m, "exp") })),
		"no sub":                          signJWT(t, jose.RS256, rsaKey, "rsa-1", claims(func(m map[string]any) { delete(m, "sub") })),
		"an algorithm not allowed":        signJWT(t, jose.ES256, ecKey, "ec-1", claims(nil)),
		"a key not in the set":            signJWT(t, jose.RS256, stranger, "rsa-1", claims(nil)),
		"a kid not in the set":            signJWT(t, jose.RS256, stranger, "rsa-9", claims(nil)),
		"HS256 keyed with the public key": hs256(map[string]any{"alg": "HS256", "kid": "rsa-1", "typ": "JWT"}, claims(nil), pemKey),
		"alg none":                        b64(map[string]any{"alg": "none", "kid": "rsa-1"}) + "." + b64(claims(nil)) + ".",
	}
	for name, tok := range cases {
		got, err := s.Authenticate(bearerRequest(tok))
		var e *Error
		if !errors.As(err, &e) || e.Status != 401 || e.Message != "Illegal token" || got.Authenticated() {
			t.Errorf("%s: %+v %v", name, got, err)
		}
	}
}
