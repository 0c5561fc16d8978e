package main

import (
	"errors"
	"strings"
	"time"

	greenroom "greenroom.dev/greenroom/sdk/go"
)

func init() { greenroom.HandleTask("build", buildAll) }

// buildAll syncs every entity with docs of its own, as the plugin's service identity
// (plugin:<id>), so sites stay fresh for readers who may not read the sources
// themselves. It stops when taskBudget is spent; entities checked within syncInterval
// are skipped at the cost of one small read, so the next run goes on where this one
// stopped. After a whole pass, the entities that no longer have docs of their own (gone
// from the catalog, or without the annotation) lose their search documents.
func buildAll(*greenroom.TaskRequest) error {
	deadline := time.Now().Add(time.Duration(config().TaskBudget) * time.Second)
	cursor := ""
	built, failed := 0, 0
	seen := map[string]bool{}
	var facts []greenroom.Fact
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
				publishFacts(facts)
				greenroom.Log.Info("techdocs: build task stopped at its budget; the next run goes on", "built", built, "failed", failed)
				return nil
			}
			seen[entityTriplet(&page.Items[i]).statePath()] = true
			res := syncDocs(&page.Items[i], false)
			facts = append(facts, greenroom.Fact{EntityRef: entityTriplet(&page.Items[i]).ref(), Name: factHasDocs, Value: res.Err == nil})
			switch {
			case res.Err != nil:
				failed++
				greenroom.Log.Warn("techdocs: build failed", "entity", entityTriplet(&page.Items[i]).ref(), "err", res.Err.Error())
			case res.Updated:
				built++
			}
		}
		publishFacts(facts)
		facts = nil
		if cursor = page.PageInfo.NextCursor; cursor == "" {
			break
		}
	}
	removed := unindexGone(seen)
	greenroom.Log.Info("techdocs: build task done", "built", built, "failed", failed, "unindexed", removed)
	return nil
}

// unindexGone removes from search the documents of every entity the plugin indexed
// that the last pass did not see (at most the first 10,000 build states, files_list's
// limit), and returns how many.
func unindexGone(seen map[string]bool) int {
	states, err := greenroom.Files.List("state/", 0)
	if err != nil {
		greenroom.Log.Warn("techdocs: listing the build states", "err", err.Error())
		return 0
	}
	n := 0
	for _, f := range states {
		if seen[f.Path] {
			continue
		}
		parts := strings.Split(strings.TrimSuffix(strings.TrimPrefix(f.Path, "state/"), ".json"), "/")
		if len(parts) != 3 {
			continue
		}
		t := triplet{parts[0], parts[1], parts[2]}
		st, err := loadState(t)
		if err != nil || st.Indexed == "" {
			continue
		}
		if err := unindex(t); err != nil {
			greenroom.Log.Warn("techdocs: removing docs from search", "entity", t.ref(), "err", err.Error())
			continue
		}
		st.Indexed = ""
		if err := saveState(t, st); err != nil {
			greenroom.Log.Warn("techdocs: saving the build state", "entity", t.ref(), "err", err.Error())
		}
		n++
	}
	return n
}

// factHasDocs is the fact the build task publishes for scorecards: whether the entity's
// docs built (true) or failed (false).
const factHasDocs = "techdocs.hasDocs"

// publishSynced publishes techdocs.hasDocs for one entity after a sync that a reader
// started (the sync route, the docs page) built its site or failed, so a scorecard
// follows a build without waiting for the build task. A sync that changed nothing, or
// whose caller may not read the source, says nothing new.
func publishSynced(e *greenroom.Entity, res syncResult) {
	var ge *greenroom.Error
	if !res.Updated && (res.Err == nil || errors.As(res.Err, &ge) && ge.Code == greenroom.CodeCapabilityDenied) {
		return
	}
	publishFacts([]greenroom.Fact{{EntityRef: entityTriplet(e).ref(), Name: factHasDocs, Value: res.Err == nil}})
}

// publishFacts publishes the facts of one page of entities. Without the facts.write
// grant (an optional capability) the host refuses the call; the docs are built anyway.
func publishFacts(facts []greenroom.Fact) {
	if len(facts) == 0 {
		return
	}
	if _, err := greenroom.PublishFacts(facts); err != nil {
		greenroom.Log.Debug("techdocs: facts not published", "err", err.Error())
	}
}
