package cli

import (
	"context"
	"encoding/json"
	"fmt"

	"greenroom.dev/greenroom/abi"
	"greenroom.dev/greenroom/host/internal/plugin"
	"greenroom.dev/greenroom/host/internal/scaffolder"
)

// syncActions puts the scaffolder actions the plugins' manifests declare into the
// scaffolder's registry (at start and on reload), and takes out those of plugins that
// are gone. An action id that a built-in or another plugin has is an error.
func (h *host) syncActions(plugins []*plugin.Plugin) error {
	if h.scaffolder == nil {
		return nil
	}
	reg := h.scaffolder.Actions()
	present := map[string]bool{}
	for _, p := range plugins {
		present[p.ID] = true
		acts := make([]*scaffolder.Action, 0, len(p.Manifest.Actions))
		for _, d := range p.Manifest.Actions {
			a, err := h.pluginAction(p.ID, d)
			if err != nil {
				return err
			}
			acts = append(acts, a)
		}
		if err := reg.SetPlugin(p.ID, acts); err != nil {
			return err
		}
	}
	for _, id := range reg.Plugins() {
		if !present[id] {
			_ = reg.SetPlugin(id, nil)
		}
	}
	return nil
}

func schemaMap(raw json.RawMessage) (map[string]any, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	var m map[string]any
	err := json.Unmarshal(raw, &m)
	return m, err
}

// pluginAction is one declared action: gr_action of the plugin id, looked up at each
// call, so that a reloaded plugin's new instances run it.
func (h *host) pluginAction(id string, d abi.Action) (*scaffolder.Action, error) {
	in, err := schemaMap(d.Schema.Input)
	if err != nil {
		return nil, fmt.Errorf("plugin %s: action %s: schema.input: %w", id, d.ID, err)
	}
	out, err := schemaMap(d.Schema.Output)
	if err != nil {
		return nil, fmt.Errorf("plugin %s: action %s: schema.output: %w", id, d.ID, err)
	}
	return &scaffolder.Action{ID: d.ID, Description: d.Description, Schema: scaffolder.ActionSchema{Input: in, Output: out},
		Handler: func(ctx context.Context, ac *scaffolder.ActionContext) error {
			var p *plugin.Plugin
			for _, x := range h.plugins.Plugins() {
				if x.ID == id {
					p = x
				}
			}
			if p == nil {
				return fmt.Errorf("plugin %s is not loaded", id)
			}
			req, err := json.Marshal(abi.ActionRequest{Action: d.ID, Input: ac.Input, TaskID: ac.TaskID,
				TemplateRef: ac.TemplateInfo.EntityRef, User: ac.User.Ref, DryRun: ac.DryRun})
			if err != nil {
				return err
			}
			b, err := p.Call(ctx, abi.ExportAction, req)
			if err != nil {
				return err
			}
			var res abi.ActionResult
			if err := json.Unmarshal(b, &res); err != nil {
				return fmt.Errorf("the plugin's %s output is not an action result: %w", abi.ExportAction, err)
			}
			for _, l := range res.Log {
				ac.Log("%s", l)
			}
			for k, v := range res.Output {
				ac.Output(k, v)
			}
			return nil
		}}, nil
}
