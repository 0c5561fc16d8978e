package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"path"
	"runtime/debug"
	"strings"
	"time"

	"greenroom.dev/greenroom/plugins/techdocs/site"
	greenroom "greenroom.dev/greenroom/sdk/go"
)

// Annotations TechDocs reads, as Backstage names them.
const (
	annRef            = "backstage.io/techdocs-ref"
	annEntity         = "backstage.io/techdocs-entity"
	annEntityPath     = "backstage.io/techdocs-entity-path"
	annSourceLocation = "backstage.io/source-location"
	annManagedBy      = "backstage.io/managed-by-location"
	annEditURL        = "backstage.io/edit-url"
)

// state is what the plugin keeps of one entity's builds, beside its site.
type state struct {
	// ETag is the source's version that the site was built from.
	ETag string `json:"etag,omitempty"`
	// Source is the URL the tree was read from.
	Source    string `json:"source,omitempty"`
	BuiltAt   int64  `json:"builtAt,omitempty"`
	CheckedAt int64  `json:"checkedAt,omitempty"`
	// Error is the last sync's failure; the last good build keeps serving.
	Error    string   `json:"error,omitempty"`
	ErrorAt  int64    `json:"errorAt,omitempty"`
	Warnings []string `json:"warnings,omitempty"`
	// Indexed says what the search index holds: the build's ETag and the entity's
	// fields its documents carry (indexKey); "" for nothing.
	Indexed string `json:"indexed,omitempty"`
}

func loadState(t triplet) (state, error) {
	var st state
	b, ok, err := greenroom.Files.Read(t.statePath())
	if err != nil || !ok {
		return st, err
	}
	_ = json.Unmarshal(b, &st)
	return st, nil
}

func saveState(t triplet, st state) error {
	b, _ := json.Marshal(st)
	_, err := greenroom.Files.Write([]greenroom.FileContent{{Path: t.statePath(), Content: b}}, "")
	return err
}

// docsEntity follows backstage.io/techdocs-entity: the entity whose docs e shows.
func docsEntity(e *greenroom.Entity) (*greenroom.Entity, error) {
	ref := strings.TrimSpace(e.Metadata.Annotations[annEntity])
	if ref == "" {
		return e, nil
	}
	kind, rest, ok := strings.Cut(ref, ":")
	if !ok {
		kind, rest = "component", ref
	}
	ns, name, ok := strings.Cut(rest, "/")
	if !ok {
		ns, name = e.Metadata.Namespace, rest
	}
	t := tripletOf(ns, kind, name)
	other, err := greenroom.CatalogGet(t.ref())
	if err != nil {
		return nil, err
	}
	if other == nil {
		return nil, greenroom.Errorf(greenroom.CodeNotFound, "%s names %s in %s, which is not in the catalog (or you may not read it)", entityTriplet(e).ref(), t.ref(), annEntity)
	}
	return other, nil
}

// location is where an entity's docs are: what /metadata/entity calls locationMetadata.
type location struct {
	Type   string `json:"type"`
	Target string `json:"target"`
}

