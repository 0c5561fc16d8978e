// Package config loads app-config.yaml and its overlays into one typed model.
//
// Files are merged key by key, later files winning; scalars and lists are replaced whole,
// except the plugins list, whose entries are matched by id: an overlay's entry with the
// id of an earlier entry is merged key by key into it, one with a new id is appended.
// ${VAR} in a scalar value is replaced by the environment variable VAR ($${ is a literal
// ${). A relative file path (fileKeys) is resolved against the directory of the file
// that sets it. Decoding is strict: an unknown key, a wrong type or a bad value is an
// error that names the file, the line and the YAML path.
//
// Schema is the JSON Schema of the files (docs/app-config.schema.json), built from the
// model, with the field comments as descriptions; see schema.go.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Error is a config error at a place in a file.
type Error struct {
	File string
	Line int
	Path string // YAML path, e.g. plugins[0].limits.memory
	Msg  string
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		if e.Line > 0 {
			fmt.Fprintf(&b, ":%d", e.Line)
		}
		b.WriteString(": ")
	}
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Errors is a list of config errors, reported together.
type Errors []*Error

func (es Errors) Error() string {
	s := make([]string, len(es))
	for i, e := range es {
		s[i] = e.Error()
	}
	return strings.Join(s, "\n")
}

// Lookup finds an environment variable.
type Lookup func(string) (string, bool)

// maxFileSize bounds a config file.
const maxFileSize = 8 << 20

// Load reads, merges and decodes the config files, in order. env is os.LookupEnv when nil.
func Load(files []string, env Lookup) (*Config, error) {
	if len(files) == 0 {
		return nil, errors.New("no config file given; pass --config app-config.yaml")
	}
	if env == nil {
		env = os.LookupEnv
	}
	var merged *yaml.Node
	origin := map[*yaml.Node]string{}
	m := &merger{origin: origin}
	for _, f := range files {
		n, err := readFile(f, env)
		if err != nil {
			return nil, err
		}
		if n == nil {
			continue
		}
		walk(n, func(x *yaml.Node) { origin[x] = f })
		// Decode each file on its own too, so that type errors name the right file.
		var probe Config
		if err := decodeNode(f, n, &probe); err != nil {
			return nil, err
		}
		if merged == nil {
			merged = n
		} else if merged, err = m.merge(merged, n, ""); err != nil {
			return nil, err
		}
	}
	if merged != nil {
		resolvePaths(merged, files[0], origin)
	}
	cfg := &Config{}
	if merged != nil {
		if err := decodeNode("", merged, cfg); err != nil {
			return nil, err
		}
	}
	cfg.Files = files
	cfg.origin = origin
	cfg.root = merged
	cfg.applyDefaults()
	if errs := cfg.validate(); len(errs) > 0 {
		return nil, errs
	}
	return cfg, nil
}

func readFile(f string, env Lookup) (*yaml.Node, error) {
	st, err := os.Stat(f)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, &Error{File: f, Msg: "config file not found; check the --config path"}
		}
		return nil, &Error{File: f, Msg: err.Error()}
	}
	if st.Size() > maxFileSize {
		return nil, &Error{File: f, Msg: fmt.Sprintf("config file is %d bytes, over the %d byte limit", st.Size(), maxFileSize)}
	}
	b, err := os.ReadFile(f)
	if err != nil {
		return nil, &Error{File: f, Msg: err.Error()}
	}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&doc); err != nil {
		if err.Error() == "EOF" {
			return nil, nil // empty file
		}
		return nil, yamlSyntaxError(f, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, &Error{File: f, Line: extra.Line, Msg: "more than one YAML document; a config file holds one"}
	}
	if len(doc.Content) == 0 {
		return nil, nil
	}
	root := doc.Content[0]
	if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
		return nil, nil
	}
	if root.Kind != yaml.MappingNode {
		return nil, &Error{File: f, Line: root.Line, Msg: "the top level must be a mapping of keys (app, backend, plugins, ...)"}
	}
	if err := checkAliases(f, root, 0); err != nil {
		return nil, err
	}
	if err := substitute(f, root, "", env); err != nil {
		return nil, err
	}
	return root, nil
}

var lineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

