//! mkdocs.yml, and the YAML reading it and front matter share: a node
//! tree with line numbers as Go's yaml.v3 gives it, built from yaml-rust's events
//! (yaml-rust's own Yaml tree drops the lines), and front matter's title typed as
//! yaml.v3 types it.

use super::{paths, Error};
use std::collections::HashMap;
use yaml_rust::parser::{Event, Parser};
use yaml_rust::scanner::{TScalarStyle, TokenType};

/// What the build uses of mkdocs.yml.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Config {
    /// The config's name in the tree: mkdocs.yaml or mkdocs.yml.
    pub file: String,
    pub site_name: String,
    pub site_description: String,
    /// The Markdown directory, relative to the tree's root, cleaned ("docs").
    pub docs_dir: String,
    pub repo_url: String,
    pub edit_uri: String,
    /// The nav as written; empty when mkdocs.yml has none.
    pub nav: Vec<NavEntry>,
    /// True when mkdocs.yml has a nav key.
    pub has_nav: bool,
}

/// One entry of mkdocs.yml's nav: a page (path), an external link (url), or a section
/// (children). title is empty for an entry without a label.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NavEntry {
    pub title: String,
    pub path: String,
    pub url: String,
    pub children: Vec<NavEntry>,
    pub section: bool,
    pub line: usize,
}

/// The file names Backstage looks for, in its order.
const CONFIG_NAMES: [&str; 2] = ["mkdocs.yaml", "mkdocs.yml"];

const DOCS_DIR_ESCAPE: &str = "docs_dir configuration value in mkdocs can't be an absolute directory or start with ../ for security reasons. Use relative paths instead which are resolved relative to your mkdocs.yml file location.";

fn err(file: &str, line: usize, msg: String) -> Error {
    Error { file: file.to_string(), line, msg }
}

/// Finds and parses mkdocs.yaml or mkdocs.yml at the tree's root. Tags
/// such as !!python/name: that real configs carry are kept as plain values.
pub fn load_config<V: AsRef<[u8]>>(files: &std::collections::BTreeMap<String, V>) -> Result<Config, Error> {
    let found = CONFIG_NAMES.iter().find_map(|n| files.get(*n).map(|b| (*n, b.as_ref())));
    let (name, raw) = match found {
        Some(f) => f,
        None => return Err(Error { msg: "Could not read MkDocs YAML config file mkdocs.yml or mkdocs.yaml for validation: neither file is at the root of the docs source; add mkdocs.yml (site_name, docs_dir, nav) next to the entity's catalog-info.yaml, or point backstage.io/techdocs-ref at the directory that holds it".into(), ..Default::default() }),
    };
    // yaml.v3 refuses invalid UTF-8; the message differs from its own.
    let text = std::str::from_utf8(raw).map_err(|_| err(name, 0, "not valid YAML: yaml: invalid UTF-8 in the file".into()))?;
    let root = match parse_yaml(text) {
        Ok(Some(n)) => n,
        Ok(None) => return Err(err(name, 0, "the file is empty; it needs at least site_name".into())),
        Err(e) => return Err(err(name, 0, format!("not valid YAML: {}", e))),
    };
    if root.kind != Kind::Mapping {
        return Err(err(name, root.line, "the file must be a mapping of mkdocs settings (site_name, docs_dir, nav, ...)".into()));
    }
    let mut c = Config { file: name.to_string(), docs_dir: "docs".into(), ..Default::default() };
    for pair in root.children.chunks_exact(2) {
        let (k, v) = (&pair[0], &pair[1]);
        let str_value = || -> Result<String, Error> {
            if v.kind != Kind::Scalar {
                return Err(err(name, v.line, format!("{} must be a string", k.value)));
            }
            Ok(v.value.clone())
        };
        match k.value.as_str() {
            "site_name" => c.site_name = str_value()?,
            "site_description" => c.site_description = str_value()?,
            "repo_url" => c.repo_url = str_value()?,
            "edit_uri" => c.edit_uri = str_value()?,
            "docs_dir" => c.docs_dir = check_docs_dir(name, v.line, &str_value()?)?,
            "nav" => {
                c.has_nav = true;
                c.nav = nav_entries(name, v)?;
            }
            _ => {}
        }
    }
    if c.site_name.trim().is_empty() {
        return Err(err(name, root.line, "site_name is required; add site_name: <the site's title>".into()));
    }
    Ok(c)
}

