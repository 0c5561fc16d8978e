//! The block syntaxes of Python-Markdown that techdocs-core enables and pulldown-cmark
//! lacks: admonitions (`!!! note
//! "Title"`), pymdownx.details (`??? note`, `???+ note` open) and pymdownx.tabbed
//! (`=== "Tab"`), each followed by content indented four spaces, and definition lists
//! (`Term` then `: definition`). A line pass splits a page's Markdown into plain
//! Markdown runs and these blocks; a block's content, de-indented, is rendered
//! recursively (markdown.rs), so it holds any Markdown, fenced code and nested blocks
//! included. The pass knows fenced code (no block starts inside it), and lists and
//! quotes: a block inside a list item or a blockquote (at any depth) is cut out of
//! the Markdown, which keeps a placeholder line in its place (Part::Nested).

use std::borrow::Cow;
use std::fmt::Write as _;

/// One piece of a page.
#[derive(Debug, PartialEq)]
pub enum Part<'a> {
    /// Markdown without these blocks, rendered by pulldown-cmark.
    Md(&'a str),
    Admonition(Admonition),
    Tab { label: String, body: String },
    DefList(Vec<DefItem>),
    /// A footnote definition; its content is rendered apart, for the page's end.
    Footnote { label: String, body: String },
    /// Markdown whose list items or blockquotes hold blocks.
    Nested(Nested),
}

/// Markdown for pulldown-cmark in which each block (or run of blocks) inside a list
/// item or a blockquote is one placeholder line where its first line was: an ATX
/// heading `# ` whose text is a token, mark, the block's index, mark (mark is a
/// private-use character the Markdown does not hold). The heading pulldown-cmark makes
/// of it is replaced by the blocks' HTML. Lines the blocks took are gone, blank lines
/// between blocks stay (a list is loose as goldmark's is).
#[derive(Debug, PartialEq)]
pub struct Nested {
    pub md: String,
    pub mark: char,
    /// By index; an empty run renders nothing (a tab whose set an earlier token renders,
    /// a footnote definition).
    pub blocks: Vec<Vec<Part<'static>>>,
}

impl Nested {
    /// The index of the block whose placeholder heading starts at pos in md.
    pub fn token_at(&self, pos: usize) -> Option<usize> {
        let t = self.md.get(pos..)?.strip_prefix('#')?;
        let t = t.trim_start_matches(|c| c == ' ' || c == '\t').strip_prefix(self.mark)?;
        let n = t.bytes().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 || n > 9 || !t[n..].starts_with(self.mark) {
            return None;
        }
        let i: usize = t[..n].parse().ok()?;
        if i < self.blocks.len() {
            Some(i)
        } else {
            None
        }
    }
}

/// An admonition or a details block.
#[derive(Debug, PartialEq, Default)]
pub struct Admonition {
    /// note, warning, ... (lower case)
    pub variant: String,
    pub title: String,
    /// False for an explicit empty title "".
    pub has_head: bool,
    /// ??? or ???+
    pub details: bool,
    /// ???+
    pub open: bool,
    pub body: String,
}

#[derive(Debug, PartialEq)]
pub enum DefItem {
    /// One line of the paragraph before the first ':' (goldmark makes each line a term).
    Term(String),
    /// A definition; tight when no blank line came before its ':' (its paragraphs then
    /// render without <p>, as goldmark's TextBlocks).
    Desc { tight: bool, body: String },
}

/// A line of text at pos: the line without its line ending, and where the next begins.
fn line_at(s: &str, pos: usize) -> (&str, usize) {
    let rest = &s[pos..];
    match rest.find('\n') {
        Some(i) => {
            let l = &rest[..i];
            (l.strip_suffix('\r').unwrap_or(l), pos + i + 1)
        }
        None => (rest.strip_suffix('\r').unwrap_or(rest), s.len()),
    }
}

/// Whether a line (or a run of lines) holds only blanks.
pub fn is_blank(line: &str) -> bool {
    line.bytes().all(|c| c == b' ' || c == b'\t' || c == b'\n' || c == b'\r')
}

/// The column of the first non-blank character (tabs to the next multiple of 4).
pub fn indent_width(line: &str) -> usize {
    let mut col = 0;
    for c in line.bytes() {
        match c {
            b' ' => col += 1,
            b'\t' => col += 4 - col % 4,
            _ => break,
        }
    }
    col
}

/// line without its first n columns of indentation (a tab split across them leaves the
/// spaces it stood for beyond n).
fn strip_cols(line: &str, n: usize) -> Cow<'_, str> {
    skip_cols_at(line, 0, 0, n)
}

/// A fence opening line: its character and length (CommonMark: 3+ backticks or tildes,
/// indented at most 3 spaces; a backtick fence's info string has no backtick).
fn fence_open(line: &str) -> Option<(u8, usize)> {
    if indent_width(line) > 3 {
        return None;
    }
    let t = line.trim_start_matches(|c| c == ' ' || c == '\t');
    let c = *t.as_bytes().first()?;
    if c != b'`' && c != b'~' {
        return None;
    }
    let n = t.bytes().take_while(|&x| x == c).count();
    if n < 3 || (c == b'`' && t[n..].contains('`')) {
        return None;
    }
    Some((c, n))
}

fn fence_closes(line: &str, f: (u8, usize)) -> bool {
    if indent_width(line) > 3 {
        return false;
    }
    let t = line.trim_start_matches(|c| c == ' ' || c == '\t');
    let n = t.bytes().take_while(|&x| x == f.0).count();
    n >= f.1 && is_blank(&t[n..])
}

/// Up to three spaces (the Go regexps' ` {0,3}`), then the rest.
fn after_indent(line: &str) -> Option<&str> {
    let n = line.bytes().take(4).take_while(|&c| c == b' ').count();
    if n > 3 {
        None
    } else {
        Some(&line[n..])
    }
}

