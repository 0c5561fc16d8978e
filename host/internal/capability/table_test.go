package capability

import (
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"

	"greenroom.dev/greenroom/abi"
)

const repoRoot = "../../.."

// specRows renders the table as abi/SPEC.md section 3.3 shows it: the runtime's own
// functions in one row, then one row per capability function.
func specRows(table []Func) []string {
	var builtins []string
	var rows []string
	for _, f := range table {
		if f.Builtin() {
			builtins = append(builtins, "`"+f.Name+"`")
			continue
		}
		res := f.Result
		if strings.HasPrefix(res, "{") || strings.HasPrefix(res, "[") {
			res = "`" + res + "`"
		}
		col := "`" + f.Request + "` → " + strings.ReplaceAll(res, "|", `\|`)
		rows = append(rows, "| `"+f.Name+"` | `"+f.Capability+"` | "+col+" |")
	}
	return append([]string{"| " + strings.Join(builtins, ", ") + " | *always* | section 3.2 |"}, rows...)
}

// TestSpecTable: abi/SPEC.md's table of greenroom:host/v1 is the table, row for row.
func TestSpecTable(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(repoRoot, "abi", "SPEC.md"))
	if err != nil {
		t.Fatal(err)
	}
	sec := string(b)
	start := strings.Index(sec, "### 3.3 ")
	if start < 0 {
		t.Fatal("abi/SPEC.md has no section 3.3")
	}
	sec = sec[start:]
	table := strings.Index(sec, "|---|")
	end := strings.Index(sec[table:], "\n\n")
	if table < 0 || end < 0 {
		t.Fatal("abi/SPEC.md section 3.3 has no table")
	}
	var got []string
	for _, line := range strings.Split(sec[table:table+end], "\n") {
		if strings.HasPrefix(line, "| `") {
			got = append(got, line)
		}
	}
	if want := specRows(Functions); !reflect.DeepEqual(got, want) {
		t.Errorf("abi/SPEC.md section 3.3 differs from capability.Functions; its rows should read:\n%s\n\ngot:\n%s", strings.Join(want, "\n"), strings.Join(got, "\n"))
	}
}

// TestABIHostFunctions: the abi package's map, which SDKs and tools read, is the table.
func TestABIHostFunctions(t *testing.T) {
	want := map[string]string{}
	for _, f := range Functions {
		if _, dup := want[f.Name]; dup {
			t.Errorf("%s is in the table twice", f.Name)
		}
		want[f.Name] = f.Capability
		if !f.Builtin() && !contains(abi.Capabilities, f.Capability) {
			t.Errorf("%s: capability %q is not in abi.Capabilities", f.Name, f.Capability)
		}
	}
	if !reflect.DeepEqual(abi.HostFunctions, want) {
		t.Errorf("abi.HostFunctions = %v\nthe table has %v", abi.HostFunctions, want)
	}
}

// TestSDKImports: the Go, C, Rust and AssemblyScript SDKs bind every function of the table, and nothing else.
func TestSDKImports(t *testing.T) {
	var want []string
	for _, f := range Functions {
		want = append(want, f.Name)
	}
	sort.Strings(want)
	for _, sdk := range []struct{ file, pattern string }{
		{"sdk/go/host_wasm.go", `//go:wasmimport greenroom:host/v1 (\w+)`},
		{"sdk/c/greenroom.h", `GR_IMPORT\("greenroom:host/v1", "(\w+)"\)`},
		{"sdk/rust/src/ffi.rs", `pub fn (\w+)\((?:req|src|dst|h: u64, dst)\b`},
		{"sdk/assemblyscript/assembly/index.ts", `@external\("greenroom:host/v1", "(\w+)"\)`},
	} {
		b, err := os.ReadFile(filepath.Join(repoRoot, sdk.file))
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, m := range regexp.MustCompile(sdk.pattern).FindAllStringSubmatch(string(b), -1) {
			got = append(got, m[1])
		}
		sort.Strings(got)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s imports %v; the table has %v", sdk.file, got, want)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
