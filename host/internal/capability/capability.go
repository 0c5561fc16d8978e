// Package capability links the host's services to plugins as greenroom:host/v1 host
// functions, one capability each (kv, catalog.read, catalog.write, url.read, proxy),
// narrowed by the operator's grants: kv to the plugin's own bucket under its quota,
// catalog.write by kind and namespace, url.read by host and path globs, proxy by
// endpoint name. A narrowing refusal is a capability_denied error for that call; the
// plugin keeps running. Only granted capabilities get functions here; the load-time
// refusal of ungranted imports and the stubs for optional ones are package plugin's.
package capability

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"

	"greenroom.dev/greenroom/abi"
	"greenroom.dev/greenroom/host/internal/catalog"
	"greenroom.dev/greenroom/host/internal/config"
	"greenroom.dev/greenroom/host/internal/proxy"
	"greenroom.dev/greenroom/host/internal/runtime"
	"greenroom.dev/greenroom/host/internal/store"
	"greenroom.dev/greenroom/host/internal/urlreader"
)

// Services are the host parts that capabilities expose. A nil service provides no
// functions, so a plugin importing them is refused at load.
type Services struct {
	// KV backs the kv capability, one bucket per plugin.
	KV      *store.KV
	Catalog *catalog.Catalog
	URLs    urlreader.Reader
	Proxy   *proxy.Proxy
}

// Funcs returns the host functions for one plugin's granted capabilities. It matches
// plugin.HostFuncProvider.
func (s *Services) Funcs(p *config.Plugin) map[string]runtime.HostFunc {
	out := map[string]runtime.HostFunc{}
	g := &p.Grants
	if s.KV != nil && g.KV != nil {
		for name, f := range kvFuncs(s.KV, p.ID, int64(g.KV.Quota)) {
			out[name] = f
		}
	}
	if s.Catalog != nil && g.CatalogRead != nil {
		s.catalogRead(p.ID, out)
	}
	if s.Catalog != nil && g.CatalogWrite != nil {
		out["catalog_apply"] = s.catalogApply(p.ID, g.CatalogWrite)
	}
	if s.URLs != nil && g.URLRead != nil {
		s.urlRead(out, p, g.URLRead)
	}
	if s.Proxy != nil && g.Proxy != nil {
		out["proxy_fetch"] = s.proxyFetch(p, g.Proxy, int64(p.Limits.Memory)/4)
	}
	return out
}

func decode(req []byte, v any) error {
	if err := json.Unmarshal(req, v); err != nil {
		return abi.Errorf(abi.CodeInvalidArgument, "request is not valid JSON for this function: %v", err)
	}
	return nil
}

// catalogError maps catalog errors to ABI errors.
func catalogError(err error) error {
	switch {
	case errors.Is(err, catalog.ErrNotFound):
		return abi.Errorf(abi.CodeNotFound, "%v", err)
	case errors.Is(err, catalog.ErrTooLarge):
		return abi.Errorf(abi.CodeTooLarge, "%v", err)
	}
	var ce *catalog.Error
	if errors.As(err, &ce) {
		return abi.Errorf(abi.Code(catalog.ABICode(err)), "%s", ce.Message)
	}
	return abi.Errorf(abi.CodeInternal, "catalog: %v", err)
}

// catalogCall serves one catalog function through the catalog's own host-call handler.
func (s *Services) catalogCall(plugin, name string) runtime.HostFunc {
	return func(ctx context.Context, req []byte) ([]byte, error) {
		res, err := s.Catalog.HostCall(ctx, name, req, plugin, nil)
		if err != nil {
			return nil, catalogError(err)
		}
		return res, nil
	}
}

func (s *Services) catalogRead(plugin string, out map[string]runtime.HostFunc) {
	for _, name := range []string{"catalog_get", "catalog_query", "catalog_facets"} {
		out[name] = s.catalogCall(plugin, name)
	}
}

type applyRequest struct {
	Upsert []json.RawMessage `json:"upsert"`
	Delete []string          `json:"delete"`
}

type entityHead struct {
	Kind     string `json:"kind"`
	Metadata struct {
		Name      string `json:"name"`
		Namespace string `json:"namespace"`
	} `json:"metadata"`
}

