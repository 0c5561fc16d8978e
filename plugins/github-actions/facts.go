package main

import (
	"fmt"
	"strings"
	"time"

	greenroom "greenroom.dev/greenroom/sdk/go"
)

// The ci-facts task publishes, for scorecards, each annotated entity's CI success rate
// over the last 30 days: the share of its repository's completed workflow runs created
// in that time that concluded "success" (ci.successRate30d, 0 to 1), and how many runs
// it counted (ci.runs30d). A repository without completed runs gets no rate.

const (
	factRate = "ci.successRate30d"
	factRuns = "ci.runs30d"
)

func init() { greenroom.HandleTask("ci-facts", ciFacts) }

func ciFacts(*greenroom.TaskRequest) error {
	since := time.Now().UTC().Add(-30 * 24 * time.Hour).Format("2006-01-02")
	cursor := ""
	published := 0
	for {
		page, err := greenroom.CatalogQuery(greenroom.CatalogQueryRequest{
			Filter: []greenroom.CatalogFilter{{"metadata.annotations." + slugAnnotation: nil}},
			Fields: []string{"kind", "metadata.name", "metadata.namespace", "metadata.annotations"},
			Limit:  50, Cursor: cursor,
		})
		if err != nil {
			return err
		}
		var facts []greenroom.Fact
		for _, e := range page.Items {
			slug := e.Metadata.Annotations[slugAnnotation]
			ns := e.Metadata.Namespace
			if ns == "" {
				ns = "default"
			}
			ref := strings.ToLower(e.Kind) + ":" + ns + "/" + e.Metadata.Name
			owner, repo, _ := strings.Cut(slug, "/")
			full, err := repoOf(owner, repo)
			if err != nil {
				continue
			}
			rate, runs, err := successRate(full, since)
			if err != nil {
				greenroom.Log.Warn("github-actions: CI success rate", "entity", ref, "err", err.Error())
				continue
			}
			facts = append(facts, greenroom.Fact{EntityRef: ref, Name: factRuns, Value: runs})
			if runs > 0 {
				facts = append(facts, greenroom.Fact{EntityRef: ref, Name: factRate, Value: rate})
			} else {
				facts = append(facts, greenroom.Fact{EntityRef: ref, Name: factRate, Value: nil})
			}
		}
		if len(facts) > 0 {
			if _, err := greenroom.PublishFacts(facts); err != nil {
				return fmt.Errorf("publish facts: %w", err)
			}
			published += len(facts)
		}
		if cursor = page.PageInfo.NextCursor; cursor == "" {
			break
		}
	}
	greenroom.Log.Info("github-actions: CI facts published", "facts", published)
	return nil
}

// successRate reads the completed runs created since the date (at most 10 pages of
// 100) and answers the share that succeeded.
func successRate(repo, since string) (float64, int, error) {
	path := fmt.Sprintf("/repos/%s/actions/runs?status=completed&created=%%3E%%3D%s&per_page=100", repo, since)
	ok, total := 0, 0
	for range 10 {
		l, link, err := fetchDecoded[runList](path, "run list")
		if err != nil {
			return 0, 0, err
		}
		for _, r := range l.Runs {
			if r.Status != "completed" {
				continue
			}
			total++
			if r.Conclusion == "success" {
				ok++
			}
		}
		if path = nextLink(link); path == "" {
			break
		}
	}
	if total == 0 {
		return 0, 0, nil
	}
	return float64(ok) / float64(total), total, nil
}
