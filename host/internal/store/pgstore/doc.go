// Package pgstore keeps everything the host stores in PostgreSQL, behind the same
// store.Backend as the embedded bbolt file: the catalog's durable copy (catalog_rows,
// one row per bucket and key, each Apply one transaction), the plugins' key-value store
// (plugin_kv) and own files (plugin_files), and the host's own state (host_state: auth
// keys and sessions, scaffolder tasks and events, stars). It is the only package that
// imports pgx.
//
// Open runs the schema migrations (migrations, numbered from 1) in one transaction
// under a session advisory lock, so replicas starting together migrate once; it refuses
// a database whose schema is newer than this build knows, naming both versions.
//
// Keys are bytea, so that every listing is in byte order as on bbolt. Quotas are checked
// inside the writing transaction under a transaction advisory lock per plugin, so two
// replicas writing for one plugin cannot both pass the quota.
package pgstore
