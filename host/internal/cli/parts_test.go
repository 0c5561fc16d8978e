package cli

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"greenroom.dev/greenroom/host/internal/config"
)

// TestSameConfigErrors: greenroom audit, greenroom serve, greenroom config validate and a
// reload refuse the same bad config with the same message, naming the file, line and
// YAML path.
func TestSameConfigErrors(t *testing.T) {
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "app-config.yaml")
	good := "backend:\n  listen: {host: 127.0.0.1, port: 0}\n  database: {connection: " + filepath.Join(dir, "g.db") + "}\nruntime: {compilationCache: " + filepath.Join(dir, "cache") + "}\n"
	os.WriteFile(cfgPath, []byte(good), 0o644)
	cfg, err := config.Load([]string{cfgPath}, nil)
	if err != nil {
		t.Fatal(err)
	}
	h, err := start(context.Background(), slog.New(slog.NewTextHandler(io.Discard, nil)), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer h.stop(context.Background())

	bad := good + "proxy:\n  endpoints:\n    /ci:\n      target: https://ci.example.com\n      allowedMethods: [GET, 'BAD METHOD']\n"
	os.WriteFile(cfgPath, []byte(bad), 0o644)
	want := cfgPath + `:9: proxy.endpoints./ci.allowedMethods[1]: "BAD METHOD" is not an HTTP method`

	reloadErr := h.reload(context.Background(), []string{cfgPath}, nil)
	_, _, auditErr := run(t, "audit", "--config", cfgPath)
	_, _, serveErr := run(t, "serve", "--config", cfgPath)
	_, validateOut, _ := run(t, "config", "validate", cfgPath)
	for name, got := range map[string]string{"reload": errString(reloadErr), "audit": auditErr, "serve": serveErr, "config validate": validateOut} {
		if !strings.Contains(got, want) {
			t.Errorf("%s: %s\nwant %s", name, got, want)
		}
	}
	if code, _, _ := run(t, "serve", "--config", cfgPath); code != ExitUsage {
		t.Errorf("serve exit %d, want %d", code, ExitUsage)
	}
}

func errString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}
