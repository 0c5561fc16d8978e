//! Markdown to HTML with what techdocs-core enables: tables,
//! strikethrough, autolinks, task lists, footnotes, definition lists, attr_list on
//! headings, admonitions, details and tabbed blocks (blocks.rs), highlighted code
//! (highlight.rs) and heading anchors. Raw HTML is left out and unsafe link schemes are
//! dropped. pulldown-cmark parses; the renderer below writes its events as goldmark
//! with the Go site's renderers writes the same document, byte for byte where it can.

use super::blocks::{self, DefItem, Nested, Part};
use super::config::{go_quote, is_external};
use super::paths;
use super::{highlight, page};
use super::Heading;
use pulldown_cmark::{Alignment, BrokenLink, CodeBlockKind, CowStr, Event, HeadingLevel, LinkType, Options, Parser, Tag};
use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::rc::Rc;

/// What a page's links resolve against.
pub struct Links<'a> {
    /// Markdown source path (relative to docs_dir) -> the page's URL ("" or "a/b/").
    pub pages: &'a HashMap<String, String>,
    /// Every directory of docs_dir that holds a file ("a", "a/b").
    pub dirs: &'a HashSet<String>,
    /// Every non-Markdown file of docs_dir, relative to docs_dir.
    pub assets: &'a HashSet<String>,
}

/// A rendered page.
#[derive(Clone, Debug, Default)]
pub struct Rendered {
    pub html: String,
    /// Headings of level 2 and more, in order.
    pub toc: Vec<Heading>,
    /// The first level-1 heading's text, or "".
    pub h1: String,
    /// Each starts with the page's src and ": ".
    pub warnings: Vec<String>,
}

/// Blocks nest no deeper than this; deeper ones are rendered as text, so a hostile page
/// cannot exhaust the stack.
const MAX_DEPTH: usize = 32;

/// The headings' permalink ends with this (page.rs drops it from the search text).
pub const HEADERLINK_MARK: &str = "¶</a>";

/// What rendering a page collects across its parts.
struct Ctx<'l> {
    src: &'l str,
    url: &'l str,
    links: &'l Links<'l>,
    used: HashSet<String>,
    toc: Vec<Heading>,
    h1: Option<String>,
    warnings: Vec<String>,
    /// Whether the page may hold a bare URL or e-mail address to link.
    linkify: bool,
    /// Footnote labels (lower case) that a definition gives.
    fn_defined: HashSet<String>,
    /// Referenced footnotes in order of first reference: label, reference count.
    fn_refs: Vec<(String, usize)>,
    fn_html: HashMap<String, String>,
    /// Link reference definitions of the whole page, for parts rendered apart.
    refs: Rc<HashMap<String, (String, String)>>,
    depth: usize,
    /// Tabs rendered so far.
    tabs: usize,
}

/// Renders a page's Markdown body (front matter already stripped): src is its path
/// relative to docs_dir, url its URL relative to the site root.
pub fn render(body: &str, src: &str, url: &str, links: &Links) -> Rendered {
    let mut ctx = Ctx {
        src,
        url,
        links,
        used: HashSet::new(),
        toc: Vec::new(),
        h1: None,
        warnings: Vec::new(),
        linkify: may_linkify(body),
        fn_defined: HashSet::new(),
        fn_refs: Vec::new(),
        fn_html: HashMap::new(),
        refs: Rc::new(HashMap::new()),
        depth: 0,
        tabs: 0,
    };
    prescan(&mut ctx, body);
    // Highlighted code makes the HTML about three times the Markdown.
    let mut out = String::with_capacity(4 * body.len() + 1024);
    render_parts(&mut ctx, body, &mut out, false);
    write_footnotes(&mut ctx, &mut out);
    Rendered { html: out, toc: ctx.toc, h1: ctx.h1.unwrap_or_default(), warnings: ctx.warnings }
}

/// mayLinkify says whether goldmark's linkify could find anything: it links only text
/// that starts with http:, https:, ftp: or www., or an e-mail address (with @).
pub fn may_linkify(src: &str) -> bool {
    src.contains("http") || src.contains("ftp:") || src.contains("www.") || src.contains('@')
}

/// Finds the footnote labels that are defined, and, when the page has blocks that are
/// rendered apart, its link reference definitions (one line pass, no parse otherwise).
fn prescan(ctx: &mut Ctx, body: &str) {
    let mut ref_lines = String::new();
    let mut has_blocks = false;
    let mut nested_fn = false;
    for line in body.lines() {
        let t0 = line.trim_start();
        // Blocks and definitions may be inside quotes and list items.
        let t = match t0.as_bytes().first() {
            Some(b'>') | Some(b'-') | Some(b'+') | Some(b'*') | Some(b'0'..=b'9') => blocks::leaf_start(t0),
            _ => t0,
        };
        if let Some(rest) = t.strip_prefix("[^") {
            if let Some(i) = rest.find("]:") {
                if t.len() == t0.len() {
                    ctx.fn_defined.insert(rest[..i].to_lowercase());
                } else {
                    // Whether this is a definition inside a container, the split says.
                    nested_fn = true;
                }
                // blocks::split renders a definition apart from the text before it.
                has_blocks = true;
            }
        } else if t.starts_with('[') && (if t.len() == t0.len() { t.contains("]:") } else { t.find(']').map_or(false, |i| t[i + 1..].starts_with(':')) }) {
            // (Inside a container, lines that start with a link are many: the label's
            // first ']' then ':'.)
            ref_lines.push_str(t);
            ref_lines.push('\n');
        } else if t.starts_with("!!!") || t.starts_with("???") || t.starts_with("===") || t.starts_with(": ") || t.starts_with(":\t") {
            has_blocks = true;
        }
    }
    if has_blocks && !ref_lines.is_empty() {
        let p = Parser::new_ext(&ref_lines, Options::empty());
        let mut refs = HashMap::new();
        for (label, def) in p.reference_definitions().iter() {
            refs.entry(norm_label(label)).or_insert_with(|| (def.dest.to_string(), def.title.as_deref().unwrap_or("").to_string()));
        }
        ctx.refs = Rc::new(refs);
    }
    if nested_fn {
        footnote_labels(body, 0, &mut ctx.fn_defined);
    }
}

/// Adds the labels of the footnote definitions that rendering text at depth finds.
fn footnote_labels(text: &str, depth: usize, labels: &mut HashSet<String>) {
    if depth < MAX_DEPTH {
        footnote_labels_in(&blocks::split(text), depth + 1, labels);
    }
}

fn footnote_labels_in(parts: &[Part], depth: usize, labels: &mut HashSet<String>) {
    for part in parts {
        match part {
            Part::Md(_) => {}
            Part::Footnote { label, body } => {
                labels.insert(label.to_lowercase());
                footnote_labels(body, depth, labels);
            }
            Part::Admonition(a) => footnote_labels(&a.body, depth, labels),
            Part::Tab { body, .. } => footnote_labels(body, depth, labels),
            Part::DefList(items) => {
                for it in items {
                    if let DefItem::Desc { body, .. } = it {
                        footnote_labels(body, depth, labels);
                    }
                }
            }
            Part::Nested(n) => {
                if depth < MAX_DEPTH {
                    for run in &n.blocks {
                        footnote_labels_in(run, depth + 1, labels);
                    }
                }
            }
        }
    }
}

fn norm_label(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

/// Renders Markdown with the Python-Markdown blocks: tight renders top-level paragraphs
/// without <p> (a tight definition).
fn render_parts(ctx: &mut Ctx, text: &str, out: &mut String, tight: bool) {
    if ctx.depth >= MAX_DEPTH {
        render_md(ctx, text, out, tight, None);
        return;
    }
    ctx.depth += 1;
    let parts = blocks::split(text);
    render_list(ctx, &parts, out, tight);
    ctx.depth -= 1;
}

/// Renders parts of a page (a tight one's top-level paragraphs without <p>).
fn render_list(ctx: &mut Ctx, parts: &[Part], out: &mut String, tight: bool) {
    let mut in_tabs = false;
    // Whether the last tab held tabs: goldmark's groupTabs then starts a new set.
    let mut held_tabs = false;
    for part in parts {
        if in_tabs && !matches!(part, Part::Tab { .. }) && !matches!(part, Part::Md(m) if blocks::is_blank(m)) {
            out.push_str("</div>\n");
            in_tabs = false;
        }
        match part {
            Part::Md(m) => render_md(ctx, m, out, tight, None),
            Part::Nested(n) => render_md(ctx, &n.md, out, tight, Some(n)),
            Part::Admonition(a) => {
                let class = format!("doc-admonition doc-{}", class_word(&a.variant));
                if a.details {
                    let _ = write!(out, "<details class=\"{}\"", class);
                    if a.open {
                        out.push_str(" open");
                    }
                    out.push_str("><summary class=\"doc-admonition-title\">");
                    page::escape_into(out, &a.title);
                    out.push_str("</summary>\n");
                    render_parts(ctx, &a.body, out, false);
                    out.push_str("</details>\n");
                } else {
                    let _ = write!(out, "<div class=\"{}\">\n", class);
                    if a.has_head {
                        out.push_str("<p class=\"doc-admonition-title\">");
                        page::escape_into(out, &a.title);
                        out.push_str("</p>\n");
                    }
                    render_parts(ctx, &a.body, out, false);
                    out.push_str("</div>\n");
                }
            }
            Part::Tab { label, body } => {
                if in_tabs && held_tabs {
                    out.push_str("</div>\n");
                    in_tabs = false;
                }
                if !in_tabs {
                    out.push_str("<div class=\"doc-tabbed\">\n");
                    in_tabs = true;
                }
                out.push_str("<div class=\"doc-tab\"><p class=\"doc-tab-label\">");
                page::escape_into(out, label);
                out.push_str("</p>\n");
                ctx.tabs += 1;
                let seen = ctx.tabs;
                render_parts(ctx, body, out, false);
                held_tabs = ctx.tabs != seen;
                out.push_str("</div>\n");
            }
            Part::Footnote { label, body } => {
                let key = label.to_lowercase();
                if !ctx.fn_html.contains_key(&key) {
                    let mut html = String::new();
                    render_parts(ctx, body, &mut html, false);
                    ctx.fn_html.insert(key, html);
                }
            }
            Part::DefList(items) => {
                out.push_str("<dl>\n");
                for it in items {
                    match it {
                        DefItem::Term(t) => {
                            out.push_str("<dt>");
                            render_md(ctx, t, out, true, None);
                            trim_nl(out);
                            out.push_str("</dt>\n");
                        }
                        DefItem::Desc { tight, body } => {
                            out.push_str(if *tight { "<dd>" } else { "<dd>\n" });
                            render_parts(ctx, body, out, *tight);
                            if *tight {
                                trim_nl(out);
                            }
                            out.push_str("</dd>\n");
                        }
                    }
                }
                out.push_str("</dl>\n");
            }
        }
    }
    if in_tabs {
        out.push_str("</div>\n");
    }
}

fn trim_nl(out: &mut String) {
    while out.ends_with('\n') {
        out.pop();
    }
}

/// classWord keeps the characters a doc- class may have (a-z, 0-9, -).
fn class_word(s: &str) -> String {
    s.chars().filter(|&c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-').collect()
}

/// An open heading: its level, explicit id, where its HTML starts, its plain text.
struct OpenHeading {
    level: u8,
    id: Option<String>,
    start: usize,
    plain: String,
}

/// An open image: its src, title, and alt text (the text of its content).
struct OpenImage {
    src: String,
    title: String,
    alt: String,
}

/// The renderer's state for one pulldown-cmark parse.
struct R<'o> {
    out: &'o mut String,
    /// Where this parse's output starts: a block start adds a line break only after
    /// output of its own (goldmark's `<li>` + `\n` before a block).
    base: usize,
    tight: bool,
    /// Containers open (blockquote, list, footnote): tight applies at 0 only.
    nest: usize,
    /// Paragraphs, headings and cells open: raw HTML there is inline.
    inline: usize,
    /// Links open: no linkify inside (goldmark: IsInLinkLabel).
    link: usize,
    /// Whether the open link is an autolink (its text is no heading text for goldmark).
    autolink: usize,
    pending: String,
    heading: Option<OpenHeading>,
    images: Vec<OpenImage>,
    code: Option<(String, String)>,
    table_head: bool,
    table_aligns: Vec<Alignment>,
    table_col: usize,
    table_body: bool,
    lists: Vec<bool>,
    /// Where an open footnote definition's HTML starts, and its label.
    footnote: Option<(usize, String)>,
    /// Whether the last event was a block of raw HTML (its lines are one block).
    html_block: bool,
    /// Whether the event is a table cell that pulldown-cmark added.
    pad_cell: bool,
    /// The event's place in the source, and where the last raw HTML block line ended.
    range: std::ops::Range<usize>,
    html_end: usize,
}

fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_FOOTNOTES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS | Options::ENABLE_HEADING_ATTRIBUTES
}

