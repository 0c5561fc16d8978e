package egress

import (
	"net/url"
	"strings"
)

// maxDecodes is how many times ReachesDotDot decodes a path; a path still changing
// after that many rounds is taken to reach `..`.
const maxDecodes = 8

// ReachesDotDot reports whether an escaped URL path has a `..` segment as it is or after
// being percent-decoded once, twice or more (until it stops changing), with a slash or a
// backslash as the separator. An upstream that decodes a path again (as a gateway in
// front of an application server may) or takes a backslash for a slash would otherwise
// resolve `%252e%252e/` or `..%5c` above the path the host checked. Encoded slashes that
// make no `..` are not refused: APIs name things with them (GitLab's group%2Fproject).
func ReachesDotDot(escaped string) bool {
	s := escaped
	for range maxDecodes {
		for _, seg := range strings.FieldsFunc(s, func(r rune) bool { return r == '/' || r == '\\' }) {
			if seg == ".." {
				return true
			}
		}
		d, err := url.PathUnescape(s)
		if err != nil || d == s {
			return false // what decoding does not change, no upstream's decoding changes
		}
		s = d
	}
	return true
}