fn is_ws(c: u8) -> bool {
    c == b' ' || c == b'\t'
}

fn is_kind_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'-'
}

/// Parses an admonition's first line as Go's admonitionLine regexp:
/// `^ {0,3}(!!!|\?\?\?\+?)[ \t]+([A-Za-z0-9_-]+)(?:[ \t]+[A-Za-z0-9_ -]*?)?(?:[ \t]+"(.*)")?[ \t]*$`
pub fn admonition_line(line: &str) -> Option<Admonition> {
    let t = after_indent(line)?;
    let (details, open, rest) = if let Some(r) = t.strip_prefix("!!!") {
        (false, false, r)
    } else if let Some(r) = t.strip_prefix("???+") {
        (true, true, r)
    } else if let Some(r) = t.strip_prefix("???") {
        (true, false, r)
    } else {
        return None;
    };
    let rb = rest.as_bytes();
    let ws = rb.iter().take_while(|&&c| is_ws(c)).count();
    let kn = rb[ws..].iter().take_while(|&&c| is_kind_char(c)).count();
    if ws == 0 || kn == 0 {
        return None;
    }
    let variant = rest[ws..ws + kn].to_ascii_lowercase();
    let r = &rest[ws + kn..];
    let rt = r.trim_end_matches(|c| c == ' ' || c == '\t');
    let mut a = Admonition { details, open, has_head: true, ..Default::default() };
    if rt.is_empty() {
        // No title: the kind, capitalised.
    } else if !is_ws(rt.as_bytes()[0]) {
        return None;
    } else if rt.ends_with('"') {
        // The title runs from the first quote to the last; before it only words.
        let q = rt.find('"')?;
        if q + 1 >= rt.len() || !is_ws(rt.as_bytes()[q - 1]) || !words_between(&rt[..q]) {
            return None;
        }
        a.title = rt[q + 1..rt.len() - 1].to_string();
        a.has_head = !a.title.is_empty();
        a.variant = variant;
        return Some(a);
    } else if !words_between(rt) {
        return None;
    }
    let mut title = String::with_capacity(variant.len());
    title.push_str(&variant[..1].to_ascii_uppercase());
    title.push_str(&variant[1..]);
    a.title = title;
    a.variant = variant;
    Some(a)
}

/// Whether s is blanks, then words ([A-Za-z0-9_ -]), then blanks.
fn words_between(s: &str) -> bool {
    s.trim_matches(|c| c == ' ' || c == '\t').bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b' ' || c == b'-')
}

/// Parses a tab's first line as Go's tabLine regexp: `^ {0,3}===!?\+?[ \t]+"(.*)"[ \t]*$`.
pub fn tab_line(line: &str) -> Option<String> {
    let t = after_indent(line)?.strip_prefix("===")?;
    let t = t.strip_prefix('!').unwrap_or(t);
    let t = t.strip_prefix('+').unwrap_or(t);
    let ws = t.bytes().take_while(|&c| is_ws(c)).count();
    let t = t[ws..].trim_end_matches(|c| c == ' ' || c == '\t');
    if ws == 0 || t.len() < 2 || !t.starts_with('"') || !t.ends_with('"') {
        return None;
    }
    Some(t[1..t.len() - 1].to_string())
}

/// Whether a line, met after paragraph text, starts a block of its own rather than
/// continuing the paragraph lazily.
fn starts_block(line: &str) -> bool {
    if indent_width(line) > 3 {
        return false;
    }
    let t = line.trim_start_matches(|c| c == ' ' || c == '\t');
    let b = t.as_bytes();
    match b.first() {
        None => true,
        Some(b'[') => footnote_def(t).is_some(),
        Some(b'#') | Some(b'>') | Some(b'<') | Some(b'|') | Some(b':') => true,
        Some(b'!') | Some(b'?') => admonition_line(line).is_some(),
        Some(b'=') => tab_line(line).is_some(),
        Some(b'`') | Some(b'~') => fence_open(line).is_some(),
        Some(b'-') | Some(b'*') | Some(b'+') | Some(b'_') => b.len() == 1 || is_ws(b[1]) || b[1] == b[0],
        Some(c) if c.is_ascii_digit() => {
            let n = b.iter().take_while(|c| c.is_ascii_digit()).count();
            n < 10 && (b.get(n) == Some(&b'.') || b.get(n) == Some(&b')')) && b.get(n + 1).map_or(true, |&c| is_ws(c))
        }
        _ => false,
    }
}

/// The content of a block whose lines are indented w columns, from pos: blank lines,
/// lines indented w or more (de-indented), and lazy paragraph continuations. It ends
/// after its last non-blank line, so blank lines after it stay outside.
fn take_indented(s: &str, mut pos: usize, w: usize, para0: bool) -> (String, usize) {
    let mut body = String::new();
    let mut fence: Option<(u8, usize)> = None;
    // Whether the last line is paragraph text, which a lazy line continues.
    let mut para = para0;
    let add = |body: &mut String, l: &str, fence: &mut Option<(u8, usize)>, para: &mut bool| {
        body.push_str(l);
        body.push('\n');
        if let Some(f) = *fence {
            if fence_closes(l, f) {
                *fence = None;
            }
            *para = false;
        } else if let Some(f) = fence_open(l) {
            *fence = Some(f);
            *para = false;
        } else {
            *para = !is_blank(l) && indent_width(l) < 4 && !starts_block(l) || (*para && !is_blank(l));
        }
    };
    let mut last_len = 0;
    let mut end = pos;
    while pos < s.len() {
        let (line, next) = line_at(s, pos);
        if is_blank(line) {
            add(&mut body, "", &mut fence, &mut para);
            para = false;
            pos = next;
            continue;
        }
        if indent_width(line) >= w {
            add(&mut body, &strip_cols(line, w), &mut fence, &mut para);
        } else if para && fence.is_none() && !starts_block(line) {
            add(&mut body, line, &mut fence, &mut para);
        } else {
            break;
        }
        last_len = body.len();
        pos = next;
        end = next;
    }
    if fence.is_none() {
        body.truncate(last_len);
    } else {
        // goldmark's unclosed fence keeps the blank lines before the block's end.
        end = pos;
    }
    (body, end)
}

