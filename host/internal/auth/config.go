package auth

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"greenroom.dev/greenroom/host/internal/catalog/model"
	"greenroom.dev/greenroom/host/internal/identity"
	"greenroom.dev/greenroom/host/internal/lifecycle"
	"greenroom.dev/greenroom/host/internal/units"
)

// Config is the `auth:` section of app-config.yaml. Its keys are Backstage's, except
// allowAnonymous:
//
//	auth:
//	  environment: production              # picks auth.providers.<id>.<environment>
//	  session:
//	    secret: ${AUTH_SESSION_SECRET}     # signs the session cookie; required outside development
//	  backstageTokenExpiration: {hours: 1} # lifetime of a user identity token, 10m-24h
//	  allowAnonymous: false                # may callers without credentials read?
//	  providers:
//	    oidc:
//	      production:
//	        metadataUrl: https://idp.example.com/.well-known/openid-configuration
//	        clientId: ${AUTH_OIDC_CLIENT_ID}
//	        clientSecret: ${AUTH_OIDC_CLIENT_SECRET}
//	        signIn:
//	          resolvers:
//	            - resolver: emailMatchingUserEntityProfileEmail
//	    github:
//	      production:
//	        clientId: ${AUTH_GITHUB_CLIENT_ID}
//	        clientSecret: ${AUTH_GITHUB_CLIENT_SECRET}
//	        signIn:
//	          resolvers:
//	            - resolver: usernameMatchingUserEntityName
//
// In development, `providers: {guest: {}}` gives one-click sign-in as user:default/guest.
type Config struct {
	// Environment picks the block of each provider that is used
	// (auth.providers.<id>.<environment>). Default development. Anything but development
	// is treated as production: the guest provider is refused, auth.session.secret is
	// required, and allowAnonymous defaults to false.
	Environment string `yaml:"environment"`
	// Session configures the browser's sign-in session.
	Session SessionConfig `yaml:"session"`
	// BackstageTokenExpiration is how long a user identity token (the Bearer token that
	// /api/auth/<provider>/refresh returns) stays valid. Default 1h; 10m to 24h. The
	// signing key changes every such period, and a key's public half is published for
	// three periods.
	BackstageTokenExpiration units.Duration `yaml:"backstageTokenExpiration"`
	// AllowAnonymous lets callers without credentials read what the permission policy
	// gives anonymous callers (Greenroom's own key). Default true in development, false
	// in any other environment, where every request then needs a user or a service
	// token.
	AllowAnonymous *bool `yaml:"allowAnonymous"`
	// Providers are the ways to sign in.
	Providers Providers `yaml:"providers"`
}

// SessionConfig is auth.session.
type SessionConfig struct {
	// Secret signs the session cookie (HMAC-SHA256) and seeds the per-sign-in PKCE
	// verifiers; at least 32 characters, e.g. the output of `openssl rand -base64 32`,
	// given as ${AUTH_SESSION_SECRET}. Required outside development. In development a
	// random secret is generated once and kept in the store. Changing it signs everyone
	// out.
	Secret string `yaml:"secret"`
}

// Providers is auth.providers. Unlike the others, guest is not nested under an
// environment.
type Providers struct {
	// Guest signs anyone in as one fixed user with one click, for trying the portal. It
	// is refused outside development. `guest: {}` enables it with the defaults.
	Guest *GuestConfig `yaml:"guest"`
	// OIDC is a generic OpenID Connect provider (Keycloak, Okta, Entra ID, Google,
	// Dex...), one block per environment.
	OIDC map[string]OIDCConfig `yaml:"oidc"`
	// GitHub signs in with a GitHub (or GitHub Enterprise) OAuth app, one block per
	// environment.
	GitHub map[string]GitHubConfig `yaml:"github"`
}

// GuestConfig is auth.providers.guest.
type GuestConfig struct {
	// UserEntityRef is who the guest signs in as. Default user:default/guest. When the
	// catalog has that User, its groups make up the ownership refs.
	UserEntityRef string `yaml:"userEntityRef"`
	// OwnershipEntityRefs are the guest's ownership refs when the catalog does not have
	// the user. Default: the user alone.
	OwnershipEntityRefs []string `yaml:"ownershipEntityRefs"`
	// DangerouslyAllowOutsideDevelopment lets the guest provider run when
	// auth.environment is not development. Anyone who can reach the portal can then
	// sign in as the guest user.
	DangerouslyAllowOutsideDevelopment bool `yaml:"dangerouslyAllowOutsideDevelopment"`
}

