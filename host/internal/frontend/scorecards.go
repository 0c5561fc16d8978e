package frontend

import (
	"context"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"greenroom.dev/greenroom/host/internal/frontend/ext"
	"greenroom.dev/greenroom/host/internal/frontend/ui"
	"greenroom.dev/greenroom/host/internal/scorecard"
)

// ScorecardSource backs the scorecards page and the entity page's Scorecards card:
// the host's scorecards, read as the page's caller (identity.From(ctx)) may.
type ScorecardSource interface {
	Scorecards() []scorecard.Summary
	// Results are the results of one scorecard's entities the caller may read.
	Results(ctx context.Context, id string, q scorecard.Query) ([]*scorecard.Result, bool)
	// Entity is one entity's results (lower-cased ref).
	Entity(key string) []scorecard.EntityResult
	Trend(id string) ([]scorecard.TrendPoint, error)
}

// ScorecardsPath is the scorecards page's path.
const ScorecardsPath = "/scorecards"

// scorecardPages are page:scorecards, its nav item and entity-card:scorecards/entity,
// when the host has scorecards.
func scorecardPages(opts Options) []ext.Extension {
	if opts.Scorecards == nil {
		return nil
	}
	src := opts.Scorecards
	page := Page("page:scorecards", ScorecardsPath, func(context.Context, ext.FactoryInput) (ext.Element, error) {
		return element(func(ctx context.Context, rc *ext.RenderContext) (ui.Node, error) { return scorecardsPage(ctx, src, rc) }), nil
	})
	card := EntityCard("entity-card:scorecards/entity", "kind:component", func(context.Context, ext.FactoryInput) (ext.Element, error) {
		return element(func(_ context.Context, rc *ext.RenderContext) (ui.Node, error) { return scorecardCard(src, rc) }), nil
	})
	return []ext.Extension{trusted(page), trusted(card), NavItem("nav-item:scorecards", "Scorecards", ScorecardsPath)}
}

// levelBadge shows a level with a tone by its rank: none is danger, the top level
// success.
func levelBadge(levels []scorecard.Level, level string) ui.Node {
	if level == "" {
		return ui.Badge("No level", "danger")
	}
	tone, color := "info", ""
	for i, l := range levels {
		if l.Name == level {
			color = l.Color
			switch {
			case i == len(levels)-1:
				tone = "success"
			case i == 0:
				tone = "warning"
			}
		}
	}
	b := ui.Badge(level, tone)
	b.Color = color // the level's colour from its scorecard's config, as a dot
	return b
}

// scorecardCard is an entity's results: its level on each scorecard, and every rule
// with whether it passes and, when it fails, why.
func scorecardCard(src ScorecardSource, rc *ext.RenderContext) (ui.Node, error) {
	e := rc.Entity
	if e == nil {
		return ui.Node{}, fmt.Errorf("no entity on this page")
	}
	results := src.Entity(e.Ref())
	if len(results) == 0 {
		return ui.Card("Scorecards", ui.Empty("Not rated", "No scorecard rates this entity.")), nil
	}
	var kids []ui.Node
	for _, r := range results {
		rows := make([][]ui.Node, 0, len(r.Rules))
		for _, rr := range r.Rules {
			status := ui.Badge("Passed", "success")
			if !rr.Passed {
				status = ui.Badge("Failed", "danger")
			}
			rows = append(rows, []ui.Node{ui.Text(rr.Title), ui.Text(rr.Level), status, ui.Text(rr.Reason)})
		}
		since := ""
		if n := len(r.History); n > 0 {
			since = " since " + r.History[n-1].At.UTC().Format("2006-01-02 15:04")
		}
		kids = append(kids,
			ui.Node{Type: ui.TypeHeader, Title: r.ScorecardTitle, Subtitle: "Level" + since, Children: []ui.Node{levelBadge(r.Levels, r.Level)}},
			ui.Node{Type: ui.TypeTable, Columns: []string{"Rule", "Level", "Result", "Why it fails"}, Rows: rows},
			ui.Link("All entities on "+r.ScorecardTitle, ScorecardsPath+"?"+url.Values{"scorecard": {r.Scorecard}}.Encode()))
	}
	return ui.Card("Scorecards", kids...), nil
}