/// Where the paragraph at the end of md begins (None when md does not end with one),
/// and whether blank lines follow it.
fn trailing_paragraph(md: &str) -> Option<(usize, bool)> {
    let mut lines: Vec<(usize, &str)> = Vec::new();
    let mut pos = 0;
    while pos < md.len() {
        let (l, next) = line_at(md, pos);
        lines.push((pos, l));
        pos = next;
    }
    let mut k = lines.len();
    while k > 0 && is_blank(lines[k - 1].1) {
        k -= 1;
    }
    let blank_after = k < lines.len();
    let mut start = k;
    while start > 0 {
        let l = lines[start - 1].1;
        if is_blank(l) || starts_block(l) || indent_width(l) >= 4 || is_setext_line(l) {
            break;
        }
        start -= 1;
    }
    if start == k {
        return None;
    }
    Some((lines[start].0, blank_after))
}

fn is_setext_line(l: &str) -> bool {
    let t = l.trim();
    !t.is_empty() && (t.bytes().all(|c| c == b'=') || t.bytes().all(|c| c == b'-'))
}

/// Splits Markdown into plain runs and the blocks above.
pub fn split(s: &str) -> Vec<Part<'_>> {
    // The common case: no line that might open a block inside a list or a quote.
    if let Some(parts) = split_impl(s, None, None, true) {
        return parts;
    }
    let mut acc = Acc { lines: line_starts(s), edits: Vec::new(), blocks: Vec::new() };
    split_impl(s, Some(Nest { acc: &mut acc, base: 0, depth: 0 }), None, false).unwrap_or_default()
}

/// Lists and quotes nest at most this deep for the blocks inside them to be found
/// (deeper ones stay text, as in render_parts).
const MAX_NEST: usize = 32;

/// The nested blocks of the run being split at depth 0.
struct Acc {
    /// Where each line of the depth-0 text starts.
    lines: Vec<usize>,
    /// Depth-0 line index and what becomes of the line.
    edits: Vec<(usize, Edit)>,
    blocks: Vec<Vec<Part<'static>>>,
}

#[derive(Clone, Copy, Debug)]
enum Edit {
    Remove,
    /// The line keeps all but its last suffix bytes, then the placeholder of block id.
    Token { suffix: usize, id: usize },
}

/// Splitting inside containers: the text split is the content of a container whose
/// first line is depth-0 line base, depth containers down.
struct Nest<'n> {
    acc: &'n mut Acc,
    base: usize,
    depth: usize,
}

fn line_starts(s: &str) -> Vec<usize> {
    let mut v = vec![0];
    v.extend(s.bytes().enumerate().filter(|&(_, c)| c == b'\n').map(|(i, _)| i + 1).filter(|&i| i < s.len()));
    v
}

/// What is left of a line after the markers of quotes and list items that start it.
pub fn leaf_start(line: &str) -> &str {
    let b = line.as_bytes();
    let mut i = 0;
    loop {
        while i < b.len() && is_ws(b[i]) {
            i += 1;
        }
        match b.get(i) {
            Some(b'>') => i += 1,
            Some(b'-') | Some(b'+') | Some(b'*') if b.get(i + 1).map_or(false, |&c| is_ws(c)) => i += 2,
            Some(c) if c.is_ascii_digit() => {
                let n = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
                if n <= 9 && matches!(b.get(i + n), Some(b'.') | Some(b')')) && b.get(i + n + 1).map_or(false, |&c| is_ws(c)) {
                    i += n + 2;
                } else {
                    break;
                }
            }
            _ => break,
        }
    }
    &line[i..]
}

/// Whether a line (of a container's content) might open a block somewhere inside.
fn is_candidate(line: &str) -> bool {
    let t = leaf_start(line);
    match t.as_bytes().first() {
        Some(b'!') | Some(b'?') => admonition_line(t).is_some(),
        Some(b'=') => tab_line(t).is_some(),
        Some(b'[') => footnote_def(t).is_some(),
        Some(b':') => t.len() > 1 && is_ws(t.as_bytes()[1]),
        _ => false,
    }
}

