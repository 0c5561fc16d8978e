package cli

import (
	"context"
	"errors"
	"strings"

	"greenroom.dev/greenroom/host/internal/frontend"
	"greenroom.dev/greenroom/host/internal/scaffolder"
)

// createPages is the /create pages' view of the scaffolder.
type createPages struct{ s *scaffolder.Scaffolder }

func card(t *scaffolder.Template) frontend.TemplateCard {
	return frontend.TemplateCard{Namespace: t.Metadata.Namespace, Name: t.Metadata.Name, Title: t.Metadata.Title,
		Description: t.Metadata.Description, Owner: t.Spec.Owner, Type: t.Spec.Type, Tags: t.Metadata.Tags}
}

func (c createPages) Templates(ctx context.Context) ([]frontend.TemplateCard, error) {
	ts, err := c.s.Templates(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]frontend.TemplateCard, len(ts))
	for i, t := range ts {
		out[i] = card(t)
	}
	return out, nil
}

func (c createPages) Template(ctx context.Context, ref string) (*frontend.TemplateForm, error) {
	t, err := c.s.TemplateByRef(ctx, ref)
	var nf *scaffolder.NotFoundError
	if errors.As(err, &nf) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	sch, err := t.Schema()
	if err != nil {
		return nil, err
	}
	f := &frontend.TemplateForm{TemplateCard: card(t)}
	if _, err := t.Targets(); err != nil {
		f.Problem = err.Error()
	}
	for _, st := range sch.Steps {
		f.Steps = append(f.Steps, frontend.FormStep{Title: st.Title, Description: st.Description, Schema: st.Schema})
	}
	return f, nil
}

func (c createPages) CheckStep(ctx context.Context, ref string, step int, values map[string]any) (map[string]string, error) {
	t, err := c.s.TemplateByRef(ctx, ref)
	if err != nil {
		return nil, err
	}
	err = t.ValidateStep(step, values)
	var ve *scaffolder.ValidationError
	if err == nil {
		// A day-2 action's entity is checked with its step, so that a form never
		// reaches Create with an entity the template does not act on.
		param, err := c.s.CheckTargetStep(ctx, t, step, values)
		var ie *scaffolder.InputError
		var te *scaffolder.TargetsError
		switch {
		case errors.As(err, &te):
			return map[string]string{"": te.Error()}, nil
		case errors.As(err, &ie):
			return map[string]string{param: ie.Msg}, nil
		}
		return nil, err
	}
	if !errors.As(err, &ve) {
		return nil, err
	}
	out := map[string]string{}
	for _, fe := range ve.Errors {
		key := ""
		if len(fe.Path) > 0 {
			key = fe.Path[0]
		}
		if out[key] == "" {
			out[key] = fe.Message
		}
	}
	return out, nil
}

func (c createPages) Task(ctx context.Context, id string) (*frontend.TaskView, error) {
	if err := c.s.MayRead(ctx); err != nil {
		return nil, err
	}
	t, err := c.s.Get(id)
	var nf *scaffolder.NotFoundError
	if errors.As(err, &nf) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	evs, err := c.s.Events(id, 0)
	if err != nil {
		return nil, err
	}
	v := &frontend.TaskView{ID: t.ID, Status: t.Status, TemplateRef: t.Spec.TemplateInfo.EntityRef, CreatedBy: t.CreatedBy, CreatedAt: t.CreatedAt.Format("2006-01-02 15:04:05Z"), TargetRef: t.TargetRef}
	status := map[string]string{}
	for _, e := range evs {
		if e.Body.StepID != "" && e.Body.Status != "" {
			status[e.Body.StepID] = e.Body.Status
		}
		if e.Type == "completion" {
			if e.Body.Error != nil {
				v.Error = e.Body.Error.Message
			}
			links, _ := e.Body.Output["links"].([]any)
			for _, l := range links {
				m, _ := l.(map[string]any)
				title, _ := m["title"].(string)
				u, _ := m["url"].(string)
				ref, _ := m["entityRef"].(string)
				if u != "" || ref != "" {
					v.Links = append(v.Links, frontend.TaskLink{Title: title, URL: u, EntityRef: ref})
				}
			}
			texts, _ := e.Body.Output["text"].([]any)
			for _, x := range texts {
				m, _ := x.(map[string]any)
				title, _ := m["title"].(string)
				content, _ := m["content"].(string)
				v.Text = append(v.Text, frontend.TaskText{Title: title, Content: content})
			}
			continue
		}
		line := e.CreatedAt.Format("15:04:05") + " "
		if e.Body.StepID != "" {
			line += "[" + e.Body.StepID + "] "
		}
		v.Log = append(v.Log, line+strings.TrimRight(e.Body.Message, "\n"))
	}
	for _, st := range t.Spec.Steps {
		name := st.Name
		if name == "" {
			name = st.ID
		}
		v.Steps = append(v.Steps, frontend.TaskStep{ID: st.ID, Name: name, Status: status[st.ID]})
	}
	return v, nil
}

