package auth

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

func decodeConfig(t *testing.T, body string) Config {
	t.Helper()
	var c Config
	if err := yaml.Unmarshal([]byte(body), &c); err != nil {
		t.Fatalf("decode: %v", err)
	}
	c.ApplyDefaults()
	return c
}

func joinErrors(errs []error) string {
	s := make([]string, len(errs))
	for i, e := range errs {
		s[i] = e.Error()
	}
	return strings.Join(s, "\n")
}

func TestConfigDefaults(t *testing.T) {
	c := decodeConfig(t, "providers: {guest: {}}\n")
	if c.Environment != "development" || c.BackstageTokenExpiration.D() != time.Hour || c.Providers.Guest.UserEntityRef != "user:default/guest" {
		t.Errorf("defaults: %+v %+v", c, c.Providers.Guest)
	}
	if !c.AnonymousAllowed() {
		t.Error("anonymous access is on by default in development")
	}
	if errs := c.Validate(); len(errs) != 0 {
		t.Errorf("a development guest config is valid: %v", errs)
	}
	prod := decodeConfig(t, "environment: production\nsession: {secret: "+strings.Repeat("x", 32)+"}\n")
	if prod.AnonymousAllowed() {
		t.Error("anonymous access is off by default in production")
	}
	if errs := prod.Validate(); len(errs) != 0 {
		t.Errorf("production without providers is valid: %v", errs)
	}
	open := decodeConfig(t, "environment: production\nallowAnonymous: true\n")
	if !open.AnonymousAllowed() {
		t.Error("allowAnonymous: true is obeyed in production")
	}
	off := decodeConfig(t, "allowAnonymous: false\n")
	if off.AnonymousAllowed() {
		t.Error("allowAnonymous: false is obeyed in development")
	}
}

func TestConfigValidate(t *testing.T) {
	secret := "session: {secret: " + strings.Repeat("x", 32) + "}\n"
	cases := []struct {
		name, body string
		want       []string // each must appear; none means valid
	}{
		{"guest in production", "environment: production\n" + secret + "providers: {guest: {}}\n",
			[]string{`providers.guest: guest sign-in is for development only, and auth.environment is "production"`, "Remove auth.providers.guest"}},
		{"guest in staging", "environment: staging\n" + secret + "providers: {guest: {}}\n", []string{"providers.guest: guest sign-in is for development only"}},
		{"guest allowed outside development", "environment: production\n" + secret + "providers: {guest: {dangerouslyAllowOutsideDevelopment: true}}\n", nil},
		{"guest ref", "providers: {guest: {userEntityRef: group:default/x, ownershipEntityRefs: [nope, group:x]}}\n",
			[]string{`providers.guest.userEntityRef: "group:default/x" is a group ref; want a user ref`, `providers.guest.ownershipEntityRefs[0]: "nope" is not an entity ref`, `providers.guest.ownershipEntityRefs[1]: "group:x" is not a full entity ref; write kind:namespace/name, e.g. group:default/x`}},
		{"no secret in production", "environment: production\n", []string{"session.secret: required when auth.environment is \"production\""}},
		{"short secret", "session: {secret: abc}\n", []string{"session.secret: is 3 characters; use at least 32"}},
		{"token too short", "backstageTokenExpiration: 5m\n", []string{"backstageTokenExpiration: 5m0s is outside 10m0s-24h0m0s"}},
		{"token as object", "backstageTokenExpiration: {hours: 24}\n", nil},
		{"oidc", `providers:
  oidc:
    development:
      metadataUrl: https://idp.example.com/.well-known/openid-configuration
      clientId: a
      clientSecret: b
      additionalScopes: groups offline_access
      signIn: {resolvers: [{resolver: emailMatchingUserEntityProfileEmail, allowedDomains: [example.com]}]}
`, nil},
		{"oidc incomplete", `providers:
  oidc:
    production:
      metadataUrl: idp.example.com
      callbackUrl: /cb
      prompt: always
      signIn: {resolvers: [{resolver: usernameMatchingUserEntityName, allowedDomains: [x]}]}
    development: {clientId: a, clientSecret: b, metadataUrl: "https://x"}
`, []string{
			"providers.oidc.production.clientId: missing",
			"providers.oidc.production.clientSecret: missing",
			`providers.oidc.production.metadataUrl: "idp.example.com" is not an http(s) URL`,
			`providers.oidc.production.callbackUrl: "/cb" is not an http(s) URL`,
			`providers.oidc.production.prompt: "always" is not one of`,
			`providers.oidc.production.signIn.resolvers[0].resolver: unknown resolver "usernameMatchingUserEntityName" for the oidc provider; use one of emailMatchingUserEntityProfileEmail`,
			"providers.oidc.development.signIn.resolvers: missing; without a resolver nobody can sign in with oidc",
		}},
		{"github", `providers:
  github:
    development:
      clientId: a
      clientSecret: b
      enterpriseInstanceUrl: ghe.example.com
      signIn:
        resolvers:
          - resolver: usernameMatchingUserEntityName
            allowedDomains: [example.com]
          - resolver: emailLocalPartMatchingUserEntityName
`, []string{
			`providers.github.development.enterpriseInstanceUrl: "ghe.example.com" is not an http(s) URL`,
			"providers.github.development.signIn.resolvers[0].allowedDomains: only the email resolvers take allowedDomains",
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := decodeConfig(t, tc.body)
			got := joinErrors(c.Validate())
			if len(tc.want) == 0 && got != "" {
				t.Fatalf("want valid, got:\n%s", got)
			}
			if len(tc.want) > 0 && got == "" {
				t.Fatal("want errors, got none")
			}
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("missing %q in:\n%s", w, got)
				}
			}
		})
	}
}

