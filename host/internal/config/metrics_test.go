package config

import (
	"strings"
	"testing"
)

// TestMetricsSection: metrics.listen must be host:port, and a bad one is refused at
// load with its file, line and path; metrics are on by default.
func TestMetricsSection(t *testing.T) {
	for _, tc := range []struct{ yaml, want string }{
		{"metrics: {listen: '127.0.0.1:9464'}\n", ""},
		{"metrics: {listen: ':9464', enabled: true}\n", ""},
		{"metrics: {enabled: false}\n", ""},
		{"metrics:\n  listen: nope\n", `m.yaml:2: metrics.listen: "nope" is not host:port; write it as 127.0.0.1:9464 or :9464`},
		{"metrics:\n  listen: 'localhost:http'\n", `m.yaml:2: metrics.listen: "localhost:http": port "http" is not a number in 0-65535`},
		{"metrics:\n  listen: ':70000'\n", `metrics.listen: ":70000": port "70000" is not a number in 0-65535`},
		{"metrics: {port: 9464}\n", `metrics.port: unknown key`},
	} {
		f := write(t, t.TempDir(), "m.yaml", tc.yaml)
		cfg, err := Load([]string{f}, env(nil))
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%q: %v", tc.yaml, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%q: %v, want %q", tc.yaml, err, tc.want)
		case tc.want == "" && cfg.Metrics.On() != !strings.Contains(tc.yaml, "enabled: false"):
			t.Errorf("%q: On() = %v", tc.yaml, cfg.Metrics.On())
		}
	}
}
