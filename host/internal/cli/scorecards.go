package cli

import (
	"context"

	"greenroom.dev/greenroom/host/internal/catalog/api"
	"greenroom.dev/greenroom/host/internal/scorecard"
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