/// Keeps docs_dir inside the tree, with Backstage's wording.
fn check_docs_dir(file: &str, line: usize, d: &str) -> Result<String, Error> {
    let b = d.as_bytes();
    if d.starts_with('/') || d.contains('\\') || (b.len() > 1 && b[1] == b':') {
        return Err(err(file, line, format!("docs_dir {}: {}", go_quote(d), DOCS_DIR_ESCAPE)));
    }
    let clean = paths::clean(d);
    if clean == ".." || clean.starts_with("../") {
        return Err(err(file, line, format!("docs_dir {}: {}", go_quote(d), DOCS_DIR_ESCAPE)));
    }
    Ok(clean)
}

fn nav_entries(file: &str, n: &Node) -> Result<Vec<NavEntry>, Error> {
    if n.kind != Kind::Sequence {
        return Err(err(file, n.line, "nav must be a list of pages, links and sections".into()));
    }
    n.children.iter().map(|item| nav_entry(file, item)).collect()
}

fn nav_entry(file: &str, n: &Node) -> Result<NavEntry, Error> {
    match n.kind {
        Kind::Scalar => return Ok(target(NavEntry { line: n.line, ..Default::default() }, &n.value)),
        Kind::Mapping => {
            if n.children.len() != 2 {
                return Err(err(file, n.line, "a nav entry is one label: path, label: URL or label: [entries]".into()));
            }
            let (k, v) = (&n.children[0], &n.children[1]);
            let e = NavEntry { title: k.value.clone(), line: k.line, ..Default::default() };
            match v.kind {
                Kind::Scalar => return Ok(target(e, &v.value)),
                Kind::Sequence => {
                    let children = nav_entries(file, v)?;
                    return Ok(NavEntry { children, section: true, ..e });
                }
                _ => {}
            }
        }
        _ => {}
    }
    Err(err(file, n.line, "a nav entry is a path, label: path, label: URL or label: [entries]".into()))
}

fn target(mut e: NavEntry, v: &str) -> NavEntry {
    if is_external(v) {
        e.url = v.to_string();
    } else {
        e.path = v.to_string();
    }
    e
}

/// Whether a link or nav target is a URL rather than a docs path.
pub fn is_external(v: &str) -> bool {
    if v.starts_with("//") {
        return true;
    }
    match v.find(':') {
        Some(i) if i > 0 => v[..i].bytes().all(|r| r.is_ascii_alphanumeric() || r == b'+' || r == b'-' || r == b'.'),
        _ => false,
    }
}

impl Error {
    /// The message as Go's Error.Error() writes it: file:line: msg, file: msg, or msg.
    pub fn text(&self) -> String {
        if !self.file.is_empty() && self.line > 0 {
            format!("{}:{}: {}", self.file, self.line, self.msg)
        } else if !self.file.is_empty() {
            format!("{}: {}", self.file, self.msg)
        } else {
            self.msg.clone()
        }
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text())
    }
}

impl std::error::Error for Error {}

/// Go's %q of a string: double-quoted with Go's escapes (strconv.Quote).
pub fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if go_printable(c) => out.push(c),
            c if (c as u32) < 0x80 => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
    out.push('"');
    out
}

/// An approximation of Go's strconv.IsPrint: letters, marks, numbers, punctuation,
/// symbols and the ASCII space. Controls, format characters, separators other than
/// U+0020, private use and unassigned code points are escaped.
fn go_printable(c: char) -> bool {
    let u = c as u32;
    if u < 0x80 {
        return (0x20..0x7f).contains(&u);
    }
    if c.is_control() || c.is_whitespace() {
        return false;
    }
    // Format characters (Cf) that occur in text, and the private use areas.
    !matches!(u, 0xad | 0x600..=0x605 | 0x61c | 0x6dd | 0x70f | 0x180e | 0x200b..=0x200f | 0x202a..=0x202e | 0x2060..=0x206f | 0xfeff | 0xfff9..=0xfffb | 0xe000..=0xf8ff | 0xf0000..=0x10ffff)
}

// ---- YAML ----

/// The kind of a YAML node (yaml.v3's Kind).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Kind {
    Scalar,
    Sequence,
    Mapping,
    Alias,
}

/// A YAML node as yaml.v3 gives it: value (a scalar's, or an alias' anchor name), its
/// 1-based line, its tag ("!!str", "!foo", or "" when none) and whether it is a plain
/// scalar; a mapping's children are key, value, key, value...
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub kind: Kind,
    pub value: String,
    pub line: usize,
    pub tag: String,
    pub plain: bool,
    pub children: Vec<Node>,
    /// For an alias, the anchor id it refers to (yaml-rust's numbering).
    pub alias: usize,
}

