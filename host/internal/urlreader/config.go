package urlreader

import "greenroom.dev/greenroom/host/internal/units"

// ReadingConfig is `backend.reading`: what the plain HTTP(S) reader may fetch and which
// local directories the file reader may read.
//
//	backend:
//	  reading:
//	    allow:
//	      - host: example.com
//	      - host: '*.examples.org'
//	      - host: example.net:8080
//	        paths: ['/api/']
//	    fileRoots: [./catalog, /srv/greenroom/plugins]
//	    maxBytes: 20971520
//	    timeout: 60s
type ReadingConfig struct {
	// Allow lists the hosts the HTTP(S) reader may fetch, as in Backstage. Anything not
	// listed is refused. An exact host (not a `*.` wildcard) may also resolve to
	// loopback, private and link-local addresses; a wildcard host never may, and cloud
	// metadata addresses are only reachable by writing the IP literal itself as host.
	Allow []AllowRule `yaml:"allow"`
	// FileRoots are the directories the file reader may read `file://` URLs from.
	// Relative paths are relative to the directory of the config file that sets them. `..`, absolute paths
	// outside a root and symlinks leading out of a root are refused. Empty means no
	// local file may be read through a URL.
	FileRoots []string `yaml:"fileRoots"`
	// MaxBytes caps one file read (and one file of a tree); 0 means 20 MiB.
	MaxBytes int64 `yaml:"maxBytes"`
	// MaxTreeBytes caps the unpacked size of one tree read or search; 0 means 200 MiB.
	// It is also the decompression-bomb limit for archives.
	MaxTreeBytes int64 `yaml:"maxTreeBytes"`
	// MaxTreeFiles caps the number of files in one tree read or search; 0 means 10000.
	MaxTreeFiles int `yaml:"maxTreeFiles"`
	// Timeout bounds one HTTP request including its body (60s, 2m, or {minutes: 2});
	// absent or 0 means 60s.
	Timeout units.Duration `yaml:"timeout"`
	// CacheBytes bounds the in-memory ETag and content cache that turns repeated reads
	// into conditional requests; 0 means 32 MiB, -1 disables the cache.
	CacheBytes int64 `yaml:"cacheBytes"`
}

// AllowRule is one `backend.reading.allow` entry.
type AllowRule struct {
	// Host is an exact host name (`example.com`), or a wildcard for all subdomains
	// (`*.example.com`, which does not match example.com itself), optionally with a
	// port (`example.com:8080`) or a port range (`example.com:8000-8100`). Without a
	// port, only URLs with no explicit port match.
	Host string `yaml:"host"`
	// Paths, if set, are path prefixes the URL's normalised path must start with, for
	// example `/api/`.
	Paths []string `yaml:"paths"`
}

// GitHubIntegration is one `integrations.github[]` entry: how to read github.com or a
// GitHub Enterprise Server. Without any entry, github.com is read anonymously (60
// requests an hour).
//
//	integrations:
//	  github:
//	    - host: github.com
//	      token: ${GITHUB_TOKEN}
//	    - host: ghe.example.com
//	      apiBaseUrl: https://ghe.example.com/api/v3
//	      rawBaseUrl: https://ghe.example.com/raw
//	      token: ${GHE_TOKEN}
type GitHubIntegration struct {
	// Host is the host name in the browser URLs (`https://<host>/org/repo/blob/...`).
	Host string `yaml:"host"`
	// Token is a personal access token or fine-grained token; optional, but without it
	// GitHub allows only 60 requests an hour.
	Token string `yaml:"token"`
	// APIBaseURL is the REST API root; default https://api.github.com for github.com
	// and https://<host>/api/v3 for any other host.
	APIBaseURL string `yaml:"apiBaseUrl"`
	// RawBaseURL is the raw-content root; default https://raw.githubusercontent.com for
	// github.com and https://<host>/raw otherwise. Greenroom reads file content through
	// the API (which supports conditional requests); this host is only allowed as a
	// redirect target.
	RawBaseURL string `yaml:"rawBaseUrl"`
	// Apps (GitHub App authentication, as in Backstage) is not supported yet; an entry
	// here is refused at start-up with a message to use token instead.
	Apps []map[string]any `yaml:"apps"`
}

// GitLabIntegration is one `integrations.gitlab[]` entry: how to read gitlab.com or a
// self-managed GitLab. Without any entry, gitlab.com is read anonymously.
//
//	integrations:
//	  gitlab:
//	    - host: gitlab.example.com
//	      apiBaseUrl: https://gitlab.example.com/api/v4
//	      token: ${GITLAB_TOKEN}
type GitLabIntegration struct {
	// Host is the host name in the browser URLs
	// (`https://<host>/<group>/<project>/-/blob/<ref>/<path>`).
	Host string `yaml:"host"`
	// Token is a personal, project or group access token with read_api or
	// read_repository scope; optional for public projects.
	Token string `yaml:"token"`
	// APIBaseURL is the REST API root; default https://<host>/api/v4.
	APIBaseURL string `yaml:"apiBaseUrl"`
	// BaseURL is the web root when GitLab is served under a path (for example
	// https://example.com/gitlab); default https://<host>.
	BaseURL string `yaml:"baseUrl"`
}
