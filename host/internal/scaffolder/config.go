package scaffolder

import (
	"time"

	"greenroom.dev/greenroom/host/internal/lifecycle"
	"greenroom.dev/greenroom/host/internal/units"
)

// Config is the `scaffolder:` section of app-config.yaml. Its keys are Backstage's,
// except `limits`:
//
//	scaffolder:
//	  concurrentTasksLimit: 10        # tasks run at once; 0 runs none (another replica does)
//	  defaultAuthor: {name: Scaffolder, email: scaffolder@example.com}
//	  defaultCommitMessage: Initial commit
//	  limits: {files: 10000, fileSize: 10MiB}
type Config struct {
	// ConcurrentTasksLimit is how many tasks run at once in this process; default 10.
	// 0 runs no tasks here: they wait in the store for a process that runs them.
	ConcurrentTasksLimit *int `yaml:"concurrentTasksLimit"`
	// TaskTimeout fails a task that runs longer; default 24h.
	TaskTimeout units.Duration `yaml:"taskTimeout"`
	// DefaultAuthor is the git author of the commits publish actions make when the
	// template names none; default Scaffolder <scaffolder@backstage.io>.
	DefaultAuthor Author `yaml:"defaultAuthor"`
	// DefaultCommitMessage is the message of the first commit publish actions make when
	// the template gives none; default "initial commit".
	DefaultCommitMessage string `yaml:"defaultCommitMessage"`
	// Limits cap what one task may write into its workspace (Greenroom's own key).
	Limits Limits `yaml:"limits"`
}

// Author is a git author.
type Author struct {
	// Name of the author.
	Name string `yaml:"name"`
	// Email of the author.
	Email string `yaml:"email"`
}

// Limits cap a task's workspace.
type Limits struct {
	// Files is the most files one fetch may bring into the workspace; default 10000.
	Files int `yaml:"files"`
	// FileSize is the largest file a fetch may bring; default 10MiB.
	FileSize units.ByteSize `yaml:"fileSize"`
}

// ApplyDefaults fills in what is unset.
func (c *Config) ApplyDefaults() {
	if c.ConcurrentTasksLimit == nil {
		n := 10
		c.ConcurrentTasksLimit = &n
	}
	if c.TaskTimeout == 0 {
		c.TaskTimeout = units.Duration(24 * time.Hour)
	}
	if c.DefaultAuthor.Name == "" {
		c.DefaultAuthor.Name = "Scaffolder"
	}
	if c.DefaultAuthor.Email == "" {
		c.DefaultAuthor.Email = "scaffolder@backstage.io"
	}
	if c.DefaultCommitMessage == "" {
		c.DefaultCommitMessage = "initial commit"
	}
	if c.Limits.Files == 0 {
		c.Limits.Files = 10000
	}
	if c.Limits.FileSize == 0 {
		c.Limits.FileSize = 10 << 20
	}
}

// Validate reports every bad value.
func (c *Config) Validate() []error {
	var errs []error
	if c.ConcurrentTasksLimit != nil && *c.ConcurrentTasksLimit < 0 {
		errs = append(errs, lifecycle.Errorf([]string{"concurrentTasksLimit"}, "must be 0 or more, not %d", *c.ConcurrentTasksLimit))
	}
	if c.TaskTimeout < 0 {
		errs = append(errs, lifecycle.Errorf([]string{"taskTimeout"}, "must be positive"))
	}
	if c.Limits.Files < 0 {
		errs = append(errs, lifecycle.Errorf([]string{"limits", "files"}, "must be positive, not %d", c.Limits.Files))
	}
	if c.Limits.FileSize < 0 {
		errs = append(errs, lifecycle.Errorf([]string{"limits", "fileSize"}, "must be positive"))
	}
	return errs
}
