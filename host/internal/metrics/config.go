package metrics

import (
	"net"
	"strconv"

	"greenroom.dev/greenroom/host/internal/lifecycle"
)

// Config is the `metrics:` section of app-config.yaml: Prometheus metrics at /metrics.
//
//	metrics:
//	  enabled: true          # default
//	  listen: 127.0.0.1:9464 # optional: a listener of its own, open to whoever reaches it
type Config struct {
	// Enabled serves the metrics at /metrics. Default true.
	Enabled *bool `yaml:"enabled"`
	// Listen, when set (host:port, such as 127.0.0.1:9464 or :9464), serves /metrics on
	// a listener of its own at that address, to whoever can reach it, and not on
	// backend.listen: keep it on an address only the scraper reaches. Empty (the
	// default) serves /metrics on backend.listen, where the scraper is a caller like
	// any other: with sign-in configured it needs a token (a static token of
	// backend.auth.externalAccess, sent as authorization credentials), and with the
	// permission policy on, the greenroom.metrics.read permission.
	Listen string `yaml:"listen"`
}

// On reports whether the metrics are served.
func (c *Config) On() bool { return c.Enabled == nil || *c.Enabled }

// Validate checks the section; each error names its YAML path under metrics.
func (c *Config) Validate() []error {
	if c.Listen == "" {
		return nil
	}
	host, port, err := net.SplitHostPort(c.Listen)
	if err != nil {
		return []error{lifecycle.Errorf([]string{"listen"}, "%q is not host:port; write it as 127.0.0.1:9464 or :9464", c.Listen)}
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return []error{lifecycle.Errorf([]string{"listen"}, "%q: port %q is not a number in 0-65535", c.Listen, port)}
	}
	_ = host
	return nil
}
