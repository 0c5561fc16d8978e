package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"greenroom.dev/greenroom/host/internal/catalog/model"
	"greenroom.dev/greenroom/host/internal/identity"
)

// User is a User entity of the catalog, as sign-in needs it.
type User struct {
	// Ref is the user's entity ref, user:<namespace>/<name>.
	Ref string
	// Email, DisplayName and Picture are spec.profile's.
	Email, DisplayName, Picture string
	// MemberOf are the refs of the groups the user is a member of: its memberOf
	// relations (which include the groups that list it in spec.members) and
	// spec.memberOf, as full refs (group:default/team-a).
	MemberOf []string
}

// UserFilter selects User entities by catalog fields, each of which must equal its
// value (compared without regard to case, as the catalog's filters compare). The keys
// sign-in uses are metadata.name, metadata.namespace and spec.profile.email.
type UserFilter map[string]string

// UserLookup finds the User entities (kind User) that match a filter. The host
// implements it over the catalog (UserFromEntity reads the entities it returns).
type UserLookup interface {
	FindUsers(ctx context.Context, filter UserFilter) ([]User, error)
}

// UserFromEntity reads a User entity as the catalog serves it (JSON).
func UserFromEntity(b []byte) (User, error) {
	var e struct {
		Kind     string `json:"kind"`
		Metadata struct {
			Name      string `json:"name"`
			Namespace string `json:"namespace"`
		} `json:"metadata"`
		Spec struct {
			Profile struct {
				Email       string `json:"email"`
				DisplayName string `json:"displayName"`
				Picture     string `json:"picture"`
			} `json:"profile"`
			MemberOf []string `json:"memberOf"`
		} `json:"spec"`
		Relations []struct {
			Type      string `json:"type"`
			TargetRef string `json:"targetRef"`
		} `json:"relations"`
	}
	if err := json.Unmarshal(b, &e); err != nil {
		return User{}, fmt.Errorf("auth: read user entity: %w", err)
	}
	if !strings.EqualFold(e.Kind, "user") || e.Metadata.Name == "" {
		return User{}, fmt.Errorf("auth: entity %s %q is not a User", e.Kind, e.Metadata.Name)
	}
	ns := e.Metadata.Namespace
	if ns == "" {
		ns = "default"
	}
	u := User{
		Ref:         model.Ref{Kind: "user", Namespace: ns, Name: e.Metadata.Name}.String(),
		Email:       e.Spec.Profile.Email,
		DisplayName: e.Spec.Profile.DisplayName,
		Picture:     e.Spec.Profile.Picture,
	}
	for _, r := range e.Relations {
		if r.Type == model.RelMemberOf {
			u.MemberOf = append(u.MemberOf, r.TargetRef)
		}
	}
	for _, m := range e.Spec.MemberOf {
		if ref, err := model.ParseRef(m, model.RefContext{DefaultKind: "group", DefaultNamespace: ns}); err == nil {
			u.MemberOf = append(u.MemberOf, ref.String())
		}
	}
	slices.Sort(u.MemberOf)
	u.MemberOf = slices.Compact(u.MemberOf)
	return u, nil
}

// Profile is what a provider says about the signed-in account (Backstage's
// ProfileInfo).
type Profile struct {
	Email       string `json:"email,omitempty"`
	DisplayName string `json:"displayName,omitempty"`
	Picture     string `json:"picture,omitempty"`
}

// account is a provider's signed-in account, for the resolvers.
type account struct {
	Profile Profile
	// Username is the provider's user name: GitHub's login, OIDC's
	// preferred_username.
	Username string
}

// errUserNotFound moves sign-in on to the next resolver.
var errUserNotFound = notFoundError("User not found")

// resolve maps an account to a user with the provider's resolvers, in order: one that
// finds no user passes to the next, any other failure stops.
func resolve(ctx context.Context, users UserLookup, resolvers []ResolverConfig, acc account) (identity.Principal, error) {
	for _, r := range resolvers {
		p, err := resolveOne(ctx, users, r, acc)
		if errors.Is(err, errUserNotFound) {
			continue
		}
		return p, err
	}
	return identity.Nobody, notFoundError("Failed to sign-in, unable to resolve user identity. Please verify that your catalog contains the expected User entities that would match your configured sign-in resolver.")
}

func resolveOne(ctx context.Context, users UserLookup, r ResolverConfig, acc account) (identity.Principal, error) {
	var filter UserFilter
	var name string // the user's name when the catalog does not have it
	switch r.Resolver {
	case resolverEmail, resolverEmailLocalPart:
		email := acc.Profile.Email
		if email == "" {
			return identity.Nobody, inputError("Login failed, user profile does not contain an email")
		}
		local, domain, ok := strings.Cut(email, "@")
		if !ok || local == "" {
			return identity.Nobody, inputError("Login failed, %q is not an email address", email)
		}
		if len(r.AllowedDomains) > 0 && !slices.ContainsFunc(r.AllowedDomains, func(d string) bool { return strings.EqualFold(d, domain) }) {
			return identity.Nobody, notAllowedError("Login failed, the email domain %q is not allowed", domain)
		}
		if r.Resolver == resolverEmail {
			filter, name = UserFilter{"spec.profile.email": email}, email
		} else {
			filter, name = UserFilter{"metadata.namespace": "default", "metadata.name": local}, local
		}
	case resolverUsername, resolverPreferredUsername:
		if acc.Username == "" {
			return identity.Nobody, inputError("Login failed, user profile does not contain a username")
		}
		filter, name = UserFilter{"metadata.namespace": "default", "metadata.name": acc.Username}, acc.Username
	default:
		return identity.Nobody, fmt.Errorf("auth: unknown resolver %q", r.Resolver)
	}
	if users == nil {
		return identity.Nobody, errors.New("auth: no user lookup")
	}
	found, err := users.FindUsers(ctx, filter)
	if err != nil {
		return identity.Nobody, fmt.Errorf("auth: %s: find user: %w", r.Resolver, err)
	}
	switch len(found) {
	case 0:
		if r.DangerouslyAllowSignInWithoutUserInCatalog {
			ref := model.Ref{Kind: "user", Namespace: "default", Name: name}.String()
			return identity.NewUser(ref, nil), nil
		}
		return identity.Nobody, errUserNotFound
	case 1:
		return ownership(found[0]), nil
	}
	return identity.Nobody, conflictError("User lookup resulted in multiple matches")
}

// ownership is the user's principal: its ref, and as ownership refs itself and every
// group it is a member of (not their parents), as Backstage's default.
func ownership(u User) identity.Principal {
	var groups []string
	for _, g := range u.MemberOf {
		if strings.HasPrefix(g, "group:") {
			groups = append(groups, g)
		}
	}
	return identity.NewUser(u.Ref, groups)
}
