package cli

import (
	"context"

	"greenroom.dev/greenroom/host/internal/catalog"
	"greenroom.dev/greenroom/host/internal/catalog/api"
	"greenroom.dev/greenroom/host/internal/config"
	"greenroom.dev/greenroom/host/internal/frontend"
	"greenroom.dev/greenroom/host/internal/identity"
	"greenroom.dev/greenroom/host/internal/permission"
	"greenroom.dev/greenroom/host/internal/scorecard"
	"greenroom.dev/greenroom/host/internal/search"
)

// catalogAPI is the catalog's REST API, whose filters also take
// scorecard.<id>.level=<level>.
func (h *host) catalogAPI() *api.API {
	a := api.New(h.catalog)
	a.SetComputedFilter(scorecard.CatalogFilterPrefix, h.scorecards.CatalogFilter)
	return a
}

// startScorecards compiles the scorecards and loads what the store kept of them (their
// trends, levels' histories and the facts plugins published).
func (h *host) startScorecards(context.Context) (err error) {
	h.scorecards, err = scorecard.New(scorecard.Options{
		Config: h.cfg.Scorecards, Catalog: h.catalog, Store: h.file.StateBucket("scorecards"), Logger: h.log,
	})
	return err
}

// runScorecards evaluates the scorecards, follows the catalog's changes and the facts
// plugins publish, and saves results until the host stops.
func (h *host) runScorecards(ctx context.Context) error { return h.scorecards.Run(ctx) }

func (h *host) scorecardsStopped(err error) {
	h.log.Error("scorecards stopped", "err", err)
}

// scorecardSource serves the scorecards page and the entity card from the engine, as
// the page's caller may read the catalog: its catalog.entity.read decision keeps the
// results of the entities it may read.
type scorecardSource struct {
	e     *scorecard.Engine
	c     *catalog.Catalog
	perms decider
}

func (s scorecardSource) Scorecards() []scorecard.Summary { return s.e.Scorecards() }

func (s scorecardSource) Entity(key string) []scorecard.EntityResult { return s.e.Entity(key) }

func (s scorecardSource) Trend(id string) ([]scorecard.TrendPoint, error) { return s.e.Trend(id) }

func (s scorecardSource) Results(ctx context.Context, id string, q scorecard.Query) ([]*scorecard.Result, bool) {
	if s.perms != nil {
		x, err := catalog.DecisionExpr(s.perms.Decide(identity.From(ctx), permission.CatalogEntityRead))
		if err != nil {
			x = catalog.Nothing()
		}
		if !x.All() {
			q.Visible = s.c.Within(x).Has
		}
	}
	return s.e.Results(id, q)
}

// scorecardPages backs the scorecards page and card when cfg defines scorecards; nil
// leaves them out of the app.
func (h *host) scorecardPages(cfg *config.Config) frontend.ScorecardSource {
	if len(cfg.Scorecards.Definitions) == 0 {
		return nil
	}
	return scorecardSource{h.scorecards, h.catalog, h.permissions}
}

// searchAPI is GET /api/search/query, whose filters also take
// filters[scorecard.<id>.level]=<level>.
func (h *host) searchAPI() *search.API {
	a := &search.API{Engine: h.search, Catalog: h.catalog}
	a.SetComputedFilter(scorecard.CatalogFilterPrefix, h.scorecards.SearchFilter)
	return a
}
