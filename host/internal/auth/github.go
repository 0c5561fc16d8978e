package auth

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

// githubProvider signs in with a GitHub (or GitHub Enterprise Server) OAuth app:
// x/oauth2 runs the code flow, and the account comes from GitHub's REST API (GET /user,
// and GET /user/emails when the profile shows no email).
type githubProvider struct {
	s    *Service
	envs map[string]*githubEnv
}

type githubEnv struct {
	cfg   GitHubConfig
	oauth *oauth2.Config
	api   string // REST API base, no trailing slash
}

func newGitHub(s *Service, envs map[string]GitHubConfig) *githubProvider {
	p := &githubProvider{s: s, envs: map[string]*githubEnv{}}
	for env, cfg := range envs {
		web, api := "https://github.com", "https://api.github.com"
		if u := strings.TrimSuffix(cfg.EnterpriseInstanceURL, "/"); u != "" {
			web, api = u, u+"/api/v3"
		}
		cb := cfg.CallbackURL
		if cb == "" {
			cb = s.authURL + "/github/handler/frame"
		}
		scopes := []string{"read:user", "user:email"}
		for _, sc := range cfg.AdditionalScopes {
			if !containsString(scopes, sc) {
				scopes = append(scopes, sc)
			}
		}
		p.envs[env] = &githubEnv{cfg: cfg, api: api, oauth: &oauth2.Config{
			ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, RedirectURL: cb, Scopes: scopes,
			Endpoint: oauth2.Endpoint{AuthURL: web + "/login/oauth/authorize", TokenURL: web + "/login/oauth/access_token"},
		}}
	}
	return p
}

func (p *githubProvider) hasEnv(env string) bool { _, ok := p.envs[env]; return ok }

func (p *githubProvider) sessionDuration(env string) time.Duration {
	if d := p.envs[env].cfg.SessionDuration.D(); d > 0 {
		return d
	}
	return DefaultSessionDuration
}

func (p *githubProvider) startURL(_ context.Context, env string, _ oauthState, encoded string) (string, error) {
	return p.envs[env].oauth.AuthCodeURL(encoded), nil
}

// githubUser is the part of GET /user that sign-in reads.
type githubUser struct {
	Login     string `json:"login"`
	Name      string `json:"name"`
	Email     string `json:"email"`
	AvatarURL string `json:"avatar_url"`
}

func (p *githubProvider) signIn(ctx context.Context, r *http.Request, env string, _ oauthState) (signedIn, error) {
	if msg := r.FormValue("error"); msg != "" {
		return signedIn{}, authenticationError("Sign-in failed at GitHub: "+msg, fmt.Errorf("%s", r.FormValue("error_description")))
	}
	code := r.FormValue("code")
	if code == "" {
		return signedIn{}, inputError("Missing code in GitHub's response")
	}
	e := p.envs[env]
	ctx = context.WithValue(ctx, oauth2.HTTPClient, p.s.client)
	tok, err := e.oauth.Exchange(ctx, code)
	if err != nil {
		return signedIn{}, authenticationError("Failed to exchange the authorization code", err)
	}
	client := e.oauth.Client(ctx, tok)
	var u githubUser
	if err := githubGet(ctx, client, e.api+"/user", &u); err != nil {
		return signedIn{}, authenticationError("Failed to read the GitHub user", err)
	}
	if u.Login == "" {
		return signedIn{}, authenticationError("Failed to read the GitHub user", fmt.Errorf("GET /user has no login"))
	}
	if u.Email == "" {
		// The profile shows no public email: take the primary verified one.
		var emails []struct {
			Email    string `json:"email"`
			Primary  bool   `json:"primary"`
			Verified bool   `json:"verified"`
		}
		if err := githubGet(ctx, client, e.api+"/user/emails", &emails); err == nil {
			for _, m := range emails {
				if m.Primary && m.Verified {
					u.Email = m.Email
				}
			}
		}
	}
	acc := account{Profile: Profile{Email: u.Email, DisplayName: u.Name, Picture: u.AvatarURL}, Username: u.Login}
	if acc.Profile.DisplayName == "" {
		acc.Profile.DisplayName = u.Login
	}
	user, err := resolve(ctx, p.s.users, e.cfg.SignIn.Resolvers, acc)
	if err != nil {
		return signedIn{}, err
	}
	scope, _ := tok.Extra("scope").(string)
	return signedIn{user: user, profile: acc.Profile, scope: scope}, nil
}

// githubGet reads one JSON document of GitHub's REST API (at most 1 MiB).
func githubGet(ctx context.Context, client *http.Client, url string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/vnd.github+json")
	req.Header.Set("X-GitHub-Api-Version", "2022-11-28")
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(v); err != nil {
		return fmt.Errorf("GET %s: %w", url, err)
	}
	return nil
}
