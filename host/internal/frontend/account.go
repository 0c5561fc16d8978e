package frontend

import (
	"context"
	"net/url"
	"strings"
	"time"

	"greenroom.dev/greenroom/host/internal/frontend/ext"
	"greenroom.dev/greenroom/host/internal/frontend/ui"
	"greenroom.dev/greenroom/host/internal/identity"
)

// The host's account pages. Their paths are fixed: the server sends callers who must
// sign in to SignInPath, and the user menu links to SettingsPath.
const (
	// SignInPath is the sign-in page. Its query: redirect, the path (and query) of this
	// portal to go to after signing in; error, why the last sign-in failed.
	SignInPath = "/signin"
	// SettingsPath is the signed-in user's settings page: profile, groups, session.
	SettingsPath = "/settings"
)

// SignIn is what the pages know of sign-in: the sign-in page lists its providers, the
// header offers sign-in to anonymous callers and sign-out to signed-in ones, and the
// settings page tells how scripts get a token.
type SignIn struct {
	// Providers are the configured sign-in providers of this environment (guest, oidc,
	// github), in the order the sign-in page lists them. Each starts at
	// /api/auth/<id>/start?env=<Environment>&flow=redirect&redirectUrl=<path>.
	Providers []string
	// Environment is auth.environment, which the sign-in links pass to the start route.
	Environment string
	// BaseURL is backend.baseUrl, for the commands the settings page shows.
	BaseURL string
	// SessionCookie names the browser's session cookie, for those commands.
	SessionCookie string
}

// Session is the caller's browser session, as the header and the settings page show
// it: what the provider said of the account, and until when it lasts.
type Session struct {
	// Provider is the provider the user signed in with (guest, oidc, github); the
	// sign-out form posts to /api/auth/<Provider>/logout.
	Provider string
	// DisplayName, Email and Picture (a URL) are the account's profile; any may be "".
	DisplayName, Email, Picture string
	// Expires is when the session ends.
	Expires time.Time
}

type sessionKey struct{}

// withSession returns ctx carrying the page request's session (nil: none).
func withSession(ctx context.Context, s *Session) context.Context {
	if s == nil {
		return ctx
	}
	return context.WithValue(ctx, sessionKey{}, s)
}

// sessionOf is the session of the page request ctx renders, or nil.
func sessionOf(ctx context.Context) *Session {
	s, _ := ctx.Value(sessionKey{}).(*Session)
	return s
}

// LocalTarget returns target if it is a path of this portal to send a browser to (after
// sign-in, after an action): it starts with a single "/", and has no backslash, no
// control character, no scheme and no host. Anything else gives "/", so that no
// redirect or link built from a request parameter leads off the portal.
func LocalTarget(target string) string {
	if len(target) == 0 || target[0] != '/' || strings.HasPrefix(target, "//") || strings.ContainsRune(target, '\\') {
		return "/"
	}
	for i := 0; i < len(target); i++ {
		if c := target[i]; c < 0x20 || c == 0x7f {
			return "/"
		}
	}
	u, err := url.Parse(target)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" || strings.HasPrefix(u.Path, "//") {
		return "/"
	}
	return target
}

// SignInTarget is where the sign-in page sends a browser once it has signed in: the
// LocalTarget of its redirect parameter, and the home page instead of the sign-in page
// itself.
func SignInTarget(redirect string) string {
	t := LocalTarget(redirect)
	if t == SignInPath || strings.HasPrefix(t, SignInPath+"?") || strings.HasPrefix(t, SignInPath+"/") {
		return "/"
	}
	return t
}

// signInLink is the sign-in page's URL, coming back to the page at path and query.
func signInLink(path string, query url.Values) string {
	target := path
	if len(query) > 0 {
		target += "?" + query.Encode()
	}
	return SignInPath + "?" + url.Values{"redirect": {target}}.Encode()
}

// startURL is where the sign-in page's link for provider id goes: its start route, in
// the redirect flow, back to the sign-in page (which sends a signed-in browser on to
// target, and shows a failed sign-in's error).
func (s *SignIn) startURL(id, target string) string {
	back := SignInPath + "?" + url.Values{"redirect": {target}}.Encode()
	return "/api/auth/" + url.PathEscape(id) + "/start?" + url.Values{
		"env": {s.Environment}, "flow": {"redirect"}, "redirectUrl": {back},
	}.Encode()
}

// profile is what the pages show of a user: from the session, completed with the
// User entity's spec.profile when the caller may read it, and the ref as a last resort.
type profile struct {
	name, email, picture string
	entity               *ext.Entity
}

func profileOf(ctx context.Context, src CatalogSource, p identity.Principal) profile {
	var pr profile
	if s := sessionOf(ctx); s != nil {
		pr.name, pr.email, pr.picture = s.DisplayName, s.Email, s.Picture
	}
	if !p.IsUser() {
		pr.name = p.Name()
		return pr
	}
	if (pr.name == "" || pr.email == "" || pr.picture == "") && src != nil {
		if e, err := src.GetEntity(ctx, p.UserEntityRef); err == nil && e != nil {
			pr.entity = e
			prof, _ := e.Spec["profile"].(map[string]any)
			fill := func(dst *string, key string) {
				if s, ok := prof[key].(string); ok && *dst == "" {
					*dst = s
				}
			}
			fill(&pr.name, "displayName")
			fill(&pr.email, "email")
			fill(&pr.picture, "picture")
		}
	}
	if pr.name == "" {
		pr.name = p.UserEntityRef
	}
	return pr
}

