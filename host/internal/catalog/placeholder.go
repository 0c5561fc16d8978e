package catalog

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"path/filepath"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// Placeholders, as Backstage's PlaceholderProcessor resolves them: a mapping whose only
// key is $text, $json or $yaml is replaced by the file it names (relative to the
// catalog file, or an absolute URL for a catalog read from a URL), as text or decoded.
// An API's spec.definition: {$text: ./openapi.yaml} is the common case.

// maxPlaceholders bounds the placeholders of one entity.
const maxPlaceholders = 32

// resolvePlaceholders replaces the placeholders in doc, reading through the catalog's
// reader. srcTyp and srcTarget are the catalog file's location. It returns one error
// per placeholder that cannot be resolved, naming it and why.
func (c *Catalog) resolvePlaceholders(ctx context.Context, doc map[string]any, srcTyp, srcTarget string) []error {
	var errs []error
	n := 0
	var visit func(v any, path string) any
	visit = func(v any, path string) any {
		switch x := v.(type) {
		case map[string]any:
			if len(x) == 1 {
				for k, arg := range x {
					if k == "$text" || k == "$json" || k == "$yaml" {
						n++
						if n > maxPlaceholders {
							errs = append(errs, fmt.Errorf("%s: more than %d placeholders in one entity", path, maxPlaceholders))
							return v
						}
						out, err := c.placeholder(ctx, k, arg, srcTyp, srcTarget)
						if err != nil {
							errs = append(errs, fmt.Errorf("%s: placeholder %s: %w", path, k, err))
							return v
						}
						return out
					}
				}
			}
			keys := make([]string, 0, len(x))
			for k := range x {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				x[k] = visit(x[k], path+"."+k)
			}
		case []any:
			for i := range x {
				x[i] = visit(x[i], fmt.Sprintf("%s[%d]", path, i))
			}
		}
		return v
	}
	for _, k := range []string{"metadata", "spec"} {
		if m, ok := doc[k]; ok {
			doc[k] = visit(m, k)
		}
	}
	return errs
}

// hasPlaceholder reports cheaply whether a catalog file might hold placeholders.
func hasPlaceholder(data []byte) bool {
	s := string(data)
	return strings.Contains(s, "$text") || strings.Contains(s, "$json") || strings.Contains(s, "$yaml")
}

func (c *Catalog) placeholder(ctx context.Context, kind string, arg any, srcTyp, srcTarget string) (any, error) {
	ref, ok := arg.(string)
	if !ok || strings.TrimSpace(ref) == "" {
		return nil, fmt.Errorf("its value must be the path or URL of a file, as a string")
	}
	typ, target, err := placeholderTarget(ref, srcTyp, srcTarget)
	if err != nil {
		return nil, err
	}
	res, err := c.reader.ReadLocation(ctx, typ, target, "")
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", target, err)
	}
	switch kind {
	case "$text":
		return string(res.Data), nil
	case "$json":
		var v any
		if err := json.Unmarshal(res.Data, &v); err != nil {
			return nil, fmt.Errorf("%s is not JSON: %v", target, err)
		}
		return v, nil
	default:
		var v any
		if err := yaml.Unmarshal(res.Data, &v); err != nil {
			return nil, fmt.Errorf("%s is not YAML: %v", target, err)
		}
		return jsonValue(v), nil
	}
}

// placeholderTarget resolves a placeholder's path or URL against the catalog file: a
// relative path beside a local file stays in that file's directory; a catalog read
// from a URL resolves to a URL (which the URL readers' allow list then judges).
func placeholderTarget(ref, srcTyp, srcTarget string) (typ, target string, err error) {
	if u, perr := url.Parse(ref); perr == nil && u.Scheme != "" {
		if u.Scheme != "http" && u.Scheme != "https" {
			return "", "", fmt.Errorf("%q is neither a relative path nor an http(s) URL", ref)
		}
		return "url", ref, nil
	}
	switch srcTyp {
	case "file":
		if filepath.IsAbs(ref) {
			return "", "", fmt.Errorf("%q is an absolute path; name a file beside the catalog file, relative to it", ref)
		}
		dir := filepath.Dir(srcTarget)
		p := filepath.Join(dir, ref)
		if rel, rerr := filepath.Rel(dir, p); rerr != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return "", "", fmt.Errorf("%q leaves the catalog file's directory", ref)
		}
		return "file", p, nil
	case "url":
		base, perr := url.Parse(srcTarget)
		if perr != nil {
			return "", "", fmt.Errorf("the catalog file's URL %q does not parse", srcTarget)
		}
		r, perr := url.Parse(ref)
		if perr != nil {
			return "", "", fmt.Errorf("%q does not parse as a path", ref)
		}
		return "url", base.ResolveReference(r).String(), nil
	}
	return "", "", fmt.Errorf("a placeholder needs a catalog file read from a file or a URL, not %s", srcTyp)
}

// jsonValue turns what yaml.v3 decodes into values encoding/json writes (maps keyed
// by strings).
func jsonValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, c := range x {
			x[k] = jsonValue(c)
		}
		return x
	case map[any]any:
		m := make(map[string]any, len(x))
		for k, c := range x {
			m[fmt.Sprint(k)] = jsonValue(c)
		}
		return m
	case []any:
		for i := range x {
			x[i] = jsonValue(x[i])
		}
	}
	return v
}
