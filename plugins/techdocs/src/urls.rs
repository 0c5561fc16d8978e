//! The parts of Go's path and net/url packages that the plugin resolves docs sources
//! with, so that a techdocs-ref resolves to the same URL as in the Go plugin.

pub use crate::site::paths::{clean, dir, join};

/// Go's path.Ext: the suffix from the final dot of the last element; "" without one.
pub fn ext(p: &str) -> &str {
    for (i, c) in p.char_indices().rev() {
        match c {
            '/' => return "",
            '.' => return &p[i..],
            _ => {}
        }
    }
    ""
}

/// Go's url.PathEscape-like escaping of a path (net/url's shouldEscape, encodePath):
/// letters, digits, -_.~ and $&+,/:;=@ stay, every other byte is %XX.
pub fn escape_path(p: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(p.len());
    for &b in p.as_bytes() {
        match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'$' | b'&' | b'+' | b',' | b'/' | b':' | b';' | b'=' | b'@' => out.push(b as char),
            _ => {
                out.push('%');
                out.push(HEX[(b >> 4) as usize] as char);
                out.push(HEX[(b & 15) as usize] as char);
            }
        }
    }
    out
}

fn unhex(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Go's url.PathUnescape: %XX decoded; a bad escape is an error naming it.
pub fn unescape(s: &str) -> Result<String, String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            match (b.get(i + 1).copied().and_then(unhex), b.get(i + 2).copied().and_then(unhex)) {
                (Some(h), Some(l)) => {
                    out.push(h << 4 | l);
                    i += 3;
                    continue;
                }
                _ => {
                    let end = (i + 3).min(b.len());
                    return Err(format!("invalid URL escape {}", crate::go_quote(&String::from_utf8_lossy(&b[i..end]))));
                }
            }
        }
        out.push(b[i]);
        i += 1;
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// A URL as Go's url.Parse splits it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Url {
    pub scheme: String,
    /// Set for a URL like mailto:x (a scheme and no slash after it).
    pub opaque: String,
    /// Whether the URL had an authority ("//..."), possibly empty.
    pub has_authority: bool,
    /// The authority as written: userinfo@host:port.
    pub authority: String,
    /// The host (and port), without userinfo.
    pub host: String,
    /// The path, escaped as written.
    pub raw_path: String,
    /// The path, unescaped.
    pub path: String,
    pub raw_query: Option<String>,
    pub fragment: Option<String>,
}

impl Url {
    /// Parses raw as Go's url.Parse does for the URLs of catalog annotations; the error
    /// reads as Go's: parse "URL": why.
    pub fn parse(raw: &str) -> Result<Url, String> {
        let fail = |why: &str| Err(format!("parse {}: {}", crate::go_quote(raw), why));
        if raw.bytes().any(|c| c < 0x20 || c == 0x7f) {
            return fail("net/url: invalid control character in URL");
        }
        let mut u = Url::default();
        let (rest, frag) = match raw.split_once('#') {
            Some((r, f)) => (r, Some(f)),
            None => (raw, None),
        };
        if let Some(f) = frag {
            match unescape(f) {
                Ok(f) => u.fragment = Some(f),
                Err(e) => return fail(&e),
            }
        }
        // The scheme: a letter, then letters, digits, + - . up to a colon.
        let mut rest = rest;
        for (i, c) in rest.char_indices() {
            match c {
                'a'..='z' | 'A'..='Z' => {}
                '0'..='9' | '+' | '-' | '.' if i > 0 => {}
                ':' => {
                    if i == 0 {
                        return fail("missing protocol scheme");
                    }
                    u.scheme = rest[..i].to_ascii_lowercase();
                    rest = &rest[i + 1..];
                    break;
                }
                _ => break,
            }
        }
        if let Some((r, q)) = rest.split_once('?') {
            u.raw_query = Some(q.to_string());
            rest = r;
        }
        if !rest.starts_with('/') && !u.scheme.is_empty() {
            u.opaque = rest.to_string();
            return Ok(u);
        }
        if rest.starts_with("//") {
            let a = &rest[2..];
            let (auth, path) = match a.find('/') {
                Some(i) => (&a[..i], &a[i..]),
                None => (a, ""),
            };
            u.has_authority = true;
            u.authority = auth.to_string();
            u.host = auth.rsplit_once('@').map_or(auth, |(_, h)| h).to_string();
            rest = path;
        }
        u.raw_path = rest.to_string();
        match unescape(rest) {
            Ok(p) => u.path = p,
            Err(e) => return fail(&e),
        }
        Ok(u)
    }