/// Renders Markdown with pulldown-cmark; with nested, its placeholders as their blocks.
fn render_md(ctx: &mut Ctx, text: &str, out: &mut String, tight: bool, nested: Option<&Nested>) {
    let refs = Rc::clone(&ctx.refs);
    {
        let mut cb = |l: BrokenLink| -> Option<(CowStr, CowStr)> {
            refs.get(&norm_label(&l.reference)).map(|(d, t)| (CowStr::from(d.clone()), CowStr::from(t.clone())))
        };
        let parser = if refs.is_empty() {
            Parser::new_ext(text, options())
        } else {
            Parser::new_with_broken_link_callback(text, options(), Some(&mut cb))
        };
        let base = out.len();
        let mut r = R {
            out,
            base,
            tight,
            nest: 0,
            inline: 0,
            link: 0,
            autolink: 0,
            pending: String::new(),
            heading: None,
            images: Vec::new(),
            code: None,
            table_head: false,
            table_aligns: Vec::new(),
            table_col: 0,
            table_body: false,
            lists: Vec::new(),
            footnote: None,
            html_block: false,
            pad_cell: false,
            range: 0..0,
            html_end: 0,
        };
        // Inside a placeholder heading.
        let mut skip = false;
        for (ev, range) in parser.into_offset_iter() {
            if let Some(n) = nested {
                if skip {
                    skip = !matches!(ev, Event::End(Tag::Heading(..)));
                    continue;
                }
                if let Event::Start(Tag::Heading(..)) = ev {
                    if let Some(i) = n.token_at(range.start) {
                        r.flush(ctx);
                        r.nested_block(ctx, &n.blocks[i]);
                        skip = true;
                        continue;
                    }
                }
            }
            // pulldown-cmark pads a short table row with empty cells at its end;
            // goldmark writes those without the column's alignment.
            r.pad_cell = range.start == range.end;
            r.range = range.clone();
            if let (Event::Text(_), Some(h)) = (&ev, r.heading.as_mut()) {
                // goldmark's heading text is the source's, entities and escapes as written.
                if r.images.is_empty() && r.autolink == 0 {
                    // A backslash escape's text starts after the backslash.
                    let esc = range.start > 0 && text.as_bytes()[range.start - 1] == b'\\' && text.as_bytes()[range.start].is_ascii_punctuation();
                    if esc {
                        h.plain.push('\\');
                    }
                    h.plain.push_str(text.get(range).unwrap_or(""));
                }
            }
            r.event(ctx, ev);
        }
        r.flush(ctx);
    }
}

impl<'o> R<'o> {
    /// A placeholder's blocks, rendered in their place (document order: the headings
    /// before them are in the TOC already). Nothing, not even a line break, for none.
    fn nested_block(&mut self, ctx: &mut Ctx, parts: &[Part]) {
        self.html_block = false;
        let mut html = String::new();
        if ctx.depth < MAX_DEPTH {
            ctx.depth += 1;
            render_list(ctx, parts, &mut html, false);
            ctx.depth -= 1;
        }
        if !html.is_empty() {
            self.block_start();
            self.out.push_str(&html);
        }
    }

    fn block_start(&mut self) {
        self.html_block = false;
        if self.out.len() > self.base && !self.out.ends_with('\n') {
            self.out.push('\n');
        }
    }

    /// Writes the text gathered so far (consecutive text events are one, so linkify sees
    /// a whole run).
    fn flush(&mut self, ctx: &mut Ctx) {
        if self.pending.is_empty() {
            return;
        }
        let text = std::mem::take(&mut self.pending);
        if let Some(img) = self.images.last_mut() {
            img.alt.push_str(&text);
        } else {
            let linkify = ctx.linkify && self.link == 0;
            let mut linked = Vec::new();
            write_text(self.out, &text, linkify, &mut linked);
            if let (Some(h), false) = (self.heading.as_mut(), linked.is_empty()) {
                // goldmark's heading text leaves out what linkify links.
                for l in linked {
                    if let Some(i) = h.plain.rfind(l.as_str()) {
                        h.plain.replace_range(i..i + l.len(), "");
                    }
                }
            }
        }
        self.pending = text;
        self.pending.clear();
    }

    fn event(&mut self, ctx: &mut Ctx, ev: Event) {
        if let Some((_, code)) = self.code.as_mut() {
            match ev {
                Event::Text(t) => {
                    code.push_str(&t);
                    return;
                }
                Event::End(Tag::CodeBlock(_)) => {}
                _ => return,
            }
        }
        if let Event::Text(t) = &ev {
            self.html_block = false;
            self.pending.push_str(t);
            return;
        }
        self.flush(ctx);
        match ev {
            Event::Start(tag) => self.start(ctx, tag),
            Event::End(tag) => self.end(ctx, tag),
            Event::Text(_) => {}
            Event::Code(t) => {
                self.html_block = false;
                if let Some(img) = self.images.last_mut() {
                    img.alt.push_str(&t);
                    return;
                }
                if let Some(h) = self.heading.as_mut() {
                    h.plain.push_str(&t);
                }
                self.out.push_str("<code>");
                if !self.table_aligns.is_empty() && t.contains("\\|") {
                    // GFM (goldmark): in a table, \| is a pipe, in code spans too.
                    escape_html(self.out, &t.replace("\\|", "|"));
                } else {
                    escape_html(self.out, &t);
                }
                self.out.push_str("</code>");
            }
            Event::Html(t) => {
                // goldmark without WithUnsafe: a comment in raw HTML's place, one per
                // inline tag and one per block.
                if self.inline > 0 || !t.ends_with('\n') {
                    if self.images.is_empty() {
                        self.out.push_str("<!-- raw HTML omitted -->");
                    }
                } else {
                    // The lines of one block follow each other; a blank line between
                    // makes two blocks.
                    if !self.html_block || self.range.start != self.html_end {
                        self.block_start();
                        self.out.push_str("<!-- raw HTML omitted -->\n");
                    }
                    self.html_block = true;
                    self.html_end = self.range.end;
                }
            }
            Event::FootnoteReference(label) => self.footnote_ref(ctx, &label),
            Event::SoftBreak => {
                if let Some(img) = self.images.last_mut() {
                    img.alt.push('\n');
                } else {
                    if let Some(h) = self.heading.as_mut() {
                        h.plain.push(' ');
                    }
                    self.out.push('\n');
                }
            }
            Event::HardBreak => {
                if let Some(img) = self.images.last_mut() {
                    img.alt.push('\n');
                } else {
                    self.out.push_str("<br>\n");
                }
            }
            Event::Rule => {
                self.block_start();
                self.out.push_str("<hr>\n");
            }
            Event::TaskListMarker(done) => {
                self.out.push_str(if done {
                    "<span class=\"doc-task doc-task-done\" role=\"img\" aria-label=\"done\">☑</span> "
                } else {
                    "<span class=\"doc-task\" role=\"img\" aria-label=\"to do\">☐</span> "
                });
            }
        }
    }

    fn top_tight(&self) -> bool {
        self.tight && self.nest == 0
    }

    fn start(&mut self, ctx: &mut Ctx, tag: Tag) {
        if !matches!(tag, Tag::Item) {
            // An item's first raw HTML line may follow directly.
        }
        self.html_block = false;
        match tag {
            Tag::Paragraph => {
                self.block_start();
                self.inline += 1;
                if !self.top_tight() {
                    self.out.push_str("<p>");
                }
            }
            Tag::Heading(level, id, _classes) => {
                self.block_start();
                self.inline += 1;
                self.heading = Some(OpenHeading { level: level_num(level), id: id.map(|s| s.to_string()), start: self.out.len(), plain: String::new() });
            }
            Tag::BlockQuote => {
                self.block_start();
                self.nest += 1;
                self.out.push_str("<blockquote>\n");
            }
            Tag::CodeBlock(kind) => {
                self.block_start();
                let lang = match kind {
                    CodeBlockKind::Fenced(info) => code_lang(&info),
                    CodeBlockKind::Indented => String::new(),
                };
                self.code = Some((lang, String::new()));
            }
            Tag::List(start) => {
                self.block_start();
                self.nest += 1;
                match start {
                    None => self.out.push_str("<ul>\n"),
                    Some(1) => self.out.push_str("<ol>\n"),
                    Some(n) => {
                        let _ = write!(self.out, "<ol start=\"{}\">\n", n);
                    }
                }
                self.lists.push(start.is_some());
            }
            Tag::Item => {
                self.block_start();
                self.out.push_str("<li>");
            }
            Tag::FootnoteDefinition(label) => {
                self.block_start();
                self.nest += 1;
                self.footnote = Some((self.out.len(), label.to_lowercase()));
            }
            Tag::Table(aligns) => {
                self.block_start();
                self.table_aligns = aligns;
                self.table_body = false;
                self.out.push_str("<table>\n");
            }
            Tag::TableHead => {
                self.table_head = true;
                self.table_col = 0;
                self.out.push_str("<thead>\n<tr>\n");
            }
            Tag::TableRow => {
                if !self.table_body {
                    self.table_body = true;
                    self.out.push_str("<tbody>\n");
                }
                self.table_col = 0;
                self.out.push_str("<tr>\n");
            }
            Tag::TableCell => {
                self.inline += 1;
                self.out.push_str(if self.table_head { "<th" } else { "<td" });
                let align = if self.pad_cell { None } else { self.table_aligns.get(self.table_col) };
                match align {
                    Some(Alignment::Left) => self.out.push_str(" style=\"text-align:left\""),
                    Some(Alignment::Center) => self.out.push_str(" style=\"text-align:center\""),
                    Some(Alignment::Right) => self.out.push_str(" style=\"text-align:right\""),
                    _ => {}
                }
                self.out.push('>');
            }
            Tag::Emphasis => self.open_inline("<em>"),
            Tag::Strong => self.open_inline("<strong>"),
            Tag::Strikethrough => self.open_inline("<del>"),
            Tag::Link(kind, dest, title) => {
                self.link += 1;
                if !self.images.is_empty() {
                    return;
                }
                let auto = matches!(kind, LinkType::Autolink | LinkType::Email);
                if auto {
                    self.autolink += 1;
                }
                self.out.push_str("<a href=\"");
                if auto {
                    // goldmark leaves autolinks as written (no rewrite), drops dangerous ones.
                    let mut u = String::new();
                    if kind == LinkType::Email && !dest.to_ascii_lowercase().starts_with("mailto:") {
                        u.push_str("mailto:");
                    }
                    url_escape(&mut u, &dest);
                    if !is_dangerous_url(&u) {
                        escape_html(self.out, &u);
                    }
                } else {
                    let d = rewrite(ctx, &dest, false);
                    write_url(self.out, &d);
                }
                self.out.push('"');
                if !title.is_empty() {
                    self.out.push_str(" title=\"");
                    escape_html(self.out, &title);
                    self.out.push('"');
                }
                self.out.push('>');
            }
            Tag::Image(_, dest, title) => {
                let src = if self.images.is_empty() { rewrite(ctx, &dest, true) } else { String::new() };
                self.images.push(OpenImage { src, title: title.to_string(), alt: String::new() });
            }
        }
    }

