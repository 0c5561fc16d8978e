package route

import (
	"maps"
	"strings"
	"testing"
)

func TestCompile(t *testing.T) {
	for _, tc := range []struct {
		pattern  string
		segs     string
		rest     bool
		literals int
		err      string
	}{
		{pattern: "/", segs: ""},
		{pattern: "/hello", segs: "hello", literals: 1},
		{pattern: "/items/:id/", segs: "items :id", literals: 1},
		{pattern: "/files/*", segs: "files", rest: true, literals: 1},
		{pattern: "/*", segs: "", rest: true},
		{pattern: "//a//", segs: "a", literals: 1}, // slashes around are ignored
		{pattern: "/catalog/:namespace/:kind/:name/*", segs: "catalog :namespace :kind :name", rest: true, literals: 1},
		{pattern: "hello", err: `"hello" must start with /`},
		{pattern: "", err: `"" must start with /`},
		{pattern: "/a//b", err: `"/a//b": empty or misplaced segment ""; use literal segments, :name and a final *`},
		{pattern: "/*/a", err: `"/*/a": empty or misplaced segment "*"`},
		{pattern: "/a/:", err: `"/a/:": empty or misplaced segment ":"`},
	} {
		p, err := Compile(tc.pattern)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("Compile(%q) = %v, want error %q", tc.pattern, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("Compile(%q): %v", tc.pattern, err)
			continue
		}
		if got := strings.Join(p.Segments(), " "); got != tc.segs || p.Rest() != tc.rest || p.Literals() != tc.literals || p.String() != tc.pattern {
			t.Errorf("Compile(%q) = %q rest %v literals %d text %q", tc.pattern, got, p.Rest(), p.Literals(), p.String())
		}
	}
}

func TestMatch(t *testing.T) {
	for _, tc := range []struct {
		pattern, path string
		decode        bool
		ok            bool
		params        map[string]string
	}{
		{"/items/:id", "/items/42", false, true, map[string]string{"id": "42"}},
		{"/items/:id", "/items/42/", false, true, map[string]string{"id": "42"}},
		{"/items/:id", "/items", false, false, nil},
		{"/items/:id", "/items/", false, false, nil},
		{"/items/:id", "/items/42/x", false, false, nil},
		{"/files/*", "/files/a/b/c", false, true, map[string]string{"*": "a/b/c"}},
		{"/files/*", "/files/a/b/", false, true, map[string]string{"*": "a/b"}},
		{"/files/*", "/files", false, true, map[string]string{"*": ""}},
		{"/files/*", "/filesx", false, false, nil},
		{"/*", "/", false, true, map[string]string{"*": ""}},
		{"/*", "/a/b", false, true, map[string]string{"*": "a/b"}},
		{"/", "/", false, true, nil},
		{"/", "", false, true, nil},
		{"/", "//", false, true, nil},
		{"/", "/x", false, false, nil},
		{"/a/:b/c", "/a/x/c", false, true, map[string]string{"b": "x"}},
		{"/a/:b/c", "/a/x", false, false, nil},
		{"/a/:b/c", "/a//c", false, false, nil}, // a parameter takes a non-empty segment
		{"/a/:b/c", "/a/x/c/d", false, false, nil},
		{"/a/b", "/a/b", false, true, nil},
		{"/a/b", "/a", false, false, nil},
		{"/a/b", "/a/bb", false, false, nil},
		{"/a/b", "/a/b/c", false, false, nil},
		{"/a/b", "", false, false, nil},
		{"/a/b", "a/b", false, true, nil},    // the leading slash is optional
		{"/a/b", "//a/b", false, false, nil}, // one leading slash is ignored, not two
		// Segments as sent, or percent-decoded.
		{"/items/:id", "/items/a%2Fb", false, true, map[string]string{"id": "a%2Fb"}},
		{"/items/:id", "/items/a%2Fb", true, true, map[string]string{"id": "a/b"}},
		{"/items/:id", "/items/%zz", true, true, map[string]string{"id": "%zz"}}, // does not decode: as sent
		{"/entities", "/entit%69es", false, false, nil},
		{"/entities", "/entit%69es", true, true, nil},
		{"/files/*", "/files/a%20b/c", true, true, map[string]string{"*": "a%20b/c"}}, // the rest stays as sent
	} {
		p := MustCompile(tc.pattern)
		ok := p.matches(tc.path, tc.decode)
		var params map[string]string
		if ok {
			params = p.appendParams(tc.path, tc.decode, nil).Map()
		}
		if ok != tc.ok || !maps.Equal(params, tc.params) {
			t.Errorf("%s ~ %q (decode %v) = %v %v, want %v %v", tc.pattern, tc.path, tc.decode, params, ok, tc.params, tc.ok)
		}
		if !tc.decode {
			// Match appends to the buffer it is given, and leaves it as it was on no match.
			buf := Params{{"x", "y"}}
			ps, ok := p.Match(tc.path, buf)
			if ok != tc.ok || ps[0] != buf[0] || !maps.Equal(ps[1:].Map(), tc.params) || (!ok && len(ps) != 1) {
				t.Errorf("Match: %s ~ %q = %v %v", tc.pattern, tc.path, ps, ok)
			}
		}
	}
}

