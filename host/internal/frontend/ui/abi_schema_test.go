package ui

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// The UI tree schema is part of the ABI (abi/schema/ui-node.schema.json); this package
// embeds a copy, which must stay identical.
func TestSchemaMatchesABI(t *testing.T) {
	abi, err := os.ReadFile(filepath.Join("..", "..", "..", "..", "abi", "schema", "ui-node.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(abi, schemaJSON) {
		t.Fatal("host/internal/frontend/ui/schema.json differs from abi/schema/ui-node.schema.json; copy the ABI's over it")
	}
}