// OIDCConfig is auth.providers.oidc.<environment>.
type OIDCConfig struct {
	// MetadataURL is the provider's discovery document,
	// https://<issuer>/.well-known/openid-configuration (or the issuer URL itself). It
	// is read at the first sign-in, so the portal starts while the provider is down.
	MetadataURL string `yaml:"metadataUrl"`
	// ClientID is the OAuth client registered at the provider.
	ClientID string `yaml:"clientId"`
	// ClientSecret is the client's secret; give it as ${VAR}.
	ClientSecret string `yaml:"clientSecret"`
	// CallbackURL is where the provider sends the browser back; register it at the
	// provider. Default <backend.baseUrl>/api/auth/oidc/handler/frame.
	CallbackURL string `yaml:"callbackUrl"`
	// AdditionalScopes are asked for on top of openid, profile and email: a list, or
	// one string separated by spaces or commas.
	AdditionalScopes Scopes `yaml:"additionalScopes"`
	// Prompt is passed on as the prompt parameter (none, login, consent,
	// select_account). Default: not sent.
	Prompt string `yaml:"prompt"`
	// SessionDuration is how long a browser session lasts after sign-in. Default 24h.
	SessionDuration units.Duration `yaml:"sessionDuration"`
	// SignIn maps the signed-in account to a User entity of the catalog.
	SignIn SignIn `yaml:"signIn"`
}

// GitHubConfig is auth.providers.github.<environment>.
type GitHubConfig struct {
	// ClientID is the GitHub OAuth app's client id.
	ClientID string `yaml:"clientId"`
	// ClientSecret is the OAuth app's secret; give it as ${VAR}.
	ClientSecret string `yaml:"clientSecret"`
	// CallbackURL is the OAuth app's authorization callback URL. Default
	// <backend.baseUrl>/api/auth/github/handler/frame.
	CallbackURL string `yaml:"callbackUrl"`
	// EnterpriseInstanceURL is the base URL of a GitHub Enterprise Server
	// (https://ghe.example.com); sign-in then goes to <url>/login/oauth/... and the API
	// to <url>/api/v3. Default: github.com and api.github.com.
	EnterpriseInstanceURL string `yaml:"enterpriseInstanceUrl"`
	// AdditionalScopes are asked for on top of read:user and user:email.
	AdditionalScopes Scopes `yaml:"additionalScopes"`
	// SessionDuration is how long a browser session lasts after sign-in. Default 24h.
	SessionDuration units.Duration `yaml:"sessionDuration"`
	// SignIn maps the GitHub account to a User entity of the catalog.
	SignIn SignIn `yaml:"signIn"`
}

// SignIn is a provider's signIn block.
type SignIn struct {
	// Resolvers are tried in order until one finds the user; one that finds no user
	// passes to the next, and any other failure stops the sign-in. At least one.
	Resolvers []ResolverConfig `yaml:"resolvers"`
}

// ResolverConfig is one entry of signIn.resolvers.
type ResolverConfig struct {
	// Resolver names the rule (Backstage's names):
	//   - emailMatchingUserEntityProfileEmail: the User whose spec.profile.email is the
	//     account's email;
	//   - emailLocalPartMatchingUserEntityName: the User named like the part of the email
	//     before the @;
	//   - usernameMatchingUserEntityName: the User named like the account's username
	//     (GitHub's login; for oidc, preferred_username).
	Resolver string `yaml:"resolver"`
	// AllowedDomains, for the email resolvers, limits sign-in to emails of these
	// domains (example.com). Default: any.
	AllowedDomains []string `yaml:"allowedDomains"`
	// DangerouslyAllowSignInWithoutUserInCatalog signs in a user the catalog does not
	// have, as user:default/<email or username>, owning nothing but itself. Anyone the
	// provider accepts can then sign in.
	DangerouslyAllowSignInWithoutUserInCatalog bool `yaml:"dangerouslyAllowSignInWithoutUserInCatalog"`
}

