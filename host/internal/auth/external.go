package auth

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"greenroom.dev/greenroom/host/internal/identity"
)

// external accepts the service tokens of backend.auth.externalAccess.
type external struct {
	// static maps the SHA-256 of each static token to its service: a lookup by
	// digest compares no secret byte by byte.
	static map[[32]byte]identity.Principal
	jwks   []*jwksAccess
	cache  tokenCache
}

// jwksAccess is one jwks entry: JWTs signed by a key of a remote JWKS, which go-oidc
// fetches and caches (again when a token names a key it does not have).
type jwksAccess struct {
	url          string
	keys         *oidc.RemoteKeySet
	algs         []jose.SignatureAlgorithm
	issuers      []string
	audiences    []string
	prefix       string
	restrictions []identity.AccessRestriction
}

// externalLeeway is the clock skew allowed for another issuer's tokens.
const externalLeeway = time.Minute

// externalRecheck bounds how long a verified jwks token is taken on trust: a key
// withdrawn from the remote JWKS stops its tokens within this time.
const externalRecheck = 5 * time.Minute

func newExternal(cfg BackendConfig, client *http.Client) *external {
	x := &external{static: map[[32]byte]identity.Principal{}}
	for _, e := range cfg.ExternalAccess {
		r := restrictions(e.AccessRestrictions)
		switch e.Type {
		case "static":
			x.static[sha256.Sum256([]byte(e.Options.Token))] = identity.NewService(e.Options.Subject, r...)
		case "jwks":
			algs := e.Options.Algorithm
			if len(algs) == 0 {
				algs = jwksAlgorithms
			}
			j := &jwksAccess{
				url:     e.Options.URL,
				keys:    oidc.NewRemoteKeySet(oidc.ClientContext(context.Background(), client), e.Options.URL),
				issuers: e.Options.Issuer, audiences: e.Options.Audience,
				prefix: e.Options.SubjectPrefix, restrictions: r,
			}
			for _, a := range algs {
				j.algs = append(j.algs, jose.SignatureAlgorithm(a))
			}
			x.jwks = append(x.jwks, j)
		}
	}
	return x
}

// known returns the service of a static token, or of a jwks token verified lately.
func (x *external) known(raw string, now time.Time) (identity.Principal, bool) {
	if len(x.static) > 0 {
		if p, ok := x.static[sha256.Sum256([]byte(raw))]; ok {
			return p, true
		}
	}
	if len(x.jwks) > 0 {
		if v, ok := x.cache.get(raw); ok && now.Before(v.exp) {
			return v.principal, true
		}
	}
	return identity.Nobody, false
}

// verifyJWKS verifies raw against each jwks entry in turn.
func (x *external) verifyJWKS(ctx context.Context, raw string, now time.Time) (identity.Principal, error) {
	if len(x.jwks) == 0 {
		return identity.Nobody, errors.New("no jwks entry in backend.auth.externalAccess")
	}
	if len(raw) > maxTokenLength {
		return identity.Nobody, fmt.Errorf("token is %d characters, over %d", len(raw), maxTokenLength)
	}
	var errs []error
	for _, j := range x.jwks {
		p, exp, err := j.verify(ctx, raw, now)
		if err == nil {
			x.cache.put(raw, &verified{principal: p, exp: exp}, now)
			return p, nil
		}
		errs = append(errs, fmt.Errorf("jwks %s: %w", j.url, err))
	}
	return identity.Nobody, errors.Join(errs...)
}

func (j *jwksAccess) verify(ctx context.Context, raw string, now time.Time) (identity.Principal, time.Time, error) {
	// Only the configured (asymmetric) algorithms parse: none and HS256 never do.
	tok, err := jwt.ParseSigned(raw, j.algs)
	if err != nil {
		return identity.Nobody, time.Time{}, fmt.Errorf("not a JWT signed with %v: %w", j.algs, err)
	}
	// Check the claims before the signature, so that a token for someone else does
	// not make us fetch the key set.
	var c jwt.Claims
	if err := tok.UnsafeClaimsWithoutVerification(&c); err != nil {
		return identity.Nobody, time.Time{}, err
	}
	if err := j.checkClaims(c, now); err != nil {
		return identity.Nobody, time.Time{}, err
	}
	payload, err := j.keys.VerifySignature(ctx, raw)
	if err != nil {
		return identity.Nobody, time.Time{}, err
	}
	var signed jwt.Claims
	if err := json.Unmarshal(payload, &signed); err != nil {
		return identity.Nobody, time.Time{}, err
	}
	if err := j.checkClaims(signed, now); err != nil {
		return identity.Nobody, time.Time{}, err
	}
	subject := "external:" + signed.Subject
	if j.prefix != "" {
		subject = "external:" + j.prefix + ":" + signed.Subject
	}
	exp := signed.Expiry.Time()
	if limit := now.Add(externalRecheck); exp.After(limit) {
		exp = limit
	}
	return identity.NewService(subject, j.restrictions...), exp, nil
}

func (j *jwksAccess) checkClaims(c jwt.Claims, now time.Time) error {
	if c.Subject == "" || c.Expiry == nil {
		return errors.New("sub and exp are required")
	}
	if len(j.issuers) > 0 && !slices.Contains(j.issuers, c.Issuer) {
		return fmt.Errorf("issuer %q is not %v", c.Issuer, j.issuers)
	}
	if len(j.audiences) > 0 && !slices.ContainsFunc(j.audiences, c.Audience.Contains) {
		return fmt.Errorf("audience %v is not %v", c.Audience, j.audiences)
	}
	return c.ValidateWithLeeway(jwt.Expected{Time: now}, externalLeeway)
}
