package audit

import (
	"greenroom.dev/greenroom/host/internal/lifecycle"
	"greenroom.dev/greenroom/host/internal/units"
)

// Config is the `audit:` section of app-config.yaml.
//
//	audit:
//	  log:
//	    file: data/audit.log   # or "-" for stdout
//	    maxSize: 10MiB         # rotate when the file would grow past this
//	    maxFiles: 5            # keep audit.log.1 ... audit.log.5
//	  api:
//	    enabled: false         # GET /api/audit; no authentication yet, so off by default
//	    recent: 1000           # entries kept in memory for it
type Config struct {
	// Log is where every capability call and every denial is written, one JSON object
	// per line: {time, plugin, capability, function, target, outcome, error, durationMs,
	// requestId (the X-Request-Id of the HTTP request that caused it)}.
	Log LogConfig `yaml:"log"`
	// API serves the most recent entries at GET /api/audit.
	API APIConfig `yaml:"api"`
}

// LogConfig is audit.log.
type LogConfig struct {
	// File is the audit log's path, relative to the directory of the config file that
	// sets it (the default, to the first config file's), or "-" for the host's standard
	// output. Default data/audit.log. The file is created
	// with mode 0600 and its directory with 0700.
	File string `yaml:"file"`
	// MaxSize rotates the file when the next entry would take it past this size: the file
	// becomes FILE.1, FILE.1 becomes FILE.2, and so on. Default 10MiB. Not used for "-".
	MaxSize units.ByteSize `yaml:"maxSize"`
	// MaxFiles is how many rotated files are kept (FILE.1 ... FILE.N); the oldest is
	// deleted. Default 5; 0 keeps none.
	MaxFiles *int `yaml:"maxFiles"`
}

// APIConfig is audit.api.
type APIConfig struct {
	// Enabled serves GET /api/audit?plugin=&capability=&outcome=&limit= with the most
	// recent entries, newest first. Default false: until Greenroom has authentication,
	// anyone who can reach the backend could read it.
	Enabled bool `yaml:"enabled"`
	// Recent is how many entries are kept in memory for the API. Default 1000.
	Recent int `yaml:"recent"`
}

// Defaults.
const (
	DefaultFile     = "data/audit.log"
	DefaultMaxSize  = 10 << 20
	DefaultMaxFiles = 5
	DefaultRecent   = 1000
	// Stdout is the File value that writes the log to standard output.
	Stdout = "-"
)

// ApplyDefaults fills in the defaults of unset fields.
func (c *Config) ApplyDefaults() {
	if c.Log.File == "" {
		c.Log.File = DefaultFile
	}
	if c.Log.MaxSize == 0 {
		c.Log.MaxSize = DefaultMaxSize
	}
	if c.Log.MaxFiles == nil {
		n := DefaultMaxFiles
		c.Log.MaxFiles = &n
	}
	if c.API.Recent == 0 {
		c.API.Recent = DefaultRecent
	}
}

// Validate checks the section after ApplyDefaults. Each error starts with its YAML path.
func (c *Config) Validate() []error {
	var errs []error
	if c.Log.MaxSize < 4<<10 {
		errs = append(errs, lifecycle.Errorf([]string{"log", "maxSize"}, "%s is below the 4KiB minimum", c.Log.MaxSize))
	}
	if c.Log.MaxFiles != nil && (*c.Log.MaxFiles < 0 || *c.Log.MaxFiles > 1000) {
		errs = append(errs, lifecycle.Errorf([]string{"log", "maxFiles"}, "%d is outside 0-1000", *c.Log.MaxFiles))
	}
	if c.API.Recent < 1 || c.API.Recent > 1_000_000 {
		errs = append(errs, lifecycle.Errorf([]string{"api", "recent"}, "%d is outside 1-1000000", c.API.Recent))
	}
	return errs
}
