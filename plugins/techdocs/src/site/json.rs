//! The site's JSON files, written byte for byte as Go's encoding/json writes the Go
//! structs (build.go, page.go): field order as declared, omitempty, no spaces, and
//! Go's escaping (<, >, & and U+2028/U+2029 as \u escapes), so that a site built by the
//! Rust port is the same file set as one built by the Go package.

use super::{Heading, NavItem, Page, Ref, SearchEntry, Site};

/// Appends s as a JSON string, escaped as encoding/json does (HTML-safe).
pub fn write_str(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    let b = s.as_bytes();
    // Runs of bytes that need no escape are copied at once.
    let mut start = 0;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c >= 0x20 && c != b'"' && c != b'\\' && c != b'<' && c != b'>' && c != b'&' && c != 0xE2 {
            i += 1;
            continue;
        }
        let esc: Option<&str> = match c {
            b'"' => Some("\\\""),
            b'\\' => Some("\\\\"),
            b'\n' => Some("\\n"),
            b'\r' => Some("\\r"),
            b'\t' => Some("\\t"),
            0x08 => Some("\\b"),
            0x0c => Some("\\f"),
            _ => None,
        };
        if let Some(e) = esc {
            out.push_str(&s[start..i]);
            out.push_str(e);
            i += 1;
            start = i;
            continue;
        }
        if c < 0x20 || c == b'<' || c == b'>' || c == b'&' {
            out.push_str(&s[start..i]);
            out.push_str("\\u00");
            out.push(HEX[(c >> 4) as usize] as char);
            out.push(HEX[(c & 15) as usize] as char);
            i += 1;
            start = i;
            continue;
        }
        // U+2028 and U+2029 (E2 80 A8/A9) break JavaScript string literals.
        if c == 0xE2 && i + 2 < b.len() && b[i + 1] == 0x80 && (b[i + 2] == 0xA8 || b[i + 2] == 0xA9) {
            out.push_str(&s[start..i]);
            out.push_str(if b[i + 2] == 0xA8 { "\\u2028" } else { "\\u2029" });
            i += 3;
            start = i;
            continue;
        }
        i += 1;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

/// Appends "name": (name is a plain ASCII key).
fn key(out: &mut String, first: bool, name: &str) {
    if !first {
        out.push(',');
    }
    out.push('"');
    out.push_str(name);
    out.push_str("\":");
}

fn field_str(out: &mut String, first: bool, name: &str, v: &str) {
    key(out, first, name);
    write_str(out, v);
}

fn write_ref(out: &mut String, r: &Ref) {
    out.push('{');
    field_str(out, true, "url", &r.url);
    field_str(out, false, "title", &r.title);
    out.push('}');
}

fn write_heading(out: &mut String, h: &Heading) {
    out.push_str("{\"level\":");
    out.push_str(&h.level.to_string());
    field_str(out, false, "id", &h.id);
    field_str(out, false, "title", &h.title);
    out.push('}');
}

/// A NavItem: url, external and children are omitempty (an empty section's children
/// are left out, as Go leaves out an empty slice).
fn write_nav_item(out: &mut String, it: &NavItem) {
    out.push('{');
    field_str(out, true, "title", &it.title);
    if !it.url.is_empty() {
        field_str(out, false, "url", &it.url);
    }
    if it.external {
        out.push_str(",\"external\":true");
    }
    if let Some(ch) = &it.children {
        if !ch.is_empty() {
            key(out, false, "children");
            write_nav(out, ch);
        }
    }
    out.push('}');
}

fn write_nav(out: &mut String, items: &[NavItem]) {
    out.push('[');
    for (i, it) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_nav_item(out, it);
    }
    out.push(']');
}

fn write_page(out: &mut String, p: &Page) {
    out.push('{');
    field_str(out, true, "src", &p.src);
    field_str(out, false, "url", &p.url);
    field_str(out, false, "title", &p.title);
    if !p.toc.is_empty() {
        key(out, false, "toc");
        out.push('[');
        for (i, h) in p.toc.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            write_heading(out, h);
        }
        out.push(']');
    }
    if let Some(r) = &p.prev {
        key(out, false, "prev");
        write_ref(out, r);
    }
    if let Some(r) = &p.next {
        key(out, false, "next");
        write_ref(out, r);
    }
    if !p.edit.is_empty() {
        field_str(out, false, "edit", &p.edit);
    }
    out.push('}');
}