/// Splits s; with nest inside containers too. With check (and no nest), None when a
/// line, indented or in a quote or list item, might open a block (split again with nest).
fn split_impl<'a>(s: &'a str, mut nest: Option<Nest<'_>>, mut starts: Option<&mut Vec<usize>>, check: bool) -> Option<Vec<Part<'a>>> {
    let mut parts = Vec::new();
    let mut md_start = 0;
    let mut pos = 0;
    let mut fence: Option<(u8, usize)> = None;
    // With nest: whether the last line is paragraph text, the line index of pos (and
    // the position it was counted to), where the last container with blocks ended.
    let mut para = false;
    let (mut line_no, mut counted) = (0, 0);
    let mut floor = 0;
    while pos < s.len() {
        let (line, next) = line_at(s, pos);
        if let Some(f) = fence {
            if fence_closes(line, f) {
                fence = None;
            }
            pos = next;
            continue;
        }
        if let Some(f) = fence_open(line) {
            fence = Some(f);
            pos = next;
            para = false;
            continue;
        }
        if check && matches!(line.as_bytes().first(), Some(b' ') | Some(b'\t') | Some(b'>') | Some(b'-') | Some(b'+') | Some(b'*') | Some(b'0'..=b'9')) && is_candidate(line) {
            return None;
        }
        if let Some(n) = nest.as_mut() {
            if n.depth < MAX_NEST && container_start(line, para) {
                let ext = extent(s, pos, para);
                if ext.candidate {
                    line_no += s.as_bytes()[counted..pos].iter().filter(|&&c| c == b'\n').count();
                    counted = pos;
                    if nest_container(n, &ext.inner, n.base + line_no) {
                        floor = ext.end;
                    }
                }
                pos = ext.end;
                para = false;
                continue;
            }
        }
        let lead = line.as_bytes().iter().find(|&&c| c != b' ').copied();
        if let Some((label, first)) = footnote_def(line) {
            // goldmark lets a footnote definition interrupt a paragraph and continue
            // after blank lines with lines indented 4; pulldown-cmark 0.9 does neither.
            push_md(&mut parts, &mut starts, &mut nest, s, md_start, pos);
            let (rest, end) = take_indented(s, next, 4, is_para_line(first));
            let mut body = String::with_capacity(first.len() + 1 + rest.len());
            body.push_str(first);
            body.push('\n');
            body.push_str(&rest);
            push_part(&mut parts, &mut starts, pos, Part::Footnote { label: label.to_string(), body });
            pos = end;
            md_start = end;
            para = false;
            continue;
        }
        match lead {
            Some(b'!') | Some(b'?') => {
                if let Some(mut a) = admonition_line(line) {
                    push_md(&mut parts, &mut starts, &mut nest, s, md_start, pos);
                    let (body, end) = take_indented(s, next, 4, false);
                    a.body = body;
                    push_part(&mut parts, &mut starts, pos, Part::Admonition(a));
                    pos = end;
                    md_start = end;
                    para = false;
                    continue;
                }
            }
            Some(b'=') => {
                if let Some(label) = tab_line(line) {
                    push_md(&mut parts, &mut starts, &mut nest, s, md_start, pos);
                    let (body, end) = take_indented(s, next, 4, false);
                    push_part(&mut parts, &mut starts, pos, Part::Tab { label, body });
                    pos = end;
                    md_start = end;
                    para = false;
                    continue;
                }
            }
            Some(b':') if line.starts_with(':') && line.len() > 1 && is_ws(line.as_bytes()[1]) => {
                if let Some(end) = def_item(s, &mut parts, &mut starts, &mut nest, md_start, floor, pos, line, next) {
                    pos = end;
                    md_start = end;
                    para = false;
                    continue;
                }
            }
            _ => {}
        }
        if nest.is_some() {
            para = !is_blank(line) && !starts_block(line) && !is_setext_line(line) && (para || indent_width(line) < 4);
        }
        pos = next;
    }
    push_md(&mut parts, &mut starts, &mut nest, s, md_start, s.len());
    Some(parts)
}

fn push_part<'a>(parts: &mut Vec<Part<'a>>, starts: &mut Option<&mut Vec<usize>>, at: usize, p: Part<'a>) {
    if let Some(st) = starts.as_mut() {
        st.push(at);
    }
    parts.push(p);
}

/// Pushes s[from..to], at depth 0 with the placeholders of the blocks found in it.
fn push_md<'a>(parts: &mut Vec<Part<'a>>, starts: &mut Option<&mut Vec<usize>>, nest: &mut Option<Nest<'_>>, s: &'a str, from: usize, to: usize) {
    if from >= to {
        return;
    }
    if let Some(n) = nest.as_mut() {
        if n.depth == 0 && !n.acc.edits.is_empty() {
            if let Some(p) = n.acc.finish(s, from, to) {
                push_part(parts, starts, from, Part::Nested(p));
                return;
            }
        }
    }
    push_part(parts, starts, from, Part::Md(&s[from..to]));
}

impl Acc {
    /// The run s[from..to] with its edits made (None when no mark is free: the run
    /// stays as it is, its nested blocks text).
    fn finish(&mut self, s: &str, from: usize, to: usize) -> Option<Nested> {
        let edits = std::mem::take(&mut self.edits);
        let blocks = std::mem::take(&mut self.blocks);
        let run = &s[from..to];
        // A private-use character the run does not hold.
        let mut used = vec![false; 0x1900];
        for c in run.chars() {
            let u = c as u32;
            if (0xE000..0xF900).contains(&u) {
                used[(u - 0xE000) as usize] = true;
            }
        }
        let mark = used.iter().position(|&u| !u).and_then(|i| char::from_u32(0xE000 + i as u32))?;
        let mut edits = edits;
        edits.sort_by_key(|e| e.0);
        let mut md = String::with_capacity(run.len() + 16 * blocks.len());
        let mut li = self.lines.partition_point(|&l| l < from);
        let mut k = edits.partition_point(|e| e.0 < li);
        let mut pos = from;
        while pos < to {
            let (line, next) = line_at(s, pos);
            let next = next.min(to);
            while k < edits.len() && edits[k].0 < li {
                k += 1;
            }
            match edits.get(k) {
                Some(&(l, Edit::Remove)) if l == li => {}
                Some(&(l, Edit::Token { suffix, id })) if l == li => {
                    let keep = line.len().saturating_sub(suffix);
                    md.push_str(line.get(..keep).unwrap_or(""));
                    md.push_str("# ");
                    md.push(mark);
                    let _ = write!(md, "{}", id);
                    md.push(mark);
                    md.push('\n');
                }
                _ => md.push_str(&s[pos..next]),
            }
            li += 1;
            pos = next;
        }
        Some(Nested { md, mark, blocks })
    }
}

