// Package identity names who is asking: every request to the host, and every host call
// a plugin makes while serving one, has a Principal — a signed-in user, a service (a
// token from backend.auth.externalAccess, or a plugin's own identity for its scheduled
// tasks), or nobody. It is a leaf package: the auth, permission, catalog, server, plugin
// and audit packages all speak of callers in its terms, and it imports nothing of the
// host.
//
// The shapes follow Backstage's BackstageCredentials principals:
// {type: 'user', userEntityRef}, {type: 'service', subject, accessRestrictions},
// {type: 'none'}.
package identity

import (
	"context"
	"slices"
)

// Type is the kind of principal.
type Type string

// Principal types.
const (
	// None is an unauthenticated caller.
	None Type = "none"
	// User is a signed-in user.
	User Type = "user"
	// Service is a service: a token from backend.auth.externalAccess, or a plugin acting
	// on its own behalf (its scheduled tasks), subject "plugin:<id>".
	Service Type = "service"
)

// Principal is the verified caller of a request.
type Principal struct {
	Type Type `json:"type"`
	// UserEntityRef is the user's entity ref (user:default/jane), for Type User.
	UserEntityRef string `json:"userEntityRef,omitempty"`
	// OwnershipEntityRefs are the refs the user owns things as: the user and the groups
	// it is a member of (Backstage's `ent` claim), for Type User.
	OwnershipEntityRefs []string `json:"ownershipEntityRefs,omitempty"`
	// Subject names a service ("external:ci-bot", "plugin:github-actions"), for Type
	// Service.
	Subject string `json:"subject,omitempty"`
	// AccessRestrictions limit what a service token may reach; empty means no limit.
	AccessRestrictions []AccessRestriction `json:"accessRestrictions,omitempty"`
}

// AccessRestriction limits a service token to one plugin (its routes, /api/<plugin>),
// optionally to some permissions and permission actions there (Backstage's
// backend.auth.externalAccess[].accessRestrictions).
type AccessRestriction struct {
	Plugin      string   `json:"plugin"`
	Permissions []string `json:"permission,omitempty"`
	Actions     []string `json:"permissionAttribute,omitempty"`
}

// Nobody is the unauthenticated principal.
var Nobody = Principal{Type: None}

// NewUser is a signed-in user with its ownership refs (the user itself is always one).
func NewUser(ref string, ownership []string) Principal {
	ent := append([]string{ref}, ownership...)
	slices.Sort(ent)
	return Principal{Type: User, UserEntityRef: ref, OwnershipEntityRefs: slices.Compact(ent)}
}

// NewService is a service principal.
func NewService(subject string, restrictions ...AccessRestriction) Principal {
	return Principal{Type: Service, Subject: subject, AccessRestrictions: restrictions}
}

// IsUser reports whether p is a signed-in user.
func (p Principal) IsUser() bool { return p.Type == User }

// IsService reports whether p is a service.
func (p Principal) IsService() bool { return p.Type == Service }

// Authenticated reports whether p is anyone at all.
func (p Principal) Authenticated() bool { return p.Type == User || p.Type == Service }

// Name is how logs and the audit log name the principal: the user's entity ref, the
// service's subject, or "anonymous".
func (p Principal) Name() string {
	switch p.Type {
	case User:
		return p.UserEntityRef
	case Service:
		return p.Subject
	}
	return "anonymous"
}

// MayReach reports whether a service's access restrictions let it call plugin (the
// plugin id of /api/<plugin>, "catalog" for the catalog API). Users and restriction-free
// services may reach every plugin.
func (p Principal) MayReach(plugin string) bool {
	if len(p.AccessRestrictions) == 0 {
		return true
	}
	for _, r := range p.AccessRestrictions {
		if r.Plugin == plugin {
			return true
		}
	}
	return false
}

type ctxKey struct{}

// With returns ctx carrying p, for the host calls made while serving p's request.
func With(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, ctxKey{}, p)
}

// From returns the principal ctx carries, or Nobody.
func From(ctx context.Context) Principal {
	if p, ok := ctx.Value(ctxKey{}).(Principal); ok {
		return p
	}
	return Nobody
}