fn write_strings(out: &mut String, list: &[String]) {
    out.push('[');
    for (i, s) in list.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_str(out, s);
    }
    out.push(']');
}

/// techdocs_site.json: the Site struct. Go's Site.Nav is never nil, Site.Pages is nil
/// (null) when the docs have no page, and warnings are omitempty.
pub fn site_json(s: &Site) -> Vec<u8> {
    let mut out = String::with_capacity(256 + 256 * s.pages.len());
    out.push('{');
    field_str(&mut out, true, "site_name", &s.name);
    field_str(&mut out, false, "site_description", &s.description);
    key(&mut out, false, "nav");
    write_nav(&mut out, &s.nav);
    key(&mut out, false, "pages");
    if s.pages.is_empty() {
        out.push_str("null");
    } else {
        out.push('[');
        for (i, p) in s.pages.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            write_page(&mut out, p);
        }
        out.push(']');
    }
    if !s.warnings.is_empty() {
        key(&mut out, false, "warnings");
        write_strings(&mut out, &s.warnings);
    }
    out.push('}');
    out.into_bytes()
}

/// search/search_index.json: {"config":{"lang":["en"],"separator":"[\s\-]+"},"docs":[...]}
/// (the config is a Go map, so its keys are sorted).
pub fn search_index(entries: &[SearchEntry]) -> Vec<u8> {
    let n: usize = entries.iter().map(|e| e.location.len() + e.title.len() + e.text.len() + 48).sum();
    let mut out = String::with_capacity(n + 96);
    out.push_str(r#"{"config":{"lang":["en"],"separator":"[\\s\\-]+"},"docs":["#);
    for (i, e) in entries.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push('{');
        field_str(&mut out, true, "location", &e.location);
        field_str(&mut out, false, "title", &e.title);
        field_str(&mut out, false, "text", &e.text);
        out.push('}');
    }
    out.push_str("]}");
    out.into_bytes()
}

/// techdocs_metadata.json, as Backstage writes it.
pub fn metadata(site_name: &str, site_description: &str, etag: &str, build_timestamp: i64, files: &[String]) -> Vec<u8> {
    let mut out = String::with_capacity(128 + files.iter().map(|f| f.len() + 3).sum::<usize>());
    out.push('{');
    field_str(&mut out, true, "site_name", site_name);
    field_str(&mut out, false, "site_description", site_description);
    field_str(&mut out, false, "etag", etag);
    key(&mut out, false, "build_timestamp");
    out.push_str(&build_timestamp.to_string());
    key(&mut out, false, "files");
    write_strings(&mut out, files);
    out.push('}');
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_as_go() {
        for (input, want) in [
            ("plain", r#""plain""#),
            ("a<b>&c", r#""a\u003cb\u003e\u0026c""#),
            ("q\"\\/", r#""q\"\\/""#),
            ("\u{2028}x\u{2029}é", r#""\u2028x\u2029é""#),
        ] {
            let mut out = String::new();
            write_str(&mut out, input);
            assert_eq!(out, want, "{:?}", input);
        }
        // Control characters, with DEL passed through as Go does.
        let mut out = String::new();
        write_str(&mut out, "\n\r\t\u{8}\u{c}\u{1}\u{1f}\u{7f}");
        assert_eq!(out, "\"\\n\\r\\t\\b\\f\\u0001\\u001f\u{7f}\"");
    }

    #[test]
    fn omitempty() {
        let it = NavItem { title: "S".into(), children: Some(vec![]), ..Default::default() };
        let mut out = String::new();
        write_nav_item(&mut out, &it);
        assert_eq!(out, r#"{"title":"S"}"#);
        let s = Site::default();
        assert_eq!(String::from_utf8(site_json(&s)).unwrap(), r#"{"site_name":"","site_description":"","nav":[],"pages":null}"#);
        assert_eq!(String::from_utf8(search_index(&[])).unwrap(), r#"{"config":{"lang":["en"],"separator":"[\\s\\-]+"},"docs":[]}"#);
    }
}
