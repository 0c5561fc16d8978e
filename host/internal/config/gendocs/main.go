// Command gendocs writes the descriptions of the config's JSON Schema from the doc
// comments of the config's struct fields, and the schema itself: it reads the source of
// every package whose struct types make up config.Config (configdoc), writes
// host/internal/config/schema_docs.go and docs/app-config.schema.json, and fails,
// naming them, when a field has no doc comment.
//
// Usage, from anywhere in the repository:
//
//	go generate ./host/internal/config
//
// which runs `go run ./gendocs` in host/internal/config. It exits 1 on any problem.
package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"greenroom.dev/greenroom/host/internal/config"
	"greenroom.dev/greenroom/host/internal/config/configdoc"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "gendocs:", err)
		os.Exit(1)
	}
}

func run() error {
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	docs, err := configdoc.Read(root, config.ModulePath(), config.SchemaTypes())
	if err != nil {
		return err
	}
	if len(docs.Missing) > 0 {
		return fmt.Errorf("these config fields have no doc comment, which is their description in the schema; write one for operators:\n  %s", strings.Join(docs.Missing, "\n  "))
	}
	src, err := configdoc.GoFile("config", "schemaDocs", "go run ./gendocs", docs.Fields)
	if err != nil {
		return err
	}
	texts := map[string]string{}
	for k, d := range docs.Fields {
		texts[k] = d.Text
	}
	schema, err := config.BuildSchema(texts)
	if err != nil {
		return err
	}
	for path, b := range map[string][]byte{
		filepath.Join(root, "host", "internal", "config", "schema_docs.go"): src,
		filepath.Join(root, "docs", "app-config.schema.json"):               schema,
	} {
		if err := os.WriteFile(path, b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// moduleRoot is the directory of the go.mod above the working directory.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory; run it inside the repository")
		}
		dir = parent
	}
}
