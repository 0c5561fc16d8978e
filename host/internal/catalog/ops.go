package catalog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"path"
	"sort"
	"strings"

	"greenroom.dev/greenroom/host/internal/catalog/model"
)

// Error is an error with a Backstage error name (InputError, NotFoundError,
// ConflictError, NotAllowedError), which the REST API maps to a status code.
type Error struct {
	Name    string
	Message string
}

func (e *Error) Error() string { return e.Message }

func inputErr(format string, a ...any) error {
	return &Error{Name: "InputError", Message: fmt.Sprintf(format, a...)}
}
func notFound(format string, a ...any) error {
	return &Error{Name: "NotFoundError", Message: fmt.Sprintf(format, a...)}
}
func notAllowed(format string, a ...any) error {
	return &Error{Name: "NotAllowedError", Message: fmt.Sprintf(format, a...)}
}

// Locations returns the locations registered through POST /locations, sorted by type
// and target, as Backstage's GET /locations lists them: those from catalog.locations in
// config and plugins' entity providers are not among them (their Location entities
// are in the catalog).
func (c *Catalog) Locations() []Location {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make([]Location, 0, len(c.locations))
	for _, l := range c.locations {
		if l.Origin == "api" {
			out = append(out, *l)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key() < out[j].Key() })
	return out
}

// LocationByID returns a registered location.
func (c *Catalog) LocationByID(id string) (Location, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if l := c.locations[id]; l != nil {
		return *l, nil
	}
	return Location{}, notFound("Found no location with ID %s", id)
}

// LocationByEntity returns the registered location an entity originates from.
func (v View) LocationByEntity(kind, namespace, name string) (Location, error) {
	c := v.c
	c.mu.RLock()
	defer c.mu.RUnlock()
	ref := strings.ToLower(kind + ":" + namespace + "/" + name)
	e := v.visible(c.ents[ref])
	if e == nil {
		return Location{}, notFound("No entity named '%s' found, with kind '%s' in namespace '%s'", name, kind, namespace)
	}
	for _, l := range c.locations {
		if l.Key() == e.origin {
			return *l, nil
		}
	}
	return Location{}, notFound("Found no location for entity %s", e.ref)
}

func (c *Catalog) findLocation(typ, target string) *Location {
	for _, l := range c.locations {
		if l.Type == typ && l.Target == target {
			return l
		}
	}
	return nil
}

// AddLocation registers a location and processes it (POST /locations). With dryRun it
// only reads and validates, and returns the entities it would add.
func (c *Catalog) AddLocation(ctx context.Context, typ, target string, dryRun bool) (Location, [][]byte, bool, error) {
	if typ == "" || target == "" {
		return Location{}, nil, false, inputErr("Location must have a type and a target")
	}
	if typ != "url" && typ != "file" {
		return Location{}, nil, false, inputErr("Unknown location type %q; use \"url\" (or \"file\")", typ)
	}
	if typ == "file" && !path.IsAbs(target) {
		return Location{}, nil, false, inputErr("A file location target must be an absolute path, got %q", target)
	}
	c.mu.RLock()
	existing := c.findLocation(typ, target)
	c.mu.RUnlock()
	if dryRun {
		loc := Location{ID: stableID(typ + ":" + target), Type: typ, Target: target, Origin: "api"}
		if existing != nil {
			loc = *existing
		}
		ents, err := c.dryRun(ctx, &loc)
		return loc, ents, existing != nil, err
	}
	if c.opts.Config.Readonly {
		return Location{}, nil, false, &Error{Name: "NotAllowedError", Message: "This operation not allowed in readonly mode"}
	}
	if existing != nil {
		return Location{}, nil, false, &Error{Name: "ConflictError", Message: fmt.Sprintf("Location %s:%s already exists", typ, target)}
	}
	loc := &Location{ID: newUID(), Type: typ, Target: target, Origin: "api"}
	if err := c.registerLocation(ctx, loc); err != nil {
		return Location{}, nil, false, err
	}
	if err := c.processRoot(ctx, loc, "*"); err != nil {
		return *loc, nil, false, err
	}
	c.mu.RLock()
	var ents [][]byte
	for _, e := range c.ents {
		if e.origin == loc.Key() || e.source == virtualPrefix+loc.Key() {
			ents = append(ents, c.entityJSON(e))
		}
	}
	c.mu.RUnlock()
	return *loc, ents, false, nil
}

