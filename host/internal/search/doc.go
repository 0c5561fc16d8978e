// Package search is the portal's one search index over the catalog, TechDocs pages and
// the documents plugins contribute, with Backstage's query API
// (GET /api/search/query, Serve) and its result shape.
//
// The index is purpose-built (RATIONALE.md, "Search: a purpose-built index"): an
// inverted index of lower-cased word tokens with two fields, title (an entity's title
// and name) and text, that answers a term as exact, prefix and typo-tolerant matches,
// ranked field first (a title match above a text match) and then by how the word
// matched (exact above prefix above fuzzy). Documents are grouped by type
// (software-catalog, techdocs, a plugin's own) and by source within a type; a
// collator replaces one source's documents at a time (Replace, the Sink interface),
// and the catalog's collator follows the catalog's changes, entity by entity
// (CatalogCollator). TechDocs hands over a site's pages as TechDocsDocuments makes
// them; a Wasm plugin its own documents through the search_replace host function
// (capability search.write).
//
// The index's documents are kept in a file of the data directory and loaded at start,
// so results are served before the collators have run; a missing or corrupt file is
// rebuilt by the collators (the corrupt one is kept beside it for inspection).
//
// Results honour the caller's catalog.entity.read decision: a type whose documents
// are catalog entities (or pages of them) is dropped for a DENY, and for a CONDITIONAL
// decision each document's resource ref is checked against the catalog's index of the
// conditions (catalog.View.Has), before the page is cut.
package search