func (s *Services) catalogApply(plugin string, g *config.CatalogWriteGrant) runtime.HostFunc {
	allowed := func(kind, ns string) error {
		if ns == "" {
			ns = "default"
		}
		if len(g.Kinds) > 0 && !slices.ContainsFunc(g.Kinds, func(k string) bool { return strings.EqualFold(k, kind) }) {
			return abi.Errorf(abi.CodeCapabilityDenied, "plugin %s may not write kind %s; its catalog.write grant allows kinds %s", plugin, kind, strings.Join(g.Kinds, ", "))
		}
		if len(g.Namespaces) > 0 && !slices.ContainsFunc(g.Namespaces, func(n string) bool { return strings.EqualFold(n, ns) }) {
			return abi.Errorf(abi.CodeCapabilityDenied, "plugin %s may not write namespace %s; its catalog.write grant allows namespaces %s", plugin, ns, strings.Join(g.Namespaces, ", "))
		}
		return nil
	}
	apply := s.catalogCall(plugin, "catalog_apply")
	return func(ctx context.Context, req []byte) ([]byte, error) {
		var r applyRequest
		if err := decode(req, &r); err != nil {
			return nil, err
		}
		for i, raw := range r.Upsert {
			var h entityHead
			if err := json.Unmarshal(raw, &h); err != nil {
				return nil, abi.Errorf(abi.CodeInvalidArgument, "upsert[%d] is not an entity: %v", i, err)
			}
			if err := allowed(h.Kind, h.Metadata.Namespace); err != nil {
				return nil, err
			}
		}
		for _, ref := range r.Delete {
			kind, ns, ok := splitRef(ref)
			if !ok {
				return nil, abi.Errorf(abi.CodeInvalidArgument, "delete: %q is not a full entity ref kind:namespace/name", ref)
			}
			if err := allowed(kind, ns); err != nil {
				return nil, err
			}
		}
		return apply(ctx, req)
	}
}

// splitRef splits kind:namespace/name (namespace defaulting to default).
func splitRef(ref string) (kind, ns string, ok bool) {
	kind, rest, ok := strings.Cut(ref, ":")
	if !ok || kind == "" {
		return "", "", false
	}
	ns, _, hasNS := strings.Cut(rest, "/")
	if !hasNS {
		ns = "default"
	}
	return kind, ns, true
}

func (s *Services) urlRead(out map[string]runtime.HostFunc, p *config.Plugin, g *config.URLReadGrant) {
	allow, err := urlreader.Grant(g.Hosts, g.Paths)
	if err != nil {
		// The grant's globs are invalid; every call says so.
		denied := func(ctx context.Context, req []byte) ([]byte, error) {
			return nil, abi.Errorf(abi.CodeCapabilityDenied, "plugin %s: %s.grants.url.read: %v", p.ID, p.Path(), err)
		}
		out["url_read"], out["url_read_tree"], out["url_search"] = denied, denied, denied
		return
	}
	r := urlreader.Narrow(s.URLs, allow)
	maxBytes := int64(p.Limits.Memory) / 4
	out["url_read"] = func(ctx context.Context, req []byte) ([]byte, error) {
		var q urlreader.ReadRequest
		if err := decode(req, &q); err != nil {
			return nil, err
		}
		res, err := urlreader.HostRead(ctx, r, q, maxBytes)
		if err != nil {
			return nil, urlreader.CallError(err)
		}
		return json.Marshal(res)
	}
	out["url_read_tree"] = func(ctx context.Context, req []byte) ([]byte, error) {
		var q urlreader.ReadTreeRequest
		if err := decode(req, &q); err != nil {
			return nil, err
		}
		res, err := urlreader.HostReadTree(ctx, r, q)
		if err != nil {
			return nil, urlreader.CallError(err)
		}
		return json.Marshal(res)
	}
	out["url_search"] = func(ctx context.Context, req []byte) ([]byte, error) {
		var q urlreader.SearchRequest
		if err := decode(req, &q); err != nil {
			return nil, err
		}
		res, err := urlreader.HostSearch(ctx, r, q)
		if err != nil {
			return nil, urlreader.CallError(err)
		}
		return json.Marshal(res)
	}
}

func (s *Services) proxyFetch(p *config.Plugin, g *config.ProxyGrant, maxBody int64) runtime.HostFunc {
	granted := map[string]bool{}
	for _, e := range g.Endpoints {
		granted["/"+strings.Trim(e, "/")] = true
	}
	return func(ctx context.Context, req []byte) ([]byte, error) {
		var r proxy.FetchRequest
		if err := decode(req, &r); err != nil {
			return nil, err
		}
		name := "/" + strings.Trim(r.Endpoint, "/")
		if !granted[name] {
			return nil, abi.Errorf(abi.CodeCapabilityDenied, "plugin %s may not call proxy endpoint %s; add it to %s.grants.proxy.endpoints", p.ID, name, p.Path())
		}
		r.Endpoint = name
		resp, err := s.Proxy.HostFetch(ctx, r, maxBody)
		if err != nil {
			return nil, proxy.CallError(err)
		}
		return json.Marshal(resp)
	}
}