func yamlSyntaxError(f string, err error) error {
	if m := lineRE.FindStringSubmatch(err.Error()); m != nil {
		line, _ := strconv.Atoi(m[1])
		return &Error{File: f, Line: line, Msg: "YAML syntax error: " + m[2]}
	}
	return &Error{File: f, Msg: "YAML syntax error: " + strings.TrimPrefix(err.Error(), "yaml: ")}
}

// checkAliases refuses aliases: configs have no need for them and they can expand without
// bound.
func checkAliases(f string, n *yaml.Node, depth int) error {
	if depth > 64 {
		return &Error{File: f, Line: n.Line, Msg: "nested more than 64 levels deep"}
	}
	if n.Kind == yaml.AliasNode {
		return &Error{File: f, Line: n.Line, Msg: "YAML aliases (*name) are not allowed in config; repeat the value"}
	}
	for _, c := range n.Content {
		if err := checkAliases(f, c, depth+1); err != nil {
			return err
		}
	}
	return nil
}

var envRE = regexp.MustCompile(`\$?\$\{([^}]*)\}`)

func substitute(f string, n *yaml.Node, path string, env Lookup) error {
	switch n.Kind {
	case yaml.ScalarNode:
		if !strings.Contains(n.Value, "${") {
			return nil
		}
		var err error
		out := envRE.ReplaceAllStringFunc(n.Value, func(m string) string {
			if strings.HasPrefix(m, "$$") {
				return m[1:]
			}
			name := strings.TrimSpace(m[2 : len(m)-1])
			v, ok := env(name)
			if !ok && err == nil {
				err = &Error{File: f, Line: n.Line, Path: path, Msg: fmt.Sprintf("environment variable %s is not set; set it or replace ${%s} with a value", name, name)}
			}
			return v
		})
		if err != nil {
			return err
		}
		n.Value = out
		if n.Style == 0 {
			// A substituted value keeps its string type: "${PORT}" is decoded by the field type.
			n.Tag = ""
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			if err := substitute(f, n.Content[i+1], join(path, n.Content[i].Value), env); err != nil {
				return err
			}
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			if err := substitute(f, c, fmt.Sprintf("%s[%d]", path, i), env); err != nil {
				return err
			}
		}
	}
	return nil
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func walk(n *yaml.Node, fn func(*yaml.Node)) {
	fn(n)
	for _, c := range n.Content {
		walk(c, fn)
	}
}

// merger overlays config files, keeping track of which file each node came from.
type merger struct{ origin map[*yaml.Node]string }

// merge overlays b on a: mappings merge key by key, the plugins list merges by id
// (mergePlugins), anything else is replaced. path is the YAML path of a and b.
func (m *merger) merge(a, b *yaml.Node, path string) (*yaml.Node, error) {
	if path == "plugins" && a.Kind == yaml.SequenceNode && b.Kind == yaml.SequenceNode {
		return m.mergePlugins(a, b)
	}
	if a.Kind != yaml.MappingNode || b.Kind != yaml.MappingNode {
		return b, nil
	}
	out := &yaml.Node{Kind: yaml.MappingNode, Tag: a.Tag, Line: a.Line, Column: a.Column}
	m.origin[out] = m.origin[a] // the mapping is located where it was first defined
	out.Content = append(out.Content, a.Content...)
	for i := 0; i+1 < len(b.Content); i += 2 {
		k, v := b.Content[i], b.Content[i+1]
		found := false
		for j := 0; j+1 < len(out.Content); j += 2 {
			if out.Content[j].Value == k.Value {
				merged, err := m.merge(out.Content[j+1], v, join(path, k.Value))
				if err != nil {
					return nil, err
				}
				out.Content[j+1] = merged
				found = true
				break
			}
		}
		if !found {
			out.Content = append(out.Content, k, v)
		}
	}
	return out, nil
}

// mergePlugins overlays the plugins list b on a: an entry of b whose id is that of an
// entry of a is merged into it key by key (so an overlay changes one plugin without
// repeating the others); any other entry is appended.
func (m *merger) mergePlugins(a, b *yaml.Node) (*yaml.Node, error) {
	out := &yaml.Node{Kind: yaml.SequenceNode, Tag: a.Tag, Style: a.Style, Line: a.Line, Column: a.Column}
	m.origin[out] = m.origin[a]
	out.Content = append(out.Content, a.Content...)
	seen := map[string]*yaml.Node{} // ids in b, which must be unique there
	for i, e := range b.Content {
		id := entryID(e)
		if id == nil {
			out.Content = append(out.Content, e)
			continue
		}
		if first := seen[id.Value]; first != nil {
			return nil, &Error{File: m.origin[id], Line: id.Line, Path: fmt.Sprintf("plugins[%d].id", i),
				Msg: fmt.Sprintf("duplicate plugin id %q in this file, first used on line %d; give each entry its own id", id.Value, first.Line)}
		}
		seen[id.Value] = id
		j := slices.IndexFunc(out.Content, func(x *yaml.Node) bool {
			xid := entryID(x)
			return xid != nil && xid.Value == id.Value
		})
		if j < 0 {
			out.Content = append(out.Content, e)
			continue
		}
		merged, err := m.merge(out.Content[j], e, fmt.Sprintf("plugins[%d]", j))
		if err != nil {
			return nil, err
		}
		out.Content[j] = merged
	}
	return out, nil
}

// entryID is the id scalar of a plugins entry, or nil.
func entryID(e *yaml.Node) *yaml.Node {
	if e.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(e.Content); i += 2 {
		if e.Content[i].Value == "id" && e.Content[i+1].Kind == yaml.ScalarNode && e.Content[i+1].Value != "" {
			return e.Content[i+1]
		}
	}
	return nil
}

// fileKeys are the YAML paths whose values are local file paths ("[]" stands for every
// entry of a list). Those marked cwd are resolved by their reader against the working
// directory, the others against Config.Dir.
var fileKeys = []struct {
	path []string
	cwd  bool
}{
	{path: []string{"plugins", "[]", "source"}},
	{path: []string{"backend", "database", "connection"}},
	{path: []string{"backend", "reading", "fileRoots", "[]"}, cwd: true},
	{path: []string{"runtime", "compilationCache"}},
	{path: []string{"catalog", "locations", "[]", "target"}},
	{path: []string{"security", "trustedKeys", "[]", "file"}},
	{path: []string{"audit", "log", "file"}},
	{path: []string{"permission", "rbac", "policies-csv-file"}},
	{path: []string{"permission", "rbac", "conditionalPoliciesFile"}},
}

// resolvePaths makes every relative file path in the merged config relative to the
// directory of the file that sets it. The host resolves relative paths (and the defaults
// of unset ones) against the first file's directory, so a path set in a file of that
// directory is left as written (reports show it so), and any other is made absolute.
// URLs, "-" (audit.log.file's stdout) and absolute paths are left alone.
func resolvePaths(root *yaml.Node, first string, origin map[*yaml.Node]string) {
	firstDir := filepath.Dir(first)
	for _, key := range fileKeys {
		for _, n := range lookup(root, key.path) {
			v := n.Value
			if n.Kind != yaml.ScalarNode || v == "" || v == "-" || filepath.IsAbs(v) || strings.Contains(v, "://") {
				continue
			}
			dir := filepath.Dir(origin[n])
			if dir == firstDir && !key.cwd {
				continue
			}
			p := filepath.Join(dir, v)
			if abs, err := filepath.Abs(p); err == nil {
				p = abs
			}
			n.Value = p
		}
	}
}

// lookup finds the nodes at a path of mapping keys and "[]" (every list entry).
func lookup(n *yaml.Node, path []string) []*yaml.Node {
	if len(path) == 0 {
		return []*yaml.Node{n}
	}
	var out []*yaml.Node
	switch {
	case path[0] == "[]":
		if n.Kind == yaml.SequenceNode {
			for _, c := range n.Content {
				out = append(out, lookup(c, path[1:])...)
			}
		}
	case n.Kind == yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == path[0] {
				out = append(out, lookup(n.Content[i+1], path[1:])...)
			}
		}
	}
	return out
}

