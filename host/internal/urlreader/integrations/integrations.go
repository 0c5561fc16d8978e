// Package integrations is the `integrations` config section and the one constructor
// that builds every URL reader: GitHub and GitLab first (by host), then the HTTP(S)
// fetch reader for backend.reading.allow, then the file reader.
package integrations

import (
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