// BackendConfig is the `backend.auth` section: who besides signed-in users may call the
// backend.
//
//	backend:
//	  auth:
//	    externalAccess:
//	      - type: static
//	        options:
//	          token: ${CI_TOKEN}
//	          subject: ci-bot
//	        accessRestrictions:
//	          - plugin: catalog
//	      - type: jwks
//	        options:
//	          url: https://ci.example.com/.well-known/jwks.json
//	          issuer: https://ci.example.com
//	          algorithm: RS256
//	          audience: greenroom
//	          subjectPrefix: ci
type BackendConfig struct {
	// ExternalAccess lists the service tokens the backend accepts as
	// "Authorization: Bearer <token>".
	ExternalAccess []ExternalAccess `yaml:"externalAccess"`
	// DangerouslyDisableDefaultAuthPolicy lets requests without credentials through to
	// every route, as before Greenroom had sign-in.
	DangerouslyDisableDefaultAuthPolicy bool `yaml:"dangerouslyDisableDefaultAuthPolicy"`
}

// ExternalAccess is one entry of backend.auth.externalAccess.
type ExternalAccess struct {
	// Type is static (a fixed token) or jwks (JWTs signed by a key of a remote JWKS).
	Type string `yaml:"type"`
	// Options configure the type.
	Options ExternalOptions `yaml:"options"`
	// AccessRestrictions limit the token to some plugins (and their permissions).
	// Default: no limit beyond the permission policy.
	AccessRestrictions []AccessRestriction `yaml:"accessRestrictions"`
}

// ExternalOptions are an externalAccess entry's options.
type ExternalOptions struct {
	// Token (static) is the exact Bearer token: at least 8 characters, no spaces, each
	// token once. Give it as ${VAR}.
	Token string `yaml:"token"`
	// Subject (static) names the caller in logs, the audit log and policies.
	Subject string `yaml:"subject"`
	// URL (jwks) is the JSON Web Key Set the tokens are verified against; it is read
	// again when a token names a key it does not have.
	URL string `yaml:"url"`
	// Issuer (jwks) is the iss the tokens must have (one, or a list). Default: any.
	Issuer Strings `yaml:"issuer"`
	// Algorithm (jwks) is the signing algorithm the tokens must use (RS256, ES256,
	// PS256, EdDSA, ...; one or a list). Default: any asymmetric algorithm; HS256 and
	// none are never accepted.
	Algorithm Strings `yaml:"algorithm"`
	// Audience (jwks) is the aud the tokens must have (one, or a list). Default: any.
	Audience Strings `yaml:"audience"`
	// SubjectPrefix (jwks): the caller is named external:<prefix>:<sub>, or
	// external:<sub> without one.
	SubjectPrefix string `yaml:"subjectPrefix"`
}

// AccessRestriction is one entry of accessRestrictions.
type AccessRestriction struct {
	// Plugin is a plugin id (its routes /api/<plugin>), or catalog, proxy, ... for the
	// host's own APIs.
	Plugin string `yaml:"plugin"`
	// Permission limits the token to these permission names (a list or a
	// comma-separated string). Default: any.
	Permission CommaStrings `yaml:"permission"`
	// PermissionAttribute limits the token to permissions with these attributes.
	PermissionAttribute PermissionAttribute `yaml:"permissionAttribute"`
}

// PermissionAttribute is accessRestrictions[].permissionAttribute.
type PermissionAttribute struct {
	// Action is create, read, update or delete (a list or a comma-separated string).
	Action CommaStrings `yaml:"action"`
}

// Strings is a list that config may also give as one string.
type Strings []string

// UnmarshalYAML reads a string or a list of strings.
func (s *Strings) UnmarshalYAML(n *yaml.Node) error {
	return decodeList(n, s, func(v string) []string { return []string{v} })
}

// CommaStrings is a list that config may also give as one comma-separated string.
type CommaStrings []string

// UnmarshalYAML reads a list of strings, or one string separated by commas.
func (s *CommaStrings) UnmarshalYAML(n *yaml.Node) error {
	return decodeList(n, s, func(v string) []string { return splitList(v, ",") })
}

// Scopes is a list of OAuth scopes that config may also give as one string separated
// by spaces or commas.
type Scopes []string

// UnmarshalYAML reads a list of strings, or one string separated by spaces or commas.
func (s *Scopes) UnmarshalYAML(n *yaml.Node) error {
	return decodeList(n, s, func(v string) []string { return splitList(v, ", \t") })
}