    fn open_inline(&mut self, tag: &str) {
        if self.images.is_empty() {
            self.out.push_str(tag);
        }
    }

    fn close_inline(&mut self, tag: &str) {
        if self.images.is_empty() {
            self.out.push_str(tag);
        }
    }

    fn end(&mut self, ctx: &mut Ctx, tag: Tag) {
        self.html_block = false;
        match tag {
            Tag::Paragraph => {
                self.inline = self.inline.saturating_sub(1);
                if !self.top_tight() {
                    self.out.push_str("</p>\n");
                }
            }
            Tag::Heading(..) => {
                self.inline = self.inline.saturating_sub(1);
                if let Some(h) = self.heading.take() {
                    self.heading_end(ctx, h);
                }
            }
            Tag::BlockQuote => {
                self.nest = self.nest.saturating_sub(1);
                self.out.push_str("</blockquote>\n");
            }
            Tag::CodeBlock(_) => {
                if let Some((lang, code)) = self.code.take() {
                    write_code(self.out, &lang, &code);
                }
            }
            Tag::List(_) => {
                self.nest = self.nest.saturating_sub(1);
                let ordered = self.lists.pop().unwrap_or(false);
                self.out.push_str(if ordered { "</ol>\n" } else { "</ul>\n" });
            }
            Tag::Item => self.out.push_str("</li>\n"),
            Tag::FootnoteDefinition(_) => {
                self.nest = self.nest.saturating_sub(1);
                if let Some((start, label)) = self.footnote.take() {
                    let html = if start <= self.out.len() { self.out.split_off(start) } else { String::new() };
                    ctx.fn_html.entry(label).or_insert(html);
                }
            }
            Tag::Table(_) => {
                self.table_aligns.clear();
                if self.table_body {
                    self.out.push_str("</tbody>\n");
                }
                self.out.push_str("</table>\n");
            }
            Tag::TableHead => {
                self.table_head = false;
                self.out.push_str("</tr>\n</thead>\n");
            }
            Tag::TableRow => self.out.push_str("</tr>\n"),
            Tag::TableCell => {
                self.inline = self.inline.saturating_sub(1);
                self.out.push_str(if self.table_head { "</th>\n" } else { "</td>\n" });
                self.table_col += 1;
            }
            Tag::Emphasis => self.close_inline("</em>"),
            Tag::Strong => self.close_inline("</strong>"),
            Tag::Strikethrough => self.close_inline("</del>"),
            Tag::Link(kind, _, _) => {
                self.link = self.link.saturating_sub(1);
                if !self.images.is_empty() {
                    return;
                }
                if matches!(kind, LinkType::Autolink | LinkType::Email) {
                    self.autolink = self.autolink.saturating_sub(1);
                }
                self.out.push_str("</a>");
            }
            Tag::Image(..) => {
                if let Some(img) = self.images.pop() {
                    if let Some(outer) = self.images.last_mut() {
                        outer.alt.push_str(&img.alt);
                        return;
                    }
                    if let Some(h) = self.heading.as_mut() {
                        h.plain.push_str(&img.alt);
                    }
                    self.out.push_str("<img src=\"");
                    write_url(self.out, &img.src);
                    self.out.push_str("\" alt=\"");
                    escape_html(self.out, &img.alt);
                    self.out.push('"');
                    if !img.title.is_empty() {
                        self.out.push_str(" title=\"");
                        escape_html(self.out, &img.title);
                        self.out.push('"');
                    }
                    self.out.push('>');
                }
            }
        }
    }

    /// Gives a heading its id (the explicit one, or a unique slug of its text) and
    /// permalink, and records it for the table of contents.
    fn heading_end(&mut self, ctx: &mut Ctx, h: OpenHeading) {
        let inner = if h.start <= self.out.len() { self.out.split_off(h.start) } else { String::new() };
        let title = h.plain.trim().to_string();
        let id = match h.id {
            Some(id) if !id.is_empty() => id,
            // Python-Markdown slugifies the heading's text, entities decoded: the
            // anchor of `## on_&lt;name&gt;` is on_name, as mkdocs writes it.
            _ => unique_slug(slugify(&page::unescape(&title)), &ctx.used),
        };
        ctx.used.insert(id.clone());
        if h.level == 1 && ctx.h1.as_deref().map_or(true, str::is_empty) {
            ctx.h1 = Some(title.clone());
        }
        let level = (b'0' + h.level) as char;
        self.out.push_str("<h");
        self.out.push(level);
        self.out.push_str(" id=\"");
        page::escape_into(self.out, &id);
        self.out.push_str("\">");
        self.out.push_str(&inner);
        self.out.push_str("<a class=\"doc-headerlink\" href=\"#");
        page::escape_into(self.out, &id);
        self.out.push_str("\" title=\"Permanent link\">");
        self.out.push_str(HEADERLINK_MARK);
        self.out.push_str("</h");
        self.out.push(level);
        self.out.push_str(">\n");
        if h.level > 1 {
            ctx.toc.push(Heading { level: h.level, id, title });
        }
    }

    fn footnote_ref(&mut self, ctx: &mut Ctx, label: &str) {
        let key = label.to_lowercase();
        if !ctx.fn_defined.contains(&key) {
            // goldmark leaves a reference to no definition as text.
            self.pending.push_str("[^");
            self.pending.push_str(label);
            self.pending.push(']');
            self.flush(ctx);
            return;
        }
        let (index, nth) = match ctx.fn_refs.iter().position(|(l, _)| *l == key) {
            Some(i) => {
                ctx.fn_refs[i].1 += 1;
                (i + 1, ctx.fn_refs[i].1 - 1)
            }
            None => {
                ctx.fn_refs.push((key, 1));
                (ctx.fn_refs.len(), 0)
            }
        };
        if !self.images.is_empty() {
            return;
        }
        self.out.push_str("<sup id=\"fnref");
        if nth > 0 {
            let _ = write!(self.out, "{}", nth);
        }
        let _ = write!(self.out, ":{}\"><a href=\"#fn:{}\" class=\"footnote-ref\" role=\"doc-noteref\">{}</a></sup>", index, index, index);
    }
}

fn level_num(l: HeadingLevel) -> u8 {
    match l {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}

/// A fence's language: its info string up to a space or {, without a leading dot, in
/// lower case.
fn code_lang(info: &str) -> String {
    let info = info.trim();
    let end = info.find(|c| c == ' ' || c == '{').unwrap_or(info.len());
    let l = &info[..end];
    l.strip_prefix('.').unwrap_or(l).to_lowercase()
}

/// A code block, highlighted when its language is known.
fn write_code(out: &mut String, lang: &str, code: &str) {
    let cw = class_word(lang);
    out.reserve(3 * code.len() + 128);
    out.push_str("<div class=\"doc-highlight");
    if !lang.is_empty() {
        out.push_str(" doc-lang-");
        out.push_str(&cw);
    }
    out.push_str("\"><pre class=\"doc-code\"><code");
    if !lang.is_empty() && cw == lang {
        out.push_str(" class=\"language-");
        out.push_str(lang);
        out.push('"');
    }
    out.push('>');
    if !highlight::highlight(out, lang, code) {
        page::escape_into(out, code);
    }
    out.push_str("</code></pre></div>\n");
}

/// The footnotes, in order of first reference, each with a link back to each reference
/// (goldmark's footnote extension).
fn write_footnotes(ctx: &mut Ctx, out: &mut String) {
    let refs = std::mem::take(&mut ctx.fn_refs);
    if refs.is_empty() {
        return;
    }
    out.push_str("<div class=\"footnotes\" role=\"doc-endnotes\">\n<hr>\n<ol>\n");
    for (i, (label, count)) in refs.iter().enumerate() {
        let n = i + 1;
        let html = ctx.fn_html.get(label).map(String::as_str).unwrap_or("");
        let mut back = String::new();
        for k in 0..*count {
            back.push_str("&#160;<a href=\"#fnref");
            if k > 0 {
                let _ = write!(back, "{}", k);
            }
            let _ = write!(back, ":{}\" class=\"footnote-backref\" role=\"doc-backlink\">&#x21a9;&#xfe0e;</a>", n);
        }
        let _ = write!(out, "<li id=\"fn:{}\">\n", n);
        // The links go inside the last paragraph, else after the last block.
        if let Some(body) = html.strip_suffix("</p>\n") {
            out.push_str(body);
            out.push_str(&back);
            out.push_str("</p>\n");
        } else {
            out.push_str(html);
            out.push_str(&back);
        }
        out.push_str("</li>\n");
    }
    out.push_str("</ol>\n</div>\n");
}

/// goldmark's util.EscapeHTML: & < > " as entities.
pub fn escape_html(out: &mut String, s: &str) {
    let b = s.as_bytes();
    let mut last = 0;
    for (i, &c) in b.iter().enumerate() {
        let rep = match c {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            _ => continue,
        };
        out.push_str(&s[last..i]);
        out.push_str(rep);
        last = i + 1;
    }
    out.push_str(&s[last..]);
}

/// The bytes goldmark's util.URLEscape leaves as they are.
fn url_safe(c: u8) -> bool {
    c.is_ascii_alphanumeric() || b"!#$&'()*+,-./:;=?@_~".contains(&c)
}

/// goldmark's util.URLEscape (without resolving references, which pulldown-cmark has
/// done): %XX kept, a space as %20, other unsafe bytes percent-encoded.
fn url_escape(out: &mut String, s: &str) {
    let b = s.as_bytes();
    let mut i = 0;
    let mut last = 0;
    while i < b.len() {
        let c = b[i];
        if url_safe(c) {
            i += 1;
            continue;
        }
        if c == b'%' && i + 2 < b.len() && b[i + 1].is_ascii_hexdigit() && b[i + 2].is_ascii_hexdigit() {
            i += 3;
            continue;
        }
        out.push_str(&s[last..i]);
        let _ = write!(out, "%{:02X}", c);
        i += 1;
        // The rest of a multi-byte character is encoded byte by byte as well.
        while i < b.len() && (b[i] & 0xC0) == 0x80 {
            let _ = write!(out, "%{:02X}", b[i]);
            i += 1;
        }
        last = i;
    }
    out.push_str(&s[last..]);
}

/// An href or src as goldmark writes it: URL-escaped, HTML-escaped, empty when it is
/// dangerous.
fn write_url(out: &mut String, dest: &str) {
    let mut u = String::with_capacity(dest.len() + 8);
    url_escape(&mut u, dest);
    if !is_dangerous_url(&u) {
        escape_html(out, &u);
    }
}

fn has_prefix_fold(s: &str, p: &str) -> bool {
    s.len() >= p.len() && s.as_bytes()[..p.len()].eq_ignore_ascii_case(p.as_bytes())
}

/// goldmark's html.IsDangerousURL.
fn is_dangerous_url(u: &str) -> bool {
    if has_prefix_fold(u, "data:image/") && u.len() >= 11 {
        let v = &u[11..];
        return !(has_prefix_fold(v, "png;") || has_prefix_fold(v, "gif;") || has_prefix_fold(v, "jpeg;") || has_prefix_fold(v, "webp;"));
    }
    has_prefix_fold(u, "javascript:") || has_prefix_fold(u, "vbscript:") || has_prefix_fold(u, "file:") || has_prefix_fold(u, "data:")
}

/// Text as goldmark writes it, with bare URLs and e-mail addresses linked where
/// goldmark's linkify links them: at the start of the text and after a space, *, _, ~
/// or (, outside brackets. linked gets what it links.
fn write_text(out: &mut String, s: &str, linkify: bool, linked: &mut Vec<String>) {
    if !linkify {
        escape_html(out, s);
        return;
    }
    let b = s.as_bytes();
    let (mut i, mut last, mut bracket) = (0, 0, 0usize);
    let mut try_here = true;
    while i < b.len() {
        if try_here && bracket == 0 {
            if let Some((len, kind)) = link_at(&b[i..]) {
                escape_html(out, &s[last..i]);
                write_autolink(out, &s[i..i + len], kind);
                linked.push(s[i..i + len].to_string());
                i += len;
                last = i;
                continue;
            }
        }
        let c = b[i];
        match c {
            b'[' => bracket += 1,
            b']' => bracket = bracket.saturating_sub(1),
            _ => {}
        }
        try_here = matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c | b'*' | b'_' | b'~' | b'(');
        i += 1;
    }
    escape_html(out, &s[last..]);
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum AutoKind {
    Url,
    Www,
    Email,
}

fn write_autolink(out: &mut String, label: &str, kind: AutoKind) {
    let mut u = String::with_capacity(label.len() + 8);
    match kind {
        AutoKind::Www => u.push_str("http://"),
        AutoKind::Email if !label.to_ascii_lowercase().starts_with("mailto:") => u.push_str("mailto:"),
        _ => {}
    }
    url_escape(&mut u, label);
    out.push_str("<a href=\"");
    if !is_dangerous_url(&u) {
        escape_html(out, &u);
    }
    out.push_str("\">");
    escape_html(out, label);
    out.push_str("</a>");
}

fn host_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || b"-@:%._+~#=".contains(&c)
}

