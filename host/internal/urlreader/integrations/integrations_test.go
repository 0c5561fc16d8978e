package integrations

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"greenroom.dev/greenroom/host/internal/urlreader"
)

func TestNewReaders(t *testing.T) {
	var cfg struct {
		Backend struct {
			Reading urlreader.ReadingConfig `yaml:"reading"`
		} `yaml:"backend"`
		Integrations Config `yaml:"integrations"`
	}
	src := `
backend:
  reading:
    allow: [{host: docs.example.com}]
    fileRoots: [` + t.TempDir() + `]
integrations:
  github: [{host: ghe.example.com, token: x}]
  gitlab: [{host: gitlab.example.com}]
`
	if err := yaml.Unmarshal([]byte(src), &cfg); err != nil {
		t.Fatal(err)
	}
	m, err := NewReaders(cfg.Backend.Reading, cfg.Integrations, urlreader.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range m.Entries() {
		names = append(names, e.Name)
	}
	if got := strings.Join(names, ","); got != "github:ghe.example.com,gitlab:gitlab.example.com,fetch,file" {
		t.Fatalf("readers %s", got)
	}
	for u, want := range map[string]string{
		"https://ghe.example.com/o/r/blob/main/x.yaml":      "github:ghe.example.com",
		"https://gitlab.example.com/g/p/-/blob/main/x.yaml": "gitlab:gitlab.example.com",
		"https://docs.example.com/x.yaml":                   "fetch",
		"file:///tmp/x.yaml":                                "file",
	} {
		e, err := m.Lookup(u)
		if err != nil || e.Name != want {
			t.Errorf("%s: %v %s, want %s", u, err, e.Name, want)
		}
	}
	if _, err := m.Lookup("https://github.com/o/r/blob/main/x.yaml"); !errors.Is(err, urlreader.ErrNotAllowed) {
		t.Errorf("github.com without an entry, when GitHub entries exist: %v", err)
	}
	_, err = m.ReadURL(context.Background(), "https://unknown.example.com/x", urlreader.ReadURLOptions{})
	if !errors.Is(err, urlreader.ErrNotAllowed) {
		t.Errorf("unknown host: %v", err)
	}
	if _, err := NewReaders(urlreader.ReadingConfig{}, Config{GitHub: []urlreader.GitHubIntegration{{}}}, urlreader.Options{}); err == nil || !strings.Contains(err.Error(), "integrations.github[0].host") {
		t.Errorf("bad integration: %v", err)
	}
}
