package api_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"greenroom.dev/greenroom/host/internal/catalog/api"
)

// TestBackstageCatalogClient runs the unmodified @backstage/catalog-client from npm
// (examples/catalog/client-test, installed with `npm ci` there) against the API served
// on a loopback port.
func TestBackstageCatalogClient(t *testing.T) {
	// Without node or the npm packages the test is skipped locally, but the test task
	// (which installs the packages) and CI must run it.
	skip := t.Skipf
	if os.Getenv("CI") != "" || os.Getenv("GREENROOM_REQUIRE_TOOLS") != "" {
		skip = t.Fatalf
	}
	node, err := exec.LookPath("node")
	if err != nil {
		skip("node is not installed; install Node.js with npm (Debian: apt-get install nodejs npm), which .ci/run expects to find")
	}
	dir, _ := filepath.Abs("../../../../examples/catalog/client-test")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@backstage", "catalog-client")); err != nil {
		skip("run `go tool task npm` (or `npm ci` in %s) first", dir)
	}
	c := exampleCatalog(t)
	// The test also serves a remote catalog file for addLocation, beside the API.
	mux := http.NewServeMux()
	mux.HandleFunc("/remote/catalog-info.yaml", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: remote-service\nspec:\n  type: service\n  lifecycle: production\n  owner: team-platform\n")
	})
	mux.Handle("/", handler(api.New(c)))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "client.mjs", srv.URL)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	t.Logf("catalog-client:\n%s", out)
	if err != nil || strings.Contains(string(out), "FAIL") {
		t.Fatalf("catalog-client run failed: %v", err)
	}
	if n := strings.Count(string(out), "ok "); n != 13 {
		t.Fatalf("%d steps passed, want 13", n)
	}
}