func (c createPages) Tasks(ctx context.Context, createdBy string) ([]frontend.TaskView, error) {
	if err := c.s.MayRead(ctx); err != nil {
		return nil, err
	}
	o := scaffolder.ListOptions{Order: "createdAt", Desc: true, Limit: 200}
	if createdBy != "" {
		o.CreatedBy = []string{createdBy}
	}
	ts, _, err := c.s.List(o)
	if err != nil {
		return nil, err
	}
	out := make([]frontend.TaskView, len(ts))
	for i, t := range ts {
		out[i] = frontend.TaskView{ID: t.ID, Status: t.Status, TemplateRef: t.Spec.TemplateInfo.EntityRef, CreatedBy: t.CreatedBy, CreatedAt: t.CreatedAt.Format("2006-01-02 15:04:05Z")}
	}
	return out, nil
}

func (c createPages) Actions(context.Context) ([]frontend.ActionInfo, error) {
	acts := c.s.Actions().List()
	out := make([]frontend.ActionInfo, len(acts))
	for i, a := range acts {
		out[i] = frontend.ActionInfo{ID: a.ID, Description: a.Description, Plugin: a.Plugin, Input: a.Schema.Input, Output: a.Schema.Output}
	}
	return out, nil
}

func (c createPages) ActionsFor(ctx context.Context, entityRef string) ([]frontend.EntityAction, []string, error) {
	acts, problems, err := c.s.ActionsFor(ctx, entityRef)
	if err != nil {
		return nil, nil, err
	}
	out := make([]frontend.EntityAction, len(acts))
	for i, a := range acts {
		out[i] = frontend.EntityAction{TemplateCard: card(a.Template), Values: a.Values}
	}
	msgs := make([]string, len(problems))
	for i, p := range problems {
		msgs[i] = p.Error()
	}
	return out, msgs, nil
}

func (c createPages) TasksFor(ctx context.Context, entityRef string, limit int) ([]frontend.TaskView, error) {
	if c.s.MayRead(ctx) != nil {
		return nil, nil
	}
	ts, _, err := c.s.List(scaffolder.ListOptions{TargetRef: entityRef, Order: "createdAt", Desc: true, Limit: limit})
	if err != nil {
		return nil, err
	}
	out := make([]frontend.TaskView, len(ts))
	for i, t := range ts {
		md, _ := t.Spec.TemplateInfo.Entity["metadata"].(map[string]any)
		title, _ := md["title"].(string)
		out[i] = frontend.TaskView{ID: t.ID, Status: t.Status, TemplateRef: t.Spec.TemplateInfo.EntityRef, CreatedBy: t.CreatedBy,
			CreatedAt: t.CreatedAt.Format("2006-01-02 15:04:05Z"), TargetRef: t.TargetRef, TemplateTitle: title}
	}
	return out, nil
}
