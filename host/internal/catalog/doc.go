// Package catalog is Greenroom's software catalog: Backstage's entity model, ingestion
// from locations with rules, conflicts and orphans, stitching of relations, in-memory
// indexes over a durable Store, and the queries behind the REST API (package api) and
// the catalog host functions.
//
// # Processing
//
// Each registered location (catalog.locations, POST /locations, or a plugin's entity
// provider) is a root. Run makes a pass over every root, then one per processing
// interval, until its context is done; Ready reports that the first pass has finished.
// A pass reads the root's tree breadth first (read.go: files in parallel, each read with
// its stored ETag, so an unchanged file costs one conditional read and no work),
// validates every document (model.Validate, the kind rules, model.Relations), and then
// applies the results under the write lock in one step (apply.go): upserts, conflicts
// (the first location to emit an entity keeps it; the other gets a ConflictError status
// item on the kept entity), orphans (entities a location stops emitting, deleted or
// annotated per catalog.orphanStrategy) and source states go into a batch (batch.go),
// whose commit stitches every entity whose relations or status changed (stitch.go) and
// writes their records (record.go) with one Store.Apply. A crash therefore leaves the
// store at the end of some earlier pass; a pass cancelled while reading applies nothing.
//
// # Errors
//
// Each source keeps the errors of its last read ("file:line: ref: message"): a read or
// parse failure, entities that break a rule, conflicts. An entity that breaks a rule
// keeps its last good version with a status item; the Location entity that lists a
// source shows the source's errors in its status (viaErrors), so an entity that was
// never valid is still reported there. Each error is logged once as a warning when it
// appears (reportErrors), and ProcessingErrors counts them for /readyz.
//
// # Memory
//
// Each entity is kept once, as its stitched document (entity.doc: the body with uid and
// etag, without relations and status); relations are written when the entity is served,
// from the relations it emits about itself (entity.fwd) and those other entities emit
// about it (Catalog.rels, stored at their source entity; see relations.go), and status
// is kept as its JSON tail. The etag hashes the whole served entity, so stitching renews
// it whenever relations or status change. Long-lived memory is allocated in bulk (entity
// chunks, document slabs, packed posting lists and edges) so that it does not sit among
// the garbage of processing; maybeRepack bounds what replaced entities leave behind
// (pack.go).
//
// # Index and queries
//
// The index (index.go, with its per-key value sets in index_keys.go and filter matching
// in index_match.go) maps lower-cased search keys and values, flattened as Backstage's
// search table does, to sorted slot lists, with single-slot postings inline in the value
// map. After a large batch, keys with many values (freezeMin) are frozen into sorted
// arrays, and the set of slots having a key becomes a bitset once it is dense. An update
// takes a new slot and leaves a tombstone, and compaction renumbers. Query results
// (matching slots, not entities) and facet counts are cached per catalog version, which
// every batch that moves an entity to a new slot increments. The rest of the package uses
// the index through its methods only (TestIndexIsClosed).
//
// # Permissions
//
// An Expr (expr.go) is a boolean expression over the same search keys, which the index
// evaluates as set operations over its postings (index_expr.go): And intersects from its
// smallest operand, Or unites, Not is the complement over live slots, and a small set is
// tested slot by slot against a large one instead of listing it. A View (view.go) reads
// the catalog within one Expr, the caller's catalog.entity.read decision, joined with
// each query's filter inside the index, so a conditional read costs a few set
// operations. rules.go turns a permission decision and the catalog's rules
// (IS_ENTITY_OWNER, IS_ENTITY_KIND, HAS_ANNOTATION, HAS_LABEL, HAS_METADATA, HAS_SPEC)
// into an Expr, as Backstage's rules turn into filters.
//
// # Store
//
// The Store interface is two calls over named buckets (entities, sources, locations):
// ForEach to load and Apply to write a batch atomically. The entity record is a JSON
// header line followed by the body, so a PostgreSQL implementation can keep the same
// records in a (bucket, key, value) table and apply each batch in one transaction.
//
// RATIONALE.md at the repository root explains these choices with their measurements.
package catalog
