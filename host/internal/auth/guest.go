package auth

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"greenroom.dev/greenroom/host/internal/catalog/model"
	"greenroom.dev/greenroom/host/internal/identity"
)

// guestProvider signs anyone in as one configured user, with no identity provider:
// /start sends the browser straight to the callback. Config refuses it outside
// development; New refuses it again, in case a caller skipped Validate.
type guestProvider struct {
	s   *Service
	cfg GuestConfig
}

// Any environment: guest is not nested under one.
func (g *guestProvider) hasEnv(string) bool { return true }

func (g *guestProvider) sessionDuration(string) time.Duration { return DefaultSessionDuration }

func (g *guestProvider) startURL(_ context.Context, _ string, _ oauthState, encoded string) (string, error) {
	return g.s.authURL + "/guest/handler/frame?state=" + url.QueryEscape(encoded), nil
}

// signIn signs in as userEntityRef: with its catalog groups when the catalog has the
// user, else with ownershipEntityRefs.
func (g *guestProvider) signIn(ctx context.Context, _ *http.Request, _ string, _ oauthState) (signedIn, error) {
	profile := Profile{DisplayName: "Guest"}
	ref, err := model.ParseRef(g.cfg.UserEntityRef, model.RefContext{})
	if err == nil && g.s.users != nil {
		found, err := g.s.users.FindUsers(ctx, UserFilter{"metadata.namespace": ref.Namespace, "metadata.name": ref.Name})
		if err == nil && len(found) == 1 {
			u := found[0]
			if u.DisplayName != "" {
				profile.DisplayName = u.DisplayName
			}
			profile.Email, profile.Picture = u.Email, u.Picture
			return signedIn{user: ownership(u), profile: profile}, nil
		}
	}
	return signedIn{user: identity.NewUser(g.cfg.UserEntityRef, g.cfg.OwnershipEntityRefs), profile: profile}, nil
}
