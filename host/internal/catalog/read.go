package catalog

import (
	"context"
	"crypto/sha1"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"greenroom.dev/greenroom/host/internal/catalog/model"
	"greenroom.dev/greenroom/host/internal/excerpt"
)

// procEntity is one entity read from a source, before it is applied.
type procEntity struct {
	key, ref string
	kind     string         // lower-cased kind
	doc      map[string]any // the decoded entity; dropped once body, pairs and rels are made
	line     int
	errs     []error
	rels     []model.Relation
	body     []byte // encoded with the uid placeholder
	hash     [sha1.Size]byte
	pairs    []pair
}

type childLoc struct {
	typ, target, via string
	optional         bool
}

// readOut is the result of reading one source.
type readOut struct {
	key, typ, target, via string
	optional              bool
	etag                  string
	notModified           bool
	readErr               error
	ents                  []*procEntity
	errs                  []string
	children              []childLoc
}

const virtualPrefix = "root:"

// readTree reads every source under root, breadth first, without changing anything.
func (c *Catalog) readTree(ctx context.Context, root *Location, force string, provided []map[string]any) ([]*readOut, map[string]bool, map[string]*sourceState, error) {
	rootKey := root.Key()
	vkey := virtualPrefix + rootKey
	c.mu.RLock()
	prev := map[string]*sourceState{}
	for k, s := range c.sources {
		if s.Root == rootKey {
			cp := *s
			prev[k] = &cp
		}
	}
	c.mu.RUnlock()

	start := time.Now()
	lastLog := start
	var order []*readOut
	visited := map[string]bool{vkey: true}
	level := []childLoc{{typ: "virtual", target: rootKey}}
	files, entities := 0, 0
	rules := c.rulesFingerprint(root)
	for len(level) > 0 {
		if err := ctx.Err(); err != nil {
			return nil, nil, nil, err
		}
		outs := make([]*readOut, len(level))
		var wg sync.WaitGroup
		sem := make(chan struct{}, c.opts.Workers)
		for i, t := range level {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer func() { <-sem; wg.Done() }()
				if t.typ == "virtual" {
					outs[i] = c.readVirtual(root, provided)
					return
				}
				etag := ""
				if p := prev[t.typ+":"+t.target]; p != nil && p.Rules == rules && force != "*" && force != t.typ+":"+t.target {
					etag = p.ETag
				}
				outs[i] = c.readSource(ctx, root, t, etag)
			}()
		}
		wg.Wait()
		// Reads cut short by cancellation failed for that reason alone: apply nothing,
		// or their sources would keep "context canceled" as their error.
		if err := ctx.Err(); err != nil {
			return nil, nil, nil, err
		}
		var next []childLoc
		for _, out := range outs {
			order = append(order, out)
			files++
			entities += len(out.ents)
			children := out.children
			if out.notModified || out.readErr != nil {
				children = nil
				if p := prev[out.key]; p != nil {
					for _, ck := range p.Children {
						if cs := prev[ck]; cs != nil {
							children = append(children, childLoc{typ: cs.Type, target: cs.Target, via: cs.Via, optional: cs.Optional})
						}
					}
				}
			}
			for _, ch := range children {
				k := ch.typ + ":" + ch.target
				if !visited[k] {
					visited[k] = true
					next = append(next, ch)
				}
			}
		}
		level = next
		if time.Since(lastLog) > 2*time.Second {
			lastLog = time.Now()
			c.log.Info("catalog: processing location", "location", rootKey, "files", files, "entities", entities, "pending", len(level))
		}
	}
	if entities >= 1000 || time.Since(start) > 2*time.Second {
		c.log.Info("catalog: read location", "location", rootKey, "files", files, "entities", entities, "took", time.Since(start).Round(time.Millisecond))
	}
	return order, visited, prev, nil
}

