package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"greenroom.dev/greenroom/abi"
	"greenroom.dev/greenroom/host/internal/audit"
	"greenroom.dev/greenroom/host/internal/identity"
	"greenroom.dev/greenroom/host/internal/plugin"
	"greenroom.dev/greenroom/host/internal/plugintest"
)

// TestGitHubActionsFacts: the github-actions plugin's ci-facts task, built from source
// and granted facts.write, reads the runs of each annotated component from (a fake)
// GitHub through the proxy and publishes its CI success rate, which the scorecard's
// CI rule reads and the scorecards API shows; the fact names the plugin.
func TestGitHubActionsFacts(t *testing.T) {
	root := plugintest.Root(t)
	gh := &fakeGitHub{t: t, fixtures: filepath.Join(root, "plugins/github-actions/testdata")}
	srv := httptest.NewServer(gh)
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	plugintest.Copy(t, plugintest.Go(t, "plugins/github-actions"), filepath.Join(dir, "github-actions.wasm"))
	os.WriteFile(filepath.Join(dir, "all.yaml"), []byte(`apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: payments, description: Payments, annotations: {github.com/project-slug: acme/payments}}
spec: {type: service, lifecycle: experimental, owner: team-a, system: shop}
`), 0o644)
	cfg := fmt.Sprintf(`
backend:
  listen: {host: 127.0.0.1, port: 0}
auth: {allowAnonymous: true}
catalog:
  rules: [{allow: [Component]}]
  locations: [{type: file, target: ./all.yaml}]
proxy:
  endpoints:
    /github:
      target: %s
      headers: {Authorization: "Bearer %s"}
      allowedHeaders: [if-none-match, etag, link]
runtime:
  compilationCache: %s
plugins:
  - id: github-actions
    source: github-actions.wasm
    grants: {proxy: {endpoints: [/github]}, permission: {}, tasks: {}, catalog.read: {}, facts.write: {kinds: [Component]}}
    limits: {timeout: 5s, memory: 32MiB}
scorecards:
  definitions:
    - id: ci
      levels: [{name: Green}]
      rules:
        - {id: ci-healthy, level: Green, expression: '"ci.successRate30d" in facts && facts["ci.successRate30d"] >= 0.9'}
`, srv.URL, ghToken, filepath.Join(os.TempDir(), "greenroom-test-wasm-cache"))
	os.WriteFile(filepath.Join(dir, "app-config.yaml"), []byte(cfg), 0o644)
	h := startPortal(t, dir)
	base := "http://" + h.addr
	waitReady(t, base)
	var p *plugin.Plugin
	for _, x := range h.plugins.Plugins() {
		if x.ID == "github-actions" {
			p = x
		}
	}
	in, _ := json.Marshal(abi.TaskRequest{Name: "ci-facts", ScheduledAt: time.Now().UTC().Format(time.RFC3339)})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := p.Call(identity.With(ctx, plugin.TaskIdentity("github-actions")), abi.ExportTask, in); err != nil {
		t.Fatalf("ci-facts task: %v", err)
	}
	var body struct {
		Items []struct {
			Level string
			Rules []struct {
				Passed bool
				Reason string
			}
		}
		Facts []struct {
			Name, Plugin string
			Value        any
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		scoreJSON(t, base+"/api/scorecards/entities/component/default/payments", &body)
		if len(body.Facts) == 2 && len(body.Items) == 1 || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	got := map[string]any{}
	for _, f := range body.Facts {
		if f.Plugin != "github-actions" {
			t.Errorf("fact %s from %q", f.Name, f.Plugin)
		}
		got[f.Name] = f.Value
	}
	// The fixture's 29 completed runs: 14 succeeded.
	if rate, _ := got["ci.successRate30d"].(float64); got["ci.runs30d"] != 29.0 || rate < 0.48 || rate > 0.49 {
		t.Errorf("facts %v, want 29 runs at 14/29", got)
	}
	if len(body.Items) != 1 || body.Items[0].Level != "" || body.Items[0].Rules[0].Passed {
		t.Errorf("scorecard result %+v, want the CI rule failing on the published rate", body.Items)
	}
	calls := h.audit.Recent(audit.Filter{Plugin: "github-actions", Capability: abi.CapFactsWrite})
	if len(calls) == 0 || calls[0].Function != "facts_publish" || !strings.Contains(calls[0].Target, "component:default/payments") {
		t.Errorf("audit log of facts.write: %+v", calls)
	}
}
