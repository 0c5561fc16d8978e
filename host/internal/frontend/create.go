package frontend

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"greenroom.dev/greenroom/host/internal/frontend/ext"
	"greenroom.dev/greenroom/host/internal/frontend/ui"
	"greenroom.dev/greenroom/host/internal/identity"
)

// CreateTaskAction is the host route the template form's Create button posts to (the
// form fields templateRef and values, JSON); it answers with a redirect to the task's
// page.
const CreateTaskAction = "/api/app/scaffolder/tasks"

// CancelTaskAction is the host route the task page's Cancel button posts to (the form
// field taskId); it answers with a redirect to the task's page.
const CancelTaskAction = "/api/app/scaffolder/cancel"

// Scaffolder is what the /create pages need of the scaffolder, for the caller in ctx.
type Scaffolder interface {
	// Templates lists the templates the caller may read.
	Templates(ctx context.Context) ([]TemplateCard, error)
	// Template returns a template's form, or nil when the caller may read none of that
	// ref.
	Template(ctx context.Context, ref string) (*TemplateForm, error)
	// CheckStep checks values against one form step's schema and returns the errors by
	// property name ("" for the step as a whole).
	CheckStep(ctx context.Context, ref string, step int, values map[string]any) (map[string]string, error)
	// Task returns a task as its page shows it, or nil when there is none.
	Task(ctx context.Context, id string) (*TaskView, error)
	// Tasks lists the tasks the caller may read, newest first (without their logs);
	// with createdBy, only that user's.
	Tasks(ctx context.Context, createdBy string) ([]TaskView, error)
	// Actions lists the actions templates may use, built-in and from plugins.
	Actions(ctx context.Context) ([]ActionInfo, error)
	// ActionsFor lists the day-2 actions (templates with spec.targets) that apply to the
	// entity entityRef names and that the caller may run, with the values the entity
	// fills in; and, as messages, the templates whose spec.targets cannot be used.
	ActionsFor(ctx context.Context, entityRef string) ([]EntityAction, []string, error)
	// TasksFor lists the latest tasks that acted on the entity, newest first (at most
	// limit; none when the caller may not read tasks).
	TasksFor(ctx context.Context, entityRef string, limit int) ([]TaskView, error)
}

// ActionInfo is an action as the actions page shows it.
type ActionInfo struct {
	ID, Description, Plugin string
	// Input and Output are JSON Schemas.
	Input, Output map[string]any
}

// TemplateCard is a template as the list shows it.
type TemplateCard struct {
	Namespace, Name, Title, Description, Owner, Type string
	Tags                                             []string
}

// TemplateForm is a template's form: its card and its steps' JSON Schemas.
type TemplateForm struct {
	TemplateCard
	Steps []FormStep
	// Problem says why a task of the template cannot be created (its spec.targets
	// cannot be used), or is "".
	Problem string
}

// FormStep is one step of a template's form.
type FormStep struct {
	Title, Description string
	Schema             map[string]any
}

// TaskView is a task as its page shows it.
type TaskView struct {
	ID, Status, TemplateRef, CreatedBy, CreatedAt string
	Steps                                         []TaskStep
	Log                                           []string
	Links                                         []TaskLink
	Text                                          []TaskText
	Error                                         string

	// TargetRef is the entity a day-2 action acted on; TemplateTitle is its template's
	// title, when it has one.
	TargetRef, TemplateTitle string
}

// TaskStep is one step of a task and its status.
type TaskStep struct{ ID, Name, Status string }

// TaskLink is an output link: a URL or an entity ref.
type TaskLink struct{ Title, URL, EntityRef string }

// TaskText is an output text (Markdown).
type TaskText struct{ Title, Content string }

func (t TemplateCard) path() string {
	return "/create/templates/" + url.PathEscape(t.Namespace) + "/" + url.PathEscape(t.Name)
}

func (t TemplateCard) title() string {
	if t.Title != "" {
		return t.Title
	}
	return t.Name
}