var unmarshalerType = reflect.TypeOf((*yaml.Unmarshaler)(nil)).Elem()
var nodeType = reflect.TypeOf(yaml.Node{})

// decodeNode checks n strictly against v's type, then decodes it.
func decodeNode(file string, n *yaml.Node, v any) error {
	if err := checkKeys(file, n, reflect.TypeOf(v), ""); err != nil {
		return err
	}
	if err := n.Decode(v); err != nil {
		var te *yaml.TypeError
		if errors.As(err, &te) && len(te.Errors) > 0 {
			msg := te.Errors[0]
			line := 0
			if m := regexp.MustCompile(`^line (\d+): (.*)$`).FindStringSubmatch(msg); m != nil {
				line, _ = strconv.Atoi(m[1])
				msg = m[2]
			}
			return &Error{File: file, Line: line, Path: pathAtLine(n, line, msg), Msg: msg}
		}
		var ce *Error
		if errors.As(err, &ce) {
			if ce.File == "" {
				ce.File = file
			}
			if ce.Path == "" {
				ce.Path = pathAtLine(n, ce.Line, ce.Msg)
			}
			return ce
		}
		return &Error{File: file, Msg: err.Error()}
	}
	return nil
}

// pathAtLine finds the YAML path of the value node on a line. The decoder's messages
// name the line only, and a flow mapping ({port: x, host: y}) puts several values on
// one: the one that msg quotes (`x`, or `abcdefg...` for a longer value) is preferred,
// else the first.
func pathAtLine(n *yaml.Node, line int, msg string) string {
	want := ""
	if m := quotedValueRE.FindStringSubmatch(msg); m != nil {
		want = m[1]
	}
	var first, match string
	var rec func(n *yaml.Node, path string)
	rec = func(n *yaml.Node, path string) {
		at := func(v *yaml.Node, p string) {
			if v.Line == line && v.Kind == yaml.ScalarNode {
				if first == "" {
					first = p
				}
				if match == "" && want != "" && (v.Value == want || strings.HasSuffix(want, "...") && strings.HasPrefix(v.Value, strings.TrimSuffix(want, "..."))) {
					match = p
				}
			}
		}
		switch n.Kind {
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				p := join(path, k.Value)
				at(v, p)
				rec(v, p)
			}
		case yaml.SequenceNode:
			for i, c := range n.Content {
				p := fmt.Sprintf("%s[%d]", path, i)
				at(c, p)
				rec(c, p)
			}
		}
	}
	rec(n, "")
	if match != "" {
		return match
	}
	return first
}