func decodeList[T ~[]string](n *yaml.Node, out *T, split func(string) []string) error {
	switch n.Kind {
	case yaml.ScalarNode:
		*out = T(split(n.Value))
		return nil
	case yaml.SequenceNode:
		var l []string
		if err := n.Decode(&l); err != nil {
			return err
		}
		*out = T(l)
		return nil
	}
	return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: want a string or a list of strings", n.Line)}}
}

func splitList(s, seps string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(seps, r) }) {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// Defaults and limits.
const (
	Development               = "development"
	DefaultGuestRef           = "user:default/guest"
	DefaultTokenExpiration    = time.Hour
	MinTokenExpiration        = 10 * time.Minute
	MaxTokenExpiration        = 24 * time.Hour
	DefaultSessionDuration    = 24 * time.Hour
	minSessionSecret          = 32
	minStaticToken            = 8
	resolverEmail             = "emailMatchingUserEntityProfileEmail"
	resolverEmailLocalPart    = "emailLocalPartMatchingUserEntityName"
	resolverUsername          = "usernameMatchingUserEntityName"
	resolverPreferredUsername = "preferredUsernameMatchingUserEntityName"
)

// resolversOf lists the resolvers each provider offers.
var resolversOf = map[string][]string{
	"oidc":   {resolverEmail, resolverEmailLocalPart, resolverPreferredUsername},
	"github": {resolverEmail, resolverEmailLocalPart, resolverUsername},
}

// jwksAlgorithms are the algorithms a jwks externalAccess entry may accept.
var jwksAlgorithms = []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}

// ApplyDefaults fills in the defaults of unset fields.
func (c *Config) ApplyDefaults() {
	if c.Environment == "" {
		c.Environment = Development
	}
	if c.BackstageTokenExpiration == 0 {
		c.BackstageTokenExpiration = units.Duration(DefaultTokenExpiration)
	}
	if g := c.Providers.Guest; g != nil && g.UserEntityRef == "" {
		g.UserEntityRef = DefaultGuestRef
	}
}

// IsDevelopment reports whether auth.environment is development.
func (c *Config) IsDevelopment() bool { return c.Environment == Development }

// AnonymousAllowed reports whether callers without credentials may read: allowAnonymous,
// or by default, whether this is development.
func (c *Config) AnonymousAllowed() bool {
	if c.AllowAnonymous != nil {
		return *c.AllowAnonymous
	}
	return c.IsDevelopment()
}