// createPages are the scaffolder's pages: /create (the templates, filtered by tag
// and owner), /create/templates/:namespace/:name (a template's form, one step at a
// time, then a review with the Create button) and /create/tasks/:id (a task's steps,
// log and output). They work without script: every step is a GET form that carries
// the earlier steps' values in hidden fields. Without a scaffolder there are none.
func createPages(opts Options) []ext.Extension {
	sc := opts.Scaffolder
	if sc == nil {
		return nil
	}
	list := Page("page:scaffolder", "/create", func(context.Context, ext.FactoryInput) (ext.Element, error) {
		return element(func(ctx context.Context, rc *ext.RenderContext) (ui.Node, error) { return templateList(ctx, sc, rc) }), nil
	})
	list.ConfigSchema = nil
	form := Page("page:scaffolder/template", "/create/templates/:namespace/:name", func(context.Context, ext.FactoryInput) (ext.Element, error) {
		return element(func(ctx context.Context, rc *ext.RenderContext) (ui.Node, error) {
			return templatePage(ctx, sc, opts.Catalog, rc)
		}), nil
	})
	form.ConfigSchema = nil
	task := Page("page:scaffolder/task", "/create/tasks/:id", func(context.Context, ext.FactoryInput) (ext.Element, error) {
		return element(func(ctx context.Context, rc *ext.RenderContext) (ui.Node, error) { return taskPage(ctx, sc, rc) }), nil
	})
	task.ConfigSchema = nil
	tasks := Page("page:scaffolder/tasks", "/create/tasks", func(context.Context, ext.FactoryInput) (ext.Element, error) {
		return element(func(ctx context.Context, rc *ext.RenderContext) (ui.Node, error) { return taskList(ctx, sc, rc) }), nil
	})
	tasks.ConfigSchema = nil
	actions := Page("page:scaffolder/actions", "/create/actions", func(context.Context, ext.FactoryInput) (ext.Element, error) {
		return element(func(ctx context.Context, _ *ext.RenderContext) (ui.Node, error) { return actionList(ctx, sc) }), nil
	})
	actions.ConfigSchema = nil
	return []ext.Extension{trusted(list), trusted(form), trusted(task), trusted(tasks), trusted(actions), NavItem("nav-item:create", "Create", "/create"),
		entityActionsCard(sc)}
}

func templateList(ctx context.Context, sc Scaffolder, rc *ext.RenderContext) (ui.Node, error) {
	all, err := sc.Templates(ctx)
	if err != nil {
		return ui.Node{}, err
	}
	tag, owner := rc.Query.Get("tag"), rc.Query.Get("owner")
	tags, owners := map[string]bool{}, map[string]bool{}
	var shown []TemplateCard
	for _, t := range all {
		for _, tg := range t.Tags {
			tags[tg] = true
		}
		if t.Owner != "" {
			owners[t.Owner] = true
		}
		if tag != "" && !contains(t.Tags, tag) || owner != "" && t.Owner != owner {
			continue
		}
		shown = append(shown, t)
	}
	options := func(m map[string]bool, any string) []ui.Option {
		out := []ui.Option{{Value: "", Label: any}}
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			out = append(out, ui.Option{Value: k, Label: k})
		}
		return out
	}
	filters := ui.Node{Type: ui.TypeForm, Action: "/create", Submit: "Filter", Fields: []ui.Field{
		{Name: "tag", Label: "Tag", Kind: ui.FieldSelect, Value: tag, Options: options(tags, "All tags")},
		{Name: "owner", Label: "Owner", Kind: ui.FieldSelect, Value: owner, Options: options(owners, "All owners")},
	}}
	page := ui.Node{Type: ui.TypePage, Title: "Create a new component", Subtitle: "Create new software components using standard templates in your organization", Children: []ui.Node{
		{Type: ui.TypeGroup, Children: []ui.Node{ui.Link("Task list", "/create/tasks"), ui.Link("Installed actions", "/create/actions")}},
		filters}}
	if len(shown) == 0 {
		page.Children = append(page.Children, ui.Node{Type: ui.TypeEmpty, Title: "No templates found", Text: "Add Template entities (scaffolder.backstage.io/v1beta3) to the catalog, or change the filters."})
		return page, nil
	}
	grid := ui.Node{Type: ui.TypeGrid}
	for _, t := range shown {
		card := ui.Node{Type: ui.TypeCard, Title: t.title(), Href: t.path()}
		if t.Description != "" {
			card.Children = append(card.Children, ui.Text(t.Description))
		}
		var badges []ui.Node
		if t.Type != "" {
			badges = append(badges, ui.Badge(t.Type, ui.ToneInfo))
		}
		for _, tg := range t.Tags {
			badges = append(badges, ui.Badge(tg, ui.ToneNeutral))
		}
		if len(badges) > 0 {
			card.Children = append(card.Children, ui.Node{Type: ui.TypeGroup, Children: badges})
		}
		if t.Owner != "" {
			card.Children = append(card.Children, ui.Node{Type: ui.TypeKV, Pairs: []ui.Pair{{Key: "Owner", Value: ui.Text(t.Owner)}}})
		}
		card.Children = append(card.Children, ui.Node{Type: ui.TypeButton, Text: "Choose", Href: t.path()})
		grid.Children = append(grid.Children, card)
	}
	page.Children = append(page.Children, grid)
	return page, nil
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// field is one property of a form step, as the form shows it.
type field struct {
	name   string
	schema map[string]any
}