func TestLookup(t *testing.T) {
	var tab Table[string]
	for _, r := range [][3]string{
		{"GET", "/items", "list"}, {"POST", "/items", "create"},
		{"GET", "/items/:id", "get"}, {"DELETE", "/items/:id", "delete"},
		{"*", "/files/*", "files"}, {"GET", "/items/:id", "shadowed"},
	} {
		if err := tab.Add(r[0], r[1], r[2]); err != nil {
			t.Fatal(err)
		}
	}
	if err := tab.Add("GET", "nope", ""); err == nil || tab.Len() != 6 {
		t.Errorf("Add of a bad pattern: %v, %d routes", err, tab.Len())
	}
	for _, tc := range []struct {
		head          bool
		method, path  string
		handler       string
		params        map[string]string
		outcome       Outcome
		patternString string
	}{
		{false, "GET", "/items", "list", nil, Found, "/items"},
		{false, "POST", "/items/", "create", nil, Found, "/items"},
		{false, "GET", "/items/7", "get", map[string]string{"id": "7"}, Found, "/items/:id"}, // the first route wins
		{false, "DELETE", "/items/7", "delete", map[string]string{"id": "7"}, Found, "/items/:id"},
		{false, "PATCH", "/files/x/y", "files", map[string]string{"*": "x/y"}, Found, "/files/*"},
		{false, "PUT", "/items/7", "", nil, WrongMethod, ""},
		{false, "HEAD", "/items", "", nil, WrongMethod, ""},
		{true, "HEAD", "/items", "list", nil, Found, "/items"},
		{true, "HEAD", "/items/7", "get", map[string]string{"id": "7"}, Found, "/items/:id"},
		{false, "GET", "/nothing", "", nil, NoRoute, ""},
		{false, "DELETE", "/items/7/x", "", nil, NoRoute, ""},
	} {
		tab.HeadAsGet = tc.head
		r, ps, out := tab.Lookup(tc.method, tc.path, nil)
		params := ps.Map()
		if out != tc.outcome || !maps.Equal(params, tc.params) || (r == nil) != (tc.handler == "") {
			t.Errorf("%s %s: %v %v %v", tc.method, tc.path, r, params, out)
			continue
		}
		if r != nil && (r.Handler != tc.handler || r.Pattern.String() != tc.patternString) {
			t.Errorf("%s %s: route %s %s %s", tc.method, tc.path, r.Method, r.Pattern, r.Handler)
		}
	}
	if len(tab.Routes()) != 6 || tab.Routes()[1].Handler != "create" {
		t.Errorf("Routes() = %v", tab.Routes())
	}
}

func TestMoreSpecific(t *testing.T) {
	order := []string{"/a/b/c", "/a/:b/c", "/a/:b/:c", "/a/b", "/:a", "/", "/a/b/*", "/a/*", "/*"}
	for i, a := range order {
		for j, b := range order {
			pa, pb := MustCompile(a), MustCompile(b)
			if got, want := pa.MoreSpecific(pb), i < j; got != want {
				t.Errorf("%s more specific than %s: %v, want %v", a, b, got, want)
			}
		}
	}
}

func TestParams(t *testing.T) {
	ps := Params{{"kind", "component"}, {"name", "web"}, {"*", "a/b"}}
	if ps.Get("name") != "web" || ps.Get("*") != "a/b" || ps.Get("nope") != "" {
		t.Errorf("Get: %v", ps)
	}
	if m := ps.Map(); len(m) != 3 || m["kind"] != "component" {
		t.Errorf("Map: %v", m)
	}
	if Params(nil).Map() != nil || (Params{}).Map() != nil {
		t.Error("Map of no params must be nil")
	}
}

// Routing allocates nothing when the caller's buffer holds the parameters, nor for a
// route without parameters or a request that no route serves.
func TestLookupAllocations(t *testing.T) {
	var tab Table[int]
	tab.HeadAsGet = true
	tab.MustAdd("GET", "/items/:id", 0) // matches the start of /items/1/builds/2, then fails
	tab.MustAdd("GET", "/hello", 1)
	tab.MustAdd("GET", "/items/:id/builds/:build", 2)
	tab.MustAdd("*", "/files/*", 3)
	buf := make(Params, 0, 4)
	for _, tc := range []struct{ method, path string }{
		{"GET", "/hello"}, {"HEAD", "/hello/"}, {"POST", "/hello"}, {"GET", "/nothing/here"},
		{"GET", "/items/1/builds/2"}, {"PUT", "/files/a/b"},
	} {
		if n := testing.AllocsPerRun(100, func() { tab.Lookup(tc.method, tc.path, buf[:0]) }); n != 0 {
			t.Errorf("%s %s: %v allocations", tc.method, tc.path, n)
		}
	}
	// Without a buffer, a route with parameters allocates their slice, once.
	for _, tc := range []struct {
		method, path string
		allocs       float64
	}{{"GET", "/hello", 0}, {"GET", "/items/1/builds/2", 1}, {"PUT", "/files/a/b", 1}} {
		if n := testing.AllocsPerRun(100, func() { tab.Lookup(tc.method, tc.path, nil) }); n != tc.allocs {
			t.Errorf("%s %s without a buffer: %v allocations, want %v", tc.method, tc.path, n, tc.allocs)
		}
	}
	// A stack buffer in the caller stays on the stack.
	if n := testing.AllocsPerRun(100, func() {
		var small [4]Param
		_, ps, _ := tab.Lookup("GET", "/items/1/builds/2", small[:0])
		if ps.Get("build") != "2" {
			t.Fatal("build is not 2")
		}
	}); n != 0 {
		t.Errorf("stack buffer: %v allocations", n)
	}
}
