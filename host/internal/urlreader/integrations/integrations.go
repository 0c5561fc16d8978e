// Package integrations is the `integrations` config section and the one constructor
// that builds every URL reader: GitHub and GitLab first (by host), then the HTTP(S)
// fetch reader for backend.reading.allow, then the file reader.
package integrations

import (
	"log/slog"

	"greenroom.dev/greenroom/host/internal/urlreader"
	"greenroom.dev/greenroom/host/internal/urlreader/githubreader"
	"greenroom.dev/greenroom/host/internal/urlreader/gitlabreader"
)

// Config is the `integrations` section, as in Backstage.
//
//	integrations:
//	  github:
//	    - host: github.com
//	      token: ${GITHUB_TOKEN}
//	  gitlab:
//	    - host: gitlab.example.com
//	      token: ${GITLAB_TOKEN}
type Config struct {
	// GitHub lists github.com and GitHub Enterprise hosts. Without entries, github.com
	// is read anonymously.
	GitHub []urlreader.GitHubIntegration `yaml:"github"`
	// GitLab lists gitlab.com and self-managed GitLab hosts. Without entries, gitlab.com
	// is read anonymously.
	GitLab []urlreader.GitLabIntegration `yaml:"gitlab"`
}

// NewReaders builds the shared readers from `backend.reading` and `integrations`.
// Errors name the YAML path of the bad value.
// Validate reports the problems of backend.reading and integrations, each naming its
// YAML path (the config loader runs it, so that serve, audit and reload refuse the same
// config): it builds the readers as NewReaders does, without logging, and collects the
// first problem of each part.
func Validate(reading urlreader.ReadingConfig, in Config) []error {
	var errs []error
	lim, err := reading.Limits()
	if err != nil {
		errs = append(errs, err)
	}
	quiet := urlreader.Options{Logger: slog.New(slog.DiscardHandler)}
	if _, err := githubreader.Entries(in.GitHub, lim, quiet); err != nil {
		errs = append(errs, err)
	}
	if _, err := gitlabreader.Entries(in.GitLab, lim, quiet); err != nil {
		errs = append(errs, err)
	}
	if err == nil {
		if _, err := urlreader.New(reading, quiet); err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}

// NewReaders builds the URL readers of backend.reading and integrations: the GitHub and
// GitLab integrations first, then the fetch reader and the file reader.
func NewReaders(reading urlreader.ReadingConfig, in Config, opts urlreader.Options) (*urlreader.Mux, error) {
	lim, err := reading.Limits()
	if err != nil {
		return nil, err
	}
	gh, err := githubreader.Entries(in.GitHub, lim, opts)
	if err != nil {
		return nil, err
	}
	gl, err := gitlabreader.Entries(in.GitLab, lim, opts)
	if err != nil {
		return nil, err
	}
	return urlreader.New(reading, opts, append(gh, gl...)...)
}
