package greenroom

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

func TestParseManifestErrors(t *testing.T) {
	const base = `"abi":"v1","id":"hello","version":"1.0.0"`
	tests := []struct{ in, want string }{
		{`{` + base + `}`, ""},
		{`{"abi":"v2","id":"hello","version":"1"}`, `abi "v2" is not supported`},
		{`{"abi":"v1","id":"Hello","version":"1"}`, `id "Hello" must be`},
		{`{"abi":"v1","id":"-x","version":"1"}`, `id "-x"`},
		{`{"abi":"v1","id":"x"}`, "version is required"},
		{`{` + base + `,"routes":[{"method":"FETCH","path":"/"}]}`, `routes[0].method "FETCH"`},
		{`{` + base + `,"routes":[{"method":"GET","path":"x"}]}`, `routes[0].path: "x" must start with /`},
		{`{` + base + `,"routes":[{"method":"GET","path":"/a/*/b"}]}`, "* must be the last segment"},
		{`{` + base + `,"routes":[{"method":"GET","path":"/a/:"}]}`, "bad parameter segment"},
		{`{` + base + `,"routes":[{"method":"GET","path":"/a/.."}]}`, `bad segment ".."`},
		{`{` + base + `,"routes":[{"method":"GET","path":"/a"},{"method":"GET","path":"/a"}]}`, "routes[1]: duplicate route GET /a"},
		{`{` + base + `,"tasks":[{"name":"t","every":"500ms"}]}`, `tasks[0].every "500ms"`},
		{`{` + base + `,"tasks":[{"name":"t","every":"1m"},{"name":"t","every":"1m"}]}`, `tasks[1].name "t"`},
		{`{` + base + `,"tasks":[{"name":"t","every":"1m","timeout":"-1s"}]}`, `tasks[0].timeout`},
		{`{` + base + `,"capabilities":[{"name":"net"}]}`, `capabilities[0].name "net" is not a capability`},
		{`{` + base + `,"capabilities":[{"name":"kv"},{"name":"kv"}]}`, `"kv" listed twice`},
		{`{` + base + `,"configSchema":"x"}`, "configSchema must be a JSON Schema object"},
		{`{` + base + `,"color":"red"}`, `unknown field "color"`},
		{`{` + base + `} {}`, "trailing data"},
	}
	for _, tt := range tests {
		_, err := ParseManifest([]byte(tt.in))
		if tt.want == "" {
			if err != nil {
				t.Errorf("%s: %v", tt.in, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want it to contain %q", tt.in, err, tt.want)
		}
	}
}

func TestValidID(t *testing.T) {
	for id, want := range map[string]bool{"a": true, "hello-go": true, "a1": true, "": false, "-a": false, "a-": false,
		"A": false, "a_b": false, strings.Repeat("a", 64): true, strings.Repeat("a", 65): false} {
		if ValidID(id) != want {
			t.Errorf("ValidID(%q) = %v", id, !want)
		}
	}
}

// TestManifestKnowsEveryCapability: every capability the ABI defines (abi/abi.go's Cap
// constants) is one a manifest parsed by this SDK may declare.
func TestManifestKnowsEveryCapability(t *testing.T) {
	b, err := os.ReadFile("../../abi/abi.go")
	if err != nil {
		t.Fatal(err)
	}
	caps := regexp.MustCompile(`(?m)^\s*Cap\w+\s*=\s*"([^"]+)"`).FindAllStringSubmatch(string(b), -1)
	if len(caps) < 10 {
		t.Fatalf("found only %d capabilities in abi/abi.go", len(caps))
	}
	for _, c := range caps {
		in := `{"abi":"v1","id":"hello","version":"1.0.0","capabilities":[{"name":"` + c[1] + `"}]}`
		if _, err := ParseManifest([]byte(in)); err != nil {
			t.Errorf("capability %s: %v", c[1], err)
		}
	}
}