func TestBackendConfigValidate(t *testing.T) {
	cases := []struct {
		name, body string
		want       []string
	}{
		{"static", "externalAccess:\n  - {type: static, options: {token: abcdefgh, subject: ci}, accessRestrictions: [{plugin: catalog, permission: 'catalog.entity.read, catalog.entity.refresh', permissionAttribute: {action: read}}]}\n", nil},
		{"static problems", `externalAccess:
  - {type: static, options: {token: "has space", subject: ci}}
  - {type: static, options: {token: abc, subject: ci}}
  - {type: static, options: {token: abcdefgh}}
  - {type: static, options: {token: abcdefgh, subject: again, url: "https://x"}}
`, []string{
			"externalAccess[0].options.token: Illegal token, must be a set of non-space characters",
			"externalAccess[1].options.token: Illegal token, must be at least 8 characters",
			"externalAccess[2].options.subject: missing",
			"externalAccess[3].options.token: the same token as externalAccess[2]",
			"externalAccess[3].options.url: is an option of type jwks, not static",
		}},
		{"jwks", "externalAccess:\n  - {type: jwks, options: {url: 'https://ci.example.com/jwks', issuer: [a, b], algorithm: ES256, audience: greenroom, subjectPrefix: ci}}\n", nil},
		{"jwks problems", "externalAccess:\n  - {type: jwks, options: {url: ci.example.com, algorithm: [HS256, none], token: x}}\n", []string{
			`externalAccess[0].options.url: "ci.example.com" is not an http(s) URL`,
			`externalAccess[0].options.algorithm: "HS256" is not accepted`,
			`externalAccess[0].options.algorithm: "none" is not accepted`,
			"externalAccess[0].options: token and subject are options of type static",
		}},
		{"types", "externalAccess:\n  - {type: legacy}\n  - {type: magic}\n  - {options: {}}\n", []string{
			"externalAccess[0].type: legacy (shared-secret HS256) tokens are not supported",
			`externalAccess[1].type: unknown type "magic"; use static or jwks`,
			"externalAccess[2].type: missing",
		}},
		{"restrictions", "externalAccess:\n  - {type: static, options: {token: abcdefgh, subject: ci}, accessRestrictions: [{permission: x}, {plugin: p, permissionAttribute: {action: [read, destroy]}}]}\n", []string{
			"externalAccess[0].accessRestrictions[0].plugin: missing",
			`externalAccess[0].accessRestrictions[1].permissionAttribute.action: "destroy" is not one of`,
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var c BackendConfig
			if err := yaml.Unmarshal([]byte(tc.body), &c); err != nil {
				t.Fatal(err)
			}
			got := joinErrors(c.Validate())
			if len(tc.want) == 0 && got != "" {
				t.Fatalf("want valid, got:\n%s", got)
			}
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("missing %q in:\n%s", w, got)
				}
			}
		})
	}
}

func TestConfigLists(t *testing.T) {
	var c BackendConfig
	if err := yaml.Unmarshal([]byte(`externalAccess:
  - type: static
    options: {token: abcdefgh, subject: ci}
    accessRestrictions:
      - {plugin: catalog, permission: "catalog.entity.read,  catalog.entity.refresh", permissionAttribute: {action: [read, update]}}
  - type: jwks
    options: {url: "https://x", issuer: one, audience: [a, b]}
`), &c); err != nil {
		t.Fatal(err)
	}
	r := restrictions(c.ExternalAccess[0].AccessRestrictions)
	if !reflect.DeepEqual(r[0].Permissions, []string{"catalog.entity.read", "catalog.entity.refresh"}) || !reflect.DeepEqual(r[0].Actions, []string{"read", "update"}) || r[0].Plugin != "catalog" {
		t.Errorf("restrictions: %+v", r)
	}
	o := c.ExternalAccess[1].Options
	if !reflect.DeepEqual([]string(o.Issuer), []string{"one"}) || !reflect.DeepEqual([]string(o.Audience), []string{"a", "b"}) {
		t.Errorf("options: %+v", o)
	}
	var oc OIDCConfig
	if err := yaml.Unmarshal([]byte("additionalScopes: 'groups, offline_access  extra'\n"), &oc); err != nil || !reflect.DeepEqual([]string(oc.AdditionalScopes), []string{"groups", "offline_access", "extra"}) {
		t.Errorf("scopes: %q %v", oc.AdditionalScopes, err)
	}
	if err := yaml.Unmarshal([]byte("additionalScopes: {a: b}\n"), &oc); err == nil || !strings.Contains(err.Error(), "line 1: want a string or a list of strings") {
		t.Errorf("a mapping for a list: %v", err)
	}
}