/// yaml.v3 refuses documents nested deeper than this.
const MAX_DEPTH: usize = 10000;

/// Parses the first document of text into a node tree; None when the text has no
/// document. It drives yaml-rust's event parser itself rather than Parser::load, which
/// recurses once per nesting level (a stack overflow kills a WebAssembly instance).
pub fn parse_yaml(text: &str) -> Result<Option<Node>, String> {
    parse_yaml_anchors(text).map(|(n, _)| n)
}

/// parse_yaml, with the anchored nodes by anchor id.
pub fn parse_yaml_anchors(text: &str) -> Result<(Option<Node>, HashMap<usize, Node>), String> {
    // yaml.v3 refuses a tab that indents a line; yaml-rust takes one at a line's start.
    for (i, line) in text.split('\n').enumerate() {
        if line.starts_with('\t') {
            let rest = line.trim_start_matches(|c| c == '\t' || c == ' ' || c == '\r');
            if !rest.is_empty() && !rest.starts_with('#') {
                return Err(format!("yaml: line {}: found a tab character that violates indentation", i + 1));
            }
        }
    }
    let mut parser = Parser::new(text.chars());
    // Char index to byte offset, built when an empty or alias node needs the source.
    let mut chars: Option<Vec<(usize, char)>> = None;
    let mut stack: Vec<(Node, usize)> = Vec::new();
    let mut anchors: HashMap<usize, Node> = HashMap::new();
    let mut root: Option<Node> = None;
    let mut started = false;
    loop {
        let (ev, mark) = parser.next().map_err(scan_error)?;
        let line = mark.line();
        let done: Option<(Node, usize)> = match ev {
            Event::StreamEnd => break,
            Event::DocumentStart => {
                if started {
                    break;
                }
                started = true;
                None
            }
            Event::DocumentEnd => break,
            Event::Nothing | Event::StreamStart => None,
            Event::Alias(id) => {
                let name = anchor_name(text, &mut chars, mark.index());
                Some((Node { kind: Kind::Alias, value: name, line, tag: String::new(), plain: false, children: Vec::new(), alias: id }, 0))
            }
            Event::Scalar(v, style, anchor, tag) => {
                let plain = style == TScalarStyle::Plain;
                // yaml-rust writes an empty node as "~" at the next token; yaml.v3's value
                // is "" and its line the line of what comes before (a -, a : or a tag).
                let empty = plain && (v.is_empty() || v == "~" && source_char(text, &mut chars, mark.index()) != Some('~'));
                let value = if empty { String::new() } else { v };
                // yaml-rust marks a block scalar at its text, yaml.v3 at its | or >.
                let block = style == TScalarStyle::Literal || style == TScalarStyle::Foled;
                let line = if empty || block { line_before(text, &mut chars, mark.index()).unwrap_or(line) } else { line };
                Some((Node { kind: Kind::Scalar, value, line, tag: tag_name(tag), plain, children: Vec::new(), alias: 0 }, anchor))
            }
            Event::SequenceStart(anchor) | Event::MappingStart(anchor) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(format!("yaml: exceeded max depth of {}", MAX_DEPTH));
                }
                let kind = if matches!(ev, Event::SequenceStart(_)) { Kind::Sequence } else { Kind::Mapping };
                stack.push((Node { kind, value: String::new(), line, tag: String::new(), plain: false, children: Vec::new(), alias: 0 }, anchor));
                None
            }
            Event::SequenceEnd | Event::MappingEnd => stack.pop(),
        };
        if let Some((node, anchor)) = done {
            if anchor > 0 {
                anchors.insert(anchor, node.clone());
            }
            match stack.last_mut() {
                Some((parent, _)) => parent.children.push(node),
                None => root = Some(node),
            }
        }
    }
    Ok((root, anchors))
}

#[allow(deprecated)]
fn scan_error(e: yaml_rust::ScanError) -> String {
    use std::error::Error as _;
    format!("yaml: line {}: {}", e.marker().line(), e.description())
}

fn source_char(text: &str, chars: &mut Option<Vec<(usize, char)>>, index: usize) -> Option<char> {
    let cs = chars.get_or_insert_with(|| text.char_indices().collect());
    cs.get(index).map(|&(_, c)| c)
}

/// The 1-based line of the last non-space character before the char index.
fn line_before(text: &str, chars: &mut Option<Vec<(usize, char)>>, index: usize) -> Option<usize> {
    let cs = chars.get_or_insert_with(|| text.char_indices().collect());
    let end = cs.get(index).map_or(text.len(), |&(b, _)| b);
    let before = text[..end].trim_end_matches(|c| c == ' ' || c == '\t' || c == '\n' || c == '\r');
    if before.is_empty() {
        return None;
    }
    Some(1 + before.bytes().filter(|&c| c == b'\n').count())
}

