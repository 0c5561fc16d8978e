package proxy

import (
	"fmt"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// Config is the `proxy` section, as in Backstage's proxy-backend:
//
//	proxy:
//	  endpoints:
//	    /simple-example: http://simple.example.com:8080
//	    /larger-example/v1:
//	      target: http://larger.example.com:8080/svc.v1
//	      credentials: dangerously-allow-unauthenticated
//	      changeOrigin: true
//	      pathRewrite:
//	        '^/api/proxy/larger-example/v1/': '/'
//	      headers:
//	        Authorization: Bearer ${TOKEN}
//	      allowedMethods: [GET]
//	      allowedHeaders: [X-Request-Id]
//
// Requests to /api/proxy/<endpoint>/<rest> go to <target>/<rest>. Plugins with the
// `proxy` capability call the same endpoints by name.
type Config struct {
	// Endpoints maps a route (`/name`; a missing leading slash is added) to its target:
	// either a plain URL string or an object (see Endpoint).
	Endpoints map[string]Endpoint `yaml:"endpoints"`
	// SkipInvalidProxies logs and skips an endpoint whose config is invalid instead of
	// refusing to start.
	SkipInvalidProxies bool `yaml:"skipInvalidProxies"`
	// ReviveConsumedRequestBodies is accepted for Backstage compatibility. Greenroom
	// never reads a request body before proxying it (bodies are streamed), so there is
	// nothing to revive and the setting has no effect.
	ReviveConsumedRequestBodies bool `yaml:"reviveConsumedRequestBodies"`
}

// Endpoint is one proxy endpoint. In YAML it is either the target URL as a string or an
// object with these keys.
type Endpoint struct {
	// Target is the upstream base URL (http or https), for example
	// http://larger.example.com:8080/svc.v1. The request path after the route is
	// appended to it. The host named here may be on a private network: the operator
	// named it. Redirects from it are passed to the caller, never followed.
	Target string `yaml:"target"`
	// ChangeOrigin sets the upstream Host header to the target's host (default true).
	// With false the incoming Host header is sent; the connection still goes to the
	// target.
	ChangeOrigin *bool `yaml:"changeOrigin"`
	// PathRewrite maps regular expressions to replacements, applied in order to the
	// full request path (starting with /api/proxy/<route>); the first matching rule
	// wins. Default: strip `/api/proxy/<route>`.
	PathRewrite PathRewrite `yaml:"pathRewrite"`
	// Headers are set on every upstream request, replacing what the client sent. Use
	// ${ENV} to keep secrets out of the file.
	Headers map[string]string `yaml:"headers"`
	// AllowedMethods, if set, are the only HTTP methods proxied; others get 405.
	AllowedMethods []string `yaml:"allowedMethods"`
	// AllowedHeaders are extra header names passed through in both directions, on top
	// of the safe list (cache-control, content-language, content-length, content-type,
	// expires, last-modified, pragma, host, accept, accept-language, user-agent).
	AllowedHeaders []string `yaml:"allowedHeaders"`
	// Credentials is who may call the endpoint, as in Backstage: require (the default)
	// needs a signed-in user or a service token and never forwards the caller's
	// Authorization header; forward needs the same and forwards that header upstream;
	// dangerously-allow-unauthenticated lets anyone call it. A plugin's proxy_fetch is
	// held to the same rule for the caller it serves.
	Credentials string `yaml:"credentials"`
}

// RewriteRule is one pathRewrite entry.
type RewriteRule struct {
	Pattern     string
	Replacement string
}

// PathRewrite keeps the order in which the rules were written.
type PathRewrite []RewriteRule

// UnmarshalYAML reads a mapping of pattern to replacement, in order.
func (p *PathRewrite) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: pathRewrite must be a mapping of regular expression to replacement, such as '^/api/proxy/x/': '/'", n.Line)
	}
	var out PathRewrite
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode || v.Kind != yaml.ScalarNode {
			return fmt.Errorf("line %d: pathRewrite entries must map a string to a string", k.Line)
		}
		out = append(out, RewriteRule{Pattern: k.Value, Replacement: v.Value})
	}
	*p = out
	return nil
}

var endpointKeys = []string{"target", "changeOrigin", "pathRewrite", "headers", "allowedMethods", "allowedHeaders", "credentials"}

// UnmarshalYAML accepts the string form (the target) and the object form, and refuses
// unknown keys with their line, as the rest of the config does.
func (e *Endpoint) UnmarshalYAML(n *yaml.Node) error {
	switch n.Kind {
	case yaml.ScalarNode:
		*e = Endpoint{Target: n.Value}
		return nil
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			known := false
			for _, name := range endpointKeys {
				if k.Value == name {
					known = true
				}
			}
			if !known {
				keys := append([]string(nil), endpointKeys...)
				sort.Strings(keys)
				return fmt.Errorf("line %d: proxy endpoint key %q is not known; use one of %s", k.Line, k.Value, strings.Join(keys, ", "))
			}
		}
		type plain Endpoint
		var p plain
		if err := n.Decode(&p); err != nil {
			return err
		}
		*e = Endpoint(p)
		return nil
	default:
		return fmt.Errorf("line %d: a proxy endpoint is a target URL string or an object with target, headers and the other endpoint keys", n.Line)
	}
}

// Has reports whether an endpoint with this route (its prefix, with or without the
// slashes around it: github, /github, /github/) is configured.
func (c Config) Has(route string) bool {
	want := "/" + strings.Trim(route, "/")
	for name := range c.Endpoints {
		if "/"+strings.Trim(name, "/") == want {
			return true
		}
	}
	return false
}