fn path_char(c: u8, dollar: bool) -> bool {
    c.is_ascii_alphanumeric() || b"-@:%_+.~#!?&/=();,'\">^{}[]`".contains(&c) || (dollar && c == b'$')
}

/// The length of the URL goldmark's urlRegexp (port: true) or wwwURLRegxp matches at
/// the start of b, after a prefix of p bytes.
fn match_url(b: &[u8], p: usize, port: bool) -> Option<usize> {
    let run = b[p..].iter().take(256).take_while(|&&c| host_char(c)).count();
    // The longest host run that a dot and a lower-case letter follow.
    let mut k = p + run;
    loop {
        if k <= p {
            return None;
        }
        if k + 1 < b.len() && b[k] == b'.' && b[k + 1].is_ascii_lowercase() {
            break;
        }
        k -= 1;
    }
    let mut j = k + 1;
    while j < b.len() && b[j].is_ascii_lowercase() {
        j += 1;
    }
    if port && j + 1 < b.len() && b[j] == b':' && b[j + 1].is_ascii_digit() {
        j += 1;
        while j < b.len() && b[j].is_ascii_digit() {
            j += 1;
        }
    }
    if j < b.len() && matches!(b[j], b'/' | b'#' | b'?') {
        j += 1;
        while j < b.len() && path_char(b[j], port) {
            j += 1;
        }
    }
    Some(j)
}

fn email_local(c: u8) -> bool {
    c.is_ascii_alphanumeric() || b"!#$%&'*+-./=?^_`{|}~".contains(&c)
}

/// goldmark's util.FindEmailIndex.
fn find_email(b: &[u8]) -> Option<usize> {
    let mut i = b.iter().take(64).take_while(|&&c| email_local(c)).count();
    if i == 0 || i >= b.len() || b[i] != b'@' {
        return None;
    }
    i += 1;
    let d = &b[i..b.len().min(i + 256)];
    let n = match_domain(d)?;
    if n > 255 {
        return None;
    }
    Some(i + n)
}

/// emailDomainRegexp: labels of letters, digits and inner hyphens (at most 63), joined
/// by dots.
fn match_domain(d: &[u8]) -> Option<usize> {
    let label = |s: &[u8]| -> Option<usize> {
        if s.is_empty() || !s[0].is_ascii_alphanumeric() {
            return None;
        }
        let run = s[1..].iter().take(62).take_while(|c| c.is_ascii_alphanumeric() || **c == b'-').count();
        let last = (1..=run).rev().find(|&k| s[k].is_ascii_alphanumeric()).unwrap_or(0);
        Some(last + 1)
    };
    let mut n = label(d)?;
    while n + 1 < d.len() && d[n] == b'.' {
        match label(&d[n + 1..]) {
            Some(l) => n += 1 + l,
            None => break,
        }
    }
    Some(n)
}

fn is_punct(c: u8) -> bool {
    c.is_ascii_punctuation()
}

/// What goldmark's linkify parser links at the start of b, and how long it is.
fn link_at(b: &[u8]) -> Option<(usize, AutoKind)> {
    let first = *b.first()?;
    if first != b'h' && first != b'f' && first != b'w' && !email_local(first) {
        return None;
    }
    let mut m = None;
    let mut kind = AutoKind::Url;
    if b.starts_with(b"http:") || b.starts_with(b"https:") || b.starts_with(b"ftp:") {
        let p = if b.starts_with(b"http://") {
            7
        } else if b.starts_with(b"https://") {
            8
        } else if b.starts_with(b"ftp://") {
            6
        } else {
            0
        };
        if p > 0 {
            m = match_url(b, p, true);
        }
    }
    if m.is_none() && b.starts_with(b"www.") {
        m = match_url(b, 4, false);
        kind = AutoKind::Www;
    }
    let mut end = match m {
        Some(e) => e,
        None => {
            if is_punct(first) {
                return None;
            }
            kind = AutoKind::Email;
            let stop = find_email(b)?;
            let at = b.iter().position(|&c| c == b'@')?;
            if stop < 1 || at >= stop || !b[at..stop - 1].contains(&b'.') {
                return None;
            }
            let mut e = stop;
            if b[e - 1] == b'.' {
                e -= 1;
            }
            if e < b.len() && (b[e] == b'-' || b[e] == b'_') {
                return None;
            }
            e
        }
    };
    // Trailing punctuation is not part of the link, nor an unbalanced ) or an entity.
    let opening = b[..end].iter().filter(|&&c| c == b'(').count();
    let mut closing = b[..end].iter().filter(|&&c| c == b')').count();
    while end > 1 {
        match b[end - 1] {
            b'?' | b'!' | b'.' | b',' | b':' | b'*' | b'_' | b'~' => end -= 1,
            b')' => {
                if closing <= opening {
                    break;
                }
                closing -= 1;
                end -= 1;
            }
            b';' => {
                let mut j = end - 2;
                while j > 0 && b[j].is_ascii_alphanumeric() {
                    j -= 1;
                }
                if j == end - 2 || b[j] != b'&' {
                    break;
                }
                end = j;
            }
            _ => break,
        }
    }
    if end == 0 {
        return None;
    }
    Some((end, kind))
}

/// slugify is Python-Markdown's toc slugify: NFKD, ASCII only, word characters, spaces
/// and hyphens kept, lower case, runs of spaces and hyphens made one hyphen.
pub fn slugify(s: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    let mut kept = String::with_capacity(s.len());
    for c in s.nfkd() {
        match c {
            'A'..='Z' => kept.push(c.to_ascii_lowercase()),
            'a'..='z' | '0'..='9' | '_' | '-' | ' ' | '\t' | '\n' | '\r' | '\x0c' | '\x0b' => kept.push(c),
            _ => {}
        }
    }
    let mut b = String::with_capacity(kept.len());
    let mut run = false;
    for c in kept.trim_matches(|c| matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0c' | '\x0b')).chars() {
        if matches!(c, '-' | ' ' | '\t' | '\n' | '\r' | '\x0c' | '\x0b') {
            run = true;
            continue;
        }
        if run {
            b.push('-');
        }
        run = false;
        b.push(c);
    }
    if run {
        b.push('-');
    }
    b
}

/// uniqueSlug adds _1, _2, ... to a slug already used on the page, as Python-Markdown does.
fn unique_slug(id: String, used: &HashSet<String>) -> String {
    let id = if id.is_empty() { "_".to_string() } else { id };
    if !used.contains(&id) {
        return id;
    }
    let mut i = 1;
    loop {
        let c = format!("{}_{}", id, i);
        if !used.contains(&c) {
            return c;
        }
        i += 1;
    }
}

fn warn(ctx: &mut Ctx, msg: String) {
    ctx.warnings.push(format!("{}: {}", ctx.src, msg));
}

/// rewrite resolves a link of the page as mkdocs does: a relative link to a Markdown
/// file becomes the relative URL of its page (x.md from a/b.md is ../x/ under
/// use_directory_urls), a link to another file the relative URL of that file. A link
/// that leaves docs_dir, an absolute path or a URL with a scheme other than http, https,
/// mailto and ftp is neutralised ("#") with a warning naming the page.
fn rewrite(ctx: &mut Ctx, dest: &str, image: bool) -> String {
    if dest.is_empty() || dest.starts_with('#') {
        return dest.to_string();
    }
    let what = if image { "image" } else { "link" };
    if is_external(dest) {
        let scheme = dest[..dest.find(':').unwrap_or(0)].to_lowercase();
        match scheme.as_str() {
            "http" | "https" | "mailto" | "ftp" | "" => return dest.to_string(),
            _ => {}
        }
        let msg = format!("{} {} uses the scheme {}:, which is not served; use http(s) or a relative path", what, go_quote(&excerpt(dest)), scheme);
        warn(ctx, msg);
        return "#".to_string();
    }
    if dest.starts_with('/') || dest.starts_with('\\') {
        let msg = format!("{} {} is an absolute path; write it relative to the page (mkdocs resolves links against docs_dir)", what, go_quote(&excerpt(dest)));
        warn(ctx, msg);
        return "#".to_string();
    }
    let (target, suffix) = match dest.find(|c| c == '?' || c == '#') {
        Some(i) => (&dest[..i], &dest[i..]),
        None => (dest, ""),
    };
    if target.is_empty() {
        return dest.to_string();
    }
    let mut resolved = paths::join(&[&paths::dir(ctx.src), &target.replace("%20", " ")]);
    if resolved == ".." || resolved.starts_with("../") {
        let msg = format!("{} {} leads outside docs_dir; link only to files inside the docs", what, go_quote(&excerpt(dest)));
        warn(ctx, msg);
        return "#".to_string();
    }
    if let Some(u) = ctx.links.pages.get(&resolved) {
        return rel_url(u, ctx.url) + suffix;
    }
    if resolved.to_lowercase().ends_with(".md") {
        let msg = format!("{} {}: the target {} is not among the documentation files", what, go_quote(&excerpt(dest)), resolved);
        warn(ctx, msg);
        return dest.to_string();
    }
    if resolved == "." || ctx.links.dirs.contains(&resolved) {
        if resolved == "." {
            resolved.clear();
        } else {
            resolved.push('/');
        }
        return rel_url(&resolved, ctx.url) + suffix;
    }
    if !ctx.links.assets.contains(&resolved) {
        let msg = format!("{} {}: the target {} is not among the documentation files", what, go_quote(&excerpt(dest)), resolved);
        warn(ctx, msg);
    }
    rel_url(&resolved, ctx.url) + suffix
}

/// The first 80 bytes of s and an ellipsis (cut at a character boundary).
fn excerpt(s: &str) -> String {
    if s.len() <= 80 {
        return s.to_string();
    }
    let mut n = 80;
    while !s.is_char_boundary(n) {
        n -= 1;
    }
    format!("{}…", &s[..n])
}

