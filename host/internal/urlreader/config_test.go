package urlreader

import (
	"bytes"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// The config types decode strictly from the YAML an operator writes (Backstage's keys).
func TestConfigYAML(t *testing.T) {
	src := `
reading:
  allow:
    - host: example.com
    - host: '*.examples.org'
    - host: example.net:8080
      paths: ['/api/']
  fileRoots: [./catalog]
  maxBytes: 1048576
  timeout: 30s
github:
  - host: github.com
    token: abc
  - host: ghe.example.com
    apiBaseUrl: https://ghe.example.com/api/v3
    rawBaseUrl: https://ghe.example.com/raw
`
	var c struct {
		Reading ReadingConfig       `yaml:"reading"`
		GitHub  []GitHubIntegration `yaml:"github"`
	}
	dec := yaml.NewDecoder(bytes.NewReader([]byte(src)))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil {
		t.Fatal(err)
	}
	if len(c.Reading.Allow) != 3 || c.Reading.Allow[2].Paths[0] != "/api/" || c.Reading.MaxBytes != 1<<20 ||
		c.Reading.FileRoots[0] != "./catalog" || c.GitHub[1].APIBaseURL != "https://ghe.example.com/api/v3" || c.GitHub[0].Token != "abc" {
		t.Fatalf("%+v", c)
	}
	lim, err := c.Reading.Limits()
	if err != nil || lim.Timeout.Seconds() != 30 {
		t.Fatalf("%v %+v", err, lim)
	}
	dec = yaml.NewDecoder(strings.NewReader("reading:\n  allow:\n    - hots: example.com\n"))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err == nil || !strings.Contains(err.Error(), "hots") {
		t.Fatalf("unknown key: %v", err)
	}
}