// Validate checks the section after ApplyDefaults; each error is a
// *lifecycle.FieldError with its path under auth.
func (c *Config) Validate() []error {
	var errs []error
	add := func(path []string, format string, args ...any) {
		errs = append(errs, lifecycle.Errorf(path, format, args...))
	}
	if d := c.BackstageTokenExpiration.D(); d < MinTokenExpiration || d > MaxTokenExpiration {
		add([]string{"backstageTokenExpiration"}, "%s is outside %s-%s; a user token must live at least 10 minutes and at most a day", d, MinTokenExpiration, MaxTokenExpiration)
	}
	switch s := c.Session.Secret; {
	case s == "" && !c.IsDevelopment():
		add([]string{"session", "secret"}, "required when auth.environment is %q (anything but development): it signs the session cookie; set it to at least %d random characters, e.g. secret: ${AUTH_SESSION_SECRET} with AUTH_SESSION_SECRET=$(openssl rand -base64 32)", c.Environment, minSessionSecret)
	case s != "" && len(s) < minSessionSecret:
		add([]string{"session", "secret"}, "is %d characters; use at least %d random characters, e.g. the output of `openssl rand -base64 32`", len(s), minSessionSecret)
	}
	if g := c.Providers.Guest; g != nil {
		path := []string{"providers", "guest"}
		if !c.IsDevelopment() && !g.DangerouslyAllowOutsideDevelopment {
			add(path, "guest sign-in is for development only, and auth.environment is %q: anyone could sign in as %s. Remove auth.providers.guest and configure oidc or github, or set auth.environment: development on a portal only you can reach", c.Environment, g.UserEntityRef)
		}
		if err := checkRef(g.UserEntityRef, "user"); err != nil {
			add(sub(path, "userEntityRef"), "%v", err)
		}
		for i, r := range g.OwnershipEntityRefs {
			if err := checkRef(r, ""); err != nil {
				add(sub(path, "ownershipEntityRefs", lifecycle.Index(i)), "%v", err)
			}
		}
	}
	for _, env := range sortedKeys(c.Providers.OIDC) {
		p := c.Providers.OIDC[env]
		path := []string{"providers", "oidc", env}
		errs = append(errs, checkClient(path, p.ClientID, p.ClientSecret, p.CallbackURL)...)
		switch {
		case p.MetadataURL == "":
			add(sub(path, "metadataUrl"), "missing; give the provider's discovery document, https://<issuer>/.well-known/openid-configuration")
		case !isHTTPURL(p.MetadataURL):
			add(sub(path, "metadataUrl"), "%q is not an http(s) URL like https://idp.example.com/.well-known/openid-configuration", p.MetadataURL)
		}
		if p.Prompt != "" && !slices.Contains([]string{"none", "login", "consent", "select_account"}, p.Prompt) {
			add(sub(path, "prompt"), "%q is not one of none, login, consent, select_account", p.Prompt)
		}
		errs = append(errs, checkSignIn(sub(path, "signIn"), "oidc", p.SignIn)...)
	}
	for _, env := range sortedKeys(c.Providers.GitHub) {
		p := c.Providers.GitHub[env]
		path := []string{"providers", "github", env}
		errs = append(errs, checkClient(path, p.ClientID, p.ClientSecret, p.CallbackURL)...)
		if p.EnterpriseInstanceURL != "" && !isHTTPURL(p.EnterpriseInstanceURL) {
			add(sub(path, "enterpriseInstanceUrl"), "%q is not an http(s) URL like https://ghe.example.com", p.EnterpriseInstanceURL)
		}
		errs = append(errs, checkSignIn(sub(path, "signIn"), "github", p.SignIn)...)
	}
	return errs
}

func checkClient(path []string, id, secret, callback string) []error {
	var errs []error
	if id == "" {
		errs = append(errs, lifecycle.Errorf(sub(path, "clientId"), "missing; give the OAuth client id registered at the provider"))
	}
	if secret == "" {
		errs = append(errs, lifecycle.Errorf(sub(path, "clientSecret"), "missing; give the client's secret as ${VAR}"))
	}
	if callback != "" && !isHTTPURL(callback) {
		errs = append(errs, lifecycle.Errorf(sub(path, "callbackUrl"), "%q is not an http(s) URL like https://portal.example.com/api/auth/<provider>/handler/frame", callback))
	}
	return errs
}

func checkSignIn(path []string, provider string, s SignIn) []error {
	var errs []error
	known := resolversOf[provider]
	if len(s.Resolvers) == 0 {
		return append(errs, lifecycle.Errorf(sub(path, "resolvers"), "missing; without a resolver nobody can sign in with %s. Add, for example, resolvers: [{resolver: %s}]", provider, known[0]))
	}
	for i, r := range s.Resolvers {
		at := sub(path, "resolvers", lifecycle.Index(i))
		if !slices.Contains(known, r.Resolver) {
			errs = append(errs, lifecycle.Errorf(sub(at, "resolver"), "unknown resolver %q for the %s provider; use one of %s", r.Resolver, provider, strings.Join(known, ", ")))
			continue
		}
		if len(r.AllowedDomains) > 0 && r.Resolver != resolverEmail && r.Resolver != resolverEmailLocalPart {
			errs = append(errs, lifecycle.Errorf(sub(at, "allowedDomains"), "only the email resolvers take allowedDomains; remove it from %s", r.Resolver))
		}
	}
	return errs
}

