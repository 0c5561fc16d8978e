// Package configdoc reads the operator documentation of config structs from their Go
// source: the doc comment of each struct type and of each of its fields, which the JSON
// Schema of app-config.yaml carries as descriptions. It also writes the Go file that
// holds them (package config's schema_docs.go), so that the binary describes the config
// without its source. go generate in host/internal/config runs it (gendocs); a test of
// package config fails when the committed file differs from what it would write.
package configdoc

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/doc/comment"
	"go/format"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
)

// Doc is the documentation of one struct type or field.
type Doc struct {
	// Text is the doc comment as plain text: each paragraph on one line, list items on
	// their own lines, code blocks indented by four spaces.
	Text string
	// Code are the comment's code blocks (the indented examples), as written.
	Code []string
}

// Key names a struct type ("host/internal/audit.Config") or one of its fields
// ("host/internal/audit.Config.Log") by the package's path inside the module.
func Key(modulePath string, t reflect.Type, field string) string {
	k := strings.TrimPrefix(strings.TrimPrefix(t.PkgPath(), modulePath), "/") + "." + t.Name()
	if field != "" {
		k += "." + field
	}
	return k
}

// Docs are the docs that Read found, by Key.
type Docs struct {
	// Types are the doc comments of the struct types, Fields those of their fields.
	Types, Fields map[string]Doc
	// Missing lists the fields that have no doc comment.
	Missing []string
}

// Read parses the packages that declare types (struct types of module modulePath,
// whose source is under root) and returns the docs of each type and of each of its
// exported fields that YAML decodes. Types of other modules are skipped.
func Read(root, modulePath string, types []reflect.Type) (*Docs, error) {
	docs := &Docs{Types: map[string]Doc{}, Fields: map[string]Doc{}}
	byPkg := map[string][]reflect.Type{}
	for _, t := range types {
		if t.PkgPath() == modulePath || strings.HasPrefix(t.PkgPath(), modulePath+"/") {
			byPkg[t.PkgPath()] = append(byPkg[t.PkgPath()], t)
		}
	}
	for pkg, ts := range byPkg {
		dir := filepath.Join(root, filepath.FromSlash(strings.TrimPrefix(strings.TrimPrefix(pkg, modulePath), "/")))
		specs, err := structSpecs(dir)
		if err != nil {
			return nil, err
		}
		for _, t := range ts {
			spec, ok := specs[t.Name()]
			if !ok {
				return nil, fmt.Errorf("configdoc: no struct type %s in %s", t.Name(), dir)
			}
			docs.Types[Key(modulePath, t, "")] = parse(spec.doc)
			for _, f := range spec.st.Fields.List {
				for _, name := range f.Names {
					if !name.IsExported() {
						continue
					}
					sf, ok := t.FieldByName(name.Name)
					if !ok || sf.Tag.Get("yaml") == "-" {
						continue
					}
					d := f.Doc
					if d == nil {
						d = f.Comment
					}
					text := d.Text()
					k := Key(modulePath, t, name.Name)
					if strings.TrimSpace(text) == "" {
						docs.Missing = append(docs.Missing, k)
						continue
					}
					docs.Fields[k] = parse(text)
				}
			}
		}
	}
	sort.Strings(docs.Missing)
	return docs, nil
}

type structSpec struct {
	doc string
	st  *ast.StructType
}

// structSpecs finds the struct types declared in the package in dir (tests excluded).
func structSpecs(dir string) (map[string]structSpec, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("configdoc: %w", err)
	}
	fset := token.NewFileSet()
	out := map[string]structSpec{}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			return nil, fmt.Errorf("configdoc: %w", err)
		}
		for _, decl := range f.Decls {
			gd, ok := decl.(*ast.GenDecl)
			if !ok || gd.Tok != token.TYPE {
				continue
			}
			for _, s := range gd.Specs {
				ts := s.(*ast.TypeSpec)
				st, ok := ts.Type.(*ast.StructType)
				if !ok {
					continue
				}
				doc := ts.Doc
				if doc == nil && len(gd.Specs) == 1 {
					doc = gd.Doc
				}
				out[ts.Name.Name] = structSpec{doc: doc.Text(), st: st}
			}
		}
	}
	return out, nil
}

// parse renders a doc comment as plain text and collects its code blocks.
func parse(text string) Doc {
	var p comment.Parser
	d := p.Parse(text)
	pr := comment.Printer{TextWidth: -1, TextCodePrefix: "    "}
	out := Doc{Text: strings.TrimSpace(string(pr.Text(d)))}
	for _, b := range d.Content {
		if c, ok := b.(*comment.Code); ok {
			out.Code = append(out.Code, c.Text)
		}
	}
	return out
}

// GoFile writes a Go source file of package pkg that declares the map variable name
// holding each doc's Text by key, sorted, with a header saying how it was generated.
func GoFile(pkg, name, generator string, docs map[string]Doc) ([]byte, error) {
	keys := make([]string, 0, len(docs))
	for k := range docs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b bytes.Buffer
	fmt.Fprintf(&b, "// Code generated by %s; DO NOT EDIT.\n\npackage %s\n\n", generator, pkg)
	fmt.Fprintf(&b, "// %s are the doc comments of the config's struct types and fields, by\n// configdoc.Key: the descriptions of the config's JSON Schema.\n", name)
	fmt.Fprintf(&b, "var %s = map[string]string{\n", name)
	for _, k := range keys {
		fmt.Fprintf(&b, "\t%s: %s,\n", strconv.Quote(k), strconv.Quote(docs[k].Text))
	}
	b.WriteString("}\n")
	return format.Source(b.Bytes())
}
