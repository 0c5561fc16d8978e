package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"greenroom.dev/greenroom/host/internal/catalog"
	"greenroom.dev/greenroom/host/internal/config"
	"greenroom.dev/greenroom/host/internal/identity"
	"greenroom.dev/greenroom/host/internal/permission"
	"greenroom.dev/greenroom/host/internal/scaffolder"
	"greenroom.dev/greenroom/host/internal/store/pgstore"
	"greenroom.dev/greenroom/host/internal/urlreader"
	"greenroom.dev/greenroom/host/internal/urlreader/githubreader"
)

// startScaffolder opens the scaffolder over its bucket of the store and fails the tasks
// a crash cut short. Its workers start after the plugins (startScaffolderWorkers), whose
// actions a queued task may need, and stop before them.
func (h *host) startScaffolder(ctx context.Context) (err error) {
	lim, err := h.cfg.Backend.Reading.Limits()
	if err != nil {
		return asUsage(err)
	}
	// publish:github creates repositories through integrations.github.
	repos, err := githubreader.NewRepos(h.cfg.Integrations.GitHub, lim, urlreader.Options{Logger: h.log})
	if err != nil {
		return asUsage(err)
	}
	o := scaffolder.Options{
		Config: h.cfg.Scaffolder, Store: h.file.StateBucket("scaffolder"),
		Catalog: scaffolderCatalog{h}, URLs: h.readers, Logger: h.log,
		HostKnown: repoHosts(h.cfg), GitHub: repos, Decide: h.permissions.Decide,
	}
	if db, ok := h.file.(*pgstore.DB); ok {
		o.Replicas = db // tasks are claimed across the replicas on the database
	}
	h.scaffolder, err = scaffolder.New(o)
	return err
}

// startScaffolderWorkers starts the scaffolder's workers (scaffolder.concurrentTasksLimit).
func (h *host) startScaffolderWorkers(ctx context.Context) error { return h.scaffolder.Start(ctx) }

func (h *host) stopScaffolder(ctx context.Context) error { return h.scaffolder.Stop(ctx) }

// repoHosts are the hosts parseRepoUrl accepts: github.com, gitlab.com, the hosts of
// integrations and those backend.reading.allow names exactly.
func repoHosts(cfg *config.Config) func(string) bool {
	known := map[string]bool{"github.com": true, "gitlab.com": true}
	for _, g := range cfg.Integrations.GitHub {
		known[g.Host] = true
	}
	for _, g := range cfg.Integrations.GitLab {
		known[g.Host] = true
	}
	for _, a := range cfg.Backend.Reading.Allow {
		known[a.Host] = true
	}
	return func(host string) bool { return known[host] }
}

// scaffolderCatalog is the scaffolder's view of the catalog: for the caller in ctx (a
// task's creator while it runs), under the permission policy.
type scaffolderCatalog struct{ h *host }

func (c scaffolderCatalog) view(ctx context.Context) (catalog.View, error) {
	d := permission.Decision{Result: permission.Allow}
	if c.h.permissions != nil {
		d = c.h.permissions.Decide(identity.From(ctx), permission.CatalogEntityRead)
	}
	x, err := catalog.DecisionExpr(d)
	if err != nil {
		return catalog.View{}, fmt.Errorf("catalog: the read decision cannot be applied: %w", err)
	}
	return c.h.catalog.Within(x), nil
}

func (c scaffolderCatalog) Entity(ctx context.Context, ref string) (map[string]any, error) {
	v, err := c.view(ctx)
	if err != nil {
		return nil, err
	}
	b := v.ByRef(ref)
	if b == nil {
		return nil, nil
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	return m, nil
}

func (c scaffolderCatalog) Templates(ctx context.Context) ([]json.RawMessage, error) {
	v, err := c.view(ctx)
	if err != nil {
		return nil, err
	}
	res, err := v.QueryEntities(catalog.PluginQuery{Filter: []string{"kind=template"}, Limit: 1000}, nil)
	if err != nil {
		return nil, err
	}
	return res.Items, nil
}

// Register adds a url location (catalog:register) if the caller may create locations,
// and returns the refs of its entities.
func (c scaffolderCatalog) Register(ctx context.Context, target string) ([]string, error) {
	if c.h.permissions != nil {
		if d := c.h.permissions.Decide(identity.From(ctx), permission.CatalogLocationCreate); d.Result != permission.Allow {
			return nil, fmt.Errorf("%s may not register a location (permission %s)", identity.From(ctx).Name(), permission.CatalogLocationCreate.Name)
		}
	}
	_, ents, _, err := c.h.catalog.AddLocation(ctx, "url", target, false)
	var ce *catalog.Error
	if errors.As(err, &ce) && ce.Name == "ConflictError" {
		_, ents, _, err = c.h.catalog.AddLocation(ctx, "url", target, true)
	}
	if err != nil {
		return nil, err
	}
	var refs []string
	for _, b := range ents {
		var e struct {
			Kind     string `json:"kind"`
			Metadata struct {
				Name      string `json:"name"`
				Namespace string `json:"namespace"`
			} `json:"metadata"`
		}
		if json.Unmarshal(b, &e) != nil {
			continue
		}
		ns := e.Metadata.Namespace
		if ns == "" {
			ns = "default"
		}
		refs = append(refs, strings.ToLower(e.Kind)+":"+ns+"/"+e.Metadata.Name)
	}
	return refs, nil
}

// Matches reports whether the entity ref names is one the caller may read and that f
// (a day-2 action's spec.targets) matches; the catalog's index decides both at once.
func (c scaffolderCatalog) Matches(ctx context.Context, ref string, f scaffolder.TargetFilter) (bool, error) {
	v, err := c.view(ctx)
	if err != nil {
		return false, err
	}
	return c.h.catalog.Within(catalog.And(v.Scope(), targetExpr(f))).ByRef(ref) != nil, nil
}

// targetExpr is a day-2 action's target filter as a catalog expression: any set, every
// condition of a set.
func targetExpr(f scaffolder.TargetFilter) catalog.Expr {
	if len(f) == 0 {
		return catalog.Expr{}
	}
	sets := make([]catalog.Expr, len(f))
	for i, set := range f {
		conds := make([]catalog.Expr, len(set))
		for j, c := range set {
			switch {
			case c.Values != nil:
				conds[j] = catalog.Equals(c.Key, c.Values...)
			case c.Absent:
				conds[j] = catalog.Not(catalog.Exists(c.Key))
			default:
				conds[j] = catalog.Exists(c.Key)
			}
		}
		sets[i] = catalog.And(conds...)
	}
	return catalog.Or(sets...)
}