// readVirtual produces the root's own entities: the generated Location entity of a
// registered location, or the entity set of a provider.
func (c *Catalog) readVirtual(root *Location, provided []map[string]any) *readOut {
	rootKey := root.Key()
	out := &readOut{key: virtualPrefix + rootKey, typ: "virtual", target: rootKey}
	if strings.HasPrefix(root.Origin, "provider:") {
		for _, doc := range provided {
			out.ents = append(out.ents, c.prepare(doc, 0, root, rootKey, rootKey, out, true))
		}
		return out
	}
	name := "generated-" + hashBytes([]byte(rootKey))
	doc := map[string]any{
		"apiVersion": model.APIVersionV1alpha1,
		"kind":       "Location",
		"metadata": map[string]any{
			"name": name, "namespace": model.DefaultNamespace,
			"annotations": map[string]any{
				model.AnnotationManagedByLocation:       rootKey,
				model.AnnotationManagedByOriginLocation: rootKey,
			},
		},
		"spec": map[string]any{"type": root.Type, "target": root.Target},
	}
	out.ents = append(out.ents, c.prepare(doc, 0, root, rootKey, rootKey, out, true))
	return out
}

func (c *Catalog) readSource(ctx context.Context, root *Location, t childLoc, etag string) *readOut {
	key := t.typ + ":" + t.target
	out := &readOut{key: key, typ: t.typ, target: t.target, via: t.via, optional: t.optional}
	res, err := c.reader.ReadLocation(ctx, t.typ, t.target, etag)
	if err != nil {
		if t.optional && errors.Is(err, ErrNotFound) {
			out.ents = nil
			out.etag = ""
			return out
		}
		out.readErr = err
		return out
	}
	out.etag = res.ETag
	if res.NotModified {
		out.notModified = true
		return out
	}
	docs, err := model.ParseYAML(t.target, res.Data)
	if err != nil {
		out.readErr = err
	}
	placeholders := hasPlaceholder(res.Data)
	for _, d := range docs {
		if d.Err != nil {
			out.errs = append(out.errs, d.Err.Error())
			continue
		}
		var perrs []error
		if placeholders {
			perrs = c.resolvePlaceholders(ctx, d.Entity, t.typ, t.target)
		}
		pe := c.prepare(d.Entity, d.Line, root, key, root.Key(), out, false)
		pe.errs = append(pe.errs, perrs...)
		out.ents = append(out.ents, pe)
	}
	return out
}

// prepare validates one entity, checks the rules, adds the location annotations and
// works out its relations and, for Location entities, the child locations.
func (c *Catalog) prepare(doc map[string]any, line int, root *Location, srcKey, rootKey string, out *readOut, trusted bool) *procEntity {
	pe := &procEntity{doc: doc, line: line}
	if md, ok := doc["metadata"].(map[string]any); ok {
		if _, has := md["namespace"]; !has {
			md["namespace"] = model.DefaultNamespace
		}
	}
	ref := model.RefOf(doc)
	pe.ref, pe.key, pe.kind = ref.String(), ref.Key(), strings.ToLower(ref.Kind)
	pe.errs = c.validateDoc(doc)
	kind, _ := doc["kind"].(string)
	if len(pe.errs) == 0 && !trusted && !c.allowed(kind, srcKey, root) {
		pe.errs = append(pe.errs, fmt.Errorf("NotAllowedError: Entity %s at %s is not of an allowed kind for that location; allow %q in catalog.rules (or in this location's rules)", pe.ref, srcKey, kind))
	}
	if len(pe.errs) > 0 {
		return pe
	}
	rels, errs := c.relationsOf(doc)
	if len(errs) > 0 {
		pe.errs = errs
		return pe
	}
	pe.rels = rels
	md := doc["metadata"].(map[string]any)
	ann, _ := md["annotations"].(map[string]any)
	if ann == nil {
		ann = map[string]any{}
		md["annotations"] = ann
	}
	if !trusted || strings.HasPrefix(root.Origin, "provider:") {
		if _, has := ann[model.AnnotationManagedByLocation]; !has || !trusted {
			ann[model.AnnotationManagedByLocation] = srcKey
		}
		if _, has := ann[model.AnnotationManagedByOriginLocation]; !has || !trusted {
			ann[model.AnnotationManagedByOriginLocation] = rootKey
		}
	}
	delete(ann, model.AnnotationOrphan)
	defer func() {
		if len(pe.errs) == 0 {
			md["uid"] = uidPlaceholder
			delete(md, "etag")
			pe.body = encodeBody(doc)
			pe.hash = sha1.Sum(pe.body)
			pe.pairs = bodyPairs(doc)
			// The decoded document is the bulk of a pass's garbage; a large pass keeps
			// every procEntity until it is applied, so drop the document now.
			pe.doc = nil
		}
	}()
	if strings.EqualFold(kind, "Location") && !(trusted && !strings.HasPrefix(root.Origin, "provider:")) {
		spec, _ := doc["spec"].(map[string]any)
		typ, _ := spec["type"].(string)
		if typ == "" {
			typ = out.typ
			if typ == "virtual" {
				typ = "url"
			}
		}
		optional := spec["presence"] == "optional"
		var targets []string
		if t, ok := spec["target"].(string); ok {
			targets = append(targets, t)
		}
		if ts, ok := spec["targets"].([]any); ok {
			for _, t := range ts {
				if s, ok := t.(string); ok {
					targets = append(targets, s)
				}
			}
		}
		for _, t := range targets {
			resolved, err := resolveTarget(out.typ, out.target, typ, t)
			if err != nil {
				pe.errs = append(pe.errs, err)
				continue
			}
			out.children = append(out.children, childLoc{typ: typ, target: resolved, via: pe.key, optional: optional})
		}
	} else if strings.EqualFold(kind, "Location") {
		spec, _ := doc["spec"].(map[string]any)
		typ, _ := spec["type"].(string)
		target, _ := spec["target"].(string)
		out.children = append(out.children, childLoc{typ: typ, target: target, via: pe.key})
	}
	return pe
}