// Validate checks backend.auth; each error is a *lifecycle.FieldError with its path
// under backend.auth.
func (c *BackendConfig) Validate() []error {
	var errs []error
	seen := map[string]int{}
	for i, e := range c.ExternalAccess {
		path := []string{"externalAccess", lifecycle.Index(i)}
		add := func(sub []string, format string, args ...any) {
			errs = append(errs, lifecycle.Errorf(append(append([]string(nil), path...), sub...), format, args...))
		}
		o := e.Options
		switch e.Type {
		case "static":
			switch {
			case o.Token == "":
				add([]string{"options", "token"}, "missing; give the Bearer token as ${VAR}")
			case strings.ContainsAny(o.Token, " \t\r\n"):
				add([]string{"options", "token"}, "Illegal token, must be a set of non-space characters")
			case len(o.Token) < minStaticToken:
				add([]string{"options", "token"}, "Illegal token, must be at least %d characters; generate one with `openssl rand -base64 24`", minStaticToken)
			default:
				if j, dup := seen[o.Token]; dup {
					add([]string{"options", "token"}, "the same token as externalAccess[%d]; give each caller its own token", j)
				}
				seen[o.Token] = i
			}
			if o.Subject == "" || strings.ContainsAny(o.Subject, " \t\r\n") {
				add([]string{"options", "subject"}, "missing or has spaces; give the name the caller goes by in logs and policies, e.g. ci-bot")
			}
			for _, k := range jwksOnly(o) {
				add([]string{"options", k}, "is an option of type jwks, not static; remove it")
			}
		case "jwks":
			if o.URL == "" || !isHTTPURL(o.URL) {
				add([]string{"options", "url"}, "%q is not an http(s) URL; give the JWKS address, e.g. https://ci.example.com/.well-known/jwks.json", o.URL)
			}
			for _, a := range o.Algorithm {
				if !slices.Contains(jwksAlgorithms, a) {
					add([]string{"options", "algorithm"}, "%q is not accepted; use one of %s (shared-secret and unsigned tokens are never accepted)", a, strings.Join(jwksAlgorithms, ", "))
				}
			}
			if o.Token != "" || o.Subject != "" {
				add([]string{"options"}, "token and subject are options of type static, not jwks; remove them")
			}
		case "legacy":
			add([]string{"type"}, "legacy (shared-secret HS256) tokens are not supported; use type static, or jwks with a key pair")
		case "":
			add([]string{"type"}, "missing; use static or jwks")
		default:
			add([]string{"type"}, "unknown type %q; use static or jwks", e.Type)
		}
		for j, r := range e.AccessRestrictions {
			at := []string{"accessRestrictions", lifecycle.Index(j)}
			if r.Plugin == "" {
				add(sub(at, "plugin"), "missing; name the plugin id (or catalog, proxy, ...) the token may call")
			}
			for _, a := range r.PermissionAttribute.Action {
				if !slices.Contains([]string{"create", "read", "update", "delete"}, a) {
					add(sub(at, "permissionAttribute", "action"), "%q is not one of create, read, update, delete", a)
				}
			}
		}
	}
	return errs
}

func jwksOnly(o ExternalOptions) []string {
	var out []string
	if o.URL != "" {
		out = append(out, "url")
	}
	if len(o.Issuer) > 0 {
		out = append(out, "issuer")
	}
	if len(o.Algorithm) > 0 {
		out = append(out, "algorithm")
	}
	if len(o.Audience) > 0 {
		out = append(out, "audience")
	}
	if o.SubjectPrefix != "" {
		out = append(out, "subjectPrefix")
	}
	return out
}

// restrictions converts the config's access restrictions.
func restrictions(rs []AccessRestriction) []identity.AccessRestriction {
	var out []identity.AccessRestriction
	for _, r := range rs {
		out = append(out, identity.AccessRestriction{Plugin: r.Plugin, Permissions: r.Permission, Actions: r.PermissionAttribute.Action})
	}
	return out
}

// checkRef checks an entity ref, and its kind when kind is set.
func checkRef(ref, kind string) error {
	r, err := model.ParseRef(ref, model.RefContext{})
	if err != nil {
		return fmt.Errorf("%q is not an entity ref like user:default/jane: %v", ref, err)
	}
	if kind != "" && !strings.EqualFold(r.Kind, kind) {
		return fmt.Errorf("%q is a %s ref; want a %s ref like %s:default/jane", ref, r.Kind, kind, kind)
	}
	if !strings.Contains(ref, ":") || !strings.Contains(ref, "/") {
		return fmt.Errorf("%q is not a full entity ref; write kind:namespace/name, e.g. %s", ref, r.String())
	}
	return nil
}

// sub is path with more keys, in a new slice (errors keep their paths).
func sub(path []string, more ...string) []string {
	return append(append(make([]string, 0, len(path)+len(more)), path...), more...)
}

func isHTTPURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
