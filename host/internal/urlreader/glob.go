package urlreader

import (
	"path"
	"strings"
)

// MatchGlob reports whether name (a `/`-separated relative path) matches pattern. A
// pattern segment `**` matches zero or more whole segments; other segments use
// path.Match syntax (`*`, `?`, `[...]`), where `*` does not cross `/`.
func MatchGlob(pattern, name string) bool {
	return matchSegs(strings.Split(pattern, "/"), strings.Split(name, "/"))
}

func matchSegs(pat, name []string) bool {
	for len(pat) > 0 {
		if pat[0] == "**" {
			rest := pat[1:]
			for i := 0; i <= len(name); i++ {
				if matchSegs(rest, name[i:]) {
					return true
				}
			}
			return false
		}
		if len(name) == 0 {
			return false
		}
		ok, err := path.Match(pat[0], name[0])
		if err != nil || !ok {
			return false
		}
		pat, name = pat[1:], name[1:]
	}
	return len(name) == 0
}

// ValidGlob reports whether every segment of pattern is valid path.Match syntax.
func ValidGlob(pattern string) bool {
	for _, seg := range strings.Split(pattern, "/") {
		if seg == "**" {
			continue
		}
		if _, err := path.Match(seg, ""); err != nil {
			return false
		}
	}
	return true
}

// SplitGlob splits a `/`-separated glob into its literal leading directory and the
// pattern relative to it: "a/b/*/c.yaml" gives ("a/b", "*/c.yaml").
func SplitGlob(p string) (base, pattern string) {
	segs := strings.Split(p, "/")
	i := 0
	for ; i < len(segs)-1; i++ {
		if strings.ContainsAny(segs[i], "*?[\\") {
			break
		}
	}
	return strings.Join(segs[:i], "/"), strings.Join(segs[i:], "/")
}
