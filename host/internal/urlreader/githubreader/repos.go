package githubreader

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/google/go-github/v60/github"

	"greenroom.dev/greenroom/host/internal/urlreader"
)

// NewRepo is a repository to create (the scaffolder's publish:github), with
// Backstage's settings.
type NewRepo struct {
	Owner, Name, Description, Homepage string
	// Visibility is private (the default), internal or public.
	Visibility string
	Topics     []string
	// Nil keeps GitHub's default.
	HasIssues, HasWiki, HasProjects                                           *bool
	DeleteBranchOnMerge, AllowMergeCommit, AllowSquashMerge, AllowRebaseMerge *bool
	AllowAutoMerge                                                            *bool
	// Token, when set, is used instead of the integration's.
	Token string
}

// CreatedRepo is a created repository.
type CreatedRepo struct {
	CloneURL string
	HTMLURL  string
	// Token is the token that created it, for the push.
	Token string
}

// Repos creates repositories on the configured GitHub hosts.
type Repos struct{ byHost map[string]*Reader }

// NewRepos builds one client per integrations.github entry (github.com, anonymously,
// when there is none), as the readers are built.
func NewRepos(integrations []urlreader.GitHubIntegration, lim urlreader.Limits, opts urlreader.Options) (*Repos, error) {
	entries, err := Entries(integrations, lim, opts)
	if err != nil {
		return nil, err
	}
	r := &Repos{byHost: map[string]*Reader{}}
	for _, e := range entries {
		if rd, ok := e.Reader.(*Reader); ok {
			r.byHost[rd.host] = rd
		}
	}
	return r, nil
}

// Create creates the repository on host: in the organisation Owner, or for the
// token's user when Owner is a user.
func (r *Repos) Create(ctx context.Context, host string, n NewRepo) (CreatedRepo, error) {
	rd, ok := r.byHost[strings.ToLower(host)]
	if !ok {
		//lint:ignore ST1005 Backstage's message, word for word.
		return CreatedRepo{}, fmt.Errorf("No matching integration configuration for host %s, please check your integrations config", host)
	}
	token := n.Token
	if token == "" {
		token = rd.token
	}
	if token == "" {
		return CreatedRepo{}, fmt.Errorf("no token for %s: set integrations.github's token for it, or give the action a token", host)
	}
	gh := rd.clientWith(token)
	user, _, err := gh.Users.Get(ctx, n.Owner)
	if err != nil {
		return CreatedRepo{}, fmt.Errorf("looking up %s on %s: %w", n.Owner, host, err)
	}
	vis := n.Visibility
	if vis == "" {
		vis = "private"
	}
	repo := &github.Repository{
		Name: github.String(n.Name), Description: optional(n.Description), Homepage: optional(n.Homepage),
		Private: github.Bool(vis == "private"), Visibility: github.String(vis),
		HasIssues: n.HasIssues, HasWiki: n.HasWiki, HasProjects: n.HasProjects,
		DeleteBranchOnMerge: n.DeleteBranchOnMerge, AllowMergeCommit: n.AllowMergeCommit,
		AllowSquashMerge: n.AllowSquashMerge, AllowRebaseMerge: n.AllowRebaseMerge, AllowAutoMerge: n.AllowAutoMerge,
	}
	org := ""
	if user.GetType() == "Organization" {
		org = n.Owner
	}
	created, resp, err := gh.Repositories.Create(ctx, org, repo)
	if err != nil {
		var ge *github.ErrorResponse
		if errors.As(err, &ge) && resp != nil && resp.StatusCode == http.StatusUnprocessableEntity {
			return CreatedRepo{}, fmt.Errorf("creating %s/%s on %s: %s (does the repository exist already?)", n.Owner, n.Name, host, ge.Message)
		}
		return CreatedRepo{}, fmt.Errorf("creating %s/%s on %s: %w", n.Owner, n.Name, host, err)
	}
	if len(n.Topics) > 0 {
		if _, _, err := gh.Repositories.ReplaceAllTopics(ctx, n.Owner, n.Name, n.Topics); err != nil {
			return CreatedRepo{}, fmt.Errorf("setting the topics of %s/%s: %w", n.Owner, n.Name, err)
		}
	}
	return CreatedRepo{CloneURL: created.GetCloneURL(), HTMLURL: created.GetHTMLURL(), Token: token}, nil
}

// clientWith is a GitHub client of the integration that sends token to its API host.
func (r *Reader) clientWith(token string) *github.Client {
	c := *r.client
	c.Transport = tokenTransport{base: r.client.Transport, host: r.api.Host, token: token}
	gh := github.NewClient(&c)
	gh.BaseURL = r.api
	return gh
}

// Protection is a branch's protection, with Backstage's publish:github settings.
type Protection struct {
	EnforceAdmins, RequireCodeOwnerReviews, DismissStaleReviews bool
	RequiredApprovingReviewCount                                int
	// RequireUpToDate and StatusCheckContexts are the required status checks.
	RequireUpToDate     bool
	StatusCheckContexts []string
}

// Protect protects branch of owner/repo on host, with the token that created it.
func (r *Repos) Protect(ctx context.Context, host, owner, repo, branch, token string, p Protection) error {
	rd, ok := r.byHost[strings.ToLower(host)]
	if !ok {
		//lint:ignore ST1005 Backstage's message, word for word.
		return fmt.Errorf("No matching integration configuration for host %s, please check your integrations config", host)
	}
	contexts := p.StatusCheckContexts
	if contexts == nil {
		contexts = []string{}
	}
	_, _, err := rd.clientWith(token).Repositories.UpdateBranchProtection(ctx, owner, repo, branch, &github.ProtectionRequest{
		RequiredStatusChecks: &github.RequiredStatusChecks{Strict: p.RequireUpToDate, Contexts: &contexts},
		RequiredPullRequestReviews: &github.PullRequestReviewsEnforcementRequest{
			RequiredApprovingReviewCount: p.RequiredApprovingReviewCount,
			RequireCodeOwnerReviews:      p.RequireCodeOwnerReviews,
			DismissStaleReviews:          p.DismissStaleReviews,
		},
		EnforceAdmins: p.EnforceAdmins,
	})
	if err != nil {
		return fmt.Errorf("protecting branch %s of %s/%s on %s: %w", branch, owner, repo, host, err)
	}
	return nil
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
