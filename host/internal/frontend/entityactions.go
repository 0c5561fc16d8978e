package frontend

import (
	"context"
	"net/url"
	"sort"

	"greenroom.dev/greenroom/host/internal/frontend/ext"
	"greenroom.dev/greenroom/host/internal/frontend/ui"
)

// EntityAction is a day-2 action (a template with spec.targets) that applies to an
// entity: its card, and the form values the entity fills in.
type EntityAction struct {
	TemplateCard
	Values map[string]any
}

// recentActions is how many of an entity's tasks its Actions card lists.
const recentActions = 10

// FormPath is the template form's page with values filled in (p.<name> query values,
// as the form carries them from step to step).
func (a EntityAction) FormPath() string {
	q := url.Values{}
	names := make([]string, 0, len(a.Values))
	for n := range a.Values {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		q.Set("p."+n, formValue(a.Values[n]))
	}
	if len(q) == 0 {
		return a.path()
	}
	return a.path() + "?" + q.Encode()
}

// entityActionsCard is entity-card:scaffolder/actions: the day-2 actions that apply to
// the entity (each opening its template's form filled in from the entity), the
// templates whose spec.targets cannot be used, and the entity's latest tasks. With
// none of them it renders nothing.
func entityActionsCard(sc Scaffolder) ext.Extension {
	return trusted(EntityCard("entity-card:scaffolder/actions", "", func(context.Context, ext.FactoryInput) (ext.Element, error) {
		return element(func(ctx context.Context, rc *ext.RenderContext) (ui.Node, error) { return actionsCard(ctx, sc, rc) }), nil
	}))
}

func actionsCard(ctx context.Context, sc Scaffolder, rc *ext.RenderContext) (ui.Node, error) {
	e := rc.Entity
	if e == nil {
		return ui.Node{}, nil
	}
	ref := e.Ref()
	acts, problems, err := sc.ActionsFor(ctx, ref)
	if err != nil {
		return ui.Node{}, err
	}
	tasks, err := sc.TasksFor(ctx, ref, recentActions)
	if err != nil {
		return ui.Node{}, err
	}
	if len(acts) == 0 && len(problems) == 0 && len(tasks) == 0 {
		return ui.Node{}, nil
	}
	card := ui.Card("Actions")
	if len(acts) > 0 {
		rows := make([][]ui.Node, 0, len(acts))
		for _, a := range acts {
			rows = append(rows, []ui.Node{ui.Link(a.title(), a.FormPath()), ui.Text(a.Description),
				{Type: ui.TypeButton, Text: "Run " + a.title(), Href: a.FormPath()}})
		}
		card.Children = append(card.Children, ui.Node{Type: ui.TypeTable, Columns: []string{"Action", "Description", ""}, Rows: rows})
	}
	for _, p := range problems {
		card.Children = append(card.Children, ui.ErrorBox("A template is not offered", p))
	}
	if len(tasks) > 0 {
		rows := make([][]ui.Node, 0, len(tasks))
		for _, t := range tasks {
			name := t.TemplateTitle
			if name == "" {
				name = humanizeRef(t.TemplateRef, "template")
			}
			rows = append(rows, []ui.Node{ui.Link(name, "/create/tasks/"+url.PathEscape(t.ID)),
				ui.Badge(t.Status, statusTone(t.Status)), ui.Text(humanizeRef(t.CreatedBy, "user")), ui.Text(t.CreatedAt)})
		}
		card.Children = append(card.Children, ui.Node{Type: ui.TypeTable, Columns: []string{"Recent action", "Status", "By", "When"}, Rows: rows})
	}
	return card, nil
}