// scorecardsPage lists one scorecard's entities by level, grouped by owner or system,
// with filters, its distribution now and its trend.
func scorecardsPage(ctx context.Context, src ScorecardSource, rc *ext.RenderContext) (ui.Node, error) {
	page := ui.Node{Type: ui.TypePage, Title: "Scorecards"}
	cards := src.Scorecards()
	if len(cards) == 0 {
		page.Children = []ui.Node{ui.Empty("No scorecards", "Define scorecards under scorecards.definitions in app-config.yaml.")}
		return page, nil
	}
	id := rc.Query.Get("scorecard")
	var sc *scorecard.Summary
	for i := range cards {
		if cards[i].ID == id || id == "" && i == 0 {
			sc = &cards[i]
		}
	}
	if sc == nil {
		rc.SetStatus(404)
		page.Children = []ui.Node{ui.Empty("No such scorecard", fmt.Sprintf("There is no scorecard %q.", id), ui.Link("All scorecards", ScorecardsPath))}
		return page, nil
	}
	if len(cards) > 1 {
		tabs := ui.Node{Type: ui.TypeTabs}
		for _, c := range cards {
			tabs.Tabs = append(tabs.Tabs, ui.Tab{Title: c.Title, Href: ScorecardsPath + "?" + url.Values{"scorecard": {c.ID}}.Encode(), Selected: c.ID == sc.ID})
		}
		page.Children = append(page.Children, tabs)
	}
	q := scorecard.Query{Owner: rc.Query.Get("owner"), System: rc.Query.Get("system"), Rule: rc.Query.Get("rule")}
	if rc.Query.Has("level") && rc.Query.Get("level") != "" {
		l := rc.Query.Get("level")
		q.Level = &l
	}
	q.Failing = q.Rule != ""
	group := rc.Query.Get("group")
	if group != "system" {
		group = "owner"
	}
	results, _ := src.Results(ctx, sc.ID, q)

	// The filters: a GET form.
	levelOpts := []ui.Option{{Value: "", Label: "Any level"}, {Value: "none", Label: "No level"}}
	for _, l := range sc.Levels {
		levelOpts = append(levelOpts, ui.Option{Value: l.Name, Label: l.Name})
	}
	ruleOpts := []ui.Option{{Value: "", Label: "Any rule"}}
	for _, r := range sc.Rules {
		ruleOpts = append(ruleOpts, ui.Option{Value: r.ID, Label: "Fails: " + r.Title})
	}
	form := ui.Node{Type: ui.TypeForm, Action: ScorecardsPath, Submit: "Filter", Fields: []ui.Field{
		{Name: "scorecard", Kind: ui.FieldHidden, Value: sc.ID},
		{Name: "level", Label: "Level", Kind: ui.FieldSelect, Value: rc.Query.Get("level"), Options: levelOpts},
		{Name: "rule", Label: "Rule", Kind: ui.FieldSelect, Value: q.Rule, Options: ruleOpts},
		{Name: "owner", Label: "Owner", Kind: ui.FieldText, Value: q.Owner, Placeholder: "group:default/team-a"},
		{Name: "system", Label: "System", Kind: ui.FieldText, Value: q.System},
		{Name: "group", Label: "Group by", Kind: ui.FieldSelect, Value: group, Options: []ui.Option{{Value: "owner", Label: "Owner"}, {Value: "system", Label: "System"}}},
	}}

	// The distribution now, lowest level first, and the trend.
	var bars []ui.Bar
	badges := ui.Node{Type: ui.TypeGroup}
	for _, name := range append([]string{""}, levelNamesOf(sc.Levels)...) {
		label := name
		if name == "" {
			label = "No level"
		}
		v := url.Values{"scorecard": {sc.ID}, "level": {name}}
		if name == "" {
			v.Set("level", "none")
		}
		bars = append(bars, ui.Bar{Label: label, Value: float64(sc.Counts[name]), Href: ScorecardsPath + "?" + v.Encode()})
		badges.Children = append(badges.Children, ui.Badge(label+": "+strconv.Itoa(sc.Counts[name]), "neutral"))
	}
	header := ui.Node{Type: ui.TypeHeader, Title: sc.Title, Subtitle: sc.Description, Children: []ui.Node{badges}}
	summary := ui.Card("Entities by level", ui.Node{Type: ui.TypeChart, Chart: &ui.Chart{Kind: ui.ChartBar, Bars: bars}})
	trend := trendCard(src, sc)

	// The entities, grouped.
	groups := map[string][]*scorecard.Result{}
	for _, r := range results {
		k := r.Owner
		if group == "system" {
			k = r.System
		}
		groups[k] = append(groups[k], r)
	}
	keys := make([]string, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var lists []ui.Node
	for _, k := range keys {
		rows := [][]ui.Node{}
		for _, r := range groups[k] {
			var failing []string
			for _, rr := range r.Rules {
				if !rr.Passed {
					failing = append(failing, rr.Title)
				}
			}
			kind, ns, name := parseEntityRef(r.EntityRef, "component", "default")
			rows = append(rows, []ui.Node{ui.Link(r.Title, EntityPath(ns, kind, name)), levelBadge(sc.Levels, r.Level), ui.Text(strings.Join(failing, "; "))})
		}
		title := k
		if title == "" {
			title = "No " + group
		}
		lists = append(lists, ui.Card(title, ui.Node{Type: ui.TypeTable, Columns: []string{"Entity", "Level", "Failing rules"}, Rows: rows}))
	}
	if len(lists) == 0 {
		lists = []ui.Node{ui.Empty("No entities", "No entity matches these filters.")}
	}
	page.Children = append(page.Children, header, form, ui.Node{Type: ui.TypeGrid, Cols: 2, Children: []ui.Node{summary, trend}})
	page.Children = append(page.Children, lists...)
	return page, nil
}

func levelNamesOf(ls []scorecard.Level) []string {
	out := make([]string, len(ls))
	for i, l := range ls {
		out[i] = l.Name
	}
	return out
}

// trendCard is the scorecard's trend: the entities at each level at its last
// evaluations (at most ten, newest first).
func trendCard(src ScorecardSource, sc *scorecard.Summary) ui.Node {
	points, err := src.Trend(sc.ID)
	if err != nil {
		return ui.Card("Trend", ui.ErrorBox("The trend cannot be read", err.Error()))
	}
	if len(points) == 0 {
		return ui.Card("Trend", ui.Empty("No trend yet", "A point is recorded at each scheduled evaluation (scorecards.schedule)."))
	}
	cols := append([]string{"Evaluated"}, "No level")
	cols = append(cols, levelNamesOf(sc.Levels)...)
	var rows [][]ui.Node
	for i := len(points) - 1; i >= 0 && len(rows) < 10; i-- {
		p := points[i]
		row := []ui.Node{ui.Text(p.At.UTC().Format("2006-01-02 15:04")), ui.Text(strconv.Itoa(p.Levels[""]))}
		for _, l := range sc.Levels {
			row = append(row, ui.Text(strconv.Itoa(p.Levels[l.Name])))
		}
		rows = append(rows, row)
	}
	return ui.Card("Trend", ui.Node{Type: ui.TypeTable, Columns: cols, Rows: rows})
}