    /// The URL resolved against a relative path reference ref (escaped), as Go's
    /// ResolveReference with &url.URL{Path: ref}: the query and fragment go.
    pub fn resolve_path(&self, escaped_ref: &str) -> Url {
        let resolved = resolve_path(&self.raw_path, escaped_ref);
        let path = unescape(&resolved).unwrap_or_else(|_| resolved.clone());
        Url { opaque: String::new(), raw_path: resolved, path, raw_query: None, fragment: None, ..self.clone() }
    }

    /// The URL as Go's URL.String writes it (for the parts this plugin uses).
    pub fn to_string_go(&self) -> String {
        let mut b = String::new();
        if !self.scheme.is_empty() {
            b.push_str(&self.scheme);
            b.push(':');
        }
        if !self.opaque.is_empty() {
            b.push_str(&self.opaque);
        } else {
            if self.has_authority && (!self.authority.is_empty() || !self.raw_path.is_empty()) {
                b.push_str("//");
                b.push_str(&self.authority);
            }
            if !self.raw_path.is_empty() && !self.raw_path.starts_with('/') && !self.authority.is_empty() {
                b.push('/');
            }
            b.push_str(&self.raw_path);
        }
        if let Some(q) = &self.raw_query {
            b.push('?');
            b.push_str(q);
        }
        if let Some(f) = &self.fragment {
            b.push('#');
            b.push_str(&escape_path(f));
        }
        b
    }
}

/// net/url's resolvePath: ref against base (both escaped paths), dot segments removed.
fn resolve_path(base: &str, r: &str) -> String {
    let full = if r.is_empty() {
        base.to_string()
    } else if !r.starts_with('/') {
        let i = base.rfind('/').map_or(0, |i| i + 1);
        format!("{}{}", &base[..i], r)
    } else {
        r.to_string()
    };
    if full.is_empty() {
        return String::new();
    }
    let mut dst = String::from("/");
    let mut first = true;
    let mut last = "";
    for elem in full.split('/') {
        last = elem;
        if elem == "." {
            first = false;
            continue;
        }
        if elem == ".." {
            let s = dst[1..].to_string();
            dst = String::from("/");
            match s.rfind('/') {
                None => first = true,
                Some(i) => dst.push_str(&s[..i]),
            }
        } else {
            if !first {
                dst.push('/');
            }
            dst.push_str(elem);
            first = false;
        }
    }
    if last == "." || last == ".." {
        dst.push('/');
    }
    if dst.len() > 1 && dst.as_bytes()[1] == b'/' {
        dst.remove(0);
    }
    dst
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        for (p, want) in [("", "."), ("/srv/cat/./docs", "/srv/cat/docs"), ("/srv/cat/../..", "/"), ("a/../../b", "../b"), ("/a//b/", "/a/b"), ("./", ".")] {
            assert_eq!(clean(p), want, "clean({:?})", p);
        }
        assert_eq!(join(&["/srv/cat", "../other"]), "/srv/other");
        assert_eq!(join(&["", ""]), "");
        assert_eq!(dir("/srv/cat/catalog-info.yaml"), "/srv/cat");
        assert_eq!(dir("catalog-info.yaml"), ".");
        assert_eq!((ext("guide"), ext("a.b/guide"), ext("img/logo.PNG")), ("", "", ".PNG"));
    }

    #[test]
    fn urls() {
        let u = Url::parse("https://github.com/o/r/blob/main/catalog-info.yaml?x=1#f").unwrap();
        assert_eq!((u.scheme.as_str(), u.host.as_str(), u.path.as_str()), ("https", "github.com", "/o/r/blob/main/catalog-info.yaml"));
        assert_eq!(u.resolve_path("./").to_string_go(), "https://github.com/o/r/blob/main/");
        let u = Url::parse("https://github.com/o/r/tree/main/").unwrap();
        assert_eq!(u.resolve_path("site").to_string_go(), "https://github.com/o/r/tree/main/site");
        assert_eq!(u.resolve_path("../../x/").to_string_go(), "https://github.com/o/r/x/");
        let u = Url::parse("file:///srv/x").unwrap();
        assert_eq!(u.to_string_go(), "file:///srv/x");
        assert_eq!(Url::parse("file:/srv/x").unwrap().to_string_go(), "file:/srv/x");
        assert!(Url::parse("https://h/%zz").unwrap_err().contains("invalid URL escape \"%zz\""));
        assert!(Url::parse(":x").is_err());
        assert_eq!(escape_path("/a b/ü"), "/a%20b/%C3%BC");
    }
}