// signOut is the sign-out button of a session: a form posted to its provider's logout
// route, which ends the session and sends the browser to the home page.
func signOut(s *Session) ui.Node {
	return ui.Action("Sign out", "/api/auth/"+url.PathEscape(s.Provider)+"/logout", "redirectUrl", "/")
}

// accountArea is the header's account area: for a signed-in caller a menu under its
// name with Settings and Sign out; for an anonymous one a link to the sign-in page.
func accountArea(ctx context.Context, si *SignIn, src CatalogSource, rc *ext.RenderContext) ui.Node {
	area := ui.Node{Type: ui.TypeAccount}
	p := identity.From(ctx)
	switch {
	case p.Authenticated():
		menu := ui.Node{Type: ui.TypeMenu, Title: profileOf(ctx, src, p).name, Children: []ui.Node{
			ui.Text("Signed in as " + p.Name()),
			ui.Link("Settings", SettingsPath),
		}}
		if s := sessionOf(ctx); s != nil {
			menu.Children = append(menu.Children, signOut(s))
		}
		area.Children = []ui.Node{menu}
	case len(si.Providers) > 0 && rc.Path != SignInPath:
		area.Children = []ui.Node{ui.Link("Sign in", signInLink(rc.Path, rc.Query))}
	}
	return area
}

// providerTitles name the providers on the sign-in page.
var providerTitles = map[string][2]string{
	"guest":  {"Guest", "Enter as the guest user, without an account. For trying the portal: development only."},
	"oidc":   {"OpenID Connect", "Sign in with your organisation's account."},
	"github": {"GitHub", "Sign in with your GitHub account."},
}

// signInPage lists the providers, each a link to its start route that comes back to
// the page the caller asked for; and shows why the last sign-in failed.
func signInPage(ctx context.Context, si *SignIn, rc *ext.RenderContext) ui.Node {
	page := ui.Node{Type: ui.TypePage, Title: "Sign in"}
	if si == nil {
		page.Children = []ui.Node{ui.Empty("No sign-in", "Sign-in is not configured on this host.")}
		return page
	}
	target := SignInTarget(rc.Query.Get("redirect"))
	if e := rc.Query.Get("error"); e != "" {
		page.Children = append(page.Children, ui.ErrorBox("Sign-in failed", e))
	}
	if p := identity.From(ctx); p.Authenticated() {
		page.Children = append(page.Children, ui.Card("You are signed in",
			ui.Text("You are signed in as "+p.Name()+". Sign in again below to change accounts."), ui.Link("Continue", target)))
	}
	if len(si.Providers) == 0 {
		page.Children = append(page.Children, ui.Empty("No way to sign in",
			"No sign-in provider is configured for auth.environment "+si.Environment+"; the operator adds one under auth.providers."))
		return page
	}
	page.Subtitle = "Choose how to sign in."
	grid := ui.Node{Type: ui.TypeGrid}
	for _, id := range si.Providers {
		t, ok := providerTitles[id]
		if !ok {
			t = [2]string{id, "Sign in with " + id + "."}
		}
		label := "Sign in with " + t[0]
		if id == "guest" {
			label = "Enter as guest"
		}
		grid.Children = append(grid.Children, ui.Card(t[0], ui.Text(t[1]), ui.Node{Type: ui.TypeButton, Text: label, Href: si.startURL(id, target)}))
	}
	page.Children = append(page.Children, grid)
	return page
}