/// Splits a container's content (its lines as they are inside it, the first being
/// depth-0 line base): its blocks become placeholders, found deeper too. Returns
/// whether it holds any.
fn nest_container(n: &mut Nest, lines: &[Cow<str>], base: usize) -> bool {
    let mut inner = String::with_capacity(lines.iter().map(|l| l.len() + 1).sum());
    for l in lines {
        inner.push_str(l);
        inner.push('\n');
    }
    let before = n.acc.edits.len();
    let mut starts = Vec::new();
    let parts = split_impl(&inner, Some(Nest { acc: &mut *n.acc, base, depth: n.depth + 1 }), Some(&mut starts), false).unwrap_or_default();
    let ls = line_starts(&inner);
    let acc = &mut *n.acc;
    // The block run that takes blocks right after it (or tabs after blank lines).
    let mut group: Option<usize> = None;
    let (mut prev_block, mut last_tab) = (false, false);
    for (k, part) in parts.into_iter().enumerate() {
        let a = starts.get(k).copied().unwrap_or(inner.len());
        let b = starts.get(k + 1).copied().unwrap_or(inner.len());
        let p = match part {
            Part::Md(m) => {
                if !is_blank(m) {
                    group = None;
                }
                prev_block = false;
                continue;
            }
            Part::Nested(_) => {
                group = None;
                prev_block = false;
                continue;
            }
            Part::Admonition(x) => Part::Admonition(x),
            Part::Tab { label, body } => Part::Tab { label, body },
            Part::DefList(x) => Part::DefList(x),
            Part::Footnote { label, body } => Part::Footnote { label, body },
        };
        let is_tab = matches!(p, Part::Tab { .. });
        let la = ls.partition_point(|&x| x < a);
        let lb = ls.partition_point(|&x| x < b);
        let g = group.filter(|_| prev_block || (is_tab && last_tab));
        let first_removed = match g {
            Some(g) if prev_block => {
                acc.blocks[g].push(p);
                la
            }
            _ => {
                let id = acc.blocks.len();
                match g {
                    // A tab after blank lines joins the set before; its placeholder is empty.
                    Some(g) => {
                        acc.blocks[g].push(p);
                        acc.blocks.push(Vec::new());
                    }
                    None => {
                        if let Part::DefList(items) = &p {
                            if let Some(DefItem::Desc { tight: true, .. }) = items.iter().find(|i| matches!(i, DefItem::Desc { .. })) {
                                // goldmark's list is a new block where its first ':' is,
                                // which has no blank line before it (a list item that
                                // holds it stays tight): the blank lines go.
                                let mut l = la;
                                while l > 1 && is_blank(line_at(&inner, ls[l - 1]).0) {
                                    l -= 1;
                                    acc.edits.push((base + l, Edit::Remove));
                                }
                            }
                        }
                        acc.blocks.push(vec![p]);
                        group = Some(id);
                    }
                }
                let line = line_at(&inner, a).0;
                let suffix = line.trim_start_matches(|c| c == ' ' || c == '\t').len();
                acc.edits.push((base + la, Edit::Token { suffix, id }));
                la + 1
            }
        };
        for l in first_removed..lb {
            acc.edits.push((base + l, Edit::Remove));
        }
        prev_block = true;
        last_tab = is_tab;
    }
    acc.edits.len() > before
}

/// Whether a line opens a blockquote or a list item (after paragraph text, one that
/// may interrupt it: not empty, a bullet or 1).
fn container_start(line: &str, para: bool) -> bool {
    if indent_upto(line, 4) > 3 {
        return false;
    }
    if quote_rest(line, 0).is_some() {
        return true;
    }
    match list_marker(line) {
        Some((_, _, empty, start)) => !para || (!empty && start.map_or(true, |n| n == 1)),
        None => false,
    }
}

/// A list item's marker: where it ends (byte, column), whether the item is empty, and
/// an ordered item's number.
fn list_marker(s: &str) -> Option<(usize, usize, bool, Option<u64>)> {
    let ind = indent_upto(s, 4);
    if ind > 3 {
        return None;
    }
    let i = s.bytes().take_while(|&c| is_ws(c)).count();
    let b = s.as_bytes();
    let (end, start) = match *b.get(i)? {
        b'-' | b'+' | b'*' => {
            if is_thematic_break(s) {
                return None;
            }
            (i + 1, None)
        }
        c if c.is_ascii_digit() => {
            let n = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
            if n > 9 || !matches!(b.get(i + n), Some(b'.') | Some(b')')) {
                return None;
            }
            (i + n + 1, s[i..i + n].parse().ok())
        }
        _ => return None,
    };
    if end < b.len() && !is_ws(b[end]) {
        return None;
    }
    Some((end, ind + end - i, is_blank(&s[end..]), start))
}

fn is_thematic_break(s: &str) -> bool {
    let t = s.trim_start_matches(|c| c == ' ' || c == '\t');
    let c = match t.as_bytes().first() {
        Some(&c) if c == b'-' || c == b'*' || c == b'_' => c,
        _ => return false,
    };
    t.bytes().all(|x| x == c || is_ws(x)) && t.bytes().filter(|&x| x == c).count() >= 3
}

/// s from byte i (at column col) without n columns of blanks (a tab split across
/// them leaves the spaces it stood for beyond n).
fn skip_cols_at(s: &str, mut i: usize, mut col: usize, n: usize) -> Cow<'_, str> {
    let target = col + n;
    let b = s.as_bytes();
    while i < b.len() && col < target {
        match b[i] {
            b' ' => col += 1,
            b'\t' => {
                let next = col + 4 - col % 4;
                if next > target {
                    let mut r = " ".repeat(next - target);
                    r.push_str(&s[i + 1..]);
                    return Cow::Owned(r);
                }
                col = next;
            }
            _ => break,
        }
        i += 1;
    }
    Cow::Borrowed(&s[i..])
}

