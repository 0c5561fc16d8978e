// Command techdocs is Greenroom's TechDocs plugin: docs-as-code read through the host's
// URL readers, built into mkdocs-style sites inside the sandbox (package site), kept
// in the plugin's own files, and served on Backstage's /api/techdocs routes and on the
// portal's /docs pages and entity Docs tab.
//
// It uses only host functions any plugin can be granted: catalog.read (the entity,
// read as the caller, so docs follow the entity's read permission), url.read (the
// docs tree, with ETags), files (the built sites) and search.write (their pages in the
// portal's search, as type techdocs).
package main

import (
	"strings"
	"sync"

	greenroom "greenroom.dev/greenroom/sdk/go"
)

// Config is the plugin's config (plugins[].config; schema in plugin.yaml).
type Config struct {
	// Builder is local (build on sync) or external (sites are published by CI; never
	// build), as Backstage's techdocs.builder.
	Builder string `json:"builder"`
	// MaxFiles and MaxFileSize refuse larger docs trees.
	MaxFiles    int   `json:"maxFiles"`
	MaxFileSize int64 `json:"maxFileSize"`
	// SyncInterval is the least time between two checks of one entity's source, in
	// seconds (Backstage: 60).
	SyncInterval int `json:"syncInterval"`
	// TaskBudget is how long, in seconds, one run of the build task may take; keep it
	// below the plugin's limits.timeout.
	TaskBudget int `json:"taskBudget"`
}

var (
	cfgOnce sync.Once
	cfg     Config
)

func config() Config {
	cfgOnce.Do(func() {
		cfg = Config{Builder: "local", MaxFiles: 5000, MaxFileSize: 10 << 20, SyncInterval: 60, TaskBudget: 20}
		if err := greenroom.DecodeConfig(&cfg); err != nil {
			greenroom.Log.Error("techdocs: decoding the plugin config", "err", err.Error())
		}
	})
	return cfg
}

// main is never called: the host calls _initialize, which runs init, then the exports.
func main() {}

// triplet names an entity as TechDocs does: namespace, kind and name, lower case.
type triplet struct{ namespace, kind, name string }

func tripletOf(ns, kind, name string) triplet {
	if ns == "" {
		ns = "default"
	}
	return triplet{strings.ToLower(ns), strings.ToLower(kind), strings.ToLower(name)}
}

func (t triplet) ref() string { return t.kind + ":" + t.namespace + "/" + t.name }

// path is the triplet as a path: namespace/kind/name.
func (t triplet) path() string { return t.namespace + "/" + t.kind + "/" + t.name }

// sitePrefix is where the entity's built site is kept in the plugin's files.
func (t triplet) sitePrefix() string { return "sites/" + t.path() }

// statePath is where the entity's build state is kept.
func (t triplet) statePath() string { return "state/" + t.path() + ".json" }

// readerURL is the portal's reader page of the entity.
func (t triplet) readerURL() string { return "/docs/" + t.path() + "/" }

// staticURL is the entity's site on the static route.
func (t triplet) staticURL() string { return "/api/techdocs/static/docs/" + t.path() + "/" }

func entityTriplet(e *greenroom.Entity) triplet {
	return tripletOf(e.Metadata.Namespace, e.Kind, e.Metadata.Name)
}
