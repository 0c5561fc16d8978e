package main

import (
	"encoding/json"
	"path"
	"strings"

	"greenroom.dev/greenroom/plugins/techdocs/site"
	greenroom "greenroom.dev/greenroom/sdk/go"
)

// Backstage's /api/techdocs routes.
func init() {
	greenroom.HandleFunc("GET /static/docs/:namespace/:kind/:name/*", static)
	greenroom.HandleFunc("GET /static/docs/:namespace/:kind/:name", static)
	greenroom.HandleFunc("GET /metadata/techdocs/:namespace/:kind/:name", techdocsMetadata)
	greenroom.HandleFunc("GET /metadata/entity/:namespace/:kind/:name", entityMetadata)
	greenroom.HandleFunc("GET /sync/:namespace/:kind/:name", syncRoute)
}

// staticCSP keeps a served page from running script: it may show images and styles
// of its own site, nothing else, in a sandbox.
const staticCSP = "default-src 'none'; img-src 'self' data: https:; style-src 'self' 'unsafe-inline'; font-src 'self'; sandbox"

func notFound(format string, args ...any) *greenroom.Response {
	return greenroom.ErrorResponse(greenroom.Errorf(greenroom.CodeNotFound, format, args...))
}

// readable loads the entity of the request's triplet as the caller: nil when it is not
// in the catalog or the caller may not read it.
func readable(r *greenroom.Request) (triplet, *greenroom.Entity, error) {
	t := tripletOf(r.Param("namespace"), r.Param("kind"), r.Param("name"))
	e, err := greenroom.CatalogGet(t.ref())
	return t, e, err
}

var contentTypes = map[string]string{
	".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8", ".json": "application/json",
	".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif", ".svg": "image/svg+xml",
	".webp": "image/webp", ".ico": "image/x-icon", ".txt": "text/plain; charset=utf-8", ".pdf": "application/pdf",
	".woff": "font/woff", ".woff2": "font/woff2", ".xml": "application/xml",
}

// static serves a built site's files: /static/docs/:namespace/:kind/:name/<path>, the
// entity readable by the caller. A triplet that is not lower case is redirected.
func static(r *greenroom.Request) *greenroom.Response {
	if ns, kind, name := r.Param("namespace"), r.Param("kind"), r.Param("name"); ns != strings.ToLower(ns) || kind != strings.ToLower(kind) || name != strings.ToLower(name) {
		loc := tripletOf(ns, kind, name).staticURL() + r.Param("*")
		// A page's directory keeps its slash, so the page's relative links resolve.
		if !strings.HasSuffix(loc, "/") && path.Ext(loc) == "" {
			loc += "/"
		}
		return &greenroom.Response{Status: 301, Headers: greenroom.Header{"location": {loc}}}
	}
	t := tripletOf(r.Param("namespace"), r.Param("kind"), r.Param("name"))
	if ok, err := greenroom.CatalogHas(t.ref()); err != nil {
		return greenroom.ErrorResponse(err)
	} else if !ok {
		return notFound("Entity %s not found", t.ref())
	}
	p := strings.TrimPrefix(r.Param("*"), "/")
	if p == "" || strings.HasSuffix(p, "/") {
		p += "index.html"
	}
	if strings.Contains(p, "..") || strings.HasPrefix(p, "/") || strings.Contains(p, "//") {
		return notFound("Page not found: %s", p)
	}
	if path.Ext(p) == "" {
		// A page's directory without its slash: serve its index.html, if there is no
		// file of that name.
		if _, ok, err := greenroom.Files.Read(t.sitePrefix() + "/" + p); err == nil && !ok {
			p += "/index.html"
		}
	}
	ct := contentTypes[strings.ToLower(path.Ext(p))]
	if ct == "" {
		ct = "application/octet-stream"
	}
	// The host reads the file and answers 404 when there is none: a page is served
	// without passing through the plugin's memory.
	return greenroom.ServeFile(ct, t.sitePrefix()+"/"+p).
		WithHeader("content-security-policy", staticCSP).
		WithHeader("x-content-type-options", "nosniff").
		WithHeader("cache-control", "no-cache")
}

// techdocsMetadata serves techdocs_metadata.json.
func techdocsMetadata(r *greenroom.Request) *greenroom.Response {
	t, e, err := readable(r)
	if err != nil {
		return greenroom.ErrorResponse(err)
	}
	if e != nil {
		if b, ok, err := greenroom.Files.Read(t.sitePrefix() + "/" + site.MetadataFile); err == nil && ok {
			return greenroom.RawJSON(200, b)
		}
	}
	return notFound("Unable to get metadata for '%s'", t.path())
}

// entityMetadata serves the entity with locationMetadata, where its docs are.
func entityMetadata(r *greenroom.Request) *greenroom.Response {
	t, e, err := readable(r)
	if err != nil {
		return greenroom.ErrorResponse(err)
	}
	if e == nil {
		return notFound("Unable to get metadata for '%s'", t.path())
	}
	de, err := docsEntity(e)
	if err != nil {
		return greenroom.ErrorResponse(err)
	}
	loc, err := source(de)
	if err != nil {
		return greenroom.ErrorResponse(err)
	}
	raw, _ := json.Marshal(e)
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	out["locationMetadata"] = loc
	return greenroom.JSON(200, out)
}

// syncRoute is Backstage's sync: server-sent events log, error and finish
// {"updated": bool}. The plugin answers once the sync is done, so the whole stream
// comes in one response.
func syncRoute(r *greenroom.Request) *greenroom.Response {
	_, e, err := readable(r)
	if err != nil {
		return greenroom.ErrorResponse(err)
	}
	if e == nil {
		return notFound("Entity metadata UID missing")
	}
	de, err := docsEntity(e)
	if err != nil {
		return greenroom.ErrorResponse(err)
	}
	res := syncDocs(de, false)
	publishSynced(de, res)
	var b strings.Builder
	event := func(name string, v any) {
		j, _ := json.Marshal(v)
		b.WriteString("event: " + name + "\ndata: " + string(j) + "\n\n")
	}
	for _, l := range res.Log {
		event("log", l)
	}
	if res.Err != nil {
		event("error", res.Err.Error())
	} else {
		event("finish", map[string]bool{"updated": res.Updated})
	}
	return greenroom.Bytes(200, "text/event-stream", []byte(b.String())).WithHeader("cache-control", "no-cache")
}
