// Package pack writes a plugin manifest (plugin.yaml) into a module's
// greenroom.manifest custom section.
package pack

import (
	"encoding/json"
	"fmt"
	"os"

	"gopkg.in/yaml.v3"

	"greenroom.dev/greenroom/abi"
	"greenroom.dev/greenroom/host/internal/wasmfile"
)

// ReadManifest reads a plugin.yaml and validates it as a manifest.
func ReadManifest(path string) (*abi.Manifest, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	var v any
	if err := yaml.Unmarshal(b, &v); err != nil {
		return nil, fmt.Errorf("manifest %s: %w", path, err)
	}
	j, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("manifest %s: %w", path, err)
	}
	m, err := abi.DecodeManifest(j)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// Pack returns wasm with m in its manifest section (replacing any earlier one).
func Pack(wasm []byte, m *abi.Manifest) ([]byte, error) {
	if _, err := wasmfile.Parse(wasm); err != nil {
		return nil, err
	}
	payload, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	return wasmfile.WithCustom(wasm, abi.ManifestSection, payload)
}
