package scaffolder

import (
	"context"
	"errors"
	"fmt"
	"path"

	"greenroom.dev/greenroom/host/internal/urlreader/githubreader"
)

func boolPtr(in map[string]any, k string) *bool {
	if v, ok := in[k].(bool); ok {
		return &v
	}
	return nil
}

// publishGitHubAction is publish:github: create the repository (go-github, through
// the integration of the repo URL's host) and push the workspace as its first commit.
func publishGitHubAction() *Action {
	props := map[string]any{
		"repoUrl": typ("string", "Repository Location"), "description": typ("string", "Repository Description"),
		"homepage": typ("string", "Repository Homepage"), "access": typ("string", "Repository Access"),
		"repoVisibility": map[string]any{"title": "Repository Visibility", "type": "string", "enum": []any{"private", "public", "internal"}},
		"defaultBranch":  typ("string", "Default Branch"), "sourcePath": typ("string", "Source Path"),
		"gitCommitMessage": typ("string", "Git Commit Message"), "gitAuthorName": typ("string", "Default Author Name"), "gitAuthorEmail": typ("string", "Default Author Email"),
		"topics": map[string]any{"title": "Topics", "type": "array", "items": map[string]any{"type": "string"}},
		"token":  typ("string", "Authentication Token"),
	}
	for _, b := range []string{"hasIssues", "hasWiki", "hasProjects", "deleteBranchOnMerge", "allowMergeCommit", "allowSquashMerge", "allowRebaseMerge", "allowAutoMerge",
		"protectDefaultBranch", "protectEnforceAdmins", "requireCodeOwnerReviews", "dismissStaleReviews", "requireBranchesToBeUpToDate"} {
		props[b] = typ("boolean", b)
	}
	props["requiredApprovingReviewCount"] = typ("number", "Required approving review count")
	props["requiredStatusCheckContexts"] = map[string]any{"title": "Required Status Check Contexts", "type": "array", "items": map[string]any{"type": "string"}}
	return &Action{ID: "publish:github", Description: "Initializes a git repository of contents in workspace and publishes it to GitHub.",
		ExampleOutput: map[string]any{"remoteUrl": "https://github.com/dry-run/dry-run.git", "repoContentsUrl": "https://github.com/dry-run/dry-run/blob/master", "commitHash": "0000000000000000000000000000000000000000"},
		Schema: ActionSchema{Input: obj([]string{"repoUrl"}, props), Output: obj(nil, map[string]any{
			"remoteUrl": typ("string", "A URL to the repository with the provider"), "repoContentsUrl": typ("string", "A URL to the root of the repository"), "commitHash": typ("string", "The git commit hash of the initial commit")})},
		Handler: publishGitHub}
}

func publishGitHub(ctx context.Context, ac *ActionContext) error {
	if ac.github == nil {
		return errors.New("publish:github is not available: the host has no GitHub integration")
	}
	in := ac.Input
	repo, err := parseRepoURL(str(in, "repoUrl", ""), nil)
	if err != nil {
		return fmt.Errorf("repoUrl: %w", err)
	}
	owner, _ := repo["owner"].(string)
	if owner == "" {
		return fmt.Errorf("repoUrl %q: missing owner", str(in, "repoUrl", ""))
	}
	src, err := safeRel(str(in, "sourcePath", "."))
	if err != nil {
		return fmt.Errorf("sourcePath: %w", err)
	}
	created, err := ac.github.Create(ctx, repo["host"].(string), githubreader.NewRepo{
		Owner: owner, Name: repo["repo"].(string), Description: str(in, "description", ""), Homepage: str(in, "homepage", ""),
		Visibility: str(in, "repoVisibility", "private"), Topics: strings_(in, "topics"),
		HasIssues: boolPtr(in, "hasIssues"), HasWiki: boolPtr(in, "hasWiki"), HasProjects: boolPtr(in, "hasProjects"),
		DeleteBranchOnMerge: boolPtr(in, "deleteBranchOnMerge"), AllowMergeCommit: boolPtr(in, "allowMergeCommit"),
		AllowSquashMerge: boolPtr(in, "allowSquashMerge"), AllowRebaseMerge: boolPtr(in, "allowRebaseMerge"), AllowAutoMerge: boolPtr(in, "allowAutoMerge"),
		Token: str(in, "token", ""),
	})
	if err != nil {
		return err
	}
	ac.Log("Created repository %s", created.HTMLURL)
	branch := str(in, "defaultBranch", "master")
	hash, err := gitPush(ctx, ac, path.Join(ac.Workspace.dir, src), created.CloneURL, branch, created.Token,
		str(in, "gitCommitMessage", ac.cfg.DefaultCommitMessage), str(in, "gitAuthorName", ac.cfg.DefaultAuthor.Name), str(in, "gitAuthorEmail", ac.cfg.DefaultAuthor.Email))
	if err != nil {
		return err
	}
	if boolean(in, "protectDefaultBranch", true) {
		count := 1
		if n, ok := in["requiredApprovingReviewCount"].(float64); ok {
			count = int(n)
		}
		ac.Log("Protecting branch %s", branch)
		if err := ac.github.Protect(ctx, repo["host"].(string), owner, repo["repo"].(string), branch, created.Token, githubreader.Protection{
			EnforceAdmins: boolean(in, "protectEnforceAdmins", true), RequireCodeOwnerReviews: boolean(in, "requireCodeOwnerReviews", false),
			DismissStaleReviews: boolean(in, "dismissStaleReviews", false), RequiredApprovingReviewCount: count,
			RequireUpToDate: boolean(in, "requireBranchesToBeUpToDate", true), StatusCheckContexts: strings_(in, "requiredStatusCheckContexts"),
		}); err != nil {
			return err
		}
	}
	ac.Output("remoteUrl", created.CloneURL)
	ac.Output("repoContentsUrl", created.HTMLURL+"/blob/"+branch)
	ac.Output("commitHash", hash)
	return nil
}