// source resolves backstage.io/techdocs-ref to the URL of the docs tree: url:<URL> as
// it is, dir:<path> relative to the entity's source location (or, without one, the
// directory of the catalog file that holds it). A dir: path must stay inside that
// directory.
func source(e *greenroom.Entity) (location, error) {
	t := entityTriplet(e)
	ref := strings.TrimSpace(e.Metadata.Annotations[annRef])
	if ref == "" {
		return location{}, greenroom.Errorf(greenroom.CodeNotFound, "%s has no %s annotation; add %s: dir:. to its catalog-info.yaml, with mkdocs.yml beside it", t.ref(), annRef, annRef)
	}
	typ, target, ok := strings.Cut(ref, ":")
	if !ok {
		return location{}, greenroom.Errorf(greenroom.CodeInvalidArgument, "%s: %s %q is not dir:<path> or url:<URL>", t.ref(), annRef, ref)
	}
	switch typ {
	case "url":
		return location{Type: "url", Target: target}, nil
	case "dir":
	default:
		return location{}, greenroom.Errorf(greenroom.CodeInvalidArgument, "%s: %s %q: the type %q is not dir or url", t.ref(), annRef, ref, typ)
	}
	base, baseIsDir := e.Metadata.Annotations[annSourceLocation], true
	if base == "" {
		base, baseIsDir = e.Metadata.Annotations[annManagedBy], false
	}
	btyp, btarget, ok := strings.Cut(base, ":")
	if !ok {
		return location{}, greenroom.Errorf(greenroom.CodeInvalidArgument, "%s: %s %q needs the entity's %s or %s, and it has neither", t.ref(), annRef, ref, annSourceLocation, annManagedBy)
	}
	switch btyp {
	case "file":
		dir := btarget
		if !baseIsDir {
			dir = path.Dir(btarget)
		}
		joined := path.Join(dir, target)
		if joined != dir && !strings.HasPrefix(joined, strings.TrimSuffix(dir, "/")+"/") {
			return location{}, greenroom.Errorf(greenroom.CodeInvalidArgument, "%s: %s %q leads outside %s, the directory of the entity's catalog file; docs must be beside or below it", t.ref(), annRef, ref, dir)
		}
		return location{Type: "dir", Target: (&url.URL{Scheme: "file", Path: joined}).String()}, nil
	case "url":
		u, err := url.Parse(btarget)
		if err != nil {
			return location{}, greenroom.Errorf(greenroom.CodeInvalidArgument, "%s: %s %q is not a URL: %v", t.ref(), annSourceLocation, btarget, err)
		}
		if baseIsDir && !strings.HasSuffix(u.Path, "/") {
			u.Path += "/"
		}
		rel := strings.TrimPrefix(target, "./")
		if rel == "." || rel == "" {
			rel = "./"
		}
		r := u.ResolveReference(&url.URL{Path: rel})
		// A directory on GitHub is a tree, not a blob.
		r.Path = strings.Replace(r.Path, "/blob/", "/tree/", 1)
		return location{Type: "url", Target: strings.TrimSuffix(r.String(), "/")}, nil
	}
	return location{}, greenroom.Errorf(greenroom.CodeInvalidArgument, "%s: %s: location type %q is not file or url", t.ref(), annRef, btyp)
}

// editBase is the edit link prefix for a source on GitHub (a tree URL becomes an edit
// URL of the same branch and path).
func editBase(src string) string {
	u, err := url.Parse(src)
	if err != nil || u.Host != "github.com" {
		return ""
	}
	parts := strings.SplitN(strings.Trim(u.Path, "/"), "/", 4)
	if len(parts) < 4 || parts[2] != "tree" {
		return ""
	}
	rest := strings.SplitN(parts[3], "/", 2)
	p := "https://github.com/" + parts[0] + "/" + parts[1] + "/edit/" + rest[0] + "/"
	if len(rest) == 2 && rest[1] != "" {
		p += strings.Trim(rest[1], "/") + "/"
	}
	return p
}

// syncResult is what a sync did, for the SSE stream and the reader.
type syncResult struct {
	Updated bool
	Log     []string
	Err     error
}

func (r *syncResult) logf(format string, args ...any) {
	r.Log = append(r.Log, fmt.Sprintf(format, args...))
}