func resolveTarget(parentType, parentTarget, typ, target string) (string, error) {
	switch typ {
	case "file":
		if filepath.IsAbs(target) {
			return filepath.Clean(target), nil
		}
		if parentType != "file" {
			return "", fmt.Errorf("Location target %s is a relative file path but its parent location is %s:%s; relative file targets only work below a file location", excerpt.Quote(target), parentType, parentTarget)
		}
		return filepath.Join(filepath.Dir(parentTarget), target), nil
	case "url":
		u, err := url.Parse(target)
		if err != nil {
			return "", fmt.Errorf("Location target %s is not a valid URL: %s", excerpt.Quote(target), excerpt.Text(err.Error()))
		}
		if u.IsAbs() {
			return target, nil
		}
		if parentType == "url" {
			base, err := url.Parse(parentTarget)
			if err == nil {
				return base.ResolveReference(u).String(), nil
			}
		}
		return "", fmt.Errorf("Location target %s is not an absolute URL", excerpt.Quote(target))
	}
	return "", fmt.Errorf("Location type %s is not supported; use \"file\" or \"url\"", excerpt.Quote(typ))
}

// rulesFingerprint identifies the kind rules that apply under root (catalog.rules and
// the root location's own), so that a rule change reprocesses unchanged sources.
func (c *Catalog) rulesFingerprint(root *Location) string {
	var kinds []string
	for k, ok := range c.opts.Config.allowed() {
		if ok {
			kinds = append(kinds, k)
		}
	}
	for _, r := range root.Rules {
		for _, a := range r.Allow {
			kinds = append(kinds, "root:"+strings.ToLower(a))
		}
	}
	sort.Strings(kinds)
	if fp := c.kindsFingerprint(); fp != "" {
		kinds = append(kinds, "kinds:"+fp)
	}
	return strings.Join(kinds, ",")
}

func (c *Catalog) allowed(kind, srcKey string, root *Location) bool {
	k := strings.ToLower(kind)
	if c.kinds[k] || c.custom.Load().get(k) != nil {
		return true
	}
	if srcKey == root.Key() {
		for _, r := range root.Rules {
			for _, a := range r.Allow {
				if strings.ToLower(a) == k {
					return true
				}
			}
		}
	}
	return false
}