/// The name after an alias' *, which yaml.v3 keeps as the alias node's value.
fn anchor_name(text: &str, chars: &mut Option<Vec<(usize, char)>>, index: usize) -> String {
    let cs = chars.get_or_insert_with(|| text.char_indices().collect());
    let start = match cs.get(index) {
        Some(&(b, '*')) => b + 1,
        _ => return String::new(),
    };
    let rest = &text[start..];
    let end = rest.find(|c: char| c.is_whitespace() || ",[]{}".contains(c)).unwrap_or(rest.len());
    rest[..end].to_string()
}

/// A tag as yaml.v3 short-writes it: !!str for tag:yaml.org,2002:str, !x for a local tag.
fn tag_name(tag: Option<TokenType>) -> String {
    match tag {
        Some(TokenType::Tag(handle, suffix)) => {
            let full = format!("{}{}", handle, suffix);
            match full.strip_prefix("tag:yaml.org,2002:") {
                Some(rest) => format!("!!{}", rest),
                None => full,
            }
        }
        _ => String::new(),
    }
}

// ---- front matter ----

/// The title front matter gives a page):
/// Ok(Some) when the YAML is a mapping whose title is a string as yaml.v3 decodes it
/// into map[string]any, Ok(None) when it has no string title, Err when yaml.v3 would
/// refuse the front matter (the page then keeps it in its body).
pub fn front_matter_title(text: &str) -> Result<Option<String>, ()> {
    let (root, anchors) = parse_yaml_anchors(text).map_err(|_| ())?;
    let root = match root {
        None => return Ok(None),
        Some(r) => r,
    };
    match root.kind {
        Kind::Mapping => {}
        Kind::Scalar if scalar_type(&root)? == Type::Null => return Ok(None),
        _ => return Err(()),
    }
    check_decodable(&root, &anchors)?;
    Ok(mapping_title(&root, &anchors, 0))
}

/// The type yaml.v3 decodes a scalar into an interface as.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Type {
    Null,
    Str,
    Other,
}

/// Whether yaml.v3 decodes the whole tree into map[string]any without an error:
/// non-scalar keys, duplicate keys, bad merges and scalars that do not fit their
/// explicit tag are errors.
fn check_decodable(root: &Node, anchors: &HashMap<usize, Node>) -> Result<(), ()> {
    let mut todo: Vec<&Node> = vec![root];
    while let Some(n) = todo.pop() {
        match n.kind {
            Kind::Scalar => {
                scalar_type(n)?;
            }
            Kind::Sequence => todo.extend(n.children.iter()),
            Kind::Alias => {}
            Kind::Mapping => {
                for (i, pair) in n.children.chunks(2).enumerate() {
                    let k = &pair[0];
                    if pair.len() < 2 {
                        return Err(());
                    }
                    let key_kind = resolve_alias(k, anchors).map(|a| a.kind);
                    if key_kind != Some(Kind::Scalar) {
                        return Err(());
                    }
                    for other in n.children.chunks(2).skip(i + 1) {
                        if other[0].kind == k.kind && other[0].value == k.value {
                            return Err(());
                        }
                    }
                    if is_merge(k) {
                        check_merge(&pair[1], anchors)?;
                    }
                    todo.push(k);
                    todo.push(&pair[1]);
                }
            }
        }
    }
    Ok(())
}

fn resolve_alias<'a>(n: &'a Node, anchors: &'a HashMap<usize, Node>) -> Option<&'a Node> {
    if n.kind == Kind::Alias {
        anchors.get(&n.alias)
    } else {
        Some(n)
    }
}

fn is_merge(k: &Node) -> bool {
    k.kind == Kind::Scalar && k.value == "<<" && (k.tag.is_empty() && k.plain || k.tag == "!" || k.tag == "!!merge")
}

fn check_merge(v: &Node, anchors: &HashMap<usize, Node>) -> Result<(), ()> {
    let is_map = |n: &Node| resolve_alias(n, anchors).map(|a| a.kind) == Some(Kind::Mapping);
    match v.kind {
        Kind::Mapping => Ok(()),
        Kind::Alias if is_map(v) => Ok(()),
        Kind::Sequence if v.children.iter().all(|c| is_map(c)) => Ok(()),
        _ => Err(()),
    }
}

