package scaffolder

import (
	"strings"
	"testing"

	"greenroom.dev/greenroom/host/internal/scaffolder/nunjucks"
)

// TestBackstageFilters: parseRepoUrl, projectSlug, parseEntityRef and pick, as
// Backstage's templates call them.
func TestBackstageFilters(t *testing.T) {
	e := nunjucks.New(nunjucks.Options{Filters: filters(func(h string) bool { return h == "github.com" || h == "gitlab.example.com" })})
	scope := map[string]any{"parameters": map[string]any{
		"repoUrl": "github.com?owner=acme&repo=svc", "gitlab": "gitlab.example.com?owner=group%2Fsub&repo=svc", "bad": "evil.example.com?owner=o&repo=r",
		"owner": "team-a", "full": "group:platform/team-b",
	}}
	tests := []struct{ src, want, err string }{
		{"${{ (parameters.repoUrl | parseRepoUrl).owner }}/${{ (parameters.repoUrl | parseRepoUrl).repo }}@${{ (parameters.repoUrl | parseRepoUrl).host }}", "acme/svc@github.com", ""},
		{"${{ parameters.repoUrl | parseRepoUrl | pick('owner') }}", "acme", ""},
		{"${{ parameters.repoUrl | projectSlug }} ${{ parameters.gitlab | projectSlug }}", "acme/svc group/sub/svc", ""},
		{"${{ parameters.bad | parseRepoUrl }}", "", "No matching integration configuration for host evil.example.com, please check your integrations config"},
		{"${{ parameters.owner | parseEntityRef({ defaultKind: 'group', defaultNamespace: 'default' }) | pick('kind') }}:${{ (parameters.owner | parseEntityRef({defaultKind: 'group'})).name }}", "group:team-a", ""},
		{"${{ (parameters.full | parseEntityRef).namespace }}", "platform", ""},
		{"${{ parameters.owner | parseEntityRef }}", "", "missing or empty kind"},
		{"${{ parameters | pick('repoUrl') }}|${{ parameters | pick('no.such.path') }}", "github.com?owner=acme&repo=svc|", ""},
	}
	for _, tt := range tests {
		got, err := e.Render(tt.src, scope)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%s: err %v, want %q", tt.src, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%s = %q, %v; want %q", tt.src, got, err, tt.want)
		}
	}
}