func (c *Catalog) registerLocation(ctx context.Context, loc *Location) error {
	c.mu.Lock()
	c.locations[loc.ID] = loc
	c.mu.Unlock()
	err := c.store.Apply(ctx, []Op{{Bucket: BucketLocations, Key: loc.ID, Value: mustJSON(storedLocation{ID: loc.ID, Type: loc.Type, Target: loc.Target, Origin: loc.Origin, Rules: loc.Rules})}})
	if err != nil {
		// Not stored, so not registered: a retry must not find it "already exists".
		c.mu.Lock()
		delete(c.locations, loc.ID)
		c.mu.Unlock()
	}
	return err
}

func (c *Catalog) dryRun(ctx context.Context, loc *Location) ([][]byte, error) {
	order, _, _, err := c.readTree(ctx, loc, "*", nil)
	if err != nil {
		return nil, err
	}
	var ents [][]byte
	var errs []string
	for _, out := range order {
		if out.readErr != nil {
			errs = append(errs, out.readErr.Error())
		}
		errs = append(errs, out.errs...)
		for _, pe := range out.ents {
			if len(pe.errs) > 0 {
				for _, e := range pe.errs {
					errs = append(errs, locatePrefix(out.target, pe.line, pe.ref)+e.Error())
				}
				continue
			}
			var edges []relEdge
			for _, r := range pe.rels {
				if strings.EqualFold(r.Source, pe.ref) {
					edges = append(edges, relEdge{typ: relTypeIndex(r.Type), target: r.Target})
				}
			}
			sortEdges(edges)
			ents = append(ents, servedDoc(pe.body, appendRelationsTail(nil, nil, edges, nil)))
		}
	}
	if len(errs) > 0 {
		return ents, inputErr("%s", strings.Join(errs, "; "))
	}
	return ents, nil
}

// DeleteLocation unregisters a location and deletes the entities it produced.
func (c *Catalog) DeleteLocation(ctx context.Context, id string) error {
	if c.opts.Config.Readonly {
		return &Error{Name: "NotAllowedError", Message: "This operation not allowed in readonly mode"}
	}
	c.mu.Lock()
	loc := c.locations[id]
	if loc == nil || strings.HasPrefix(loc.Origin, "provider:") {
		c.mu.Unlock()
		return notFound("Found no location with ID %s", id)
	}
	if loc.Origin == "config" {
		c.mu.Unlock()
		return &Error{Name: "NotAllowedError", Message: fmt.Sprintf("Location %s (%s) comes from catalog.locations in the app config and cannot be deleted through the API; remove it from the config instead", id, loc.Key())}
	}
	delete(c.locations, id)
	c.mu.Unlock()
	if err := c.store.Apply(ctx, []Op{{Bucket: BucketLocations, Key: id}}); err != nil {
		return err
	}
	return c.removeRoot(ctx, loc, true)
}

// DeleteByUID removes an entity (DELETE /entities/by-uid/:uid), if there is one in the
// view. If its location still emits it, it returns on the next processing pass.
//
// may is the caller's catalog.entity.delete decision (DecisionExpr). As Backstage's
// catalog does, a DENY (Nothing) is a NotAllowedError, and so is a CONDITIONAL one
// (any other Expr than the zero one) that does not match the entity, or finds none.
func (v View) DeleteByUID(ctx context.Context, uid string, may Expr) error {
	c := v.c
	if may.None() {
		return notAllowed("You may not delete entities (catalog.entity.delete)")
	}
	c.procMu.Lock()
	defer c.procMu.Unlock()
	c.mu.Lock()
	defer c.mu.Unlock()
	e := v.visible(c.byUID[uid])
	if !may.All() && (e == nil || !c.idx.matches(e, may.n)) {
		return notAllowed("You may not delete the entity with uid %s (catalog.entity.delete)", uid)
	}
	if e == nil {
		return nil
	}
	b := newBatch(c)
	b.init()
	if s := c.sources[e.source]; s != nil {
		cp := *s
		cp.ETag = "" // read it again next time, so a still-emitted entity comes back
		b.newSrc[cp.Key] = &cp
	}
	b.remove(e)
	return b.commit(ctx)
}

