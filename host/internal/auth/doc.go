// Package auth is who may call Greenroom: sign-in, user identity tokens, the browser's
// session, and service tokens, with Backstage's config keys, routes, token format and
// error bodies (its auth-backend, auth-node and backend-defaults auth services).
//
//   - Config (auth.*) and BackendConfig (backend.auth.*) are the operator's settings.
//   - A Service serves /api/auth (Handler): /<provider>/start, /<provider>/handler/frame,
//     /<provider>/refresh and /<provider>/logout for the guest, oidc and github
//     providers, and /.well-known/jwks.json and /.well-known/openid-configuration.
//   - Sign-in resolvers (Backstage's names) map the provider's account to a User entity
//     through a UserLookup, which the host implements over the catalog; the user's
//     ownership refs are the user and the groups it is a member of.
//   - A user identity token is an ES256 JWT (header typ vnd.backstage.user, claims iss,
//     sub, ent, aud backstage, iat, exp). Its signing key lives in memory only and is
//     replaced every token lifetime; the public halves are kept in the Store and
//     published for three lifetimes, so tokens outlive a restart and reading the store
//     does not let anyone mint one.
//   - After sign-in the browser holds a session cookie: a random id, HMAC-signed with
//     auth.session.secret, whose record (under the id's hash) is kept in the Store, so
//     sign-out revokes it.
//   - Authenticate turns a request into an identity.Principal: a Bearer user token, a
//     Bearer service token of backend.auth.externalAccess (static, or a JWT verified
//     against a remote JWKS), the session cookie, or nobody.
//
// Verifying an ES256 signature costs about 100 µs on the project's machines, far over
// the 20 µs a request may spend on it, so a token whose exact bytes were verified once
// is remembered (until its exp, or its key's retirement) and later requests compare
// strings. RATIONALE.md has the figures.
package auth
