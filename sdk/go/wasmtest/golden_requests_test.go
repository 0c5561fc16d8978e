package wasmtest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// goldenRequests are the host functions whose requests the SDK guests send with the
// values of their golden messages (abi/testdata/<name with - for _>.json), in the order
// the guests call them.
var goldenRequests = []string{"files_read", "files_write", "files_list", "files_delete", "workspace_read", "workspace_write", "workspace_list", "search_replace"}

// checkGoldenRequests: reqs ("name request-JSON", as host.reqs records them) are one
// call of each of goldenRequests, in order, each request equal as JSON to the function's
// golden message.
func checkGoldenRequests(t *testing.T, reqs []string) {
	t.Helper()
	if len(reqs) != len(goldenRequests) {
		t.Fatalf("%d calls after the first ones:\n%s\nwant one of each of %v", len(reqs), strings.Join(reqs, "\n"), goldenRequests)
	}
	for i, name := range goldenRequests {
		got, body, _ := strings.Cut(reqs[i], " ")
		if got != name {
			t.Errorf("call %d is %s, want %s", i, got, name)
			continue
		}
		golden := filepath.Join("..", "..", "..", "abi", "testdata", strings.ReplaceAll(name, "_", "-")+".json")
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatal(err)
		}
		var g, w any
		if err := json.Unmarshal([]byte(body), &g); err != nil {
			t.Errorf("%s sent %s: %v", name, body, err)
			continue
		}
		if err := json.Unmarshal(want, &w); err != nil {
			t.Fatalf("%s: %v", golden, err)
		}
		if !reflect.DeepEqual(g, w) {
			t.Errorf("%s sent\n%s\nthe golden message %s is\n%s", name, body, golden, want)
		}
	}
}

// jsonEqual: a and b are the same JSON value.
func jsonEqual(a, b []byte) bool {
	var x, y any
	return json.Unmarshal(a, &x) == nil && json.Unmarshal(b, &y) == nil && reflect.DeepEqual(x, y)
}