// properties are the fields of a step: its properties, then those that its
// dependencies add for the values given so far (a oneOf branch whose enum holds the
// value, or a schema dependency), as react-jsonschema-form shows them.
func properties(schema map[string]any, vals ...map[string]any) []field {
	out := ownProperties(schema)
	seen := map[string]bool{}
	for _, f := range out {
		seen[f.name] = true
	}
	deps, _ := schema["dependencies"].(map[string]any)
	names := make([]string, 0, len(deps))
	for n := range deps {
		names = append(names, n)
	}
	sort.Strings(names)
	var v map[string]any
	if len(vals) > 0 {
		v = vals[0]
	}
	for _, n := range names {
		dep, ok := deps[n].(map[string]any)
		if !ok {
			continue // a list of required names adds no field
		}
		branches := []map[string]any{dep}
		if one, ok := dep["oneOf"].([]any); ok {
			branches = nil
			for _, b := range one {
				bm, _ := b.(map[string]any)
				bp, _ := bm["properties"].(map[string]any)
				cond, _ := bp[n].(map[string]any)
				// Without values (reading the query), every branch's fields count.
				if enum, ok := cond["enum"].([]any); ok && v != nil && !containsValue(enum, v[n]) {
					continue
				}
				branches = append(branches, bm)
			}
		} else if v != nil && v[n] == nil {
			continue
		}
		for _, b := range branches {
			for _, f := range ownProperties(b) {
				if !seen[f.name] {
					seen[f.name] = true
					out = append(out, f)
				}
			}
		}
	}
	return out
}

func containsValue(l []any, v any) bool {
	for _, x := range l {
		if formValue(x) == formValue(v) {
			return true
		}
	}
	return false
}

func ownProperties(schema map[string]any) []field {
	props, _ := schema["properties"].(map[string]any)
	order, _ := schema["ui:order"].([]any)
	var out []field
	seen := map[string]bool{}
	for _, o := range order {
		if n, ok := o.(string); ok && props[n] != nil {
			p, _ := props[n].(map[string]any)
			out = append(out, field{n, p})
			seen[n] = true
		}
	}
	var rest []string
	for n := range props {
		if !seen[n] {
			rest = append(rest, n)
		}
	}
	// JSON objects lose their order on the way here; keep required fields first.
	req := map[string]bool{}
	if r, ok := schema["required"].([]any); ok {
		for _, x := range r {
			if s, ok := x.(string); ok {
				req[s] = true
			}
		}
	}
	sort.Slice(rest, func(i, j int) bool {
		if req[rest[i]] != req[rest[j]] {
			return req[rest[i]]
		}
		return rest[i] < rest[j]
	})
	for _, n := range rest {
		p, _ := props[n].(map[string]any)
		out = append(out, field{n, p})
	}
	return out
}