// quotedValueRE finds the value that a decoder message quotes: cannot unmarshal !!str `x`.
var quotedValueRE = regexp.MustCompile("`([^`]*)`")

// checkKeys reports the first mapping key that has no field in t.
func checkKeys(file string, n *yaml.Node, t reflect.Type, path string) error {
	for t.Kind() == reflect.Pointer {
		if t.Implements(unmarshalerType) {
			return nil
		}
		t = t.Elem()
	}
	if t == nodeType || reflect.PointerTo(t).Implements(unmarshalerType) || t.Implements(unmarshalerType) {
		return nil
	}
	switch t.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			return nil // the decoder reports the type error
		}
		fields := yamlFields(t)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			ft, ok := fields[k.Value]
			if !ok {
				known := make([]string, 0, len(fields))
				for name := range fields {
					known = append(known, name)
				}
				sort.Strings(known)
				return &Error{File: file, Line: k.Line, Path: join(path, k.Value),
					Msg: fmt.Sprintf("unknown key; known keys here: %s", strings.Join(known, ", "))}
			}
			if err := checkKeys(file, v, ft, join(path, k.Value)); err != nil {
				return err
			}
		}
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			return nil
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			if err := checkKeys(file, n.Content[i+1], t.Elem(), join(path, n.Content[i].Value)); err != nil {
				return err
			}
		}
	case reflect.Slice, reflect.Array:
		if n.Kind != yaml.SequenceNode {
			return nil
		}
		for i, c := range n.Content {
			if err := checkKeys(file, c, t.Elem(), fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	}
	return nil
}

func yamlFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("yaml")
		name, opts, _ := strings.Cut(tag, ",")
		if name == "-" {
			continue
		}
		if strings.Contains(opts, "inline") {
			for k, v := range yamlFields(f.Type) {
				out[k] = v
			}
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		out[name] = f.Type
	}
	return out
}

// Dir returns the directory of the first config file. Relative paths in config are
// resolved against it: those the first file (or another file in its directory) sets,
// and the defaults of unset ones; Load makes paths that other files set absolute.
func (c *Config) Dir() string {
	if len(c.Files) == 0 {
		return "."
	}
	return filepath.Dir(c.Files[0])
}
