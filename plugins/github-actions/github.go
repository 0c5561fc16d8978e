package main

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	greenroom "greenroom.dev/greenroom/sdk/go"
)

// The GitHub REST API shapes this plugin reads (docs.github.com, "Workflow runs" and
// "Workflow jobs"); fields it does not use are ignored.

type runList struct {
	TotalCount int   `json:"total_count"`
	Runs       []run `json:"workflow_runs"`
}

type run struct {
	ID           int64     `json:"id"`
	Name         string    `json:"name"`
	DisplayTitle string    `json:"display_title"`
	RunNumber    int       `json:"run_number"`
	RunAttempt   int       `json:"run_attempt"`
	HeadBranch   string    `json:"head_branch"`
	HeadSHA      string    `json:"head_sha"`
	Event        string    `json:"event"`
	Status       string    `json:"status"`
	Conclusion   string    `json:"conclusion"`
	HTMLURL      string    `json:"html_url"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
	StartedAt    time.Time `json:"run_started_at"`
	Actor        struct {
		Login string `json:"login"`
	} `json:"actor"`
}

type jobList struct {
	TotalCount int   `json:"total_count"`
	Jobs       []job `json:"jobs"`
}

type job struct {
	ID          int64     `json:"id"`
	Name        string    `json:"name"`
	Status      string    `json:"status"`
	Conclusion  string    `json:"conclusion"`
	HTMLURL     string    `json:"html_url"`
	StartedAt   time.Time `json:"started_at"`
	CompletedAt time.Time `json:"completed_at"`
	Steps       []step    `json:"steps"`
}

type step struct {
	Name        string    `json:"name"`
	Number      int       `json:"number"`
	Status      string    `json:"status"`
	Conclusion  string    `json:"conclusion"`
	StartedAt   time.Time `json:"started_at"`
	CompletedAt time.Time `json:"completed_at"`
}

// cached is the last 200 answer for a path, sent again on a 304.
type cached struct {
	etag string
	body []byte
	link string
	// decoded is the body decoded, kept by the first reader: decoding GitHub's JSON
	// with encoding/json inside WebAssembly costs milliseconds for a page of runs.
	decoded any
}

// cache holds, per instance, the last answer of each path with an ETag, so that a
// repeated page view asks GitHub with If-None-Match and a 304, which costs no rate
// limit. An instance's memory lives as long as the instance; the cache is bounded.
var cache = map[string]cached{}

const maxCached = 512

// upstreamError is what went wrong with GitHub, said so that the card can show it: it
// never quotes a header or the token.
type upstreamError struct {
	code greenroom.Code
	msg  string
}

func (e *upstreamError) Error() string { return e.msg }

func endpoint() string {
	if e := greenroom.ConfigString("endpoint"); e != "" {
		return e
	}
	return "/github"
}

// fetchDecoded is fetch, decoding the body into a new T, or answering the value decoded before when GitHub says the body has not changed.
func fetchDecoded[T any](path string, what string) (*T, string, error) {
	b, link, err := fetch(path)
	if err != nil {
		return nil, "", err
	}
	// The cached body itself (not a fresh copy) means GitHub answered 304.
	same := func(c cached) bool { return len(b) > 0 && len(c.body) > 0 && &c.body[0] == &b[0] }
	if c, ok := cache[path]; ok && same(c) {
		if v, ok := c.decoded.(*T); ok {
			return v, link, nil
		}
	}
	v := new(T)
	if err := json.Unmarshal(b, v); err != nil {
		return nil, "", &upstreamError{greenroom.CodeUnavailable, "GitHub's " + what + " does not decode: " + err.Error()}
	}
	if c, ok := cache[path]; ok && same(c) {
		c.decoded = v
		cache[path] = c
	}
	return v, link, nil
}

// fetch GETs path from GitHub through the proxy, with the cache's ETag, and returns
// the body and the Link header of the answer (the cached one on a 304).
func fetch(path string) ([]byte, string, error) {
	h := greenroom.Header{}
	h.Set("accept", "application/vnd.github+json")
	h.Set("x-github-api-version", "2022-11-28")
	c, hit := cache[path]
	if hit && c.etag != "" {
		h.Set("if-none-match", c.etag)
	}
	resp, err := greenroom.ProxyFetch(&greenroom.ProxyRequest{Endpoint: endpoint(), Method: "GET", Path: path, Headers: h})
	if err != nil {
		return nil, "", proxyError(err)
	}
	switch st := resp.StatusCode(); {
	case st == 304 && hit:
		return c.body, c.link, nil
	case st == 200:
		body := resp.Content()
		if etag := resp.Headers.Get("etag"); etag != "" {
			if len(cache) >= maxCached {
				clear(cache)
			}
			cache[path] = cached{etag: etag, body: body, link: resp.Headers.Get("link")}
		}
		return body, resp.Headers.Get("link"), nil
	default:
		return nil, "", statusError(resp)
	}
}

// post sends a POST without a body (a re-run) and fails on anything but 2xx.
func post(path string) error {
	h := greenroom.Header{}
	h.Set("accept", "application/vnd.github+json")
	resp, err := greenroom.ProxyFetch(&greenroom.ProxyRequest{Endpoint: endpoint(), Method: "POST", Path: path, Headers: h})
	if err != nil {
		return proxyError(err)
	}
	if st := resp.StatusCode(); st < 200 || st > 299 {
		return statusError(resp)
	}
	return nil
}

// proxyError says why the proxy call itself failed.
func proxyError(err error) error {
	switch greenroom.ErrorCode(err) {
	case greenroom.CodeTimeout:
		return &upstreamError{greenroom.CodeTimeout, "GitHub did not answer in time; try again, or raise the plugin's limits.timeout"}
	case greenroom.CodeTooLarge:
		return &upstreamError{greenroom.CodeTooLarge, "GitHub's answer is larger than the plugin may read; raise the plugin's limits.memory (a proxy answer may take a quarter of it) or show fewer runs (config perPage)"}
	case greenroom.CodeCapabilityDenied:
		return &upstreamError{greenroom.CodeCapabilityDenied, "the github-actions plugin may not use the proxy endpoint " + endpoint() + "; grant it under plugins[].grants.proxy.endpoints"}
	case greenroom.CodeNotFound:
		return &upstreamError{greenroom.CodeUnavailable, "there is no proxy endpoint " + endpoint() + "; add one for https://api.github.com under proxy.endpoints"}
	}
	return &upstreamError{greenroom.CodeUnavailable, "GitHub cannot be reached through the proxy: " + err.Error()}
}

// statusError says what an HTTP error answer of GitHub means, without quoting it.
func statusError(resp *greenroom.Response) error {
	st := resp.StatusCode()
	var body struct {
		Message string `json:"message"`
	}
	json.Unmarshal(resp.Content(), &body)
	switch {
	case st == 401:
		return &upstreamError{greenroom.CodeUnavailable, "GitHub refused the token (401): set a valid token in the proxy endpoint's Authorization header (proxy.endpoints." + endpoint() + ".headers)"}
	case st == 429 || st == 403 && (resp.Headers.Get("x-ratelimit-remaining") == "0" || strings.Contains(strings.ToLower(body.Message), "rate limit")):
		msg := "GitHub's API rate limit for the token is spent"
		if reset, err := strconv.ParseInt(resp.Headers.Get("x-ratelimit-reset"), 10, 64); err == nil {
			msg += "; it resets at " + time.Unix(reset, 0).UTC().Format("15:04 UTC")
		}
		return &upstreamError{greenroom.CodeUnavailable, msg + ". Pages show what they fetched before as long as GitHub's ETags match"}
	case st == 403:
		return &upstreamError{greenroom.CodeCapabilityDenied, "GitHub denied the token access (403): it needs the actions scope (read, and write to re-run) on this repository"}
	case st == 404:
		return &upstreamError{greenroom.CodeNotFound, "GitHub has no such repository or run, or the token cannot see it (404)"}
	}
	return &upstreamError{greenroom.CodeUnavailable, fmt.Sprintf("GitHub answered %d; try again later", st)}
}

// nextLink returns the rel="next" URL's path and query from a Link header, or "".
func nextLink(link string) string {
	for _, part := range strings.Split(link, ",") {
		part = strings.TrimSpace(part)
		if !strings.Contains(part, `rel="next"`) {
			continue
		}
		start, end := strings.Index(part, "<"), strings.Index(part, ">")
		if start < 0 || end < start {
			return ""
		}
		u := part[start+1 : end]
		// The path after the host: GitHub's links are absolute URLs of the API.
		if i := strings.Index(u, "://"); i >= 0 {
			if j := strings.Index(u[i+3:], "/"); j >= 0 {
				return u[i+3+j:]
			}
			return ""
		}
		return u
	}
	return ""
}

// maxPages bounds how many pages of jobs one view follows.
const maxPages = 5

func perPage() int {
	if n, err := strconv.Atoi(greenroom.ConfigString("perPage")); err == nil && n >= 1 && n <= 100 {
		return n
	}
	return 30
}

func listRuns(repo string) (*runList, error) {
	l, _, err := fetchDecoded[runList](fmt.Sprintf("/repos/%s/actions/runs?per_page=%d", repo, perPage()), "list of workflow runs")
	return l, err
}

func getRun(repo string, id int64) (*run, error) {
	r, _, err := fetchDecoded[run](fmt.Sprintf("/repos/%s/actions/runs/%d", repo, id), "workflow run")
	return r, err
}

// listJobs reads every page of a run's jobs (up to maxPages), following Link headers.
func listJobs(repo string, id int64) ([]job, error) {
	var jobs []job
	path := fmt.Sprintf("/repos/%s/actions/runs/%d/jobs?per_page=100", repo, id)
	for page := 0; path != "" && page < maxPages; page++ {
		l, link, err := fetchDecoded[jobList](path, "list of jobs")
		if err != nil {
			return nil, err
		}
		jobs = append(jobs, l.Jobs...)
		path = nextLink(link)
	}
	return jobs, nil
}