// strField is m[k] when it is a string, else "".
func strField(m map[string]any, k string) string {
	s, _ := m[k].(string)
	return s
}

// formValue is a value as text, as a form field holds it and a table cell shows it:
// scalars as they are, lists joined by commas, objects as JSON.
func formValue(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case []any:
		parts := make([]string, len(x))
		for i, it := range x {
			parts[i] = formValue(it)
		}
		return strings.Join(parts, ", ")
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// parseValue reads a form field's text as the JSON type its schema names; "" is no
// value.
func parseValue(s string, schema map[string]any) (any, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, false
	}
	switch schema["type"] {
	case "number", "integer":
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return f, true
		}
	case "boolean":
		return s == "true", true
	case "array":
		var out []any
		for _, p := range strings.Split(s, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
		return out, true
	case "object":
		var m map[string]any
		if json.Unmarshal([]byte(s), &m) == nil {
			return m, true
		}
	}
	return s, true
}

// values reads the template's values from the query (p.<name>), with each step's
// schema defaults for what the query does not hold.
func values(q url.Values, steps []FormStep) map[string]any {
	out := map[string]any{}
	for _, st := range steps {
		for _, f := range properties(st.Schema) {
			raw, ok := q["p."+f.name]
			if !ok {
				if d, ok := f.schema["default"]; ok {
					out[f.name] = d
				}
				continue
			}
			if f.schema["ui:field"] == "RepoUrlPicker" {
				if v := repoURL(q, f.name); v != "" {
					out[f.name] = v
				}
				continue
			}
			if v, ok := parseValue(raw[0], f.schema); ok {
				out[f.name] = v
			}
		}
	}
	return out
}

// repoURL joins RepoUrlPicker's fields into host?owner=o&repo=r.
func repoURL(q url.Values, name string) string {
	host, owner, repo := q.Get("p."+name), q.Get("p."+name+".owner"), q.Get("p."+name+".repo")
	if i := strings.IndexByte(host, '?'); i >= 0 {
		return host // already joined (carried from an earlier step)
	}
	if host == "" || repo == "" {
		return ""
	}
	v := url.Values{}
	if owner != "" {
		v.Set("owner", owner)
	}
	v.Set("repo", repo)
	return host + "?" + v.Encode()
}