/// mkdocs' get_relative_url: the URL of target (relative to the site root)
/// as seen from the page at base (a directory URL such as "a/b/" or "").
pub fn rel_url(target: &str, base: &str) -> String {
    let base = base.strip_suffix('/').unwrap_or(base);
    let bp: Vec<&str> = if base.is_empty() { Vec::new() } else { base.split('/').collect() };
    let tp: Vec<&str> = target.split('/').collect();
    // The last element of target is a file name, or "" for a directory URL.
    let (dirs, file) = tp.split_at(tp.len() - 1);
    let mut i = 0;
    while i < bp.len() && i < dirs.len() && bp[i] == dirs[i] {
        i += 1;
    }
    let mut b = String::new();
    for _ in &bp[i..] {
        b.push_str("../");
    }
    for d in &dirs[i..] {
        b.push_str(d);
        b.push('/');
    }
    b.push_str(file[0]);
    if b.is_empty() {
        return "./".to_string();
    }
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tree the expected outputs were built in with Go (site.Build): the page is
    /// docs/a/page.md beside docs/index.md, docs/a/other.md and docs/img/x.png.
    fn page(body: &str) -> Rendered {
        let mut pages = HashMap::new();
        pages.insert("index.md".to_string(), "".to_string());
        pages.insert("a/page.md".to_string(), "a/page/".to_string());
        pages.insert("a/other.md".to_string(), "a/other/".to_string());
        let dirs: HashSet<String> = ["a", "img"].iter().map(|s| s.to_string()).collect();
        let assets: HashSet<String> = ["img/x.png"].iter().map(|s| s.to_string()).collect();
        render(body, "a/page.md", "a/page/", &Links { pages: &pages, dirs: &dirs, assets: &assets })
    }

    /// Each case: name, Markdown, the Go implementation's HTML, its warnings (the
    /// builder prefixes docs_dir, "docs/", to them). One id differs from Go's on
    /// purpose: "head"'s `Q&amp;A` heading is qa-..., slugged as Python-Markdown does
    /// with its entity decoded (Go's builder slugged the raw text, qampa-...).
    const CASES: &[(&str, &str, &str, &[&str])] = &[
        ("adm", "!!! note\n    Take *note*.\n\n    ```py\n    x = 1\n    ```\n\n    !!! warning \"Inner <b>\"\n        deep\n\n!!! danger \"\"\n    no title\n!!! Tip extra words \"T\"\n    x\n??? tip \"More\"\n    Hidden.\n???+ info\n    Shown.\ntext\n!!! note\n    interrupts\nlazy?\n", "<div class=\"doc-admonition doc-note\">\n<p class=\"doc-admonition-title\">Note</p>\n<p>Take <em>note</em>.</p>\n<div class=\"doc-highlight doc-lang-py\"><pre class=\"doc-code\"><code class=\"language-py\">x = <span class=\"doc-hl-m\">1</span>\n</code></pre></div>\n<div class=\"doc-admonition doc-warning\">\n<p class=\"doc-admonition-title\">Inner &lt;b&gt;</p>\n<p>deep</p>\n</div>\n</div>\n<div class=\"doc-admonition doc-danger\">\n<p>no title</p>\n</div>\n<div class=\"doc-admonition doc-tip\">\n<p class=\"doc-admonition-title\">T</p>\n<p>x</p>\n</div>\n<details class=\"doc-admonition doc-tip\"><summary class=\"doc-admonition-title\">More</summary>\n<p>Hidden.</p>\n</details>\n<details class=\"doc-admonition doc-info\" open><summary class=\"doc-admonition-title\">Info</summary>\n<p>Shown.\ntext</p>\n</details>\n<div class=\"doc-admonition doc-note\">\n<p class=\"doc-admonition-title\">Note</p>\n<p>interrupts\nlazy?</p>\n</div>\n", &[]),
        ("dl", "Term\n:   Definition\n\nT1\nT2\n: d1\n: d2\n\nLoose\n\n:   para\n\n    more\n", "<dl>\n<dt>Term</dt>\n<dd>Definition</dd>\n<dt>T1</dt>\n<dt>T2</dt>\n<dd>d1</dd>\n<dd>d2</dd>\n<dt>Loose</dt>\n<dd>\n<p>para</p>\n<p>more</p>\n</dd>\n</dl>\n", &[]),
        ("fn", "Text[^1] and[^n] again[^1] undefined[^zz].\n\n[^1]: The note.\n[^n]: Multi\n\n    para two\n[^unused]: nope\n", "<p>Text<sup id=\"fnref:1\"><a href=\"#fn:1\" class=\"footnote-ref\" role=\"doc-noteref\">1</a></sup> and<sup id=\"fnref:2\"><a href=\"#fn:2\" class=\"footnote-ref\" role=\"doc-noteref\">2</a></sup> again<sup id=\"fnref1:1\"><a href=\"#fn:1\" class=\"footnote-ref\" role=\"doc-noteref\">1</a></sup> undefined[^zz].</p>\n<div class=\"footnotes\" role=\"doc-endnotes\">\n<hr>\n<ol>\n<li id=\"fn:1\">\n<p>The note.&#160;<a href=\"#fnref:1\" class=\"footnote-backref\" role=\"doc-backlink\">&#x21a9;&#xfe0e;</a>&#160;<a href=\"#fnref1:1\" class=\"footnote-backref\" role=\"doc-backlink\">&#x21a9;&#xfe0e;</a></p>\n</li>\n<li id=\"fn:2\">\n<p>Multi</p>\n<p>para two&#160;<a href=\"#fnref:2\" class=\"footnote-backref\" role=\"doc-backlink\">&#x21a9;&#xfe0e;</a></p>\n</li>\n</ol>\n</div>\n", &[]),
        ("head", "# Title\n\n## Section {#custom-id}\n\n## Café & Bar\n\n## Café & Bar\n\n## Q&amp;A `code` *em* [link](other.md) \\*esc\\*\n\n## Visit www.example.com now\n\nSetext\n------\n\n### ![img alt](../img/x.png) <b>raw</b>\n\n## 日本語\n\n## _\n\n#\n", "<h1 id=\"title\">Title<a class=\"doc-headerlink\" href=\"#title\" title=\"Permanent link\">¶</a></h1>\n<h2 id=\"custom-id\">Section<a class=\"doc-headerlink\" href=\"#custom-id\" title=\"Permanent link\">¶</a></h2>\n<h2 id=\"cafe-bar\">Café &amp; Bar<a class=\"doc-headerlink\" href=\"#cafe-bar\" title=\"Permanent link\">¶</a></h2>\n<h2 id=\"cafe-bar_1\">Café &amp; Bar<a class=\"doc-headerlink\" href=\"#cafe-bar_1\" title=\"Permanent link\">¶</a></h2>\n<h2 id=\"qa-code-em-link-esc\">Q&amp;A <code>code</code> <em>em</em> <a href=\"../other/\">link</a> *esc*<a class=\"doc-headerlink\" href=\"#qa-code-em-link-esc\" title=\"Permanent link\">¶</a></h2>\n<h2 id=\"visit-now\">Visit <a href=\"http://www.example.com\">www.example.com</a> now<a class=\"doc-headerlink\" href=\"#visit-now\" title=\"Permanent link\">¶</a></h2>\n<h2 id=\"setext\">Setext<a class=\"doc-headerlink\" href=\"#setext\" title=\"Permanent link\">¶</a></h2>\n<h3 id=\"img-alt-raw\"><img src=\"../../img/x.png\" alt=\"img alt\"> <!-- raw HTML omitted -->raw<!-- raw HTML omitted --><a class=\"doc-headerlink\" href=\"#img-alt-raw\" title=\"Permanent link\">¶</a></h3>\n<h2 id=\"_\">日本語<a class=\"doc-headerlink\" href=\"#_\" title=\"Permanent link\">¶</a></h2>\n<h2 id=\"__1\">_<a class=\"doc-headerlink\" href=\"#__1\" title=\"Permanent link\">¶</a></h2>\n<h1 id=\"__2\"><a class=\"doc-headerlink\" href=\"#__2\" title=\"Permanent link\">¶</a></h1>\n", &[]),
        ("linkify", "see http://example.com now, and https://example.com/a?b=c&d=e. Also (www.example.com/x) and\nmail ops@example.com. Or *http://a.com/x* and _www.b.org_ ~~ftp://f.org~~ and foohttp://x.com\nx@y.z is short; a.b@c-d.example.co.uk; \"http://q.com\" [see http://in.brackets.com] done\nhttp://paren.com/a_(b) http://trail.com/x... https://x.com:8080/p?q=1#h www.x.com.\n`http://code.com` [http://link.com](other.md) user@host no-dot@localhost\n", "<p>see <a href=\"http://example.com\">http://example.com</a> now, and <a href=\"https://example.com/a?b=c&amp;d=e\">https://example.com/a?b=c&amp;d=e</a>. Also (<a href=\"http://www.example.com/x\">www.example.com/x</a>) and\nmail <a href=\"mailto:ops@example.com\">ops@example.com</a>. Or <em><a href=\"http://a.com/x\">http://a.com/x</a></em> and <em><a href=\"http://www.b.org\">www.b.org</a></em> <del><a href=\"ftp://f.org\">ftp://f.org</a></del> and foohttp://x.com\n<a href=\"mailto:x@y.z\">x@y.z</a> is short; <a href=\"mailto:a.b@c-d.example.co.uk\">a.b@c-d.example.co.uk</a>; &quot;http://q.com&quot; [see http://in.brackets.com] done\n<a href=\"http://paren.com/a_(b)\">http://paren.com/a_(b)</a> <a href=\"http://trail.com/x\">http://trail.com/x</a>... <a href=\"https://x.com:8080/p?q=1#h\">https://x.com:8080/p?q=1#h</a> <a href=\"http://www.x.com\">www.x.com</a>.\n<code>http://code.com</code> <a href=\"../other/\">http://link.com</a> user@host no-dot@localhost</p>\n", &[]),
        ("links", "[up](../../etc/passwd) ![abs](/etc/passwd) [win](C:/x) [missing](nope.md) [ok](../img/) [js](javascript:alert(1)) ![y](data:text/html,hi)\n[sp](my%20file.png) [q](other.md?x=1#frag) [h](#top) [dir](./) [home](../index.md) [ext](https://example.com/a b) [mail](mailto:a@b.c)\n[proto](//cdn.example.com/x.js) [ftp](ftp://x.org) <javascript:alert(1)> [ref][r] [Ref] [é](é.png \"t\\\"q\")\n[long](aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.md)\n\n[r]: other.md \"T\"\n[ref]: ../img/x.png\n", "<p><a href=\"#\">up</a> <img src=\"#\" alt=\"abs\"> <a href=\"#\">win</a> <a href=\"nope.md\">missing</a> <a href=\"../../img/\">ok</a> <a href=\"#\">js</a> <img src=\"#\" alt=\"y\">\n<a href=\"../my%20file.png\">sp</a> <a href=\"../other/?x=1#frag\">q</a> <a href=\"#top\">h</a> <a href=\"../\">dir</a> <a href=\"../../\">home</a> [ext](<a href=\"https://example.com/a\">https://example.com/a</a> b) <a href=\"mailto:a@b.c\">mail</a>\n<a href=\"//cdn.example.com/x.js\">proto</a> <a href=\"ftp://x.org\">ftp</a> <a href=\"\">javascript:alert(1)</a> <a href=\"../other/\" title=\"T\">ref</a> <a href=\"../../img/x.png\">Ref</a> <a href=\"../%C3%A9.png\" title=\"t&quot;q\">é</a>\n<a href=\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.md\">long</a></p>\n", &["a/page.md: link \"../../etc/passwd\" leads outside docs_dir; link only to files inside the docs", "a/page.md: image \"/etc/passwd\" is an absolute path; write it relative to the page (mkdocs resolves links against docs_dir)", "a/page.md: link \"C:/x\" uses the scheme c:, which is not served; use http(s) or a relative path", "a/page.md: link \"nope.md\": the target a/nope.md is not among the documentation files", "a/page.md: link \"javascript:alert(1)\" uses the scheme javascript:, which is not served; use http(s) or a relative path", "a/page.md: image \"data:text/html,hi\" uses the scheme data:, which is not served; use http(s) or a relative path", "a/page.md: link \"my%20file.png\": the target a/my file.png is not among the documentation files", "a/page.md: link \"é.png\": the target a/é.png is not among the documentation files", "a/page.md: link \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa…\": the target a/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.md is not among the documentation files"]),
        ("lists", "- a\n- b\n\n1. x\n2. y\n\n- loose\n\n- two\n\n3. start\n\n* [x] done\n* [ ] todo\n", "<ul>\n<li>a</li>\n<li>b</li>\n</ul>\n<ol>\n<li>x</li>\n<li>y</li>\n</ol>\n<ul>\n<li>\n<p>loose</p>\n</li>\n<li>\n<p>two</p>\n</li>\n</ul>\n<ol start=\"3\">\n<li>start</li>\n</ol>\n<ul>\n<li><span class=\"doc-task doc-task-done\" role=\"img\" aria-label=\"done\">☑</span> done</li>\n<li><span class=\"doc-task\" role=\"img\" aria-label=\"to do\">☐</span> todo</li>\n</ul>\n", &[]),
        ("misc", "a  \nb\\\nc\nd ~~s~~ ![i](x.png \"t\") [l](o.md \"ti\") <http://a.b/c?d=e&f> <me@x.y> `` a ` b ``\n\n---\n\n> q\n> q2\n\n    indented\n\n```\nplain <\n```\n\n~~~go {.x}\nfunc f() {}\n~~~\n\n```unknown-lang\nx\n```\n\n```C++\nint\n```\n", "<p>a<br>\nb<br>\nc\nd <del>s</del> <img src=\"../x.png\" alt=\"i\" title=\"t\"> <a href=\"o.md\" title=\"ti\">l</a> <a href=\"http://a.b/c?d=e&amp;f\">http://a.b/c?d=e&amp;f</a> <a href=\"mailto:me@x.y\">me@x.y</a> <code>a ` b</code></p>\n<hr>\n<blockquote>\n<p>q\nq2</p>\n</blockquote>\n<div class=\"doc-highlight\"><pre class=\"doc-code\"><code>indented\n</code></pre></div>\n<div class=\"doc-highlight\"><pre class=\"doc-code\"><code>plain &lt;\n</code></pre></div>\n<div class=\"doc-highlight doc-lang-go\"><pre class=\"doc-code\"><code class=\"language-go\"><span class=\"doc-hl-k\">func</span> <span class=\"doc-hl-nf\">f</span>() {}\n</code></pre></div>\n<div class=\"doc-highlight doc-lang-unknown-lang\"><pre class=\"doc-code\"><code class=\"language-unknown-lang\">x\n</code></pre></div>\n<div class=\"doc-highlight doc-lang-c\"><pre class=\"doc-code\"><code><span class=\"doc-hl-k\">int</span>\n</code></pre></div>\n", &["a/page.md: image \"x.png\": the target a/x.png is not among the documentation files", "a/page.md: link \"o.md\": the target a/o.md is not among the documentation files"]),
        ("raw", "<div>\nblock\n</div>\n\ntext <span>inline</span> and <!-- c --> end\n\n<script>alert(1)</script>\n\n- <b>x</b> item\n- y\n\n    <pre>indented code is code</pre>\n\n| a | <b>b</b> |\n|---|---|\n| c | d |\n", "<!-- raw HTML omitted -->\n<p>text <!-- raw HTML omitted -->inline<!-- raw HTML omitted --> and <!-- raw HTML omitted --> end</p>\n<!-- raw HTML omitted -->\n<ul>\n<li>\n<p><!-- raw HTML omitted -->x<!-- raw HTML omitted --> item</p>\n</li>\n<li>\n<p>y</p>\n<!-- raw HTML omitted -->\n</li>\n</ul>\n<table>\n<thead>\n<tr>\n<th>a</th>\n<th><!-- raw HTML omitted -->b<!-- raw HTML omitted --></th>\n</tr>\n</thead>\n<tbody>\n<tr>\n<td>c</td>\n<td>d</td>\n</tr>\n</tbody>\n</table>\n", &[]),
        ("table", "| a | b | c |\n|:--|:-:|--:|\n| 1 | `x|` | \\| |\n| only |\n", "<table>\n<thead>\n<tr>\n<th style=\"text-align:left\">a</th>\n<th style=\"text-align:center\">b</th>\n<th style=\"text-align:right\">c</th>\n</tr>\n</thead>\n<tbody>\n<tr>\n<td style=\"text-align:left\">1</td>\n<td style=\"text-align:center\">`x</td>\n<td style=\"text-align:right\">`</td>\n</tr>\n<tr>\n<td style=\"text-align:left\">only</td>\n<td></td>\n<td></td>\n</tr>\n</tbody>\n</table>\n", &[]),
        ("tabs", "=== \"Go\"\n    ```go\n    fmt.Println(1)\n    ```\n=== \"Shell\"\n    echo 1\n\nbetween\n\n=== \"A\"\n    a\n\n=== \"B\"\n\n    b\n", "<div class=\"doc-tabbed\">\n<div class=\"doc-tab\"><p class=\"doc-tab-label\">Go</p>\n<div class=\"doc-highlight doc-lang-go\"><pre class=\"doc-code\"><code class=\"language-go\">fmt.<span class=\"doc-hl-nf\">Println</span>(<span class=\"doc-hl-m\">1</span>)\n</code></pre></div>\n</div>\n<div class=\"doc-tab\"><p class=\"doc-tab-label\">Shell</p>\n<p>echo 1</p>\n</div>\n</div>\n<p>between</p>\n<div class=\"doc-tabbed\">\n<div class=\"doc-tab\"><p class=\"doc-tab-label\">A</p>\n<p>a</p>\n</div>\n<div class=\"doc-tab\"><p class=\"doc-tab-label\">B</p>\n<p>b</p>\n</div>\n</div>\n", &[]),
        ("broken_blocks", "!!! note\n    ```\n    unterminated\n\nafter\n\n=== \"x\n\n??? \n\n: lonely\n\n[^]: empty\n[^a b]: space\n\nText[^1]\n\n[^1]: ok\n", "<div class=\"doc-admonition doc-note\">\n<p class=\"doc-admonition-title\">Note</p>\n<div class=\"doc-highlight\"><pre class=\"doc-code\"><code>unterminated\n\n</code></pre></div>\n</div>\n<p>after</p>\n<p>=== &quot;x</p>\n<dl>\n<dt>???</dt>\n<dd>\n<p>lonely</p>\n</dd>\n</dl>\n<p>Text<sup id=\"fnref:1\"><a href=\"#fn:1\" class=\"footnote-ref\" role=\"doc-noteref\">1</a></sup></p>\n<div class=\"footnotes\" role=\"doc-endnotes\">\n<hr>\n<ol>\n<li id=\"fn:1\">\n<p>ok&#160;<a href=\"#fnref:1\" class=\"footnote-backref\" role=\"doc-backlink\">&#x21a9;&#xfe0e;</a></p>\n</li>\n</ol>\n</div>\n", &[]),
        ("deep_nest", "> > > > > > > > > > > > > > > > > > > > > > > > > > > > > > > > > > > > > > > > > > > > > > > > > > > > > > > > > > > > quote\n- item\n  - item\n    - item\n      - item\n        - item\n          - item\n            - item\n              - item\n                - item\n                  - item\n                    - item\n                      - item\n                        - item\n                          - item\n                            - item\n                              - item\n                                - item\n                                  - item\n                                    - item\n                                      - item\n                                        - item\n                                          - item\n                                            - item\n                                              - item\n                                                - item\n                                                  - item\n                                                    - item\n                                                      - item\n                                                        - item\n                                                          - item\n                                                            - item\n                                                              - item\n                                                                - item\n                                                                  - item\n                                                                    - item\n                                                                      - item\n                                                                        - item\n                                                                          - item\n                                                                            - item\n                                                                              - item\n                                                                                - item\n                                                                                  - item\n                                                                                    - item\n                                                                                      - item\n                                                                                        - item\n                                                                                          - item\n                                                                                            - item\n                                                                                              - item\n                                                                                                - item\n                                                                                                  - item\n", "<blockquote>\n<blockquote>\n<blockquote>\n<blockquote>\n<blockquote>\n<blockquote>\n<blockquote>\n<blockquote>\n<blockquote>\n<blockquote>\n<blockquote>\n<blockquote>\n<blockquote>\n<blockquote>\n<blockquote>\n<blockquote>\n<blockquote>\n<blockquote>\n<blockquote>\n<blockquote>\n<blockquote>\n<blockquote>\n<blockquote>\n<blockquote>\n<blockquote>\n<blockquote>\n<blockquote>\n<blockquote>\n<blockquote>\n<blockquote>\n<blockquote>\n<blockquote>\n<blockquote>\n<blockquote>\n<blockquote>\n<blockquote>\n<blockquote>\n<blockquote>\n<blockquote>\n<blockquote>\n<blockquote>\n<blockquote>\n<blockquote>\n<blockquote>\n<blockquote>\n<blockquote>\n<blockquote>\n<blockquote>\n<blockquote>\n<blockquote>\n<blockquote>\n<blockquote>\n<blockquote>\n<blockquote>\n<blockquote>\n<blockquote>\n<blockquote>\n<blockquote>\n<blockquote>\n<blockquote>\n<p>quote</p>\n</blockquote>\n</blockquote>\n</blockquote>\n</blockquote>\n</blockquote>\n</blockquote>\n</blockquote>\n</blockquote>\n</blockquote>\n</blockquote>\n</blockquote>\n</blockquote>\n</blockquote>\n</blockquote>\n</blockquote>\n</blockquote>\n</blockquote>\n</blockquote>\n</blockquote>\n</blockquote>\n</blockquote>\n</blockquote>\n</blockquote>\n</blockquote>\n</blockquote>\n</blockquote>\n</blockquote>\n</blockquote>\n</blockquote>\n</blockquote>\n</blockquote>\n</blockquote>\n</blockquote>\n</blockquote>\n</blockquote>\n</blockquote>\n</blockquote>\n</blockquote>\n</blockquote>\n</blockquote>\n</blockquote>\n</blockquote>\n</blockquote>\n</blockquote>\n</blockquote>\n</blockquote>\n</blockquote>\n</blockquote>\n</blockquote>\n</blockquote>\n</blockquote>\n</blockquote>\n</blockquote>\n</blockquote>\n</blockquote>\n</blockquote>\n</blockquote>\n</blockquote>\n</blockquote>\n</blockquote>\n<ul>\n<li>item\n<ul>\n<li>item\n<ul>\n<li>item\n<ul>\n<li>item\n<ul>\n<li>item\n<ul>\n<li>item\n<ul>\n<li>item\n<ul>\n<li>item\n<ul>\n<li>item\n<ul>\n<li>item\n<ul>\n<li>item\n<ul>\n<li>item\n<ul>\n<li>item\n<ul>\n<li>item\n<ul>\n<li>item\n<ul>\n<li>item\n<ul>\n<li>item\n<ul>\n<li>item\n<ul>\n<li>item\n<ul>\n<li>item\n<ul>\n<li>item\n<ul>\n<li>item\n<ul>\n<li>item\n<ul>\n<li>item\n<ul>\n<li>item\n<ul>\n<li>item\n<ul>\n<li>item\n<ul>\n<li>item\n<ul>\n<li>item\n<ul>\n<li>item\n<ul>\n<li>item\n<ul>\n<li>item\n<ul>\n<li>item\n<ul>\n<li>item\n<ul>\n<li>item\n<ul>\n<li>item\n<ul>\n<li>item\n<ul>\n<li>item\n<ul>\n<li>item\n<ul>\n<li>item\n<ul>\n<li>item\n<ul>\n<li>item\n<ul>\n<li>item\n<ul>\n<li>item\n<ul>\n<li>item\n<ul>\n<li>item\n<ul>\n<li>item\n<ul>\n<li>item\n<ul>\n<li>item\n<ul>\n<li>item</li>\n</ul>\n</li>\n</ul>\n</li>\n</ul>\n</li>\n</ul>\n</li>\n</ul>\n</li>\n</ul>\n</li>\n</ul>\n</li>\n</ul>\n</li>\n</ul>\n</li>\n</ul>\n</li>\n</ul>\n</li>\n</ul>\n</li>\n</ul>\n</li>\n</ul>\n</li>\n</ul>\n</li>\n</ul>\n</li>\n</ul>\n</li>\n</ul>\n</li>\n</ul>\n</li>\n</ul>\n</li>\n</ul>\n</li>\n</ul>\n</li>\n</ul>\n</li>\n</ul>\n</li>\n</ul>\n</li>\n</ul>\n</li>\n</ul>\n</li>\n</ul>\n</li>\n</ul>\n</li>\n</ul>\n</li>\n</ul>\n</li>\n</ul>\n</li>\n</ul>\n</li>\n</ul>\n</li>\n</ul>\n</li>\n</ul>\n</li>\n</ul>\n</li>\n</ul>\n</li>\n</ul>\n</li>\n</ul>\n</li>\n</ul>\n</li>\n</ul>\n</li>\n</ul>\n</li>\n</ul>\n</li>\n</ul>\n</li>\n</ul>\n</li>\n</ul>\n</li>\n</ul>\n</li>\n</ul>\n</li>\n</ul>\n", &[]),
        ("unsafe", "[x](javascript:alert(1)) [y](JaVaScRiPt:x) ![z](data:text/html,hi) [v](vbscript:x) <javascript:alert(1)> [f](file:///etc/passwd)\n\n<img src=x onerror=alert(1)>\n\n<script>alert(1)</script>\n\n[a](<../../x y.md>) [b](%2e%2e/%2e%2e/x) [c](a\\b) [d](?q) [e](sub/../../../x)\n", "<p><a href=\"#\">x</a> <a href=\"#\">y</a> <img src=\"#\" alt=\"z\"> <a href=\"#\">v</a> <a href=\"\">javascript:alert(1)</a> <a href=\"#\">f</a></p>\n<!-- raw HTML omitted -->\n<!-- raw HTML omitted -->\n<p><a href=\"#\">a</a> <a href=\"../%2e%2e/%2e%2e/x\">b</a> <a href=\"../a%5Cb\">c</a> <a href=\"?q\">d</a> <a href=\"#\">e</a></p>\n", &["a/page.md: link \"javascript:alert(1)\" uses the scheme javascript:, which is not served; use http(s) or a relative path", "a/page.md: link \"JaVaScRiPt:x\" uses the scheme javascript:, which is not served; use http(s) or a relative path", "a/page.md: image \"data:text/html,hi\" uses the scheme data:, which is not served; use http(s) or a relative path", "a/page.md: link \"vbscript:x\" uses the scheme vbscript:, which is not served; use http(s) or a relative path", "a/page.md: link \"file:///etc/passwd\" uses the scheme file:, which is not served; use http(s) or a relative path", "a/page.md: link \"../../x y.md\" leads outside docs_dir; link only to files inside the docs", "a/page.md: link \"%2e%2e/%2e%2e/x\": the target a/%2e%2e/%2e%2e/x is not among the documentation files", "a/page.md: link \"a\\\\b\": the target a/a\\b is not among the documentation files", "a/page.md: link \"sub/../../../x\" leads outside docs_dir; link only to files inside the docs"]),
        ("unterminated_fence", "```go\nfunc f() {\n\nunterminated\n", "<div class=\"doc-highlight doc-lang-go\"><pre class=\"doc-code\"><code class=\"language-go\"><span class=\"doc-hl-k\">func</span> <span class=\"doc-hl-nf\">f</span>() {\n\nunterminated\n</code></pre></div>\n", &[]),
        // Blocks inside list items and blockquotes (Go oracle output).
        ("nested_list_in_list", "- outer\n    - inner\n\n        !!! tip\n            Deep.\n\n    - inner two\n- outer two\n", "<ul>\n<li>outer\n<ul>\n<li>\n<p>inner</p>\n<div class=\"doc-admonition doc-tip\">\n<p class=\"doc-admonition-title\">Tip</p>\n<p>Deep.</p>\n</div>\n</li>\n<li>\n<p>inner two</p>\n</li>\n</ul>\n</li>\n<li>outer two</li>\n</ul>\n", &[]),
        ("nested_ordered", "1. Step one\n\n    !!! note\n        Keep the defaults.\n\n2. Step two\n", "<ol>\n<li>\n<p>Step one</p>\n<div class=\"doc-admonition doc-note\">\n<p class=\"doc-admonition-title\">Note</p>\n<p>Keep the defaults.</p>\n</div>\n</li>\n<li>\n<p>Step two</p>\n</li>\n</ol>\n", &[]),
        ("nested_quote", "> Quote\n>\n> !!! warning\n>     Careful.\n>\n> after\n\n> !!! note \"Q\"\n>     lazy\nline\n", "<blockquote>\n<p>Quote</p>\n<div class=\"doc-admonition doc-warning\">\n<p class=\"doc-admonition-title\">Warning</p>\n<p>Careful.</p>\n</div>\n<p>after</p>\n</blockquote>\n<blockquote>\n<div class=\"doc-admonition doc-note\">\n<p class=\"doc-admonition-title\">Q</p>\n<p>lazy\nline</p>\n</div>\n</blockquote>\n", &[]),
        ("nested_bullet", "- Item\n\n    !!! warning \"Careful\"\n        Hot *stuff*.\n\n        Second para.\n\n- Next\n", "<ul>\n<li>\n<p>Item</p>\n<div class=\"doc-admonition doc-warning\">\n<p class=\"doc-admonition-title\">Careful</p>\n<p>Hot <em>stuff</em>.</p>\n<p>Second para.</p>\n</div>\n</li>\n<li>\n<p>Next</p>\n</li>\n</ul>\n", &[]),
        ("nested_bad_unterminated", "- !!! note\n", "<ul>\n<li>\n<div class=\"doc-admonition doc-note\">\n<p class=\"doc-admonition-title\">Note</p>\n</div>\n</li>\n</ul>\n", &[]),
        ("nested_bad_indent", "- !!! note\n  x\n\n- > !!! warning\n  >   mis\n\n1. !!! tip\n   bad\n", "<ul>\n<li>\n<div class=\"doc-admonition doc-note\">\n<p class=\"doc-admonition-title\">Note</p>\n</div>\n<p>x</p>\n</li>\n<li>\n<blockquote>\n<div class=\"doc-admonition doc-warning\">\n<p class=\"doc-admonition-title\">Warning</p>\n</div>\n<p>mis</p>\n</blockquote>\n</li>\n</ul>\n<ol>\n<li>\n<div class=\"doc-admonition doc-tip\">\n<p class=\"doc-admonition-title\">Tip</p>\n</div>\nbad</li>\n</ol>\n", &[]),
        ("nested_bad_lazy", "??? info\n    para\n    !!! note\n\n- x\n\n    !!! note\n    y\n\n    !!! tip\n\n          indented\n", "<details class=\"doc-admonition doc-info\"><summary class=\"doc-admonition-title\">Info</summary>\n<p>para</p>\n<div class=\"doc-admonition doc-note\">\n<p class=\"doc-admonition-title\">Note</p>\n</div>\n</details>\n<ul>\n<li>\n<p>x</p>\n<div class=\"doc-admonition doc-note\">\n<p class=\"doc-admonition-title\">Note</p>\n</div>\n<p>y</p>\n<div class=\"doc-admonition doc-tip\">\n<p class=\"doc-admonition-title\">Tip</p>\n<div class=\"doc-highlight\"><pre class=\"doc-code\"><code>indented\n</code></pre></div>\n</div>\n</li>\n</ul>\n", &[]),
        ("nested_bad_pua", "- \u{e000}0\u{e000} text\n\n    !!! note\n        \u{e000}0\u{e000}\n\n# \u{e000}0\u{e000}\n\n> # \u{e000}1\u{e000}\n", "<ul>\n<li>\n<p>\u{e000}0\u{e000} text</p>\n<div class=\"doc-admonition doc-note\">\n<p class=\"doc-admonition-title\">Note</p>\n<p>\u{e000}0\u{e000}</p>\n</div>\n</li>\n</ul>\n<h1 id=\"0\">\u{e000}0\u{e000}<a class=\"doc-headerlink\" href=\"#0\" title=\"Permanent link\">¶</a></h1>\n<blockquote>\n<h1 id=\"1\">\u{e000}1\u{e000}<a class=\"doc-headerlink\" href=\"#1\" title=\"Permanent link\">¶</a></h1>\n</blockquote>\n", &[]),
        ("nested_details_tabs", "- Step\n\n    ??? info \"More\"\n        Hidden.\n\n    ???+ tip\n        Shown.\n\n- Tabs\n\n    === \"Go\"\n        go\n\n    === \"Rust\"\n        rust\n\n    text\n", "<ul>\n<li>\n<p>Step</p>\n<details class=\"doc-admonition doc-info\"><summary class=\"doc-admonition-title\">More</summary>\n<p>Hidden.</p>\n</details>\n<details class=\"doc-admonition doc-tip\" open><summary class=\"doc-admonition-title\">Tip</summary>\n<p>Shown.</p>\n</details>\n</li>\n<li>\n<p>Tabs</p>\n<div class=\"doc-tabbed\">\n<div class=\"doc-tab\"><p class=\"doc-tab-label\">Go</p>\n<p>go</p>\n</div>\n<div class=\"doc-tab\"><p class=\"doc-tab-label\">Rust</p>\n<p>rust</p>\n</div>\n</div>\n<p>text</p>\n</li>\n</ul>\n", &[]),
        ("nested_deflist", "1. First\n\n    Term\n    : hmm\n\n2. Second\n   Apple\n   :   A fruit.\n\n   Pear\n\n   :   Another.\n\n- T\n  : d\n", "<ol>\n<li>\n<p>First</p>\n<p>Term\n: hmm</p>\n</li>\n<li>\n<dl>\n<dt>Second</dt>\n<dt>Apple</dt>\n<dd>A fruit.</dd>\n<dt>Pear</dt>\n<dd>\n<p>Another.</p>\n</dd>\n</dl>\n</li>\n</ol>\n<ul>\n<li>\n<dl>\n<dt>T</dt>\n<dd>d</dd>\n</dl>\n</li>\n</ul>\n", &[]),
        ("nested_fence", "1. Step\n\n    !!! note\n        ```python\n        def f():\n            return 1\n        ```\n\n        ```\n        !!! not an admonition\n        ```\n", "<ol>\n<li>\n<p>Step</p>\n<div class=\"doc-admonition doc-note\">\n<p class=\"doc-admonition-title\">Note</p>\n<div class=\"doc-highlight doc-lang-python\"><pre class=\"doc-code\"><code class=\"language-python\"><span class=\"doc-hl-k\">def</span> <span class=\"doc-hl-nf\">f</span>():\n    <span class=\"doc-hl-k\">return</span> <span class=\"doc-hl-m\">1</span>\n</code></pre></div>\n<div class=\"doc-highlight\"><pre class=\"doc-code\"><code>!!! not an admonition\n</code></pre></div>\n</div>\n</li>\n</ol>\n", &[]),
        ("nested_refs_footnotes", "- Text[^1]\n\n    !!! note\n        See [ref][r] and [page](other.md) and [bad](/abs).\n\n> - [^1]: Nested note.\n\n[r]: https://example.com\n", "<ul>\n<li>\n<p>Text<sup id=\"fnref:1\"><a href=\"#fn:1\" class=\"footnote-ref\" role=\"doc-noteref\">1</a></sup></p>\n<div class=\"doc-admonition doc-note\">\n<p class=\"doc-admonition-title\">Note</p>\n<p>See <a href=\"https://example.com\">ref</a> and <a href=\"../other/\">page</a> and <a href=\"#\">bad</a>.</p>\n</div>\n</li>\n</ul>\n<blockquote>\n<ul>\n<li></li>\n</ul>\n</blockquote>\n<div class=\"footnotes\" role=\"doc-endnotes\">\n<hr>\n<ol>\n<li id=\"fn:1\">\n<p>Nested note.&#160;<a href=\"#fnref:1\" class=\"footnote-backref\" role=\"doc-backlink\">&#x21a9;&#xfe0e;</a></p>\n</li>\n</ol>\n</div>\n", &["a/page.md: link \"/abs\" is an absolute path; write it relative to the page (mkdocs resolves links against docs_dir)"]),
        ("nested_toc", "## Intro\n\n- item\n\n    !!! note\n        ## Inside\n\n        - deeper\n\n            !!! tip\n                ### Intro\n\n## After\n\n## Inside\n", "<h2 id=\"intro\">Intro<a class=\"doc-headerlink\" href=\"#intro\" title=\"Permanent link\">¶</a></h2>\n<ul>\n<li>\n<p>item</p>\n<div class=\"doc-admonition doc-note\">\n<p class=\"doc-admonition-title\">Note</p>\n<h2 id=\"inside\">Inside<a class=\"doc-headerlink\" href=\"#inside\" title=\"Permanent link\">¶</a></h2>\n<ul>\n<li>\n<p>deeper</p>\n<div class=\"doc-admonition doc-tip\">\n<p class=\"doc-admonition-title\">Tip</p>\n<h3 id=\"intro_1\">Intro<a class=\"doc-headerlink\" href=\"#intro_1\" title=\"Permanent link\">¶</a></h3>\n</div>\n</li>\n</ul>\n</div>\n</li>\n</ul>\n<h2 id=\"after\">After<a class=\"doc-headerlink\" href=\"#after\" title=\"Permanent link\">¶</a></h2>\n<h2 id=\"inside_1\">Inside<a class=\"doc-headerlink\" href=\"#inside_1\" title=\"Permanent link\">¶</a></h2>\n", &[]),
    ];

    #[test]
    fn same_html_as_go() {
        let mut failed = Vec::new();
        for (name, md, want, warns) in CASES {
            let r = page(md);
            if r.html != *want {
                failed.push(format!("{}:\n--- go\n{}\n--- rust\n{}", name, want, r.html));
            }
            let got: Vec<String> = r.warnings.iter().map(|w| w.to_string()).collect();
            let want_w: Vec<String> = warns.iter().map(|w| w.to_string()).collect();
            if got != want_w {
                failed.push(format!("{}: warnings {:?}, want {:?}", name, got, want_w));
            }
        }
        assert!(failed.is_empty(), "{} of {} differ:\n{}", failed.len(), CASES.len(), failed.join("\n"));
    }

    // From the Go builder's TestMarkdownExtensions.
    #[test]
    fn extensions() {
        let src = "# Title\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n```python\ndef f():\n    return 1\n```\n\n!!! note\n    Take *note*.\n\n!!! warning \"Careful now\"\n    Hot.\n\n??? tip \"More\"\n    Hidden.\n\n???+ info\n    Shown.\n\nText[^1].\n\n[^1]: The note.\n\nTerm\n:   Definition\n\n- [x] done\n- [ ] todo\n\n## Section {#custom-id}\n\n## Café & Bar\n\n## Café & Bar\n\n=== \"Go\"\n    ```go\n    fmt.Println(1)\n    ```\n=== \"Shell\"\n    echo 1\n\n<script>alert(1)</script>\n\n[x](javascript:alert(1)) ![y](data:text/html,hi)\n";
        let r = page(src);
        let c = &r.html;
        for want in [
            "<table>", "<td>1</td>",
            "<div class=\"doc-highlight doc-lang-python\"><pre class=\"doc-code\"><code class=\"language-python\">", "<span class=\"doc-hl-k\">def</span>",
            "<div class=\"doc-admonition doc-note\">\n<p class=\"doc-admonition-title\">Note</p>\n<p>Take <em>note</em>.</p>",
            "<p class=\"doc-admonition-title\">Careful now</p>",
            "<details class=\"doc-admonition doc-tip\"><summary class=\"doc-admonition-title\">More</summary>",
            "<details class=\"doc-admonition doc-info\" open>",
            "<sup id=\"fnref:1\">", "The note.",
            "<dl>", "<dt>Term</dt>", "<dd>Definition</dd>",
            "<span class=\"doc-task doc-task-done\" role=\"img\" aria-label=\"done\">☑</span> done",
            "<h2 id=\"custom-id\">Section",
            "<h2 id=\"cafe-bar\">", "<h2 id=\"cafe-bar_1\">",
            "<h1 id=\"title\">Title<a class=\"doc-headerlink\" href=\"#title\" title=\"Permanent link\">¶</a></h1>",
            "<div class=\"doc-tabbed\">\n<div class=\"doc-tab\"><p class=\"doc-tab-label\">Go</p>", "<p class=\"doc-tab-label\">Shell</p>",
            "<!-- raw HTML omitted -->",
        ] {
            assert!(c.contains(want), "lacks {}\n{}", want, c);
        }
        for bad in ["<script", "javascript:", "data:text/html"] {
            assert!(!c.contains(bad), "has {}:\n{}", bad, c);
        }
        assert_eq!(c.matches("<div class=\"doc-tabbed\">").count(), 1, "the two tabs are not one tab set");
        assert_eq!(r.h1, "Title");
        let ids: Vec<&str> = r.toc.iter().map(|h| h.id.as_str()).collect();
        assert_eq!(ids, ["custom-id", "cafe-bar", "cafe-bar_1"]);
        assert_eq!(r.toc[1].title, "Café & Bar");
    }

    // A heading in a block nested in a list item is in the TOC in document order, its
    // id unique across the page (as goldmark gives).
    #[test]
    fn nested_toc() {
        let r = page("## Intro\n\n- item\n\n    !!! note\n        ## Inside\n\n        - deeper\n\n            !!! tip\n                ### Intro\n\n## After\n\n## Inside\n");
        let toc: Vec<(u8, &str, &str)> = r.toc.iter().map(|h| (h.level, h.id.as_str(), h.title.as_str())).collect();
        assert_eq!(toc, [(2, "intro", "Intro"), (2, "inside", "Inside"), (3, "intro_1", "Intro"), (2, "after", "After"), (2, "inside_1", "Inside")]);
        // A token-like text in the source is text.
        let r = page("- \u{e000}0\u{e000}\n\n    !!! note\n        x\n\n# \u{e000}0\u{e000}\n");
        assert!(r.html.contains("<h1 id=\"0\">\u{e000}0\u{e000}<a"), "{}", r.html);
        assert_eq!(r.html.matches("doc-admonition doc-note").count(), 1);
        // Entities are decoded before the slug, as Python-Markdown does (mkdocs' own
        // docs: `#### on_&lt;event_name&gt;()` is at #on_event_name); the title keeps
        // the source text.
        let r = page("## on_&lt;event_name&gt;()\n\n## Q&amp;A\n");
        let toc: Vec<(&str, &str)> = r.toc.iter().map(|h| (h.id.as_str(), h.title.as_str())).collect();
        assert_eq!(toc, [("on_event_name", "on_&lt;event_name&gt;()"), ("qa", "Q&amp;A")]);
    }

    #[test]
    fn slugs() {
        for (i, w) in [("Café & Bar", "cafe-bar"), ("Hello, World!", "hello-world"), ("-Leading - and trailing-", "-leading-and-trailing-"),
            ("snake_case stays", "snake_case-stays"), ("Ünïcödé", "unicode"), ("日本語", ""), ("  a  b  ", "a-b"), ("v1.2 (beta)", "v12-beta")] {
            assert_eq!(slugify(i), w, "{:?}", i);
        }
    }

    // From the Go builder's TestPlainMarkdownSameHTML's second half: what linkify links.
    #[test]
    fn linkify_links() {
        for src in ["see http://example.com now", "see https://example.com", "ftp://example.com/x", "www.example.com", "mail ops@example.com"] {
            assert!(may_linkify(src), "{}", src);
            assert!(page(src).html.contains("<a href="), "{}: {}", src, page(src).html);
        }
        assert!(!may_linkify("no links here (at) all"));
    }

    #[test]
    fn urls() {
        for (t, b, w) in [("a/b/", "a/b/", "./"), ("", "a/b/", "../../"), ("x/", "", "x/"), ("img/x.png", "a/page/", "../../img/x.png"), ("a/c/", "a/b/", "../c/")] {
            assert_eq!(rel_url(t, b), w, "{} from {}", t, b);
        }
        for (v, w) in [("http://x", true), ("//cdn", true), ("mailto:a", true), ("C:/x", true), (":x", false), ("a b:c", false), ("x.md", false), ("a+b.c-d:x", true)] {
            assert_eq!(is_external(v), w, "{}", v);
        }
    }

    // Bad input: deep nesting renders without exhausting the stack (blocks deeper than
    // MAX_DEPTH stay text, where goldmark nests on), a huge line, odd bytes.
    #[test]
    fn bad_input() {
        let deep: String = (0..200).map(|i| format!("{}!!! note\n", "    ".repeat(i))).collect::<String>() + "deep\n";
        let r = page(&deep);
        assert_eq!(r.html.matches("<div class=\"doc-admonition doc-note\">").count(), MAX_DEPTH);
        let tabs: String = (0..100).map(|i| format!("{}=== \"t\"\n", "    ".repeat(i))).collect();
        let _ = page(&tabs);
        let quotes = "> ".repeat(5000) + "x\n";
        let _ = page(&quotes);
        // Blocks nested deep in quotes and lists render without exhausting the stack.
        let _ = page(&("> ".repeat(5000) + "!!! note\n" + &"> ".repeat(5000) + "    x\n"));
        let lists: String = (0..300).map(|i| format!("{}- !!! note\n", "      ".repeat(i))).collect();
        let _ = page(&lists);
        let mixed: String = (0..200).map(|i| format!("{}> 1. ??? tip\n", "        ".repeat(i))).collect();
        let _ = page(&mixed);
        for s in ["- !!!", "> !!! note\n>", "- [^x]:", "1. : x", "- x\n  : \t", "> === \"\n>     x", "-\t!!! note\n\t x", "> \u{e000}!!! note\n>     \u{e000}", "- a\n\n  Term\n  : d\n\n  : e"] {
            let _ = page(s);
        }
        let huge = "word ".repeat(20000) + "http://x.com/" + &"a".repeat(5000) + "\n";
        let r = page(&huge);
        assert!(r.html.contains(&format!("<a href=\"http://x.com/{}\">", "a".repeat(5000))));
        for s in ["", "\n", "#", "[", "[^", "[^x]:", "!!!", "\u{feff}# x", "```", "~~~\n!!! note\n", "\r\n\r\n", "a\0b", ":\t", "| a |\n|", "*\u{a0}http://x.com\u{a0}*", "é@é.é", "x@" ] {
            let _ = page(s);
        }
    }
}
