package search

import "greenroom.dev/greenroom/host/internal/lifecycle"

// Config is the `search:` section of app-config.yaml. Keys keep Backstage's meaning.
//
//	search:
//	  maxTermLength: 100      # a longer term is a 400
//	  maxPageLimit: 100       # a larger pageLimit is a 400
//	  maxSourceDocuments: 100000
type Config struct {
	// MaxTermLength is the longest term (in characters) a query may have; a longer
	// one is refused with 400 InputError. Default 100, as in Backstage.
	MaxTermLength int `yaml:"maxTermLength"`
	// MaxPageLimit is the largest pageLimit a query may ask for; larger is a 400.
	// Default 100, as in Backstage. Without pageLimit a page holds 25 results.
	MaxPageLimit int `yaml:"maxPageLimit"`
	// MaxSourceDocuments is how many documents one source (a plugin's collator, or one
	// entity's TechDocs) may hand the index at once; a larger set is refused whole,
	// with an error naming the source, and its previous documents stay. Default 100000.
	MaxSourceDocuments int `yaml:"maxSourceDocuments"`
}

// Defaults.
const (
	DefaultMaxTermLength      = 100
	DefaultMaxPageLimit       = 100
	DefaultPageLimit          = 25
	DefaultMaxSourceDocuments = 100_000
)

// ApplyDefaults fills in the defaults of unset fields.
func (c *Config) ApplyDefaults() {
	if c.MaxTermLength == 0 {
		c.MaxTermLength = DefaultMaxTermLength
	}
	if c.MaxPageLimit == 0 {
		c.MaxPageLimit = DefaultMaxPageLimit
	}
	if c.MaxSourceDocuments == 0 {
		c.MaxSourceDocuments = DefaultMaxSourceDocuments
	}
}

// Validate checks the section after ApplyDefaults.
func (c *Config) Validate() []error {
	var errs []error
	if c.MaxTermLength < 1 || c.MaxTermLength > 10_000 {
		errs = append(errs, lifecycle.Errorf([]string{"maxTermLength"}, "%d is outside 1-10000", c.MaxTermLength))
	}
	if c.MaxPageLimit < 1 || c.MaxPageLimit > 1000 {
		errs = append(errs, lifecycle.Errorf([]string{"maxPageLimit"}, "%d is outside 1-1000", c.MaxPageLimit))
	}
	if c.MaxSourceDocuments < 1 || c.MaxSourceDocuments > 10_000_000 {
		errs = append(errs, lifecycle.Errorf([]string{"maxSourceDocuments"}, "%d is outside 1-10000000", c.MaxSourceDocuments))
	}
	return errs
}