// syncDocs checks the entity's docs source and rebuilds its site when the source
// changed: at most once per SyncInterval unless force, one conditional read when the
// source has not changed (no rebuild), and on failure the last good site keeps serving
// with the error in the state.
func syncDocs(e *greenroom.Entity, force bool) syncResult {
	var res syncResult
	t := entityTriplet(e)
	c := config()
	if c.Builder == "external" {
		res.logf("techdocs.builder is external: the site is published by CI, not built here")
		return res
	}
	st, err := loadState(t)
	if err != nil {
		res.Err = err
		return res
	}
	now := time.Now()
	if !force && st.CheckedAt > 0 && now.Sub(time.UnixMilli(st.CheckedAt)) < time.Duration(c.SyncInterval)*time.Second {
		res.logf("checked %s ago; the next check is after %ds", now.Sub(time.UnixMilli(st.CheckedAt)).Round(time.Second), c.SyncInterval)
		if st.Error != "" {
			res.Err = errors.New(st.Error)
		}
		return res
	}
	fail := func(err error) syncResult {
		res.Err = err
		// A caller who may not read the source says nothing about the source: keep the
		// state for the next caller (or the build task).
		var ge *greenroom.Error
		if errors.As(err, &ge) && ge.Code == greenroom.CodeCapabilityDenied {
			return res
		}
		st.Error, st.ErrorAt, st.CheckedAt = err.Error(), now.UnixMilli(), now.UnixMilli()
		if serr := saveState(t, st); serr != nil {
			res.logf("saving the build state: %v", serr)
		}
		res.Err = err
		return res
	}
	loc, err := source(e)
	if err != nil {
		// An entity that lost its docs annotation loses its search documents.
		if greenroom.ErrorCode(err) == greenroom.CodeNotFound && st.Indexed != "" {
			if uerr := unindex(t); uerr != nil {
				res.logf("warning: removing the docs from search: %v", uerr)
			} else {
				st.Indexed = ""
			}
		}
		return fail(err)
	}
	etag := st.ETag
	if st.Source != loc.Target {
		etag = ""
	}
	if _, ok, _ := greenroom.Files.Read(t.sitePrefix() + "/index.html"); !ok {
		etag = ""
	}
	res.logf("reading %s", loc.Target)
	began := time.Now()
	tree, err := greenroom.URLReadTree(loc.Target, etag, "")
	if err != nil {
		return fail(fmt.Errorf("reading the docs of %s from %s: %w", t.ref(), loc.Target, err))
	}
	if tree.NotModified {
		res.logf("the source is unchanged (etag %s); no rebuild", etag)
		st.CheckedAt, st.Error, st.ErrorAt = now.UnixMilli(), "", 0
		if key := indexKey(e, st.ETag); st.Indexed != key {
			// Built before the index had it (an older plugin, or a failed call), or the
			// entity's title, type, lifecycle or owner changed.
			if err := indexStored(e); err != nil {
				res.logf("warning: indexing the docs for search: %v", err)
				greenroom.Log.Warn("techdocs: indexing for search failed", "entity", t.ref(), "err", err.Error())
			} else {
				st.Indexed = key
			}
		}
		if err := saveState(t, st); err != nil {
			res.Err = err
		}
		return res
	}
	files := make(map[string][]byte, len(tree.Files))
	for _, f := range tree.Files {
		files[f.Path] = f.Content
	}
	res.logf("read %d files in %s; building", len(files), time.Since(began).Round(time.Millisecond))
	began = time.Now()
	// A build allocates several times the site's size in short-lived garbage; inside
	// WebAssembly the collector runs on the one thread, so collect less often.
	gc := debug.SetGCPercent(400)
	s, err := site.Build(files, site.Options{
		EditBase: editBase(loc.Target), EditURL: e.Metadata.Annotations[annEditURL],
		MaxFiles: c.MaxFiles, MaxFileSize: c.MaxFileSize, ETag: tree.ETag, Now: now,
	})
	debug.SetGCPercent(gc)
	if err != nil {
		return fail(fmt.Errorf("building the docs of %s: %w", t.ref(), err))
	}
	for _, w := range s.Warnings {
		res.logf("warning: %s", w)
	}
	res.logf("built %d pages in %s", len(s.Pages), time.Since(began).Round(time.Millisecond))
	began = time.Now()
	st = state{ETag: tree.ETag, Source: loc.Target, BuiltAt: now.UnixMilli(), CheckedAt: now.UnixMilli(), Warnings: s.Warnings}
	sb, _ := json.Marshal(st)
	out := make([]greenroom.FileContent, 0, len(s.Files)+1)
	for name, content := range s.Files {
		out = append(out, greenroom.FileContent{Path: t.sitePrefix() + "/" + name, Content: content})
	}
	out = append(out, greenroom.FileContent{Path: t.statePath(), Content: sb})
	if _, err := greenroom.Files.Write(out, t.sitePrefix()); err != nil {
		return fail(fmt.Errorf("storing the site of %s: %w", t.ref(), err))
	}
	res.logf("stored %d files in %s", len(out), time.Since(began).Round(time.Millisecond))
	res.Updated = true
	// A failed indexing leaves the site serving; the next check indexes it again.
	began = time.Now()
	if err := indexSite(e, s.Search); err != nil {
		res.logf("warning: indexing the docs for search: %v", err)
		greenroom.Log.Warn("techdocs: indexing for search failed", "entity", t.ref(), "err", err.Error())
		return res
	}
	res.logf("indexed %d pages and sections for search in %s", len(s.Search), time.Since(began).Round(time.Millisecond))
	st.Indexed = indexKey(e, tree.ETag)
	if err := saveState(t, st); err != nil {
		res.logf("saving the build state: %v", err)
	}
	return res
}