// settingsPage shows the signed-in caller's profile, user entity, groups (linked where
// the caller may read them), session and how scripts get a token.
func settingsPage(ctx context.Context, si *SignIn, src CatalogSource, rc *ext.RenderContext) (ui.Node, error) {
	page := ui.Node{Type: ui.TypePage, Title: "Settings"}
	p := identity.From(ctx)
	switch {
	case p.IsService():
		page.Children = []ui.Node{ui.Card("Signed in as a service", ui.Node{Type: ui.TypeKV, Pairs: []ui.Pair{
			{Key: "Subject", Value: ui.Text(p.Subject)},
		}})}
		return page, nil
	case !p.IsUser():
		empty := ui.Empty("You are not signed in", "Sign in to see your profile, your groups and your session.")
		if si != nil && len(si.Providers) > 0 {
			empty.Children = []ui.Node{ui.Link("Sign in", signInLink(rc.Path, nil))}
		}
		page.Children = []ui.Node{empty}
		return page, nil
	}
	pr := profileOf(ctx, src, p)
	page.Subtitle = pr.name

	about := ui.Node{Type: ui.TypeKV}
	add := func(kv *ui.Node, k string, v ui.Node) { kv.Pairs = append(kv.Pairs, ui.Pair{Key: k, Value: v}) }
	add(&about, "Name", ui.Text(pr.name))
	if pr.email != "" {
		add(&about, "Email", ui.Link(pr.email, "mailto:"+pr.email))
	}
	profileCard := ui.Card("Profile")
	if pr.picture != "" {
		profileCard.Children = append(profileCard.Children, ui.Node{Type: ui.TypeImage, Href: pr.picture, Text: "Picture of " + pr.name})
	}
	profileCard.Children = append(profileCard.Children, about)

	var may map[string]bool
	if src != nil {
		var err error
		if may, err = readable(ctx, src, p.OwnershipEntityRefs); err != nil {
			return ui.Node{}, err
		}
	}
	groups := ui.Node{Type: ui.TypeList}
	for _, ref := range p.OwnershipEntityRefs {
		if !strings.EqualFold(ref, p.UserEntityRef) {
			groups.Children = append(groups.Children, refLink(ref, "group", "default", may))
		}
	}
	ident := ui.Node{Type: ui.TypeKV}
	add(&ident, "User entity", refLink(p.UserEntityRef, "user", "default", may))
	if len(groups.Children) == 0 {
		add(&ident, "Groups", ui.Text("None: you own things as yourself only."))
	} else {
		add(&ident, "Groups", groups)
	}
	identCard := ui.Card("Identity", ident, ui.Text("The permission policy decides for you as this user and these groups: what you own through them is yours."))

	sessionCard := ui.Card("Session")
	s := sessionOf(ctx)
	if s != nil {
		kv := ui.Node{Type: ui.TypeKV}
		title := s.Provider
		if t, ok := providerTitles[s.Provider]; ok {
			title = t[0]
		}
		add(&kv, "Signed in with", ui.Text(title))
		add(&kv, "Expires", ui.Text(s.Expires.UTC().Format("2006-01-02 15:04 UTC")))
		sessionCard.Children = []ui.Node{kv, signOut(s)}
	} else {
		sessionCard.Children = []ui.Node{ui.Text("This request carries a token, not a browser session.")}
	}

	page.Children = []ui.Node{{Type: ui.TypeGrid, Cols: 2, Children: []ui.Node{profileCard, identCard, sessionCard, tokenHint(si, s)}}}
	return page, nil
}

// tokenHint tells how a script gets a user token: the provider's refresh route.
func tokenHint(si *SignIn, s *Session) ui.Node {
	card := ui.Card("Tokens for scripts")
	if si == nil {
		return card
	}
	base := strings.TrimSuffix(si.BaseURL, "/")
	provider := "<provider>"
	if s != nil {
		provider = s.Provider
	}
	if provider == "guest" {
		card.Children = []ui.Node{
			ui.Text("A script gets a user token from the guest provider's refresh route, and sends it as a Bearer token:"),
			{Type: ui.TypeCode, Language: "sh", Text: "TOKEN=$(curl -s " + base + "/api/auth/guest/refresh | sed 's/.*\"token\":\"\\([^\"]*\\)\".*/\\1/')\n" +
				"curl -H \"Authorization: Bearer $TOKEN\" '" + base + "/api/catalog/entities?limit=1'"},
		}
		return card
	}
	card.Children = []ui.Node{
		ui.Text("The refresh route returns a user token for this browser's session (backstageIdentity.token, valid for an hour by default). " +
			"It needs the session cookie, " + si.SessionCookie + ", which only the browser holds (copy it from its developer tools), and the X-Requested-With header:"),
		{Type: ui.TypeCode, Language: "sh", Text: "TOKEN=$(curl -s -H 'X-Requested-With: XMLHttpRequest' -b '" + si.SessionCookie + "=<cookie>' " + base + "/api/auth/" + provider + "/refresh" +
			" | sed 's/.*\"token\":\"\\([^\"]*\\)\".*/\\1/')\n" +
			"curl -H \"Authorization: Bearer $TOKEN\" '" + base + "/api/catalog/entities?limit=1'"},
		ui.Text("For CI and other long-running jobs, ask the operator for a service token (backend.auth.externalAccess)."),
	}
	return card
}

// accountPages are the sign-in and settings pages.
func accountPages(opts Options) []ext.Extension {
	signin := Page("page:signin", SignInPath, func(context.Context, ext.FactoryInput) (ext.Element, error) {
		return element(func(ctx context.Context, rc *ext.RenderContext) (ui.Node, error) {
			return signInPage(ctx, opts.SignIn, rc), nil
		}), nil
	})
	signin.ConfigSchema = nil // the server sends callers here: its path is fixed
	settings := Page("page:user-settings", SettingsPath, func(context.Context, ext.FactoryInput) (ext.Element, error) {
		return element(func(ctx context.Context, rc *ext.RenderContext) (ui.Node, error) {
			return settingsPage(ctx, opts.SignIn, opts.Catalog, rc)
		}), nil
	})
	settings.ConfigSchema = nil // the user menu links here: its path is fixed
	return []ext.Extension{trusted(signin), trusted(settings)}
}