func templatePage(ctx context.Context, sc Scaffolder, cat CatalogSource, rc *ext.RenderContext) (ui.Node, error) {
	ns, name := rc.Params["namespace"], rc.Params["name"]
	ref := "template:" + ns + "/" + name
	t, err := sc.Template(ctx, ref)
	if err != nil {
		return ui.Node{}, err
	}
	if t == nil {
		rc.SetStatus(404)
		return ui.Node{Type: ui.TypePage, Title: "Template not found", Children: []ui.Node{{Type: ui.TypeEmpty, Title: "There is no template " + ref, Children: []ui.Node{ui.Link("All templates", "/create")}}}}, nil
	}
	q := rc.Query
	vals := values(q, t.Steps)
	at, _ := strconv.Atoi(q.Get("at"))
	errs := map[string]string{}
	if s := q.Get("submitted"); s != "" {
		n, _ := strconv.Atoi(s)
		if n >= 0 && n < len(t.Steps) {
			errs, err = sc.CheckStep(ctx, ref, n, vals)
			if err != nil {
				return ui.Node{}, err
			}
			at = n
			if len(errs) == 0 {
				at = n + 1
			}
		}
	}
	if at < 0 || at > len(t.Steps) {
		at = 0
	}
	page := ui.Node{Type: ui.TypePage, Title: t.title(), Subtitle: t.Description}
	if t.Problem != "" {
		page.Children = append(page.Children, ui.ErrorBox("This template cannot run", t.Problem))
	}
	var crumbs []ui.Node
	for i, st := range t.Steps {
		title := st.Title
		if title == "" {
			title = fmt.Sprintf("Step %d", i+1)
		}
		tone := ui.ToneNeutral
		if i == at {
			tone = ui.ToneInfo
		} else if i < at {
			tone = ui.ToneSuccess
		}
		crumbs = append(crumbs, ui.Badge(fmt.Sprintf("%d. %s", i+1, title), tone))
	}
	reviewTone := ui.ToneNeutral
	if at == len(t.Steps) {
		reviewTone = ui.ToneInfo
	}
	crumbs = append(crumbs, ui.Badge(fmt.Sprintf("%d. Review", len(t.Steps)+1), reviewTone))
	page.Children = append(page.Children, ui.Node{Type: ui.TypeGroup, Children: crumbs})
	if at == len(t.Steps) {
		page.Children = append(page.Children, review(t, vals, q, ref))
		return page, nil
	}
	st := t.Steps[at]
	if msg := errs[""]; msg != "" {
		page.Children = append(page.Children, ui.Node{Type: ui.TypeError, Title: "Check the values", Text: msg})
	}
	form := ui.Node{Type: ui.TypeForm, Action: t.path(), Submit: "Next"}
	// The other steps' values travel along as hidden fields.
	for i, other := range t.Steps {
		if i == at {
			continue
		}
		for _, f := range properties(other.Schema, vals) {
			if v, ok := vals[f.name]; ok {
				form.Fields = append(form.Fields, ui.Field{Name: "p." + f.name, Kind: ui.FieldHidden, Value: formValue(v)})
			}
		}
	}
	form.Fields = append(form.Fields, ui.Field{Name: "submitted", Kind: ui.FieldHidden, Value: strconv.Itoa(at)})
	required := map[string]bool{}
	if r, ok := st.Schema["required"].([]any); ok {
		for _, x := range r {
			if s, ok := x.(string); ok {
				required[s] = true
			}
		}
	}
	for _, f := range properties(st.Schema, vals) {
		form.Fields = append(form.Fields, inputs(ctx, cat, f, vals[f.name], required[f.name], errs[f.name], q)...)
	}
	card := ui.Node{Type: ui.TypeCard, Title: st.Title}
	if st.Description != "" {
		card.Children = append(card.Children, ui.Text(st.Description))
	}
	card.Children = append(card.Children, form)
	if at > 0 {
		back := url.Values{}
		for k, v := range q {
			if strings.HasPrefix(k, "p.") {
				back[k] = v
			}
		}
		back.Set("at", strconv.Itoa(at-1))
		card.Children = append(card.Children, ui.Link("Back", t.path()+"?"+back.Encode()))
	}
	page.Children = append(page.Children, card)
	return page, nil
}

// inputs are the form fields of one property.
func inputs(ctx context.Context, cat CatalogSource, f field, v any, required bool, errMsg string, q url.Values) []ui.Field {
	label := strField(f.schema, "title")
	if label == "" {
		label = f.name
	}
	if required {
		label += " *"
	}
	in := ui.Field{Name: "p." + f.name, Label: label, Kind: ui.FieldText, Value: formValue(v), Error: errMsg}
	in.Help = strField(f.schema, "description")
	if h := strField(f.schema, "ui:help"); h != "" {
		in.Help = h
	}
	opts, _ := f.schema["ui:options"].(map[string]any)
	switch {
	case f.schema["enum"] != nil:
		in.Kind = ui.FieldSelect
		in.Options = []ui.Option{{Value: "", Label: "—"}}
		names, _ := f.schema["enum:names"].([]any)
		for i, e := range f.schema["enum"].([]any) {
			lbl := formValue(e)
			if i < len(names) {
				lbl = formValue(names[i])
			}
			in.Options = append(in.Options, ui.Option{Value: formValue(e), Label: lbl})
		}
	case f.schema["type"] == "boolean":
		in.Kind = ui.FieldSelect
		in.Options = []ui.Option{{Value: "false", Label: "No"}, {Value: "true", Label: "Yes"}}
		if in.Value == "" {
			in.Value = "false"
		}
	case f.schema["type"] == "array":
		if in.Help == "" {
			in.Help = "Separate the values with commas."
		}
	case f.schema["ui:field"] == "OwnerPicker" || f.schema["ui:field"] == "EntityPicker":
		kinds := pickerKinds(f.schema["ui:field"].(string), opts)
		if choices := entityChoices(ctx, cat, kinds); len(choices) > 0 {
			in.Kind = ui.FieldSelect
			in.Options = append([]ui.Option{{Value: "", Label: "—"}}, choices...)
		}
	case f.schema["ui:field"] == "RepoUrlPicker":
		return repoInputs(f, label, q, errMsg, opts)
	}
	if ph := strField(opts, "placeholder"); ph != "" {
		in.Placeholder = ph
	}
	return []ui.Field{in}
}

