//! The build task and the facts it publishes.

use std::collections::HashSet;

use greenroom::{catalog, clock, facts, files, log, CatalogQuery, Error, Fact, Plugin, TaskRequest, Value};

use crate::search::unindex;
use crate::sync::{load_state, save_state, sync_docs, SyncResult, ANN_REF};
use crate::{config, entity_triplet, log_line, Triplet};

pub fn register(p: &mut Plugin) {
    p.task("build", build_all);
}

/// The fact the build task publishes for scorecards: whether the entity's docs built
/// (true) or failed (false).
pub const FACT_HAS_DOCS: &str = "techdocs.hasDocs";

/// Syncs every entity with docs of its own, as the plugin's service identity
/// (plugin:<id>), so sites stay fresh for readers who may not read the sources
/// themselves. It stops when taskBudget is spent; entities checked within syncInterval
/// are skipped at the cost of one small read, so the next run goes on where this one
/// stopped. After a whole pass, the entities that no longer have docs of their own (gone
/// from the catalog, or without the annotation) lose their search documents.
pub fn build_all(_: &TaskRequest) -> Result<(), Error> {
    let deadline = clock::now_ms().saturating_add(config().task_budget.saturating_mul(1000));
    let mut cursor = String::new();
    let (mut built, mut failed) = (0, 0);
    let mut seen = HashSet::new();
    let mut facts = Vec::new();
    loop {
        let page = catalog::query(&CatalogQuery { filter: vec![format!("metadata.annotations.{}", ANN_REF)], limit: 50, cursor: cursor.clone(), ..Default::default() })?;
        for e in &page.items {
            if clock::now_ms() > deadline {
                publish_facts(&facts);
                log::info(&log_line(
                    "techdocs: build task stopped at its budget; the next run goes on",
                    &[("built", &built.to_string()), ("failed", &failed.to_string())],
                ));
                return Ok(());
            }
            let t = entity_triplet(e);
            seen.insert(t.state_path());
            let res = sync_docs(e, false);
            facts.push(Fact::new(&t.entity_ref(), FACT_HAS_DOCS, Value::Bool(res.err.is_none())));
            match &res.err {
                Some(err) => {
                    failed += 1;
                    log::warn(&log_line("techdocs: build failed", &[("entity", &t.entity_ref()), ("err", &err.text)]));
                }
                None if res.updated => built += 1,
                None => {}
            }
        }
        publish_facts(&facts);
        facts.clear();
        cursor = page.next_cursor;
        if cursor.is_empty() {
            break;
        }
    }
    let removed = unindex_gone(&seen);
    log::info(&log_line("techdocs: build task done", &[("built", &built.to_string()), ("failed", &failed.to_string()), ("unindexed", &removed.to_string())]));
    Ok(())
}

/// Removes from search the documents of every entity the plugin indexed that the last
/// pass did not see (at most the first 10,000 build states, files_list's limit), and
/// returns how many.
fn unindex_gone(seen: &HashSet<String>) -> usize {
    let states = match files::list("state/", 0) {
        Ok(s) => s,
        Err(err) => {
            log::warn(&log_line("techdocs: listing the build states", &[("err", &err.to_string())]));
            return 0;
        }
    };
    let mut n = 0;
    for f in states {
        if seen.contains(&f.path) {
            continue;
        }
        let rest = f.path.strip_prefix("state/").unwrap_or(&f.path);
        let rest = rest.strip_suffix(".json").unwrap_or(rest);
        let parts: Vec<&str> = rest.split('/').collect();
        if parts.len() != 3 {
            continue;
        }
        let t = Triplet { namespace: parts[0].into(), kind: parts[1].into(), name: parts[2].into() };
        let mut st = match load_state(&t) {
            Ok(st) if !st.indexed.is_empty() => st,
            _ => continue,
        };
        if let Err(err) = unindex(&t) {
            log::warn(&log_line("techdocs: removing docs from search", &[("entity", &t.entity_ref()), ("err", &err.to_string())]));
            continue;
        }
        st.indexed.clear();
        if let Err(err) = save_state(&t, &st) {
            log::warn(&log_line("techdocs: saving the build state", &[("entity", &t.entity_ref()), ("err", &err.to_string())]));
        }
        n += 1;
    }
    n
}

/// Publishes techdocs.hasDocs for one entity after a sync that a reader started (the
/// sync route, the docs page) built its site or failed, so a scorecard follows a build
/// without waiting for the build task. A sync that changed nothing, or whose caller may
/// not read the source, says nothing new.
pub fn publish_synced(e: &Value, res: &SyncResult) {
    if !res.updated && (res.err.is_none() || res.denied()) {
        return;
    }
    publish_facts(&[Fact::new(&entity_triplet(e).entity_ref(), FACT_HAS_DOCS, Value::Bool(res.err.is_none()))]);
}

/// Publishes the facts of one page of entities. Without the facts.write grant (an
/// optional capability) the host refuses the call; the docs are built anyway.
fn publish_facts(list: &[Fact]) {
    if list.is_empty() {
        return;
    }
    if let Err(err) = facts::publish(list) {
        log::debug(&log_line("techdocs: facts not published", &[("err", &err.to_string())]));
    }
}
