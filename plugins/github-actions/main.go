// Command github-actions is Greenroom's GitHub Actions plugin, third-party backed: it
// reads workflow runs, jobs and steps from GitHub's REST API through the portal's proxy
// (the proxy_fetch host function, on the endpoint the operator configures with the
// token), never directly. It adds an entity tab, "CI", to entities annotated with
// github.com/project-slug, with a run's jobs and steps on its own view of the tab, and
// backend routes that answer the same as JSON and re-run a run for callers the
// permission policy allows (github-actions.workflow.rerun). The run's view offers those
// callers a Re-run button, an action node that posts a form to the rerun route, which
// answers it with 303 back to the run's view.
package main

import (
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	greenroom "greenroom.dev/greenroom/sdk/go"
)

const (
	tabID          = "entity-tab:github-actions/runs"
	slugAnnotation = "github.com/project-slug"
	rerunPerm      = "github-actions.workflow.rerun"
)

func init() {
	greenroom.EntityTab(tabID, "CI", "ci", "has:annotations", tab)
	greenroom.HandleFunc("GET /repos/:owner/:repo/runs", runsRoute)
	greenroom.HandleFunc("GET /repos/:owner/:repo/runs/:id", runRoute)
	greenroom.HandleFunc("POST /repos/:owner/:repo/runs/:id/rerun", rerunRoute)
}

// main is never called: the host calls _initialize, which runs init, then the exports.
func main() {}

var slugRE = regexp.MustCompile(`^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$`)

// repoOf checks an owner/repo pair before it goes into a path.
func repoOf(owner, repo string) (string, error) {
	s := owner + "/" + repo
	if !slugRE.MatchString(s) || owner == ".." || repo == ".." || owner == "." || repo == "." {
		return "", greenroom.Errorf(greenroom.CodeInvalidArgument, "%q is not a GitHub owner/repo", s)
	}
	return s, nil
}

func fail(err error) *greenroom.Response {
	if u, ok := err.(*upstreamError); ok {
		return greenroom.ErrorResponse(greenroom.Errorf(u.code, "%s", u.msg))
	}
	return greenroom.ErrorResponse(err)
}

func runsRoute(r *greenroom.Request) *greenroom.Response {
	repo, err := repoOf(r.Param("owner"), r.Param("repo"))
	if err != nil {
		return fail(err)
	}
	l, err := listRuns(repo)
	if err != nil {
		return fail(err)
	}
	return greenroom.JSON(200, l)
}

func runRoute(r *greenroom.Request) *greenroom.Response {
	repo, err := repoOf(r.Param("owner"), r.Param("repo"))
	if err != nil {
		return fail(err)
	}
	id, err := strconv.ParseInt(r.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return fail(greenroom.Errorf(greenroom.CodeInvalidArgument, "run id %q is not a number", r.Param("id")))
	}
	rn, err := getRun(repo, id)
	if err != nil {
		return fail(err)
	}
	jobs, err := listJobs(repo, id)
	if err != nil {
		return fail(err)
	}
	return greenroom.JSON(200, map[string]any{"run": rn, "jobs": jobs})
}

// mayRerun asks the permission policy whether the caller may re-run workflows.
func mayRerun() (bool, error) {
	d, err := greenroom.Authorize(greenroom.Permission{Name: rerunPerm, Attributes: greenroom.PermissionAttributes{Action: "update"}})
	if err != nil {
		return false, err
	}
	return d.Allowed(), nil
}

func rerunRoute(r *greenroom.Request) *greenroom.Response {
	repo, err := repoOf(r.Param("owner"), r.Param("repo"))
	if err != nil {
		return fail(err)
	}
	id, err := strconv.ParseInt(r.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return fail(greenroom.Errorf(greenroom.CodeInvalidArgument, "run id %q is not a number", r.Param("id")))
	}
	ok, err := mayRerun()
	if err != nil {
		return fail(err)
	}
	if !ok {
		return fail(greenroom.Errorf(greenroom.CodeCapabilityDenied, "the permission policy does not allow %s for this caller", rerunPerm))
	}
	if err := post(fmt.Sprintf("/repos/%s/actions/runs/%d/rerun", repo, id)); err != nil {
		return fail(err)
	}
	// The run page's Re-run button posts a form: send the browser back to the page it
	// names. API callers get JSON.
	if isForm(r) {
		form, _ := url.ParseQuery(string(r.Body))
		return &greenroom.Response{Status: 303, Headers: greenroom.Header{
			"location": {localTarget(form.Get("redirect"))}, "cache-control": {"no-store"}}}
	}
	return greenroom.JSON(201, map[string]any{"rerun": id})
}

// isForm reports whether the request is a posted HTML form.
func isForm(r *greenroom.Request) bool {
	ct, _, _ := strings.Cut(r.Header("content-type"), ";")
	return strings.EqualFold(strings.TrimSpace(ct), "application/x-www-form-urlencoded")
}

// localTarget is where a form post sends the browser: target when it is a path of this
// portal ("/catalog/...?run=1"), else "/" — never another site ("//evil.example",
// "https://...", "/\evil.example"), and nothing that could break the header.
func localTarget(target string) string {
	if len(target) == 0 || len(target) > 2048 || target[0] != '/' || strings.HasPrefix(target, "//") {
		return "/"
	}
	for i := 0; i < len(target); i++ {
		if c := target[i]; c <= ' ' || c == 0x7f || c == '\\' || c >= 0x80 {
			return "/"
		}
	}
	return target
}