// pickerKinds are the kinds an OwnerPicker or EntityPicker offers (its
// catalogFilter's kind, or allowedKinds).
func pickerKinds(picker string, opts map[string]any) []string {
	var kinds []string
	add := func(v any) {
		switch x := v.(type) {
		case string:
			kinds = append(kinds, x)
		case []any:
			for _, k := range x {
				if s, ok := k.(string); ok {
					kinds = append(kinds, s)
				}
			}
		}
	}
	switch cf := opts["catalogFilter"].(type) {
	case map[string]any:
		add(cf["kind"])
	case []any:
		for _, c := range cf {
			if m, ok := c.(map[string]any); ok {
				add(m["kind"])
			}
		}
	}
	add(opts["allowedKinds"])
	if len(kinds) == 0 && picker == "OwnerPicker" {
		kinds = []string{"Group", "User"}
	}
	return kinds
}

// entityChoices are the entities of kinds the caller may read, as compact refs.
func entityChoices(ctx context.Context, cat CatalogSource, kinds []string) []ui.Option {
	if cat == nil || len(kinds) == 0 {
		return nil
	}
	var out []ui.Option
	for _, k := range kinds {
		page, err := cat.QueryEntities(ctx, EntityQuery{Kind: k, Limit: 500})
		if err != nil {
			continue
		}
		for _, e := range page.Items {
			ref := strings.ToLower(e.Kind) + ":" + e.NamespaceOrDefault() + "/" + e.Metadata.Name
			lbl := humanize(e.Kind, e.NamespaceOrDefault(), e.Metadata.Name, "")
			if e.Metadata.Title != "" {
				lbl = e.Metadata.Title + " (" + lbl + ")"
			}
			out = append(out, ui.Option{Value: ref, Label: lbl})
		}
	}
	return out
}

// repoInputs are RepoUrlPicker's fields: host (a choice of allowedHosts), owner and
// repository.
func repoInputs(f field, label string, q url.Values, errMsg string, opts map[string]any) []ui.Field {
	host := ui.Field{Name: "p." + f.name, Label: label + ": host", Kind: ui.FieldText, Value: q.Get("p." + f.name), Placeholder: "github.com", Error: errMsg}
	owner, repo := q.Get("p."+f.name+".owner"), q.Get("p."+f.name+".repo")
	if joined := host.Value; strings.Contains(joined, "?") {
		if u, err := url.Parse("https://" + joined); err == nil {
			host.Value, owner, repo = u.Host, u.Query().Get("owner"), u.Query().Get("repo")
		}
	}
	if hosts, ok := opts["allowedHosts"].([]any); ok && len(hosts) > 0 {
		host.Kind = ui.FieldSelect
		for _, h := range hosts {
			host.Options = append(host.Options, ui.Option{Value: formValue(h), Label: formValue(h)})
		}
	}
	return []ui.Field{host,
		{Name: "p." + f.name + ".owner", Label: "Owner", Kind: ui.FieldText, Value: owner},
		{Name: "p." + f.name + ".repo", Label: "Repository", Kind: ui.FieldText, Value: repo},
	}
}