/// A mapping's title: its own title key (the last one), else the first merged one.
fn mapping_title(m: &Node, anchors: &HashMap<usize, Node>, depth: usize) -> Option<String> {
    if depth > 64 {
        return None;
    }
    let mut own: Option<Option<String>> = None;
    let mut merge: Option<&Node> = None;
    for pair in m.children.chunks_exact(2) {
        let k = match resolve_alias(&pair[0], anchors) {
            Some(k) => k,
            None => continue,
        };
        if is_merge(&pair[0]) {
            merge = Some(&pair[1]);
        } else if key_string(k) == "title" {
            own = Some(string_value(&pair[1], anchors));
        }
    }
    if let Some(t) = own {
        return t;
    }
    let merge = resolve_alias(merge?, anchors)?;
    let maps: Vec<&Node> = match merge.kind {
        Kind::Mapping => vec![merge],
        _ => merge.children.iter().filter_map(|c| resolve_alias(c, anchors)).collect(),
    };
    for mm in maps {
        if has_title_key(mm, anchors) {
            return mapping_title(mm, anchors, depth + 1);
        }
    }
    None
}

fn has_title_key(m: &Node, anchors: &HashMap<usize, Node>) -> bool {
    m.children.chunks_exact(2).any(|p| resolve_alias(&p[0], anchors).map_or(false, |k| !is_merge(&p[0]) && key_string(k) == "title"))
        || m.children.chunks_exact(2).any(|p| is_merge(&p[0]))
}

/// A scalar key as a Go string key: its value, "" when it is null.
fn key_string(k: &Node) -> &str {
    if scalar_type(k) == Ok(Type::Null) {
        ""
    } else {
        &k.value
    }
}

fn string_value(v: &Node, anchors: &HashMap<usize, Node>) -> Option<String> {
    let v = resolve_alias(v, anchors)?;
    if v.kind == Kind::Scalar && scalar_type(v) == Ok(Type::Str) {
        if v.tag == "!!binary" {
            return base64_decode(&v.value).map(|b| String::from_utf8_lossy(&b).into_owned());
        }
        Some(v.value.clone())
    } else {
        None
    }
}

/// The type yaml.v3 decodes a scalar as into an interface (decoder.scalar, resolve);
/// Err when the value does not fit its explicit tag.
fn scalar_type(n: &Node) -> Result<Type, ()> {
    let tag = n.tag.as_str();
    if tag == "!!str" || (tag.is_empty() || tag == "!") && !n.plain {
        return Ok(Type::Str);
    }
    if tag == "!!binary" {
        return if base64_decode(&n.value).is_some() { Ok(Type::Str) } else { Err(()) };
    }
    let tag = if tag == "!" { "" } else { tag };
    if !matches!(tag, "" | "!!bool" | "!!int" | "!!float" | "!!null" | "!!timestamp") {
        // Tags yaml.v3 does not resolve (!!python/name:x, !ENV) leave the string.
        return Ok(Type::Str);
    }
    let rtag = resolve_plain(&n.value, tag);
    if tag.is_empty() || tag == rtag || (tag == "!!float" && rtag == "!!int") {
        return Ok(match rtag {
            "!!null" => Type::Null,
            "!!str" => Type::Str,
            _ => Type::Other,
        });
    }
    Err(())
}

/// Standard base64 with padding, as Go's base64.StdEncoding.DecodeString (which skips
/// line breaks).
fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let b: Vec<u8> = s.bytes().filter(|&c| c != b'\n' && c != b'\r').collect();
    if b.len() % 4 != 0 {
        return None;
    }
    let val = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let mut out = Vec::with_capacity(b.len() / 4 * 3);
    for (k, chunk) in b.chunks(4).enumerate() {
        let last = k + 1 == b.len() / 4;
        let pad = chunk.iter().rev().take_while(|&&c| c == b'=').count();
        if pad > 2 || pad > 0 && !last {
            return None;
        }
        let mut v = 0u32;
        for &c in &chunk[..4 - pad] {
            v = v << 6 | val(c)?;
        }
        v <<= 6 * pad as u32;
        let bytes = [(v >> 16) as u8, (v >> 8) as u8, v as u8];
        out.extend_from_slice(&bytes[..3 - pad]);
    }
    Some(out)
}