// RefreshEntity re-reads the location that emits an entity in the view now (POST
// /refresh).
//
// may is the caller's catalog.entity.refresh decision (DecisionExpr): a DENY, or a
// CONDITIONAL one that does not match the entity or finds none, is a NotAllowedError.
func (v View) RefreshEntity(ctx context.Context, ref string, may Expr) error {
	c := v.c
	r, err := model.ParseRef(ref, model.RefContext{})
	if err != nil {
		return inputErr("%s", err.Error())
	}
	if may.None() {
		return notAllowed("You may not refresh entities (catalog.entity.refresh)")
	}
	c.mu.RLock()
	e := v.visible(c.ents[r.Key()])
	allowed := may.All() || e != nil && c.idx.matches(e, may.n)
	var root *Location
	var source string
	if e != nil {
		source = e.source
		for _, l := range c.locations {
			if l.Key() == e.origin {
				root = l
			}
		}
	}
	c.mu.RUnlock()
	if !allowed {
		return notAllowed("You may not refresh entity %s (catalog.entity.refresh)", ref)
	}
	if e == nil {
		return notFound("No entity named '%s' found, with kind '%s' in namespace '%s'", r.Name, r.Kind, r.Namespace)
	}
	if root == nil || strings.HasPrefix(root.Origin, "provider:") {
		return nil
	}
	return c.processRoot(ctx, root, source)
}

// AnalyzeResult is the response of POST /analyze-location.
type AnalyzeResult struct {
	ExistingEntityFiles []ExistingEntityFile `json:"existingEntityFiles"`
	GenerateEntities    []GeneratedEntity    `json:"generateEntities"`
}

// ExistingEntityFile is one entity found at the analysed location.
type ExistingEntityFile struct {
	Entity       json.RawMessage `json:"entity"`
	IsRegistered bool            `json:"isRegistered"`
	Location     LocationSpec    `json:"location"`
}

// LocationSpec is {type, target}.
type LocationSpec struct {
	Type   string `json:"type"`
	Target string `json:"target"`
}

// GeneratedEntity is a suggested entity for a location without a catalog file.
type GeneratedEntity struct {
	Entity map[string]any   `json:"entity"`
	Fields []map[string]any `json:"fields"`
}

// AnalyzeLocation looks for a catalog file at a URL (POST /analyze-location): the URL of
// the file itself, a repository URL as copied from the browser (through a RepoReader:
// the file at the default branch), or any other URL with the file name appended. With
// no file there, it suggests a Component. A URL that cannot be read, or a source that
// fails, is an InputError that says why.
func (c *Catalog) AnalyzeLocation(ctx context.Context, target, catalogFilename string) (AnalyzeResult, error) {
	u, err := url.Parse(target)
	if err != nil || !u.IsAbs() || u.Host == "" {
		return AnalyzeResult{}, inputErr("The given location.target is not a URL")
	}
	if catalogFilename == "" {
		catalogFilename = "catalog-info.yaml"
	}
	res := AnalyzeResult{ExistingEntityFiles: []ExistingEntityFile{}, GenerateEntities: []GeneratedEntity{}}
	fileURL := target
	if !strings.HasSuffix(target, ".yaml") && !strings.HasSuffix(target, ".yml") {
		fileURL = strings.TrimRight(target, "/") + "/" + catalogFilename
		if rr, ok := c.reader.(RepoReader); ok {
			inRepo, isRepo, err := rr.RepoFileURL(ctx, target, catalogFilename)
			if err != nil {
				return res, inputErr("Could not analyze %s: %v", target, err)
			}
			if isRepo {
				fileURL = inRepo
			}
		}
	}
	read, err := c.reader.ReadLocation(ctx, "url", fileURL, "")
	if err == nil {
		docs, perr := model.ParseYAML(fileURL, read.Data)
		if perr != nil {
			return res, inputErr("%s", perr.Error())
		}
		c.mu.RLock()
		registered := c.findLocation("url", fileURL) != nil
		c.mu.RUnlock()
		for _, d := range docs {
			if d.Err != nil {
				return res, inputErr("%s", d.Err.Error())
			}
			res.ExistingEntityFiles = append(res.ExistingEntityFiles, ExistingEntityFile{
				Entity: mustJSON(d.Entity), IsRegistered: registered, Location: LocationSpec{Type: "url", Target: fileURL}})
		}
		return res, nil
	}
	if !errors.Is(err, ErrNotFound) {
		return res, inputErr("Could not analyze %s: reading %s: %v", target, fileURL, err)
	}
	name := strings.TrimSuffix(path.Base(strings.TrimRight(u.Path, "/")), ".git")
	if name == "." || name == "/" || name == "" {
		name = u.Host
	}
	res.GenerateEntities = append(res.GenerateEntities, GeneratedEntity{
		Entity: map[string]any{
			"apiVersion": model.APIVersionV1alpha1, "kind": "Component",
			"metadata": map[string]any{"name": name, "namespace": model.DefaultNamespace},
			"spec":     map[string]any{"type": "other", "lifecycle": "unknown"},
		},
		Fields: []map[string]any{{
			"field": "spec.owner", "state": "needsUserInput", "value": nil,
			"description": "Entity owner is recommended to cause appropriate relations to be created",
		}},
	})
	return res, nil
}
