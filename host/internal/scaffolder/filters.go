package scaffolder

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"greenroom.dev/greenroom/host/internal/catalog/model"
	"greenroom.dev/greenroom/host/internal/scaffolder/nunjucks"
)

// filters are Backstage's own template filters. hostKnown says whether a repo URL's host
// has an integration (nil accepts every host).
func filters(hostKnown func(host string) bool) map[string]nunjucks.Filter {
	return map[string]nunjucks.Filter{
		"parseRepoUrl": func(in any, _ []any) (any, error) {
			s, ok := in.(string)
			if !ok {
				return nil, fmt.Errorf("expected a repo URL like github.com?owner=o&repo=r, got %s", nunjucks.JSString(in))
			}
			return parseRepoURL(s, hostKnown)
		},
		"projectSlug": func(in any, _ []any) (any, error) {
			s, _ := in.(string)
			r, err := parseRepoURL(s, hostKnown)
			if err != nil {
				return nil, err
			}
			for _, k := range []string{"owner", "organization", "workspace", "project"} {
				if v, ok := r[k].(string); ok && v != "" {
					return v + "/" + r["repo"].(string), nil
				}
			}
			return r["repo"], nil
		},
		"parseEntityRef": func(in any, args []any) (any, error) {
			s, ok := in.(string)
			if !ok {
				return nil, fmt.Errorf("expected an entity ref, got %s", nunjucks.JSString(in))
			}
			ctx := model.RefContext{}
			if len(args) > 0 {
				if m, ok := args[0].(map[string]any); ok {
					ctx.DefaultKind, _ = m["defaultKind"].(string)
					ctx.DefaultNamespace, _ = m["defaultNamespace"].(string)
				}
			}
			ref, err := model.ParseRef(s, ctx)
			if err != nil {
				return nil, err
			}
			return map[string]any{"kind": ref.Kind, "namespace": ref.Namespace, "name": ref.Name}, nil
		},
		"pick": func(in any, args []any) (any, error) {
			if len(args) == 0 {
				return nil, errors.New("pick needs a key, like pick('owner')")
			}
			key, _ := args[0].(string)
			cur := in
			for _, p := range strings.Split(key, ".") {
				switch c := cur.(type) {
				case map[string]any:
					cur = c[p]
				default:
					return nil, nil
				}
			}
			return cur, nil
		},
	}
}

// parseRepoURL reads RepoUrlPicker's value, host?owner=o&repo=r.
func parseRepoURL(s string, hostKnown func(string) bool) (map[string]any, error) {
	u, err := url.Parse("https://" + s)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("invalid repo URL passed to parser, %q", s)
	}
	if hostKnown != nil && !hostKnown(u.Host) {
		return nil, fmt.Errorf("No matching integration configuration for host %s, please check your integrations config", u.Host)
	}
	q := u.Query()
	out := map[string]any{"host": u.Host}
	for _, k := range []string{"owner", "organization", "workspace", "project"} {
		if v := q.Get(k); v != "" {
			out[k] = v
		}
	}
	repo := q.Get("repo")
	if repo == "" {
		return nil, fmt.Errorf("invalid repo URL passed to parser, missing repo in %q", s)
	}
	out["repo"] = repo
	if out["owner"] == nil && out["organization"] == nil && out["workspace"] == nil {
		return nil, fmt.Errorf("invalid repo URL passed to parser, missing owner in %q", s)
	}
	return out, nil
}
