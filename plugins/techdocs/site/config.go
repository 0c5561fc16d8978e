package site

import (
	"fmt"
	"path"
	"strings"

	"gopkg.in/yaml.v3"
)

// Config is what the build uses of mkdocs.yml.
type Config struct {
	// File is the config's name in the tree: mkdocs.yaml or mkdocs.yml.
	File            string
	SiteName        string
	SiteDescription string
	// DocsDir is the Markdown directory, relative to the tree's root, cleaned ("docs").
	DocsDir string
	RepoURL string
	EditURI string
	// Nav is the nav as written; nil when mkdocs.yml has none.
	Nav []NavEntry
	// HasNav is true when mkdocs.yml has a nav key.
	HasNav bool
}

// NavEntry is one entry of mkdocs.yml's nav: a page (Path), an external link (URL), or
// a section (Children). Title is empty for an entry without a label.
type NavEntry struct {
	Title    string
	Path     string
	URL      string
	Children []NavEntry
	Section  bool
	Line     int
}

// configNames are the file names Backstage looks for, in its order.
var configNames = []string{"mkdocs.yaml", "mkdocs.yml"}

// LoadConfig finds and parses mkdocs.yaml or mkdocs.yml at the tree's root. Tags such
// as !!python/name: that real configs carry are kept as plain values.
func LoadConfig(files map[string][]byte) (*Config, error) {
	var name string
	var raw []byte
	for _, n := range configNames {
		if b, ok := files[n]; ok {
			name, raw = n, b
			break
		}
	}
	if name == "" {
		return nil, &Error{Msg: "Could not read MkDocs YAML config file mkdocs.yml or mkdocs.yaml for validation: neither file is at the root of the docs source; add mkdocs.yml (site_name, docs_dir, nav) next to the entity's catalog-info.yaml, or point backstage.io/techdocs-ref at the directory that holds it"}
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		return nil, &Error{File: name, Msg: fmt.Sprintf("not valid YAML: %v", err)}
	}
	c := &Config{File: name, DocsDir: "docs"}
	if len(doc.Content) == 0 {
		return nil, &Error{File: name, Msg: "the file is empty; it needs at least site_name"}
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, &Error{File: name, Line: root.Line, Msg: "the file must be a mapping of mkdocs settings (site_name, docs_dir, nav, ...)"}
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		str := func() (string, error) {
			if v.Kind != yaml.ScalarNode {
				return "", &Error{File: name, Line: v.Line, Msg: fmt.Sprintf("%s must be a string", k.Value)}
			}
			return v.Value, nil
		}
		var err error
		switch k.Value {
		case "site_name":
			c.SiteName, err = str()
		case "site_description":
			c.SiteDescription, err = str()
		case "repo_url":
			c.RepoURL, err = str()
		case "edit_uri":
			c.EditURI, err = str()
		case "docs_dir":
			var d string
			if d, err = str(); err == nil {
				c.DocsDir, err = checkDocsDir(name, v.Line, d)
			}
		case "nav":
			c.HasNav = true
			c.Nav, err = navEntries(name, v)
		}
		if err != nil {
			return nil, err
		}
	}
	if strings.TrimSpace(c.SiteName) == "" {
		return nil, &Error{File: name, Line: root.Line, Msg: "site_name is required; add site_name: <the site's title>"}
	}
	return c, nil
}

// checkDocsDir keeps docs_dir inside the tree, with Backstage's wording.
func checkDocsDir(file string, line int, d string) (string, error) {
	if strings.HasPrefix(d, "/") || strings.Contains(d, "\\") || len(d) > 1 && d[1] == ':' {
		return "", &Error{File: file, Line: line, Msg: fmt.Sprintf("docs_dir %q: docs_dir configuration value in mkdocs can't be an absolute directory or start with ../ for security reasons. Use relative paths instead which are resolved relative to your mkdocs.yml file location.", d)}
	}
	clean := path.Clean(d)
	if clean == ".." || strings.HasPrefix(clean, "../") {
		return "", &Error{File: file, Line: line, Msg: fmt.Sprintf("docs_dir %q: docs_dir configuration value in mkdocs can't be an absolute directory or start with ../ for security reasons. Use relative paths instead which are resolved relative to your mkdocs.yml file location.", d)}
	}
	return clean, nil
}

func navEntries(file string, n *yaml.Node) ([]NavEntry, error) {
	if n.Kind != yaml.SequenceNode {
		return nil, &Error{File: file, Line: n.Line, Msg: "nav must be a list of pages, links and sections"}
	}
	out := []NavEntry{}
	for _, item := range n.Content {
		e, err := navEntry(file, item)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

func navEntry(file string, n *yaml.Node) (NavEntry, error) {
	switch n.Kind {
	case yaml.ScalarNode:
		return target(NavEntry{Line: n.Line}, n.Value), nil
	case yaml.MappingNode:
		if len(n.Content) != 2 {
			return NavEntry{}, &Error{File: file, Line: n.Line, Msg: "a nav entry is one label: path, label: URL or label: [entries]"}
		}
		k, v := n.Content[0], n.Content[1]
		e := NavEntry{Title: k.Value, Line: k.Line}
		switch v.Kind {
		case yaml.ScalarNode:
			return target(e, v.Value), nil
		case yaml.SequenceNode:
			ch, err := navEntries(file, v)
			e.Children, e.Section = ch, true
			return e, err
		}
	}
	return NavEntry{}, &Error{File: file, Line: n.Line, Msg: "a nav entry is a path, label: path, label: URL or label: [entries]"}
}

func target(e NavEntry, v string) NavEntry {
	if isExternal(v) {
		e.URL = v
	} else {
		e.Path = v
	}
	return e
}

// isExternal reports whether a link or nav target is a URL rather than a docs path.
func isExternal(v string) bool {
	if strings.HasPrefix(v, "//") {
		return true
	}
	if i := strings.IndexByte(v, ':'); i > 0 {
		scheme := v[:i]
		for _, r := range scheme {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '+' || r == '-' || r == '.') {
				return false
			}
		}
		return true
	}
	return false
}

// Error is a build error that names the file and line of the docs source.
type Error struct {
	File string
	Line int
	Msg  string
}

func (e *Error) Error() string {
	switch {
	case e.File != "" && e.Line > 0:
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	case e.File != "":
		return e.File + ": " + e.Msg
	}
	return e.Msg
}