func review(t *TemplateForm, vals map[string]any, q url.Values, ref string) ui.Node {
	var pairs []ui.Pair
	for _, st := range t.Steps {
		for _, f := range properties(st.Schema, vals) {
			v, ok := vals[f.name]
			if !ok {
				continue
			}
			label := strField(f.schema, "title")
			if label == "" {
				label = f.name
			}
			shown := formValue(v)
			if f.schema["ui:field"] == "Secret" || f.schema["ui:widget"] == "password" {
				shown = "******"
			}
			pairs = append(pairs, ui.Pair{Key: label, Value: ui.Text(shown)})
		}
	}
	js, _ := json.Marshal(vals)
	back := url.Values{}
	for k, v := range q {
		if strings.HasPrefix(k, "p.") {
			back[k] = v
		}
	}
	back.Set("at", strconv.Itoa(len(t.Steps)-1))
	return ui.Node{Type: ui.TypeCard, Title: "Review and create", Children: []ui.Node{
		{Type: ui.TypeKV, Pairs: pairs},
		ui.Action("Create", CreateTaskAction, "templateRef", ref, "values", string(js)),
		ui.Link("Back", t.path()+"?"+back.Encode()),
	}}
}

func statusTone(s string) string {
	switch s {
	case "completed":
		return ui.ToneSuccess
	case "failed":
		return ui.ToneDanger
	case "cancelled", "skipped":
		return ui.ToneWarning
	case "processing":
		return ui.ToneInfo
	}
	return ui.ToneNeutral
}

func taskPage(ctx context.Context, sc Scaffolder, rc *ext.RenderContext) (ui.Node, error) {
	t, err := sc.Task(ctx, rc.Params["id"])
	if err != nil {
		return ui.Node{}, err
	}
	if t == nil {
		rc.SetStatus(404)
		return ui.Node{Type: ui.TypePage, Title: "Task not found", Children: []ui.Node{{Type: ui.TypeEmpty, Title: "There is no task " + rc.Params["id"], Children: []ui.Node{ui.Link("All templates", "/create")}}}}, nil
	}
	page := ui.Node{Type: ui.TypePage, Title: "Run of " + humanizeRef(t.TemplateRef, "template"), Subtitle: "Task " + t.ID}
	head := []ui.Node{ui.Badge(t.Status, statusTone(t.Status))}
	done := t.Status == "completed" || t.Status == "failed" || t.Status == "cancelled"
	if !done {
		// Live: the host's script reloads the page until the task is done; Refresh does
		// the same by hand without script.
		head = append(head, ui.Node{Type: ui.TypeButton, Text: "Refresh", Href: "/create/tasks/" + url.PathEscape(t.ID)},
			ui.Action("Cancel", CancelTaskAction, "taskId", t.ID), ui.Live(2))
	}
	page.Children = append(page.Children, ui.Node{Type: ui.TypeGroup, Children: head})
	if t.TargetRef != "" {
		k, ns, n := parseEntityRef(t.TargetRef, "component", "default")
		page.Children = append(page.Children, ui.Node{Type: ui.TypeKV, Pairs: []ui.Pair{{Key: "Acted on", Value: ui.Link(t.TargetRef, EntityPath(ns, k, n))}}})
	}
	if t.Error != "" {
		page.Children = append(page.Children, ui.Node{Type: ui.TypeError, Title: "The task failed", Text: t.Error})
	}
	rows := make([][]ui.Node, 0, len(t.Steps))
	for _, st := range t.Steps {
		status := st.Status
		if status == "" {
			status = "open"
		}
		rows = append(rows, []ui.Node{ui.Text(st.Name), ui.Badge(status, statusTone(status))})
	}
	page.Children = append(page.Children, ui.Node{Type: ui.TypeCard, Title: "Steps", Children: []ui.Node{{Type: ui.TypeTable, Columns: []string{"Step", "Status"}, Rows: rows}}})
	if len(t.Links) > 0 || len(t.Text) > 0 {
		out := ui.Node{Type: ui.TypeCard, Title: "Output"}
		for _, l := range t.Links {
			href := l.URL
			if l.EntityRef != "" {
				k, ns, n := parseEntityRef(l.EntityRef, "component", "default")
				href = EntityPath(ns, k, n)
			}
			if href != "" {
				out.Children = append(out.Children, ui.Node{Type: ui.TypeButton, Text: l.Title, Href: href})
			}
		}
		for _, x := range t.Text {
			out.Children = append(out.Children, ui.Node{Type: ui.TypeCard, Title: x.Title, Children: []ui.Node{{Type: ui.TypeMarkdown, Text: x.Content}}})
		}
		page.Children = append(page.Children, out)
	}
	page.Children = append(page.Children, ui.Node{Type: ui.TypeCard, Title: "Log", Children: []ui.Node{{Type: ui.TypeCode, Text: strings.Join(t.Log, "\n")}}})
	return page, nil
}