/// The content of a blockquote line: after `>` and one blank column.
fn quote_rest(s: &str, _: usize) -> Option<Cow<'_, str>> {
    let ind = indent_upto(s, 4);
    if ind > 3 {
        return None;
    }
    let i = s.bytes().take_while(|&c| is_ws(c)).count();
    if s.as_bytes().get(i) != Some(&b'>') {
        return None;
    }
    Some(skip_cols_at(s, i + 1, ind + 1, 1))
}

/// A list item's content column and the content of its first line (CommonMark: one to
/// four blanks after the marker; with five or more, or none, the content starts one
/// column after it).
fn item_open(s: &str) -> Option<(usize, Cow<'_, str>)> {
    let (end, mcol, empty, _) = list_marker(s)?;
    if empty {
        return Some((mcol + 1, Cow::Borrowed("")));
    }
    let mut w = 0;
    for c in s[end..].bytes() {
        match c {
            b' ' => w += 1,
            b'\t' => w += 4 - (mcol + w) % 4,
            _ => break,
        }
    }
    let w = if w >= 5 { 1 } else { w };
    Some((mcol + w, skip_cols_at(s, end, mcol, w)))
}

/// The indentation of a line, up to max columns (it looks no further).
fn indent_upto(s: &str, max: usize) -> usize {
    let mut col = 0;
    for c in s.bytes() {
        if col >= max {
            break;
        }
        match c {
            b' ' => col += 1,
            b'\t' => col += 4 - col % 4,
            _ => break,
        }
    }
    col.min(max)
}

/// A continuation line of a box whose content is indented c columns.
fn cols_rest(s: &str, c: usize) -> Option<Cow<'_, str>> {
    if indent_upto(s, c) >= c {
        Some(strip_cols(s, c))
    } else if is_blank(s) {
        Some(Cow::Borrowed(""))
    } else {
        None
    }
}

fn apply<'a>(c: &Cow<'a, str>, f: for<'b> fn(&'b str, usize) -> Option<Cow<'b, str>>, arg: usize) -> Option<Cow<'a, str>> {
    match c {
        Cow::Borrowed(s) => f(s, arg),
        Cow::Owned(s) => f(s, arg).map(|r| Cow::Owned(r.into_owned())),
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Boxed {
    Quote,
    /// A list item, or a block of these whose content is indented.
    Cols(usize),
}

#[derive(Clone, Copy, PartialEq)]
enum Leaf {
    Other,
    Para,
    Fence(u8, usize),
}

/// The lines of the container (blockquote or list item) that starts at start.
struct Extent<'a> {
    /// Where its lines end.
    end: usize,
    /// Its lines as they are inside it.
    inner: Vec<Cow<'a, str>>,
    /// Whether one of them may open a block.
    candidate: bool,
}

/// Follows CommonMark's container rules (with goldmark's: a block of these is a
/// container whose lines are indented) from the line at start, which opens a
/// container, to the line that is not in it.
fn extent(s: &str, start: usize, para: bool) -> Extent<'_> {
    let mut stack: Vec<Boxed> = Vec::new();
    let mut leaf = if para { Leaf::Para } else { Leaf::Other };
    let mut ext = Extent { end: s.len(), inner: Vec::new(), candidate: false };
    let mut pos = start;
    while pos < s.len() {
        let (line, next) = line_at(s, pos);
        let mut rest: Cow<str> = Cow::Borrowed(line);
        let mut inner: Option<Cow<str>> = None;
        if !stack.is_empty() {
            let mut m = 0;
            while m < stack.len() {
                let r = match stack[m] {
                    Boxed::Quote => apply(&rest, quote_rest, 0),
                    Boxed::Cols(c) => apply(&rest, cols_rest, c),
                };
                match r {
                    Some(r) => rest = r,
                    None => break,
                }
                m += 1;
                if m == 1 {
                    inner = Some(rest.clone());
                }
            }
            if m < stack.len() {
                if leaf == Leaf::Para && !is_blank(&rest) && !starts_block(&rest) {
                    // A lazy continuation line: in every container, text of the innermost
                    // paragraph. Inside the first container it is written as a line of
                    // that paragraph, in the others (indented 4 more if it would start a
                    // block, as it may when indented 4 here).
                    let mut l = String::new();
                    for b in &stack[1..] {
                        match b {
                            Boxed::Quote => l.push_str("> "),
                            Boxed::Cols(c) => l.extend(std::iter::repeat(' ').take(*c)),
                        }
                    }
                    let text = rest.trim_start_matches(|c| c == ' ' || c == '\t');
                    if starts_block(text) || is_setext_line(text) {
                        l.push_str("    ");
                    }
                    l.push_str(text);
                    let l = Cow::Owned(l);
                    ext.candidate = ext.candidate || is_candidate(&l);
                    ext.inner.push(l);
                    pos = next;
                    continue;
                }
                if m == 0 {
                    ext.end = pos;
                    return ext;
                }
                stack.truncate(m);
                leaf = Leaf::Other;
            } else if let Leaf::Fence(c, n) = leaf {
                if fence_closes(&rest, (c, n)) {
                    leaf = Leaf::Other;
                }
                let l = inner.unwrap_or(Cow::Borrowed(""));
                ext.inner.push(l);
                pos = next;
                continue;
            }
        }
        // New containers.
        loop {
            // Containers deeper than render_parts goes are text.
            if indent_upto(&rest, 4) >= 4 || stack.len() >= 2 * MAX_NEST {
                break;
            }
            let opened = if let Some(r) = apply(&rest, quote_rest, 0) {
                stack.push(Boxed::Quote);
                rest = r;
                true
            } else if let Some((c, r)) = list_item(&rest, leaf == Leaf::Para) {
                stack.push(Boxed::Cols(c));
                rest = r;
                true
            } else {
                false
            };
            if opened {
                leaf = Leaf::Other;
                if stack.len() == 1 {
                    inner = Some(rest.clone());
                }
                continue;
            }
            if admonition_line(&rest).is_some() || tab_line(&rest).is_some() {
                stack.push(Boxed::Cols(4));
                rest = Cow::Borrowed("");
            } else if let Some((_, first)) = footnote_def(&rest) {
                let empty = is_blank(first);
                stack.push(Boxed::Cols(4));
                rest = Cow::Borrowed(if empty { "" } else { "x" });
            } else if rest.starts_with(':') && rest.len() > 1 && is_ws(rest.as_bytes()[1]) {
                let mut w = indent_width(&rest[1..].replace('\t', "    "));
                if w >= 8 {
                    w = 5;
                }
                stack.push(Boxed::Cols(w + 1));
                rest = if is_blank(&rest[1..]) { Cow::Borrowed("") } else { Cow::Borrowed("x") };
            } else {
                break;
            }
            leaf = Leaf::Other;
            break;
        }
        if stack.is_empty() {
            // Not a container after all (cannot happen after container_start).
            ext.end = pos;
            return ext;
        }
        leaf = if is_blank(&rest) {
            Leaf::Other
        } else if let Some(f) = fence_open(&rest) {
            Leaf::Fence(f.0, f.1)
        } else if leaf == Leaf::Para {
            if is_setext_line(&rest) {
                Leaf::Other
            } else {
                Leaf::Para
            }
        } else if indent_width(&rest) >= 4 || starts_block(&rest) {
            Leaf::Other
        } else {
            Leaf::Para
        };
        let l = inner.unwrap_or(Cow::Borrowed(""));
        ext.candidate = ext.candidate || is_candidate(&l);
        ext.inner.push(l);
        pos = next;
    }
    ext
}

