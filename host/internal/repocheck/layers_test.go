package repocheck

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// layers puts every package of the root module (its path under greenroom.dev/greenroom)
// on a layer. A package may import packages of lower layers only, never its own layer's
// (unless listed in sameLayer) or a higher one: the arrows of docs/DEVELOPING.md's
// diagram. A new package must be placed here.
var layers = map[string]int{
	// The contract, which imports only the standard library.
	"abi": -1,
	// 0: leaves, which import nothing of the host but abi.
	"host/internal/units": 0, "host/internal/identity": 0, "host/internal/permission": 0, "host/internal/route": 0, "host/internal/lifecycle": 0, "host/internal/egress": 0,
	"host/internal/wasmfile": 0, "host/internal/catalog/model": 0, "host/internal/frontend/ui": 0,
	"host/internal/catalog/gen": 0, "host/internal/loadtest": 0, "host/internal/excerpt": 0, "host/internal/config/configdoc": 0,
	"host/internal/requestid": 0, "host/internal/openapi": 0, "host/internal/scaffolder/nunjucks": 0, "host/internal/pluginkit": 0,

	// 1: the domain: each part's own types and typed methods, knowing nothing of the
	// config model, plugins, capabilities or HTTP serving.
	"host/internal/runtime": 1, "host/internal/catalog": 1, "host/internal/audit": 1,
	"host/internal/signing": 1, "host/internal/urlreader": 1, "host/internal/proxy": 1,
	"host/internal/frontend/ext": 1, "host/internal/pack": 1,
	"host/internal/urlreader/archive": 1, "host/internal/urlreader/githubreader": 1,
	"host/internal/urlreader/gitlabreader": 1, "host/internal/urlreader/integrations": 1,
	"host/internal/urlreader/catalogreader": 1, "host/internal/store": 1,
	"host/internal/frontend": 1, "host/internal/frontend/wasmext": 1, "host/internal/catalog/api": 1,
	"host/internal/auth": 1, "host/internal/metrics": 1, "host/internal/scaffolder": 1, "host/internal/search": 1,
	"host/internal/store/pgstore": 1,
	"host/internal/scorecard":     1,

	// 2: the config model, composed of the domain's config sections.
	"host/internal/config": 2,

	// 3: plugins and what links them to the domain.
	"host/internal/capability": 3,
	"host/internal/plugin":     4,

	// 5: the HTTP edge, which serves the domain and plugins through interfaces.
	"host/internal/server": 5,

	// 6: the commands, which wire everything; and the main.
	"host/internal/cli/auditreport": 6, "host/internal/cli": 7, "host/cmd/greenroom": 8,
	"host/internal/catalog/gen/gencatalog": 8, "host/internal/config/gendocs": 8,
	"host/internal/pluginkit/rustbuild": 8,

	// Test support and tests of the whole.
	"host/internal/plugintest": 9, "host/internal/e2e": 9, "host/internal/repocheck": 9,
	"host/internal/openapitest": 9,
	"host/internal/pgtest":      9,
}

// sameLayer lists the imports allowed within a layer (package families).
var sameLayer = map[string][]string{
	"host/internal/urlreader/archive":       {"host/internal/urlreader"},
	"host/internal/urlreader/githubreader":  {"host/internal/urlreader", "host/internal/urlreader/archive"},
	"host/internal/urlreader/gitlabreader":  {"host/internal/urlreader", "host/internal/urlreader/archive"},
	"host/internal/urlreader/integrations":  {"host/internal/urlreader", "host/internal/urlreader/githubreader", "host/internal/urlreader/gitlabreader"},
	"host/internal/urlreader/catalogreader": {"host/internal/urlreader", "host/internal/catalog"},
	"host/internal/store":                   {"host/internal/catalog"},
	"host/internal/store/pgstore":           {"host/internal/store", "host/internal/catalog"},
	"host/internal/frontend":                {"host/internal/frontend/ext", "host/internal/scorecard"},
	"host/internal/frontend/wasmext":        {"host/internal/frontend/ext"},
	"host/internal/catalog/api":             {"host/internal/catalog"},
	"host/internal/pack":                    {},
	"host/internal/permission":              {"host/internal/identity", "host/internal/lifecycle", "host/internal/units"},
	"host/internal/catalog/model":           {"host/internal/excerpt"},
	"host/internal/scaffolder":              {"host/internal/urlreader", "host/internal/urlreader/githubreader"},
	"host/internal/search":                  {"host/internal/catalog"},
	"host/internal/scorecard":               {"host/internal/catalog"},
}