func taskList(ctx context.Context, sc Scaffolder, rc *ext.RenderContext) (ui.Node, error) {
	owner := rc.Query.Get("owner")
	createdBy := ""
	if owner != "all" {
		createdBy = identity.From(ctx).UserEntityRef
	}
	tasks, err := sc.Tasks(ctx, createdBy)
	if err != nil {
		return ui.Node{}, err
	}
	page := ui.Node{Type: ui.TypePage, Title: "Task list", Subtitle: "The templates run in this portal", Children: []ui.Node{
		{Type: ui.TypeForm, Action: "/create/tasks", Submit: "Show", Fields: []ui.Field{{Name: "owner", Label: "Tasks", Kind: ui.FieldSelect, Value: owner,
			Options: []ui.Option{{Value: "", Label: "Owned"}, {Value: "all", Label: "All"}}}}},
	}}
	if len(tasks) == 0 {
		page.Children = append(page.Children, ui.Node{Type: ui.TypeEmpty, Title: "No tasks", Children: []ui.Node{ui.Link("Create something", "/create")}})
		return page, nil
	}
	rows := make([][]ui.Node, 0, len(tasks))
	for _, t := range tasks {
		rows = append(rows, []ui.Node{ui.Link(t.ID, "/create/tasks/"+url.PathEscape(t.ID)), ui.Text(humanizeRef(t.TemplateRef, "template")),
			ui.Text(t.CreatedAt), ui.Text(t.CreatedBy), ui.Badge(t.Status, statusTone(t.Status))})
	}
	page.Children = append(page.Children, ui.Node{Type: ui.TypeTable, Columns: []string{"Task", "Template", "Created", "Owner", "Status"}, Rows: rows})
	return page, nil
}

func actionList(ctx context.Context, sc Scaffolder) (ui.Node, error) {
	acts, err := sc.Actions(ctx)
	if err != nil {
		return ui.Node{}, err
	}
	page := ui.Node{Type: ui.TypePage, Title: "Installed actions", Subtitle: "The actions a template's steps can run"}
	for _, a := range acts {
		card := ui.Node{Type: ui.TypeCard, Title: a.ID}
		if a.Description != "" {
			card.Children = append(card.Children, ui.Text(a.Description))
		}
		if a.Plugin != "" {
			card.Children = append(card.Children, ui.Node{Type: ui.TypeGroup, Children: []ui.Node{ui.Badge("plugin "+a.Plugin, ui.ToneInfo)}})
		}
		for _, sch := range []struct {
			title string
			s     map[string]any
		}{{"Input", a.Input}, {"Output", a.Output}} {
			props, _ := sch.s["properties"].(map[string]any)
			if len(props) == 0 {
				continue
			}
			req := map[string]bool{}
			if r, ok := sch.s["required"].([]any); ok {
				for _, x := range r {
					if n, ok := x.(string); ok {
						req[n] = true
					}
				}
			}
			names := make([]string, 0, len(props))
			for n := range props {
				names = append(names, n)
			}
			sort.Strings(names)
			rows := make([][]ui.Node, 0, len(names))
			for _, n := range names {
				p, _ := props[n].(map[string]any)
				name := n
				if req[n] {
					name += " *"
				}
				rows = append(rows, []ui.Node{ui.Text(name), ui.Text(strField(p, "title")), ui.Text(formValue(p["type"]))})
			}
			card.Children = append(card.Children, ui.Node{Type: ui.TypeTable, Columns: []string{sch.title, "Title", "Type"}, Rows: rows})
		}
		page.Children = append(page.Children, card)
	}
	return page, nil
}