/// A list item opening at the start of s (after paragraph text, one that may
/// interrupt it): its content column and the rest of the line.
fn list_item<'a>(s: &Cow<'a, str>, para: bool) -> Option<(usize, Cow<'a, str>)> {
    if para {
        let (_, _, empty, start) = list_marker(s)?;
        if empty || start.map_or(false, |n| n != 1) {
            return None;
        }
    }
    match s {
        Cow::Borrowed(b) => item_open(b),
        Cow::Owned(o) => item_open(o).map(|(c, r)| (c, Cow::Owned(r.into_owned()))),
    }
}

/// A footnote definition's first line at column 0: its label and its text.
pub fn footnote_def(line: &str) -> Option<(&str, &str)> {
    let rest = line.strip_prefix("[^")?;
    let i = rest.find("]:")?;
    let label = &rest[..i];
    if label.is_empty() || label.contains(']') || label.contains('[') || label.contains(|c: char| c.is_whitespace()) {
        return None;
    }
    Some((label, rest[i + 2..].trim_start_matches(|c| c == ' ' || c == '\t')))
}

/// Whether a line is paragraph text (which a lazy line may continue).
fn is_para_line(l: &str) -> bool {
    !is_blank(l) && !starts_block(l)
}


/// A ':' line at column 0: a definition of the paragraph before it, or another
/// definition of the list before it (goldmark's DefinitionList). Returns where the
/// definition ends, or None when the line is text.
#[allow(clippy::too_many_arguments)]
fn def_item<'a>(
    s: &'a str, parts: &mut Vec<Part<'a>>, starts: &mut Option<&mut Vec<usize>>, nest: &mut Option<Nest<'_>>, md_start: usize, floor: usize, pos: usize, line: &str,
    next: usize,
) -> Option<usize> {
    let md = &s[md_start..pos];
    let mut terms = Vec::new();
    let tight;
    match trailing_paragraph(md) {
        Some((p, blank_after)) => {
            if md_start + p < floor {
                // The paragraph begins in a container that holds blocks.
                return None;
            }
            tight = !blank_after;
            let mut q = 0;
            let para = &md[p..];
            while q < para.len() {
                let (l, n) = line_at(para, q);
                if !is_blank(l) {
                    terms.push(DefItem::Term(l.trim_end().to_string()));
                }
                q = n;
            }
            let before = &md[..p];
            let continues = is_blank(before) && matches!(parts.last(), Some(Part::DefList(_)));
            if !continues {
                push_md(parts, starts, nest, s, md_start, md_start + p);
                push_part(parts, starts, md_start + p, Part::DefList(Vec::new()));
            }
        }
        None => {
            if !is_blank(md) || !matches!(parts.last(), Some(Part::DefList(_))) {
                return None;
            }
            tight = md.is_empty();
        }
    }
    // The definition's content starts after ':' and its blanks (goldmark: 5 columns when
    // the blanks would start indented code); later lines are indented as far.
    let mut w = indent_width(&line[1..].replace('\t', "    "));
    if w >= 8 {
        w = 5;
    }
    let offset = w + 1;
    let first = strip_cols(&line[1..], w.min(indent_width(&line[1..])));
    let (mut body, end) = take_indented(s, next, offset, is_para_line(&first));
    let mut b = String::with_capacity(first.len() + 1 + body.len());
    b.push_str(&first);
    b.push('\n');
    b.push_str(&body);
    body = b;
    if let Some(Part::DefList(items)) = parts.last_mut() {
        items.extend(terms);
        items.push(DefItem::Desc { tight, body });
    }
    Some(end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admonition_lines() {
        let cases: &[(&str, Option<(&str, &str, bool, bool, bool)>)] = &[
            ("!!! note", Some(("note", "Note", true, false, false))),
            ("!!! Tip extra words \"T\"", Some(("tip", "T", true, false, false))),
            ("!!! danger \"\"", Some(("danger", "", false, false, false))),
            ("??? tip \"More\"", Some(("tip", "More", true, true, false))),
            ("???+ info", Some(("info", "Info", true, true, true))),
            ("   !!! note \"a \"b\" c\"  ", Some(("note", "a \"b\" c", true, false, false))),
            ("!!! note extra", Some(("note", "Note", true, false, false))),
            ("    !!! note", None),
            ("!!!note", None),
            ("!!! note \"a\" b", None),
            ("!!! note \"", None),
            ("!!! no.te", None),
            ("!!!", None),
            ("!!! \"x\"", None),
        ];
        for (line, want) in cases {
            let got = admonition_line(line).map(|a| (a.variant, a.title, a.has_head, a.details, a.open));
            let want = want.map(|(v, t, h, d, o)| (v.to_string(), t.to_string(), h, d, o));
            assert_eq!(got, want, "{:?}", line);
        }
    }

    #[test]
    fn tab_lines() {
        assert_eq!(tab_line("=== \"Go\""), Some("Go".into()));
        assert_eq!(tab_line("===+ \"A \"b\"\" "), Some("A \"b\"".into()));
        assert_eq!(tab_line("===!+\t\"\""), Some("".into()));
        assert_eq!(tab_line("===\"x\""), None);
        assert_eq!(tab_line("=== x"), None);
        assert_eq!(tab_line("    === \"x\""), None);
        assert_eq!(tab_line("=== \""), None);
    }

    #[test]
    fn splits() {
        let s = "a\n!!! note\n    x\n\n    y\nlazy\n\nb\n```\n!!! note\n```\n";
        let p = split(s);
        assert_eq!(p.len(), 3, "{:?}", p);
        assert_eq!(p[0], Part::Md("a\n"));
        match &p[1] {
            Part::Admonition(a) => assert_eq!(a.body, "x\n\ny\nlazy\n"),
            x => panic!("{:?}", x),
        }
        assert_eq!(p[2], Part::Md("\nb\n```\n!!! note\n```\n"));
    }

    #[test]
    fn deflists() {
        let p = split("# H\nT1\nT2\n: d1\n: d2\n\nLoose\n\n:   para\n\n    more\nafter\n");
        assert_eq!(p.len(), 2, "{:?}", p);
        assert_eq!(p[0], Part::Md("# H\n"));
        match &p[1] {
            Part::DefList(items) => assert_eq!(items, &vec![
                DefItem::Term("T1".into()), DefItem::Term("T2".into()),
                DefItem::Desc { tight: true, body: "d1\n".into() },
                DefItem::Desc { tight: true, body: "d2\n".into() },
                DefItem::Term("Loose".into()),
                DefItem::Desc { tight: false, body: "para\n\nmore\nafter\n".into() },
            ]),
            x => panic!("{:?}", x),
        }
        // A ':' line after nothing is text.
        assert_eq!(split(": x\n"), vec![Part::Md(": x\n")]);
    }

    #[test]
    fn nested() {
        let p = split("1. Step\n\n    !!! note\n        Keep.\n\n2. Two\n> x\n> !!! warning\n>     Careful.\nlazy\n");
        assert_eq!(p.len(), 1, "{:?}", p);
        match &p[0] {
            Part::Nested(n) => {
                let t = |i: usize| format!("# {}{}{}\n", n.mark, i, n.mark);
                assert_eq!(n.md, format!("1. Step\n\n    {}\n2. Two\n> x\n> {}", t(0), t(1)));
                assert_eq!(n.blocks.len(), 2);
                match &n.blocks[1][..] {
                    [Part::Admonition(a)] => assert_eq!(a.body, "Careful.\nlazy\n"),
                    x => panic!("{:?}", x),
                }
                assert_eq!(n.token_at(n.md.find('#').unwrap()), Some(0));
            }
            x => panic!("{:?}", x),
        }
        // A fence hides what looks like a block; the mark is one the text does not hold.
        let p = split("- ```\n  !!! note\n  ```\n- \u{e000}\n  !!! tip\n      x\n");
        match &p[0] {
            Part::Nested(n) => {
                assert_ne!(n.mark, '\u{e000}');
                assert!(n.md.starts_with("- ```\n  !!! note\n  ```\n- \u{e000}\n  # "), "{:?}", n.md);
            }
            x => panic!("{:?}", x),
        }
        // Nothing nested: plain runs, as before.
        assert_eq!(split("- a\n    b\n> c\n"), vec![Part::Md("- a\n    b\n> c\n")]);
        assert_eq!(split("    !!! note\n"), vec![Part::Md("    !!! note\n")]);
    }

    #[test]
    fn bad_input_does_not_panic() {
        for s in ["!!! note\n", "=== \"\n", ":\t\n", "\t:\t", "x\n:  \t é\n\t\té", "!!! é", "???+", "x\r\n: y\r\n", "\u{a0}!!! note\n    x"] {
            let _ = split(s);
        }
        let deep: String = (0..200).map(|i| format!("{}!!! note\n", "    ".repeat(i))).collect();
        let _ = split(&deep);
        for s in ["- !!! note", "> ", ">\t!!! note\n>\t\tx", "1.\t=== \"x\"\n\t\ty", "- [^a]: x\n\n      y", "* T\n  :\t\t\tx", "- \u{a0}!!! note", "-\n  !!! note\n      x", "- a\r\n  !!! note\r\n      b\r\n"] {
            let _ = split(s);
        }
        let nest = "> ".repeat(3000) + "!!! note\n" + &"- ".repeat(3000) + "!!! note\n";
        let _ = split(&nest);
    }
}
