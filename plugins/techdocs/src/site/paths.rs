//! Go's path package, the parts the plugin uses: slash-separated paths resolved as the
//! Go plugin and mkdocs resolve them (docs_dir, nav entries, links, techdocs-ref).

/// Go's path.Clean: the shortest path equal to p, with no empty, "." or inner ".."
/// segments; "." for an empty path.
pub fn clean(p: &str) -> String {
    if p.is_empty() {
        return ".".into();
    }
    let rooted = p.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    // How many leading ".." a relative path keeps.
    let mut dotdot = 0;
    for seg in p.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                if parts.len() > dotdot {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                    dotdot += 1;
                }
            }
            s => parts.push(s),
        }
    }
    let joined = parts.join("/");
    if rooted {
        format!("/{}", joined)
    } else if joined.is_empty() {
        ".".into()
    } else {
        joined
    }
}

/// Go's path.Split: the directory with its trailing slash, and the name.
pub fn split(p: &str) -> (&str, &str) {
    match p.rfind('/') {
        Some(i) => (&p[..=i], &p[i + 1..]),
        None => ("", p),
    }
}

/// Go's path.Dir: all but the last element, cleaned.
pub fn dir(p: &str) -> String {
    clean(split(p).0)
}

/// Go's path.Base (for the cleaned paths the build passes it).
pub fn base(p: &str) -> &str {
    let t = p.trim_end_matches('/');
    if t.is_empty() {
        return if p.is_empty() { "." } else { "/" };
    }
    split(t).1
}

/// Go's path.Join: the non-empty elements joined with slashes, cleaned; "" for none.
pub fn join(elems: &[&str]) -> String {
    let parts: Vec<&str> = elems.iter().copied().filter(|e| !e.is_empty()).collect();
    if parts.is_empty() {
        return String::new();
    }
    clean(&parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        for (p, want) in [("", "."), (".", "."), ("docs/", "docs"), ("./a//b/../c", "a/c"), ("../a", "../a"), ("a/../..", ".."), ("/../a", "/a"), ("/", "/"), ("a/./", "a")] {
            assert_eq!(clean(p), want, "{}", p);
        }
        for (p, want) in [("a/b/c.md", "a/b"), ("c.md", "."), ("/c", "/"), ("a/b/", "a/b"), ("", ".")] {
            assert_eq!(dir(p), want, "{}", p);
        }
        for (p, want) in [("a/b.md", "b.md"), ("a/", "a"), ("", "."), ("/", "/")] {
            assert_eq!(base(p), want, "{}", p);
        }
        for (e, want) in [(&["a", "../b"][..], "b"), (&["", "x.md"][..], "x.md"), (&["a/", ""][..], "a"), (&["", ""][..], ""), (&["a", "../.."][..], "..")] {
            assert_eq!(join(e), want, "{:?}", e);
        }
    }
}