// edges lists third-party packages that only one package (and its tests) may import:
// dependency types stay at the edges.
var edges = map[string]string{
	"github.com/gofiber/fiber/v2":        "host/internal/server",
	"github.com/valyala/fasthttp":        "host/internal/server",
	"go.etcd.io/bbolt":                   "host/internal/store",
	"github.com/jackc/pgx/v5":            "host/internal/store/pgstore",
	"github.com/tetratelabs/wazero":      "host/internal/runtime",
	"github.com/google/go-github/v60":    "host/internal/urlreader/githubreader",
	"github.com/spf13/pflag":             "host/internal/cli",
	"github.com/extism/go-sdk":           "", // tests only
	"github.com/chromedp/chromedp":       "", // tests only
	"github.com/microcosm-cc/bluemonday": "host/internal/frontend/ui",
	"github.com/yuin/goldmark":           "host/internal/frontend/ui",
	"github.com/go-jose/go-jose/v4":      "host/internal/auth",
	"github.com/coreos/go-oidc/v3":       "host/internal/auth",
	"golang.org/x/oauth2":                "host/internal/auth",
	"github.com/oauth2-proxy/mockoidc":   "", // tests only

	// Prometheus's client library: the metrics package is its edge.
	"github.com/prometheus/client_golang": "host/internal/metrics",
	// The OpenAPI validator: test support only.
	"github.com/pb33f/libopenapi":           "host/internal/openapitest",
	"github.com/pb33f/libopenapi-validator": "host/internal/openapitest",
	"github.com/nikolalohinski/gonja/v2":    "host/internal/scaffolder/nunjucks",
	// CEL, the scorecards' rule language.
	"github.com/google/cel-go": "host/internal/scorecard",
}

// TestLayers: every import of a package of the root module goes down a layer, and the
// dependencies named in edges stay in their one package.
func TestLayers(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", "..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	const module = "greenroom.dev/greenroom/"
	readModuleDirs(t, root) // so that go test's cache sees a new file
	for _, p := range goList(t, root) {
		rel := strings.TrimPrefix(p.ImportPath, module)
		layer, ok := layers[rel]
		if !ok {
			t.Errorf("%s is on no layer: place it in repocheck's layers (and docs/DEVELOPING.md's diagram)", rel)
			continue
		}
		for _, imp := range imports(t, p) {
			for dep, only := range edges {
				if (imp == dep || strings.HasPrefix(imp, dep+"/")) && rel != only {
					t.Errorf("%s imports %s, which only %s may import; use that package's own types", rel, imp, orTests(only))
				}
			}
			if !strings.HasPrefix(imp, module) {
				continue
			}
			dep := strings.TrimPrefix(imp, module)
			dl, ok := layers[dep]
			switch {
			case !ok:
			case dl < layer:
			case dl == layer && contains(sameLayer[rel], dep):
			default:
				t.Errorf("%s (layer %d) imports %s (layer %d): an arrow that does not go down", rel, layer, dep, dl)
			}
		}
	}
}

func orTests(only string) string {
	if only == "" {
		return "tests"
	}
	return only
}

// imports reads the imports of a package's non-test files, in this process so that go
// test's cache notices when they change.
func imports(t *testing.T, p listedPackage) []string {
	t.Helper()
	seen := map[string]bool{}
	fset := token.NewFileSet()
	for _, name := range p.GoFiles {
		src, err := os.ReadFile(filepath.Join(p.Dir, name))
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(fset, name, src, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, im := range f.Imports {
			path, _ := strconv.Unquote(im.Path.Value)
			seen[path] = true
		}
	}
	var out []string
	for k := range seen {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