/// yaml.v3's resolve for an untagged (or tagged) plain scalar: the tag it resolves to.
fn resolve_plain(v: &str, tag: &str) -> &'static str {
    let hint = match v.as_bytes().first() {
        None => b'N',
        Some(b'+') | Some(b'-') => b'S',
        Some(c) if c.is_ascii_digit() => b'D',
        Some(c) if b"yYnNtTfFoO~".contains(c) => b'M',
        Some(b'.') => b'.',
        _ => 0,
    };
    if hint == 0 {
        return "!!str";
    }
    match v {
        "true" | "True" | "TRUE" | "false" | "False" | "FALSE" => return "!!bool",
        "" | "~" | "null" | "Null" | "NULL" => return "!!null",
        ".nan" | ".NaN" | ".NAN" | ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" | "-.inf" | "-.Inf" | "-.INF" => return "!!float",
        "<<" => return "!!merge",
        _ => {}
    }
    match hint {
        b'.' => {
            if go_parse_float(v) {
                return "!!float";
            }
        }
        b'D' | b'S' => {
            if (tag.is_empty() || tag == "!!timestamp") && is_timestamp(v) {
                return "!!timestamp";
            }
            let plain: String = v.chars().filter(|&c| c != '_').collect();
            if go_parse_int(&plain) {
                return "!!int";
            }
            if yaml_style_float(&plain) && go_parse_float(&plain) {
                return "!!float";
            }
            let digits = |s: &str, radix: u32| !s.is_empty() && s.len() <= 64 && s.chars().all(|c| c.is_digit(radix));
            for (prefix, radix) in [("0b", 2), ("-0b", 2), ("0o", 8), ("-0o", 8)] {
                if let Some(rest) = plain.strip_prefix(prefix) {
                    if digits(rest, radix) && fits_int(rest, radix, prefix.starts_with('-')) {
                        return "!!int";
                    }
                }
            }
        }
        _ => {}
    }
    "!!str"
}

fn fits_int(digits: &str, radix: u32, neg: bool) -> bool {
    match u64::from_str_radix(digits, radix) {
        Ok(v) => !neg || v <= 1 << 63,
        Err(_) => false,
    }
}

/// Go's strconv.ParseInt(s, 0, 64) or ParseUint(s, 0, 64) succeeds: an optional sign,
/// then 0x/0o/0b/0 prefixed or decimal digits, with underscores only after a prefix.
fn go_parse_int(s: &str) -> bool {
    let (neg, body) = match s.as_bytes().first() {
        Some(b'+') => (false, &s[1..]),
        Some(b'-') => (true, &s[1..]),
        _ => (false, s),
    };
    let lower = body.to_ascii_lowercase();
    let (radix, digits) = if let Some(r) = lower.strip_prefix("0x") {
        (16, r)
    } else if let Some(r) = lower.strip_prefix("0o") {
        (8, r)
    } else if let Some(r) = lower.strip_prefix("0b") {
        (2, r)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, &lower[1..])
    } else {
        (10, lower.as_str())
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return false;
    }
    match u64::from_str_radix(digits, radix) {
        Ok(v) => !neg || v <= 1 << 63,
        Err(_) => false,
    }
}

/// yamlStyleFloat: ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$
fn yaml_style_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let s = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - s
    };
    if i < b.len() && b[i] == b'.' {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if i < b.len() && b[i] == b'.' {
            i += 1;
            digits(&mut i);
        }
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// Go's strconv.ParseFloat(s, 64) accepts s (range errors aside, which it reports as
/// errors too: a value out of range is a string to yaml.v3).
fn go_parse_float(s: &str) -> bool {
    let lower = s.to_ascii_lowercase();
    let unsigned = lower.trim_start_matches(|c| c == '+' || c == '-');
    if unsigned.len() + 1 < lower.len() {
        return false;
    }
    if matches!(unsigned, "inf" | "infinity" | "nan") {
        return true;
    }
    if unsigned.starts_with("0x") || s.contains('_') {
        // Hex floats and underscores: rare in a title; Go accepts some of them.
        return false;
    }
    match s.parse::<f64>() {
        Ok(v) => v.is_finite(),
        Err(_) => false,
    }
}

/// yaml.v3's parseTimestamp: four digits and a -, then one of its time formats.
fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    let year_digits = b.iter().take_while(|c| c.is_ascii_digit()).count();
    if year_digits != 4 || b.len() == 4 || b[4] != b'-' {
        return false;
    }
    let mut p = TimeParser { b, i: 5 };
    let year: u32 = s[..4].parse().unwrap_or(0);
    let (month, day) = match (p.num(2), p.lit(b'-'), p.num(2)) {
        (Some(m), true, Some(d)) => (m, d),
        _ => return false,
    };
    if !(1..=12).contains(&month) || day < 1 || day > days_in(year, month) {
        return false;
    }
    if p.i == b.len() {
        return true;
    }
    // The time: T, t or a space, then h:m:s with optional fraction; a zone after T/t.
    let sep = b[p.i];
    p.i += 1;
    if !matches!(sep, b'T' | b't' | b' ') {
        return false;
    }
    match (p.num(2), p.lit(b':'), p.num(2), p.lit(b':'), p.num(2)) {
        (Some(h), true, Some(m), true, Some(sec)) if h < 24 && m < 60 && sec < 60 => {}
        _ => return false,
    }
    if p.lit(b'.') {
        let n = b[p.i..].iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 || n > 9 {
            return false;
        }
        p.i += n;
    }
    if sep == b' ' {
        return p.i == b.len();
    }
    if p.lit(b'Z') {
        return p.i == b.len();
    }
    if p.i < b.len() && (b[p.i] == b'+' || b[p.i] == b'-') {
        p.i += 1;
        let ok = p.fixed(2).map_or(false, |h| h < 24) && p.lit(b':') && p.fixed(2).map_or(false, |m| m < 60);
        return ok && p.i == b.len();
    }
    false
}

