package auth

import (
	"context"
	"errors"
	"reflect"
	"testing"
)

func TestUserFromEntity(t *testing.T) {
	u, err := UserFromEntity([]byte(`{"kind":"User","metadata":{"name":"Jane","namespace":"Ops"},
		"spec":{"profile":{"email":"j@x","displayName":"J","picture":"p"},"memberOf":["team-a","group:other/team-b","default/team-c","bad:"]},
		"relations":[{"type":"memberOf","targetRef":"group:ops/team-a"},{"type":"ownerOf","targetRef":"component:ops/x"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	want := User{Ref: "user:ops/Jane", Email: "j@x", DisplayName: "J", Picture: "p",
		MemberOf: []string{"group:default/team-c", "group:ops/team-a", "group:other/team-b"}}
	if !reflect.DeepEqual(u, want) {
		t.Errorf("got  %+v\nwant %+v", u, want)
	}
	for _, bad := range []string{`{"kind":"Group","metadata":{"name":"g"}}`, `{"kind":"User"}`, `[]`} {
		if _, err := UserFromEntity([]byte(bad)); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

// TestResolvers runs Backstage's resolvers against a real catalog: one match signs in
// with the user and its groups (spec.memberOf and the groups that list it as a
// member), none passes to the next resolver, two are a conflict.
func TestResolvers(t *testing.T) {
	users := orgCatalog(t, "")
	janeRefs := []string{"group:default/team-a", "group:ops/team-b", "user:default/jane"}
	r := func(name string) ResolverConfig { return ResolverConfig{Resolver: name} }
	cases := []struct {
		name      string
		resolvers []ResolverConfig
		acc       account
		user      string
		ent       []string
		err       string
		status    int
	}{
		{"email", []ResolverConfig{r(resolverEmail)}, account{Profile: Profile{Email: "JANE@example.com"}}, "user:default/jane", janeRefs, "", 0},
		{"email local part", []ResolverConfig{r(resolverEmailLocalPart)}, account{Profile: Profile{Email: "jane@elsewhere.org"}}, "user:default/jane", janeRefs, "", 0},
		{"username", []ResolverConfig{r(resolverUsername)}, account{Username: "octocat"}, "user:default/octocat", []string{"group:default/team-a", "user:default/octocat"}, "", 0},
		{"first finds none, second finds", []ResolverConfig{r(resolverEmail), r(resolverUsername)}, account{Profile: Profile{Email: "nobody@example.com"}, Username: "jane"}, "user:default/jane", janeRefs, "", 0},
		{"none found", []ResolverConfig{r(resolverEmail), r(resolverEmailLocalPart)}, account{Profile: Profile{Email: "nobody@example.com"}}, "", nil, "Failed to sign-in, unable to resolve user identity", 404},
		{"two found", []ResolverConfig{r(resolverEmail), r(resolverUsername)}, account{Profile: Profile{Email: "twin@example.com"}, Username: "jane"}, "", nil, "User lookup resulted in multiple matches", 409},
		{"no email", []ResolverConfig{r(resolverEmail), r(resolverUsername)}, account{Username: "jane"}, "", nil, "Login failed, user profile does not contain an email", 400},
		{"no username", []ResolverConfig{r(resolverUsername)}, account{Profile: Profile{Email: "jane@example.com"}}, "", nil, "Login failed, user profile does not contain a username", 400},
		{"domain allowed", []ResolverConfig{{Resolver: resolverEmail, AllowedDomains: []string{"Example.com"}}}, account{Profile: Profile{Email: "jane@example.com"}}, "user:default/jane", janeRefs, "", 0},
		{"domain refused", []ResolverConfig{{Resolver: resolverEmailLocalPart, AllowedDomains: []string{"example.com"}}}, account{Profile: Profile{Email: "jane@evil.example.org"}}, "", nil, `Login failed, the email domain "evil.example.org" is not allowed`, 403},
		{"without user in catalog", []ResolverConfig{{Resolver: resolverUsername, DangerouslyAllowSignInWithoutUserInCatalog: true}}, account{Username: "stranger"}, "user:default/stranger", []string{"user:default/stranger"}, "", 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := resolve(context.Background(), users, tc.resolvers, tc.acc)
			if tc.err != "" {
				var e *Error
				if !errors.As(err, &e) || e.Status != tc.status || len(e.Message) < len(tc.err) || e.Message[:len(tc.err)] != tc.err {
					t.Fatalf("got %+v, %v; want %d %q", p, err, tc.status, tc.err)
				}
				if p.Authenticated() {
					t.Errorf("principal %+v", p)
				}
				return
			}
			if err != nil || p.UserEntityRef != tc.user || !reflect.DeepEqual(p.OwnershipEntityRefs, tc.ent) {
				t.Fatalf("got %+v, %v; want %s %v", p, err, tc.user, tc.ent)
			}
		})
	}
}
