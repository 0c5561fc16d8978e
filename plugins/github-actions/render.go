package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	greenroom "greenroom.dev/greenroom/sdk/go"
	"greenroom.dev/greenroom/sdk/go/ui"
)

// tab renders the CI tab: the entity's recent runs, or, with ?run=ID, one run's jobs
// and steps. A problem with GitHub renders as a message in the tab; the page renders.
func tab(r *greenroom.RenderRequest) (ui.Node, error) {
	var slug string
	if r.Entity != nil {
		slug = r.Entity.Metadata.Annotations[slugAnnotation]
	}
	if slug == "" {
		return ui.Empty("No GitHub repository", "Annotate the entity with "+slugAnnotation+": owner/repo to see its workflow runs."), nil
	}
	owner, repo, _ := strings.Cut(slug, "/")
	full, err := repoOf(owner, repo)
	if err != nil {
		return ui.Error("GitHub Actions", "The annotation "+slugAnnotation+" is not owner/repo."), nil
	}
	if id := r.QueryValue("run"); id != "" {
		n, err := strconv.ParseInt(id, 10, 64)
		if err != nil || n <= 0 {
			return ui.Error("GitHub Actions", "The run id in the address is not a number."), nil
		}
		return runView(r, full, n), nil
	}
	l, err := listRuns(full)
	if err != nil {
		return problem(err), nil
	}
	if len(l.Runs) == 0 {
		return ui.Card("Workflow runs of "+full, ui.Empty("No workflow runs", "GitHub has no workflow runs for "+full+".")), nil
	}
	rows := make([][]ui.Node, 0, len(l.Runs))
	for _, run := range l.Runs {
		title := run.DisplayTitle
		if title == "" {
			title = run.Name
		}
		rows = append(rows, ui.Row(
			ui.Link(fmt.Sprintf("%s #%d", title, run.RunNumber), r.Path+"?run="+strconv.FormatInt(run.ID, 10)),
			statusBadge(run.Status, run.Conclusion),
			ui.Text(run.HeadBranch),
			ui.Code("", short(run.HeadSHA)),
			ui.Text(run.Actor.Login),
			ui.Text(duration(run.StartedAt, run.UpdatedAt, run.Status)),
		))
	}
	return ui.Card(fmt.Sprintf("Workflow runs of %s (%d)", full, l.TotalCount),
		ui.Table([]string{"Run", "Status", "Branch", "Commit", "Actor", "Duration"}, rows...)), nil
}

func runView(r *greenroom.RenderRequest, repo string, id int64) ui.Node {
	run, err := getRun(repo, id)
	if err != nil {
		return problem(err)
	}
	jobs, err := listJobs(repo, id)
	if err != nil {
		return problem(err)
	}
	kv := ui.KV(
		ui.P("Status", statusBadge(run.Status, run.Conclusion)),
		ui.P("Branch", ui.Text(run.HeadBranch)),
		ui.P("Commit", ui.Code("", run.HeadSHA)),
		ui.P("Actor", ui.Text(run.Actor.Login)),
		ui.P("Event", ui.Text(run.Event)),
		ui.P("Duration", ui.Text(duration(run.StartedAt, run.UpdatedAt, run.Status))),
		ui.P("On GitHub", ui.Link("run #"+strconv.Itoa(run.RunNumber), run.HTMLURL)),
	)
	if ok, err := mayRerun(); err == nil && ok && run.Status == "completed" {
		// A button that posts to this plugin's rerun route (relative to its routes, as
		// the plugin does not know the id it is configured under), which sends the
		// browser back here.
		back := r.Path + "?run=" + strconv.FormatInt(id, 10)
		kv.Pairs = append(kv.Pairs, ui.P("Re-run", ui.Action("Re-run all jobs", fmt.Sprintf("repos/%s/runs/%d/rerun", repo, id), "redirect", back)))
	}
	children := []ui.Node{ui.Card(fmt.Sprintf("%s #%d", run.Name, run.RunNumber), kv), ui.Link("All runs", r.Path)}
	for _, j := range jobs {
		rows := make([][]ui.Node, 0, len(j.Steps))
		for _, s := range j.Steps {
			rows = append(rows, ui.Row(ui.Text(strconv.Itoa(s.Number)), ui.Text(s.Name), statusBadge(s.Status, s.Conclusion), ui.Text(duration(s.StartedAt, s.CompletedAt, s.Status))))
		}
		children = append(children, ui.Card("Job "+j.Name+" ("+duration(j.StartedAt, j.CompletedAt, j.Status)+")",
			statusBadge(j.Status, j.Conclusion), ui.Table([]string{"#", "Step", "Status", "Duration"}, rows...)))
	}
	return ui.Group(children...)
}

// problem shows what went wrong with GitHub in place of the tab's content.
func problem(err error) ui.Node {
	if u, ok := err.(*upstreamError); ok {
		return ui.Error("GitHub Actions", u.msg)
	}
	return ui.Error("GitHub Actions", err.Error())
}

func statusBadge(status, conclusion string) ui.Node {
	if status != "completed" {
		if status == "" {
			status = "unknown"
		}
		return ui.Badge(strings.ReplaceAll(status, "_", " "), ui.ToneInfo)
	}
	switch conclusion {
	case "success":
		return ui.Badge("success", ui.ToneSuccess)
	case "failure", "timed_out", "startup_failure":
		return ui.Badge(strings.ReplaceAll(conclusion, "_", " "), ui.ToneDanger)
	case "cancelled", "skipped", "neutral", "stale", "action_required":
		return ui.Badge(strings.ReplaceAll(conclusion, "_", " "), ui.ToneWarning)
	}
	return ui.Badge("completed", ui.ToneNeutral)
}

func short(sha string) string {
	if len(sha) > 7 {
		return sha[:7]
	}
	return sha
}

func duration(start, end time.Time, status string) string {
	if status != "" && status != "completed" {
		return "running"
	}
	if start.IsZero() || end.IsZero() || end.Before(start) {
		return "–"
	}
	d := end.Sub(start).Round(time.Second)
	if d >= time.Hour {
		return fmt.Sprintf("%dh %dm", int(d.Hours()), int(d.Minutes())%60)
	}
	if d >= time.Minute {
		return fmt.Sprintf("%dm %ds", int(d.Minutes()), int(d.Seconds())%60)
	}
	return fmt.Sprintf("%ds", int(d.Seconds()))
}