struct TimeParser<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> TimeParser<'a> {
    /// One or up to max digits.
    fn num(&mut self, max: usize) -> Option<u32> {
        let n = self.b[self.i.min(self.b.len())..].iter().take(max).take_while(|c| c.is_ascii_digit()).count();
        if n == 0 {
            return None;
        }
        let v = std::str::from_utf8(&self.b[self.i..self.i + n]).ok()?.parse().ok();
        self.i += n;
        v
    }
    fn fixed(&mut self, n: usize) -> Option<u32> {
        let start = self.i;
        let v = self.num(n)?;
        if self.i - start != n {
            return None;
        }
        Some(v)
    }
    fn lit(&mut self, c: u8) -> bool {
        if self.i < self.b.len() && self.b[self.i] == c {
            self.i += 1;
            true
        } else {
            false
        }
    }
}

fn days_in(year: u32, month: u32) -> u32 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn files(kv: &[(&str, &str)]) -> BTreeMap<String, Vec<u8>> {
        kv.iter().map(|(k, v)| (k.to_string(), v.as_bytes().to_vec())).collect()
    }

    #[test]
    fn config_errors() {
        for (name, yml, want) in [
            ("no site_name", "nav: []", "mkdocs.yml:1: site_name is required"),
            ("not YAML", "site_name: [", "mkdocs.yml: not valid YAML"),
            ("absolute docs_dir", "site_name: x\ndocs_dir: /etc", "mkdocs.yml:2: docs_dir \"/etc\": docs_dir configuration value in mkdocs can't be an absolute directory or start with ../ for security reasons."),
            ("windows docs_dir", "site_name: x\ndocs_dir: 'C:docs'", "mkdocs.yml:2: docs_dir \"C:docs\": docs_dir configuration"),
            ("backslash docs_dir", "site_name: x\ndocs_dir: 'a\\b'", "mkdocs.yml:2: docs_dir \"a\\\\b\": docs_dir configuration"),
            ("docs_dir up", "site_name: x\ndocs_dir: docs/../../secrets", "mkdocs.yml:2: docs_dir \"docs/../../secrets\": docs_dir configuration value in mkdocs can't be an absolute directory or start with ../"),
            ("bad nav", "site_name: x\nnav: {a: b}", "mkdocs.yml:2: nav must be a list"),
            ("nav entry two keys", "site_name: x\nnav:\n  - a: b\n    c: d\n", "mkdocs.yml:3: a nav entry is one label: path"),
            ("nav entry mapping value", "site_name: x\nnav:\n  - a: {b: c}\n", "mkdocs.yml:3: a nav entry is a path, label: path"),
            ("site_name list", "site_name: [a]\n", "mkdocs.yml:1: site_name must be a string"),
            ("empty", "# only a comment\n", "mkdocs.yml: the file is empty"),
            ("not a mapping", "\n- a", "mkdocs.yml:2: the file must be a mapping"),
        ] {
            let e = load_config(&files(&[("mkdocs.yml", yml)])).unwrap_err();
            assert!(e.text().contains(want), "{}: {}, want {}", name, e, want);
        }
        let e = load_config(&files(&[("docs/index.md", "# x")])).unwrap_err();
        assert!(e.text().starts_with("Could not read MkDocs YAML config file mkdocs.yml or mkdocs.yaml for validation: neither file is at the root of the docs source"));
    }

    #[test]
    fn config_values() {
        let c = load_config(&files(&[
            ("mkdocs.yml", "site_name: a\n"),
            ("mkdocs.yaml", "site_name: Pay\nsite_description: How\nrepo_url: https://x/\nedit_uri:\ndocs_dir: ./d/../src/\nplugins:\n  - techdocs-core\nmarkdown_extensions:\n  - pymdownx.emoji:\n      emoji_index: !!python/name:material.extensions.emoji.twemoji\n      emoji_generator: !!python/name:materialx.emoji.to_svg\nnav:\n  - Home: index.md\n  - guide/setup.md\n  - Guide:\n    - Usage: guide/usage.md\n    - https://example.com/api\n  -\n"),
        ]))
        .unwrap();
        assert_eq!((c.file.as_str(), c.site_name.as_str(), c.site_description.as_str(), c.repo_url.as_str(), c.edit_uri.as_str(), c.docs_dir.as_str()), ("mkdocs.yaml", "Pay", "How", "https://x/", "", "src"));
        assert!(c.has_nav);
        let lines: Vec<(usize, &str, &str, &str, bool)> = c.nav.iter().map(|e| (e.line, e.title.as_str(), e.path.as_str(), e.url.as_str(), e.section)).collect();
        assert_eq!(lines, vec![(13, "Home", "index.md", "", false), (14, "", "guide/setup.md", "", false), (15, "Guide", "", "", true), (18, "", "", "", false)]);
        let g = &c.nav[2].children;
        assert_eq!((g[0].line, g[0].title.as_str(), g[0].path.as_str()), (16, "Usage", "guide/usage.md"));
        assert_eq!((g[1].line, g[1].url.as_str()), (17, "https://example.com/api"));
        let c = load_config(&files(&[("mkdocs.yml", "site_name: ~\ndocs_dir: .\n")])).unwrap();
        assert_eq!((c.site_name.as_str(), c.docs_dir.as_str(), c.has_nav), ("~", ".", false));
    }

    #[test]
    fn externals() {
        for (v, want) in [("https://x", true), ("//x", true), ("mailto:a", true), ("a+b.c-d:x", true), ("C:/x", true), (":x", false), ("a/b:c", false), ("x.md", false), ("", false)] {
            assert_eq!(is_external(v), want, "{}", v);
        }
    }

    #[test]
    fn front_matter_titles() {
        for (fm, want) in [
            ("title: Setting up\n", Ok(Some("Setting up"))),
            ("title: 'quoted'\n", Ok(Some("quoted"))),
            ("title: 123\n", Ok(None)),
            ("title: 1.5\n", Ok(None)),
            ("title: true\n", Ok(None)),
            ("title: yes\n", Ok(Some("yes"))),
            ("title: 2024-01-02\n", Ok(None)),
            ("title: 2024-02-30\n", Ok(Some("2024-02-30"))),
            ("title: ~\n", Ok(None)),
            ("title:\n", Ok(None)),
            ("title: !!str 12\n", Ok(Some("12"))),
            ("title: !!int x\n", Err(())),
            ("title: a\ntitle: b\n", Err(())),
            ("- a\n", Err(())),
            ("just text\n", Err(())),
            ("", Ok(None)),
            ("~\n", Ok(None)),
            ("a: &t T\ntitle: *t\n", Ok(Some("T"))),
            ("base: &b {title: M}\n<<: *b\n", Ok(Some("M"))),
            ("<<: 1\n", Err(())),
            ("? [a]\n: b\n", Err(())),
            ("x: [\n", Err(())),
            ("tags: !!python/name:x\ntitle: 0x1F\n", Ok(None)),
            ("title: 1_000\n", Ok(None)),
            ("title: 1e3\n", Ok(None)),
            ("title: .5\n", Ok(None)),
            ("title: 1.2.3\n", Ok(Some("1.2.3"))),
            ("title: -\n", Err(())),
            ("title: !!binary aGVsbG8=\n", Ok(Some("hello"))),
            ("\ttitle: tab\n", Err(())),
            ("title: 2024-01-02t1:2:3.5+01:00\n", Ok(None)),
            ("title: 019\n", Ok(None)),
            ("title: 0x\n", Ok(Some("0x"))),
            ("title: !!bool yes\n", Err(())),
            ("title: !custom foo\n", Ok(Some("foo"))),
            ("m: {<<: [{a: 1}, 2]}\ntitle: T\n", Err(())),
        ] {
            let got = front_matter_title(fm);
            assert_eq!(got, want.map(|o: Option<&str>| o.map(String::from)), "{:?}", fm);
        }
    }

    #[test]
    fn deep_yaml_is_an_error() {
        let deep = "[".repeat(20000);
        assert!(parse_yaml(&deep).is_err());
    }
}
