package main

import (
	"time"

	greenroom "greenroom.dev/greenroom/sdk/go"
)

func init() { greenroom.HandleTask("build", buildAll) }

// buildAll syncs every entity with docs of its own, as the plugin's service identity
// (plugin:<id>), so sites stay fresh for readers who may not read the sources
// themselves. It stops when taskBudget is spent; entities checked within syncInterval
// are skipped at the cost of one small read, so the next run goes on where this one
// stopped.
func buildAll(*greenroom.TaskRequest) error {
	deadline := time.Now().Add(time.Duration(config().TaskBudget) * time.Second)
	cursor := ""
	built, failed := 0, 0
	for {
		page, err := greenroom.CatalogQuery(greenroom.CatalogQueryRequest{
			Filter: []greenroom.CatalogFilter{{"metadata.annotations." + annRef: nil}},
			Limit:  50, Cursor: cursor,
		})
		if err != nil {
			return err
		}
		for i := range page.Items {
			if time.Now().After(deadline) {
				greenroom.Log.Info("techdocs: build task stopped at its budget; the next run goes on", "built", built, "failed", failed)
				return nil
			}
			res := syncDocs(&page.Items[i], false)
			switch {
			case res.Err != nil:
				failed++
				greenroom.Log.Warn("techdocs: build failed", "entity", entityTriplet(&page.Items[i]).ref(), "err", res.Err.Error())
			case res.Updated:
				built++
			}
		}
		if cursor = page.PageInfo.NextCursor; cursor == "" {
			break
		}
	}
	greenroom.Log.Info("techdocs: build task done", "built", built, "failed", failed)
	return nil
}
