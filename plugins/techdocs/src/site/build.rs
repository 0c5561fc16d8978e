//! The build: mkdocs.yml's site_name, docs_dir and nav, every Markdown
//! file a page at a directory URL, titles, prev/next and edit links, then each page
//! rendered and the site's files written.

use super::config::{go_quote, is_external, load_config, Config, NavEntry};
use super::paths;
use super::json;
use super::markdown::{self, Links};
use super::page::{page_text, search_entries, static_page, NavCache};
use super::theme::THEME_CSS;
use super::{Error, NavItem, Options, Page, Ref, Site, METADATA_FILE, SEARCH_FILE, SITE_FILE, THEME_FILE};
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet};

/// Builds the site of a docs tree: files maps paths relative to the tree's root (where
/// mkdocs.yml is) to contents.
pub fn build(files: &BTreeMap<String, Vec<u8>>, opts: &Options) -> Result<Site, Error> {
    check_limits(files, opts)?;
    let cfg = load_config(files)?;
    let prefix = if cfg.docs_dir == "." { String::new() } else { format!("{}/", cfg.docs_dir) };
    let mut b = Builder { cfg: &cfg, prefix: &prefix, warnings: Vec::new() };
    let tree = b.split_tree(files)?;
    let (mut pages, sources) = b.pages(&tree.sources);
    let bodies = b.titles(&mut pages, &sources);

    let mut site = Site { name: cfg.site_name.clone(), description: cfg.site_description.clone(), ..Default::default() };
    let order = if cfg.has_nav {
        let (nav, order) = b.nav_from_config(&cfg.nav, &mut pages);
        site.nav = nav;
        order
    } else {
        site.nav = nav_from_files(&pages);
        (0..pages.len()).collect()
    };
    link_prev_next(&mut pages, &order);
    for p in pages.iter_mut() {
        p.edit = edit_link(&cfg, opts, &prefix, &p.src);
    }
    b.render(&mut pages, &bodies, &tree);
    drop(bodies);
    site.pages = pages;
    site.warnings = b.warnings;
    site.files = site_files(&site, tree.assets);
    site.search = search_entries(&site);
    site.files.insert(SEARCH_FILE.into(), json::search_index(&site.search));
    let mut names: Vec<String> = site.files.keys().cloned().collect();
    names.push(METADATA_FILE.into());
    names.sort();
    let meta = json::metadata(&site.name, &site.description, &opts.etag, opts.now_ms, &names);
    site.files.insert(METADATA_FILE.into(), meta);
    Ok(site)
}

/// Refuses trees with more files, or larger files, than the plugin's limits.
fn check_limits(files: &BTreeMap<String, Vec<u8>>, opts: &Options) -> Result<(), Error> {
    if opts.max_files > 0 && files.len() > opts.max_files {
        return Err(Error { msg: format!("the docs source has {} files, more than the limit of {} (plugin config maxFiles); keep only the docs in the directory that backstage.io/techdocs-ref names, or raise the limit", files.len(), opts.max_files), ..Default::default() });
    }
    if opts.max_file_size > 0 {
        for (name, content) in files {
            let n = content.len() as u64;
            if n > opts.max_file_size {
                return Err(Error { file: name.clone(), line: 0, msg: format!("the file is {} bytes, more than the limit of {} (plugin config maxFileSize); remove it from the docs or raise the limit", n, opts.max_file_size) });
            }
        }
    }
    Ok(())
}

/// docs_dir's files, relative to docs_dir: Markdown sources, other files (assets), and
/// every directory that holds one.
struct Tree<'a> {
    sources: BTreeMap<&'a str, &'a [u8]>,
    assets: BTreeMap<&'a str, &'a [u8]>,
    dirs: HashSet<String>,
}

struct Builder<'c> {
    cfg: &'c Config,
    /// docs_dir and a slash, or "" when docs_dir is the tree's root.
    prefix: &'c str,
    warnings: Vec<String>,
}

impl<'c> Builder<'c> {
    fn warn(&mut self, w: String) {
        self.warnings.push(w);
    }

    fn split_tree<'a>(&self, files: &'a BTreeMap<String, Vec<u8>>) -> Result<Tree<'a>, Error> {
        let mut t = Tree { sources: BTreeMap::new(), assets: BTreeMap::new(), dirs: HashSet::new() };
        let mut found = false;
        for (name, content) in files {
            let rel = match name.strip_prefix(self.prefix) {
                Some(r) => r,
                None => continue,
            };
            found = true;
            if hidden(rel) || self.prefix.is_empty() && (rel == "mkdocs.yml" || rel == "mkdocs.yaml") {
                continue;
            }
            let mut d = paths::dir(rel);
            // Go's loop never ends on a rooted path ("/" is its own Dir); stop there.
            while d != "." && d != "/" {
                let parent = paths::dir(&d);
                t.dirs.insert(d);
                d = parent;
            }
            if is_markdown(rel) {
                t.sources.insert(rel, content);
            } else {
                t.assets.insert(rel, content);
            }
        }
        if !found {
            let d = &self.cfg.docs_dir;
            return Err(Error { file: self.cfg.file.clone(), line: 0, msg: format!("docs_dir {} has no files; create {}/index.md or set docs_dir to the directory that holds the Markdown", go_quote(d), d) });
        }
        Ok(t)
    }

    /// The pages in nav order, with the source of each; a folder's README.md is its
    /// index when it has no index.md.
    fn pages<'a>(&mut self, sources: &BTreeMap<&'a str, &'a [u8]>) -> (Vec<Page>, Vec<&'a [u8]>) {
        let mut pages: Vec<(Page, &'a [u8])> = Vec::with_capacity(sources.len());
        for (&src, &raw) in sources {
            let (dir, base) = paths::split(src);
            if is_readme(base) && sources.contains_key(format!("{}index.md", dir).as_str()) {
                self.warn(format!("{}{}: both index.md and README.md are in {}; index.md is the folder's page and README.md is left out", self.prefix, src, go_quote(dir.strip_suffix('/').unwrap_or(dir))));
                continue;
            }
            pages.push((Page { src: src.to_string(), url: page_url(src), ..Default::default() }, raw));
        }
        // Sources come sorted, and the sort is stable, as Go's sort.SliceStable.
        pages.sort_by(|a, b| nav_cmp(&a.0.src, &b.0.src));
        pages.into_iter().unzip()
    }

    /// Titles: nav label (later), then front matter, then a first line "# ", then the
    /// file name. Returns each page's text (invalid UTF-8 replaced) and where its body
    /// starts after the front matter.
    fn titles<'a>(&mut self, pages: &mut [Page], sources: &[&'a [u8]]) -> Vec<(Cow<'a, str>, usize)> {
        let mut bodies = Vec::with_capacity(pages.len());
        for (p, raw) in pages.iter_mut().zip(sources) {
            let text = match std::str::from_utf8(raw) {
                Ok(s) => Cow::Borrowed(s),
                Err(_) => {
                    self.warn(format!("{}{}: not valid UTF-8; invalid bytes are shown as U+FFFD. Save the file as UTF-8", self.prefix, p.src));
                    Cow::Owned(to_valid_utf8(raw))
                }
            };
            let (title, body_start) = front_matter(&text);
            let body = &text[body_start..];
            p.title = match title.as_deref().map(str::trim) {
                Some(t) if !t.is_empty() => t.to_string(),
                _ => {
                    let t = first_line_title(body);
                    if t.is_empty() {
                        file_title(p)
                    } else {
                        t
                    }
                }
            };
            bodies.push((text, body_start));
        }
        bodies
    }

    /// Resolves mkdocs.yml's nav; returns the nav and its pages (indexes) in order.
    fn nav_from_config(&mut self, entries: &[NavEntry], pages: &mut [Page]) -> (Vec<NavItem>, Vec<usize>) {
        let by_src: HashMap<String, usize> = pages.iter().enumerate().map(|(i, p)| (p.src.clone(), i)).collect();
        let mut order = Vec::new();
        let mut nav = self.nav_walk(entries, pages, &by_src, &mut order);
        // Nav labels may have changed titles: refresh the items (the last page in order
        // with an item's URL gives its title, as Go's loop over the order does).
        let mut titles: HashMap<&str, &str> = HashMap::with_capacity(order.len());
        for &i in &order {
            titles.insert(&pages[i].url, &pages[i].title);
        }
        fix_titles(&mut nav, &titles);
        (nav, order)
    }

    fn nav_walk(&mut self, es: &[NavEntry], pages: &mut [Page], by_src: &HashMap<String, usize>, order: &mut Vec<usize>) -> Vec<NavItem> {
        let mut out = Vec::with_capacity(es.len());
        for e in es {
            if e.section {
                let children = self.nav_walk(&e.children, pages, by_src, order);
                out.push(NavItem { title: e.title.clone(), children: Some(children), ..Default::default() });
            } else if !e.url.is_empty() {
                let title = if e.title.is_empty() { e.url.clone() } else { e.title.clone() };
                out.push(NavItem { title, url: e.url.clone(), external: true, children: None });
            } else {
                let src = paths::clean(e.path.strip_prefix("./").unwrap_or(&e.path));
                let i = match by_src.get(&src) {
                    Some(&i) => i,
                    None => {
                        let dir = self.prefix.strip_suffix('/').unwrap_or(self.prefix);
                        self.warn(format!("{}:{}: nav names {}, which is not among the documentation files in {}; fix the path (relative to docs_dir) or add the file", self.cfg.file, e.line, go_quote(&e.path), dir));
                        continue;
                    }
                };
                if !e.title.is_empty() {
                    pages[i].title = e.title.clone();
                }
                order.push(i);
                out.push(NavItem { title: pages[i].title.clone(), url: pages[i].url.clone(), ..Default::default() });
            }
        }
        out
    }

    /// Renders each page's Markdown, its text and sections for search.
    fn render(&mut self, pages: &mut [Page], bodies: &[(Cow<str>, usize)], tree: &Tree) {
        let by_src: HashMap<String, String> = pages.iter().map(|p| (p.src.clone(), p.url.clone())).collect();
        let assets: HashSet<String> = tree.assets.keys().map(|k| k.to_string()).collect();
        let links = Links { pages: &by_src, dirs: &tree.dirs, assets: &assets };
        for (p, (text, start)) in pages.iter_mut().zip(bodies) {
            let r = markdown::render(&text[*start..], &p.src, &p.url, &links);
            p.html = r.html;
            p.toc = r.toc;
            // The text leaves out the headings' ¶ permalinks, as mkdocs' index has no such marks.
            let (t, sections) = page_text(p.html.as_bytes(), &p.toc);
            p.text = t;
            p.sections = sections;
            for w in r.warnings {
                let w = if self.cfg.docs_dir == "." { w } else { format!("{}/{}", self.cfg.docs_dir, w) };
                self.warn(w);
            }
        }
    }
}

fn fix_titles(items: &mut [NavItem], titles: &HashMap<&str, &str>) {
    for it in items.iter_mut() {
        match &mut it.children {
            Some(children) => fix_titles(children, titles),
            None if !it.external => {
                if let Some(t) = titles.get(it.url.as_str()) {
                    it.title = t.to_string();
                }
            }
            None => {}
        }
    }
}

/// mkdocs' nav without a nav key: every page in order, folders as sections titled after
/// the folder.
fn nav_from_files(pages: &[Page]) -> Vec<NavItem> {
    // An arena of sections: each section's items are pages or other sections.
    enum Entry {
        Page(usize),
        Section(usize),
    }
    let mut sections: Vec<(String, Vec<Entry>)> = vec![(String::new(), Vec::new())];
    let mut by_dir: HashMap<String, usize> = HashMap::new();
    by_dir.insert(String::new(), 0);
    for (i, p) in pages.iter().enumerate() {
        let dir = paths::dir(&p.src);
        let dir = if dir == "." || dir == "/" { String::new() } else { dir };
        let s = section_of(&dir, &mut sections, &mut by_dir);
        sections[s].1.push(Entry::Page(i));
    }
    fn section_of(dir: &str, sections: &mut Vec<(String, Vec<Entry>)>, by_dir: &mut HashMap<String, usize>) -> usize {
        if let Some(&s) = by_dir.get(dir) {
            return s;
        }
        // The first missing ancestor is created first, as Go's recursion does.
        // Go recurses forever on a rooted path ("/" is its own parent); "/" is the root here.
        let parent_dir = {
            let p = paths::dir(dir);
            if p == "." || p == "/" || p == dir {
                String::new()
            } else {
                p
            }
        };
        let parent = section_of(&parent_dir, sections, by_dir);
        let s = sections.len();
        sections.push((dir_title(paths::base(dir)), Vec::new()));
        by_dir.insert(dir.to_string(), s);
        sections[parent].1.push(Entry::Section(s));
        s
    }
    fn items(s: usize, sections: &mut Vec<(String, Vec<Entry>)>, pages: &[Page]) -> Vec<NavItem> {
        let entries = std::mem::take(&mut sections[s].1);
        let mut out = Vec::with_capacity(entries.len());
        for e in entries {
            out.push(match e {
                Entry::Page(i) => NavItem { title: pages[i].title.clone(), url: pages[i].url.clone(), ..Default::default() },
                Entry::Section(c) => {
                    let title = std::mem::take(&mut sections[c].0);
                    NavItem { title, children: Some(items(c, sections, pages)), ..Default::default() }
                }
            });
        }
        out
    }
    items(0, &mut sections, pages)
}

fn link_prev_next(pages: &mut [Page], order: &[usize]) {
    for (k, &i) in order.iter().enumerate() {
        let prev = if k > 0 { Some(reference(&pages[order[k - 1]])) } else { None };
        let next = order.get(k + 1).map(|&n| reference(&pages[n]));
        if prev.is_some() {
            pages[i].prev = prev;
        }
        if next.is_some() {
            pages[i].next = next;
        }
    }
}

fn reference(p: &Page) -> Ref {
    Ref { url: p.url.clone(), title: p.title.clone() }
}

/// The page's edit link: EditBase, else mkdocs' repo_url and edit_uri (edit_uri is
/// relative to repo_url and points at docs_dir), else EditURL.
fn edit_link(cfg: &Config, opts: &Options, prefix: &str, src: &str) -> String {
    if !opts.edit_base.is_empty() {
        return format!("{}{}{}", opts.edit_base, prefix, src);
    }
    if !cfg.repo_url.is_empty() && !cfg.edit_uri.is_empty() && is_external(&cfg.repo_url) {
        let repo = cfg.repo_url.strip_suffix('/').unwrap_or(&cfg.repo_url);
        return format!("{}/{}/{}", repo, cfg.edit_uri.trim_matches('/'), src);
    }
    opts.edit_url.clone()
}

/// The site's files but the search index and metadata: assets, the theme, each page's
/// index.html and techdocs_site.json.
fn site_files(site: &Site, assets: BTreeMap<&str, &[u8]>) -> BTreeMap<String, Vec<u8>> {
    let mut files: BTreeMap<String, Vec<u8>> = assets.into_iter().map(|(k, v)| (k.to_string(), v.to_vec())).collect();
    files.insert(THEME_FILE.into(), THEME_CSS.as_bytes().to_vec());
    let mut navs = NavCache::default();
    for p in &site.pages {
        files.insert(format!("{}index.html", p.url), static_page(site, p, &mut navs));
    }
    files.insert(SITE_FILE.into(), json::site_json(site));
    files
}

/// Orders docs paths as mkdocs does: by path segments, a folder's index (or README)
/// first.
pub fn nav_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    if nav_less(a, b) {
        Ordering::Less
    } else if nav_less(b, a) {
        Ordering::Greater
    } else {
        Ordering::Equal
    }
}

pub fn nav_less(a: &str, b: &str) -> bool {
    let (na, nb) = (a.split('/').count(), b.split('/').count());
    for (i, (x, y)) in a.split('/').zip(b.split('/')).enumerate() {
        if x == y {
            continue;
        }
        let xi = is_index(x) && i == na - 1;
        let yi = is_index(y) && i == nb - 1;
        if xi != yi {
            return xi;
        }
        return x < y;
    }
    na < nb
}

fn is_index(name: &str) -> bool {
    name == "index.md" || is_readme(name)
}

/// strings.EqualFold(name, "README.md"): no letter of README.md has a non-ASCII fold.
fn is_readme(name: &str) -> bool {
    name.eq_ignore_ascii_case("README.md")
}

fn is_markdown(p: &str) -> bool {
    let l = p.to_lowercase();
    l.ends_with(".md") || l.ends_with(".markdown")
}

fn hidden(rel: &str) -> bool {
    rel.split('/').any(|s| s.starts_with('.'))
}

/// The page's URL under use_directory_urls: x.md at x/, a folder's index.md or
/// README.md at the folder.
pub fn page_url(src: &str) -> String {
    let (dir, base) = paths::split(src);
    if base == "index.md" || is_readme(base) {
        return dir.to_string();
    }
    format!("{}{}/", dir, stem(base))
}

/// The name without its extension-len(path.Ext(base))]).
fn stem(base: &str) -> &str {
    match base.rfind('.') {
        Some(i) => &base[..i],
        None => base,
    }
}

fn file_title(p: &Page) -> String {
    if p.url.is_empty() {
        return "Home".into();
    }
    let base = paths::base(&p.src);
    if is_index(base) {
        return dir_title("index");
    }
    dir_title(stem(base))
}

/// mkdocs' title from a file or folder name: - and _ become spaces, and an all-lower-case
/// name is capitalised, its first character upper-cased (élan is Élan, as in mkdocs).
pub fn dir_title(name: &str) -> String {
    let t = name.replace(|c| c == '-' || c == '_', " ");
    let lower = t.chars().all(|c| {
        let mut l = c.to_lowercase();
        l.next() == Some(c) && l.next().is_none()
    });
    let mut chars = t.chars();
    match chars.next() {
        Some(first) if lower => first.to_uppercase().chain(chars).collect(),
        _ => t,
    }
}

/// Splits YAML front matter (between --- lines at the top) from the body: the title it
/// gives (None when it gives none or is not valid), and where the body starts.
pub fn front_matter(text: &str) -> (Option<String>, usize) {
    if !text.starts_with("---\n") && !text.starts_with("---\r\n") {
        return (None, 0);
    }
    let rest_start = text.find('\n').map_or(text.len(), |i| i + 1);
    let rest = &text[rest_start..];
    let mut off = 0;
    while off < rest.len() {
        let nl = rest[off..].find('\n');
        let line = match nl {
            Some(n) => &rest[off..off + n],
            None => &rest[off..],
        };
        let l = line.trim_end_matches(|c| c == '\r' || c == ' ');
        if l == "---" || l == "..." {
            return match super::config::front_matter_title(&rest[..off]) {
                Err(()) => (None, 0),
                Ok(title) => (title, nl.map_or(text.len(), |n| rest_start + off + n + 1)),
            };
        }
        match nl {
            None => break,
            Some(n) => off += n + 1,
        }
    }
    (None, 0)
}

/// mkdocs' get_markdown_title: the first line with content, when it starts with "# ",
/// without its leading #s and spaces. Lines end at \n, \r\n or \r. It reads the body in
/// place.
pub fn first_line_title(body: &str) -> String {
    for line in body.split(|c| c == '\r' || c == '\n') {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        if !line.starts_with("# ") {
            return String::new();
        }
        return line.trim_start_matches(|c| c == '#' || c == ' ').to_string();
    }
    String::new()
}

/// Go's bytes.ToValidUTF8(raw, "\uFFFD"): each run of invalid bytes becomes one U+FFFD.
pub fn to_valid_utf8(raw: &[u8]) -> String {
    let mut out = String::with_capacity(raw.len() + 16);
    let mut rest = raw;
    let mut invalid = false;
    while !rest.is_empty() {
        match std::str::from_utf8(rest) {
            Ok(s) => {
                out.push_str(s);
                break;
            }
            Err(e) => {
                let good = e.valid_up_to();
                if good > 0 {
                    // Safe: from_utf8 vouched for these bytes.
                    out.push_str(std::str::from_utf8(&rest[..good]).unwrap_or(""));
                    invalid = false;
                }
                if !invalid {
                    out.push('\u{FFFD}');
                    invalid = true;
                }
                let bad = e.error_len().unwrap_or(rest.len() - good);
                rest = &rest[good + bad..];
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::page::content;
    use super::super::SearchEntry;
    use super::*;

    fn tree(kv: &[(&str, &[u8])]) -> BTreeMap<String, Vec<u8>> {
        kv.iter().map(|(k, v)| (k.to_string(), v.to_vec())).collect()
    }

    fn build_ok(files: &BTreeMap<String, Vec<u8>>) -> Site {
        build(files, &Options { etag: "e1".into(), now_ms: 1700000000000, ..Default::default() }).unwrap_or_else(|e| panic!("{}", e))
    }

    fn page<'a>(s: &'a Site, url: &str) -> &'a Page {
        s.pages.iter().find(|p| p.url == url).unwrap_or_else(|| panic!("no page at {:?}", url))
    }

    fn nav_string(items: &[NavItem]) -> String {
        let parts: Vec<String> = items
            .iter()
            .map(|it| match &it.children {
                Some(c) => format!("{}[{}]", it.title, nav_string(c)),
                None if it.external => format!("{}->{}", it.title, it.url),
                None => format!("{}={}", it.title, it.url),
            })
            .collect();
        parts.join(" ")
    }

    fn rules_tree() -> BTreeMap<String, Vec<u8>> {
        tree(&[
            ("mkdocs.yml", b"site_name: Payments\nsite_description: How we take money\nrepo_url: https://github.com/acme/pay/\nedit_uri: edit/main/docs/\nmarkdown_extensions:\n  - pymdownx.emoji:\n      emoji_index: !!python/name:material.extensions.emoji.twemoji\nnav:\n  - Home: index.md\n  - guide/setup.md\n  - Guide:\n    - Usage: guide/usage.md\n    - API docs: https://example.com/api\n"),
            ("docs/index.md", b"# Welcome\n\nHello."),
            ("docs/guide/setup.md", b"---\ntitle: Setting up\n---\n# Setup heading\n"),
            ("docs/guide/usage.md", b"Some text\n# Not a first line title\n"),
            ("docs/guide/README.md", b"# Guide readme\n"),
            ("docs/ops/runbook_on-call.md", b"no heading"),
            ("docs/ops/index.md", b"# Ops\n"),
            ("docs/ops/README.md", b"# ignored: index.md wins\n"),
            ("docs/img/logo.png", b"\x89PNG"),
            ("docs/.hidden.md", b"# hidden"),
        ])
    }

    /// The page set, URLs, titles and nav follow mkdocs' own rules.
    #[test]
    fn mkdocs_rules() {
        let s = build_ok(&rules_tree());
        let want = [
            ("", "Home"),                                // nav label
            ("guide/setup/", "Setting up"),              // front matter
            ("guide/usage/", "Usage"),                   // nav label over file name
            ("guide/", "Guide readme"),                  // README.md is the folder's index
            ("ops/runbook_on-call/", "Runbook on call"), // file name
            ("ops/", "Ops"),                             // first line
        ];
        assert_eq!(s.pages.len(), want.len(), "every Markdown file, nav or not; README beside index.md and dot files left out");
        for (url, title) in want {
            assert_eq!(page(&s, url).title, title, "{:?}", url);
        }
        assert_eq!(nav_string(&s.nav), "Home= Setting up=guide/setup/ Guide[Usage=guide/usage/ API docs->https://example.com/api]");
        let p = page(&s, "guide/setup/");
        assert_eq!(p.edit, "https://github.com/acme/pay/edit/main/docs/guide/setup.md");
        assert_eq!(p.prev.as_ref().map(|r| r.url.as_str()), Some(""));
        assert_eq!(p.next.as_ref().map(|r| r.url.as_str()), Some("guide/usage/"));
        for f in ["index.html", "guide/setup/index.html", "ops/runbook_on-call/index.html", "img/logo.png", METADATA_FILE, SITE_FILE, SEARCH_FILE, THEME_FILE] {
            assert!(s.files.contains_key(f), "no file {}", f);
        }
        assert_eq!(s.warnings, vec![r#"docs/ops/README.md: both index.md and README.md are in "ops"; index.md is the folder's page and README.md is left out"#]);
        let meta = String::from_utf8(s.files[METADATA_FILE].clone()).unwrap();
        let names: Vec<String> = s.files.keys().map(|k| format!("{:?}", k)).collect();
        assert_eq!(meta, format!(r#"{{"site_name":"Payments","site_description":"How we take money","etag":"e1","build_timestamp":1700000000000,"files":[{}]}}"#, names.join(",")));
        // Front matter is stripped.
        let c = content(&s.files["guide/setup/index.html"]).unwrap();
        assert!(!String::from_utf8_lossy(c).contains("title: Setting up"));
        // No nav: every page, sorted, index first, folders as sections.
        let s = build_ok(&tree(&[("mkdocs.yaml", b"site_name: x"), ("docs/b.md", b"b"), ("docs/index.md", b"i"), ("docs/a-folder/z.md", b"z"), ("docs/a-folder/index.md", b"# A index")]));
        assert_eq!(nav_string(&s.nav), "Home= A folder[A index=a-folder/ Z=a-folder/z/] B=b/");
        let order: Vec<(&str, Option<&str>, Option<&str>)> = s.pages.iter().map(|p| (p.url.as_str(), p.prev.as_ref().map(|r| r.url.as_str()), p.next.as_ref().map(|r| r.url.as_str()))).collect();
        assert_eq!(order, vec![("", None, Some("a-folder/")), ("a-folder/", Some(""), Some("a-folder/z/")), ("a-folder/z/", Some("a-folder/"), Some("b/")), ("b/", Some("a-folder/z/"), None)]);
    }

    /// techdocs_site.json as Go writes it for the rules tree (the toc and the page
    /// content come from the Markdown renderer, so a page without headings is used).
    #[test]
    fn site_json_as_go() {
        let s = build_ok(&tree(&[
            ("mkdocs.yml", b"site_name: A <&> B\nnav:\n  - index.md\n  - S:\n    - x.md\n    - Ext: //example.com/?a&b\n  - Empty: []\n"),
            ("docs/index.md", b"Hi"),
            ("docs/x.md", b"---\ntitle: \"X \\u2028 \\\"q\\\"\"\n---\ntext"),
        ]));
        let got = String::from_utf8(s.files[SITE_FILE].clone()).unwrap();
        assert_eq!(got, r#"{"site_name":"A \u003c\u0026\u003e B","site_description":"","nav":[{"title":"Home"},{"title":"S","children":[{"title":"X \u2028 \"q\"","url":"x/"},{"title":"Ext","url":"//example.com/?a\u0026b","external":true}]},{"title":"Empty"}],"pages":[{"src":"index.md","url":"","title":"Home","next":{"url":"x/","title":"X \u2028 \"q\""}},{"src":"x.md","url":"x/","title":"X \u2028 \"q\"","prev":{"url":"","title":"Home"}}]}"#);
        // A site without pages has "pages":null, as Go's nil slice.
        let s = build_ok(&tree(&[("mkdocs.yml", b"site_name: x"), ("docs/a.png", b"png")]));
        assert!(String::from_utf8(s.files[SITE_FILE].clone()).unwrap().contains(r#""nav":[],"pages":null}"#));
        assert_eq!(String::from_utf8(s.files[SEARCH_FILE].clone()).unwrap(), r#"{"config":{"lang":["en"],"separator":"[\\s\\-]+"},"docs":[]}"#);
    }

    /// Each bad docs tree gets an error that names the file (and line) and the fix
    ///.
    #[test]
    fn bad_input() {
        let mut many = tree(&[("mkdocs.yml", b"site_name: x")]);
        for i in 0..60 {
            many.insert(format!("docs/p{}.md", i), b"# p".to_vec());
        }
        let big = "x".repeat(2048);
        let cases: Vec<(&str, BTreeMap<String, Vec<u8>>, Options, &str)> = vec![
            ("no mkdocs.yml", tree(&[("docs/index.md", b"# x")]), Options::default(), "Could not read MkDocs YAML config file mkdocs.yml or mkdocs.yaml for validation: neither file is at the root of the docs source"),
            ("no site_name", tree(&[("mkdocs.yml", b"nav: []"), ("docs/index.md", b"x")]), Options::default(), "mkdocs.yml:1: site_name is required"),
            ("not YAML", tree(&[("mkdocs.yml", b"site_name: ["), ("docs/index.md", b"x")]), Options::default(), "mkdocs.yml: not valid YAML"),
            ("not a mapping", tree(&[("mkdocs.yaml", b"- a"), ("docs/index.md", b"x")]), Options::default(), "mkdocs.yaml:1: the file must be a mapping"),
            ("absolute docs_dir", tree(&[("mkdocs.yml", b"site_name: x\ndocs_dir: /etc"), ("docs/index.md", b"x")]), Options::default(), r#"mkdocs.yml:2: docs_dir "/etc": docs_dir configuration value in mkdocs can't be an absolute directory or start with ../ for security reasons."#),
            ("docs_dir up", tree(&[("mkdocs.yml", b"site_name: x\ndocs_dir: docs/../../secrets"), ("docs/index.md", b"x")]), Options::default(), r#"mkdocs.yml:2: docs_dir "docs/../../secrets": docs_dir configuration value in mkdocs can't be an absolute directory or start with ../"#),
            ("empty docs_dir", tree(&[("mkdocs.yml", b"site_name: x\ndocs_dir: site"), ("docs/index.md", b"x")]), Options::default(), r#"mkdocs.yml: docs_dir "site" has no files; create site/index.md"#),
            ("bad nav", tree(&[("mkdocs.yml", b"site_name: x\nnav: {a: b}"), ("docs/index.md", b"x")]), Options::default(), "mkdocs.yml:2: nav must be a list"),
            ("too many files", many, Options { max_files: 50, ..Default::default() }, "the docs source has 61 files, more than the limit of 50 (plugin config maxFiles)"),
            ("a large file", tree(&[("mkdocs.yml", b"site_name: x"), ("docs/index.md", b"x"), ("docs/big.bin", big.as_bytes())]), Options { max_file_size: 1024, ..Default::default() }, "docs/big.bin: the file is 2048 bytes, more than the limit of 1024 (plugin config maxFileSize)"),
            ("invalid UTF-8 mkdocs.yml", tree(&[("mkdocs.yml", b"site_name: \xff"), ("docs/index.md", b"x")]), Options::default(), "mkdocs.yml: not valid YAML"),
        ];
        for (name, files, opts, want) in cases {
            match build(&files, &opts) {
                Ok(_) => panic!("{}: built, want {:?}", name, want),
                Err(e) => assert!(e.text().contains(want), "{}: {}, want {:?}", name, e, want),
            }
        }
    }

    /// Problems that mkdocs builds past are warnings naming the file and the fix.
    #[test]
    fn bad_input_warnings() {
        let s = build_ok(&bad_tree());
        for want in [
            r#"mkdocs.yml:4: nav names "missing.md", which is not among the documentation files in docs; fix the path (relative to docs_dir) or add the file"#,
            "docs/index.md: not valid UTF-8; invalid bytes are shown as U+FFFD. Save the file as UTF-8",
        ] {
            assert!(s.warnings.iter().any(|w| w == want), "warnings lack {}:\n{:?}", want, s.warnings);
        }
        assert!(!s.files.contains_key("secret.txt"), "a file outside docs_dir is in the site");
        assert_eq!(nav_string(&s.nav), "Home=");
        assert_eq!(s.pages.len(), 2, "a missing nav file is left out, every Markdown file is a page");
        assert!(s.pages[0].text.contains("bad \u{FFFD} byte"));
    }

    fn bad_tree() -> BTreeMap<String, Vec<u8>> {
        tree(&[
            ("mkdocs.yml", b"site_name: x\nnav:\n  - index.md\n  - Gone: missing.md\n"),
            ("docs/index.md", b"[up](../../etc/passwd) ![abs](/etc/passwd) [win](C:/x) [missing](nope.md) [ok](sub/)\n\nbad \xff byte"),
            ("docs/sub/index.md", b"# Sub"),
            ("secret.txt", b"outside docs_dir"),
        ])
    }

    /// The link warnings and rewrites of TestBadInputWarnings, which need the ported
    /// Markdown renderer.
    #[test]
    fn bad_input_warnings_with_markdown() {
        let s = build_ok(&bad_tree());
        for want in [
            r#"docs/index.md: link "../../etc/passwd" leads outside docs_dir; link only to files inside the docs"#,
            r#"docs/index.md: image "/etc/passwd" is an absolute path; write it relative to the page"#,
            r#"docs/index.md: link "C:/x" uses the scheme c:, which is not served"#,
            r#"docs/index.md: link "nope.md": the target nope.md is not among the documentation files"#,
        ] {
            assert!(s.warnings.iter().any(|w| w.contains(want)), "warnings lack {}:\n{:?}", want, s.warnings);
        }
        let c = String::from_utf8_lossy(content(&s.files["index.html"]).unwrap()).into_owned();
        for want in [r##"<a href="#">up</a>"##, r##"<img src="#" alt="abs">"##, r#"<a href="sub/">ok</a>"#, "bad \u{FFFD} byte"] {
            assert!(c.contains(want), "page lacks {}:\n{}", want, c);
        }
        assert!(!c.contains("etc/passwd\""));
    }

    /// The search index holds each page with its whole text, then one entry per heading
    ///.
    #[test]
    fn search_sections_with_markdown() {
        let s = build_ok(&tree(&[
            ("mkdocs.yml", b"site_name: S\n"),
            ("docs/index.md", b"Before.\n\n# Home\n\nHi &amp; welcome.\n"),
            ("docs/guide.md", b"# Guide\n\nIntro text.\n\n## Install it\n\nRun `go`.\n\n### Deep {#custom}\n\nMore.\n"),
        ]));
        let e = |l: &str, t: &str, x: &str| SearchEntry { location: l.into(), title: t.into(), text: x.into() };
        let want = vec![
            e("", "Home", "Before. Home Hi & welcome."),
            e("#home", "Home", "Hi & welcome."),
            e("guide/", "Guide", "Guide Intro text. Install it Run go . Deep More."),
            e("guide/#guide", "Guide", "Intro text."),
            e("guide/#install-it", "Install it", "Run go ."),
            e("guide/#custom", "Deep", "More."),
        ];
        assert_eq!(s.search, want);
    }

    /// Relative links are rewritten as mkdocs rewrites them.
    #[test]
    fn links_with_markdown() {
        let s = build_ok(&tree(&[
            ("mkdocs.yml", b"site_name: x\n"),
            ("docs/index.md", b"[setup](guide/setup.md) [anchor](guide/setup.md#install) ![logo](img/logo.png) [web](https://example.com) [mail](mailto:a@b.c) [here](#top)"),
            ("docs/guide/setup.md", b"[home](../index.md) [other](../other.md) [sib](usage.md) ![logo](../img/logo.png) [dir](./)"),
            ("docs/guide/usage.md", b"u"),
            ("docs/other.md", b"o"),
            ("docs/img/logo.png", b"png"),
        ]));
        for (url, want) in [
            ("", r#"href="guide/setup/""#),
            ("", r#"href="guide/setup/#install""#),
            ("", r#"src="img/logo.png""#),
            ("", r#"href="https://example.com""#),
            ("", r#"href="mailto:a@b.c""#),
            ("", r##"href="#top""##),
            ("guide/setup/", r#"href="../../""#),
            ("guide/setup/", r#"href="../../other/""#),
            ("guide/setup/", r#"href="../usage/""#),
            ("guide/setup/", r#"src="../../img/logo.png""#),
        ] {
            let c = String::from_utf8_lossy(content(&s.files[&format!("{}index.html", url)]).unwrap()).into_owned();
            assert!(c.contains(want), "page {:?} lacks {}:\n{}", url, want, c);
        }
        let c = content(&s.files["guide/setup/index.html"]).unwrap();
        let r = String::from_utf8(super::super::page::for_reader(c, "guide/setup/", "/docs/default/component/x/", "/api/techdocs/static/docs/default/component/x/")).unwrap();
        for want in [r#"src="/api/techdocs/static/docs/default/component/x/img/logo.png""#, r#"href="/docs/default/component/x/guide/usage/""#, r#"href="/docs/default/component/x/""#, r#"href="/docs/default/component/x/other/""#, r#"href="/docs/default/component/x/guide/""#] {
            assert!(r.contains(want), "reader lacks {}: {}", want, r);
        }
        assert!(!r.contains("=\"../"), "reader: {}", r);
    }

    #[test]
    fn first_line_titles() {
        for (input, want) in [
            ("# Title\nbody", "Title"),
            ("\n\n  # Spaced  \n", "Spaced"),
            ("\r\n\r\n# CRLF\r\nx", "CRLF"),
            ("\r\r# CR\rx", "CR"),
            ("#NoSpace\n", ""),
            ("## Two\n", ""),
            ("text\n# Later\n", ""),
            ("", ""),
            ("   \n\t\n", ""),
            ("# ## #Hashes#", "Hashes#"),
            ("\u{a0}# NBSP\n", "NBSP"),
            ("# Café\u{2003}", "Café"),
        ] {
            assert_eq!(first_line_title(input), want, "{:?}", input);
        }
    }

    #[test]
    fn front_matter_split() {
        for (input, title, body) in [
            ("---\ntitle: T\n---\nbody", Some("T"), "body"),
            ("---\r\ntitle: T\r\n...  \r\nbody", Some("T"), "body"),
            ("---\ntitle: T\n---", Some("T"), ""),
            ("---\ntitle: T\n", None, "---\ntitle: T\n"),
            ("---\n- a\n---\nbody", None, "---\n- a\n---\nbody"),
            ("---\n---\nbody", None, "body"),
            ("--- \ntitle: T\n---\nbody", None, "--- \ntitle: T\n---\nbody"),
            ("x\n---\ntitle: T\n---\n", None, "x\n---\ntitle: T\n---\n"),
        ] {
            let (t, start) = front_matter(input);
            assert_eq!((t.as_deref(), &input[start..]), (title, body), "{:?}", input);
        }
    }

    #[test]
    fn names() {
        for (src, url) in [("index.md", ""), ("README.md", ""), ("readme.MD", ""), ("a/index.md", "a/"), ("a/b.md", "a/b/"), ("a/b.markdown", "a/b/"), ("a.b.md", "a.b/"), ("INDEX.md", "INDEX/")] {
            assert_eq!(page_url(src), url, "{}", src);
        }
        for (name, want) in [("runbook_on-call", "Runbook on call"), ("CamelCase", "CamelCase"), ("", ""), ("a", "A"), ("9lives", "9lives"), ("élan", "Élan"), ("über_uns", "Über uns")] {
            assert_eq!(dir_title(name), want, "{}", name);
        }
        let mut v = vec!["b.md", "a/z.md", "index.md", "a/index.md", "a/README.md", "a/b/c.md", "A.md", "a.md"];
        v.sort_by(|a, b| nav_cmp(a, b));
        assert_eq!(v, vec!["index.md", "A.md", "a/README.md", "a/index.md", "a/b/c.md", "a/z.md", "a.md", "b.md"]);
        assert_eq!(to_valid_utf8(b"a\xff\xfeb\xe2\x82c\xf0\x9f\x98"), "a\u{FFFD}b\u{FFFD}c\u{FFFD}");
        assert!(hidden("a/.git/x") && !hidden("a/b.c"));
        assert!(is_markdown("A.MD") && is_markdown("x.Markdown") && !is_markdown("x.mdx"));
    }

    /// Edit links: EditBase, then repo_url and edit_uri, then EditURL.
    #[test]
    fn edit_links() {
        let files = tree(&[("mkdocs.yml", b"site_name: x\nrepo_url: https://git/r//\nedit_uri: /edit/main/docs//\n"), ("docs/a.md", b"a")]);
        let s = build(&files, &Options { edit_base: "https://b/".into(), edit_url: "https://u".into(), ..Default::default() }).unwrap();
        assert_eq!(s.pages[0].edit, "https://b/docs/a.md");
        let s = build(&files, &Options { edit_url: "https://u".into(), ..Default::default() }).unwrap();
        assert_eq!(s.pages[0].edit, "https://git/r//edit/main/docs/a.md");
        let files = tree(&[("mkdocs.yml", b"site_name: x\nrepo_url: git/r\nedit_uri: e\ndocs_dir: .\n"), ("a.md", b"a")]);
        let s = build(&files, &Options { edit_url: "https://u".into(), ..Default::default() }).unwrap();
        assert_eq!(s.pages[0].edit, "https://u");
        assert_eq!(s.pages[0].src, "a.md");
    }

    /// Odd trees build without a panic.
    #[test]
    fn no_panics() {
        let odd: Vec<BTreeMap<String, Vec<u8>>> = vec![
            tree(&[("mkdocs.yml", b"site_name: x\ndocs_dir: ."), ("/abs/x.md", b"# x"), ("a//b.md", b"b"), ("../up.md", b"u"), ("c/./d.md", b"d")]),
            tree(&[("mkdocs.yml", b"site_name: x\nnav:\n  - \n  - ./a.md\n  - a.md\n  - X: a.md\n  - S: []\n"), ("docs/a.md", b"---\n"), ("docs/a/index.md", b"---\n---\n"), ("docs/b.md", b"\xff\xfe")]),
            tree(&[("mkdocs.yml", b"site_name: &a x\nsite_description: *a\n"), ("docs/x.md", b"")]),
            tree(&[("mkdocs.yml", b"site_name: x\nnav: ["), ("docs/x.md", b"")]),
            tree(&[("mkdocs.yml", b"site_name: x\nnav:\n  - !!python/name:x y\n  - !foo {S: [a.md]}\n"), ("docs/a.md", b"")]),
        ];
        for files in odd {
            let _ = build(&files, &Options::default());
        }
    }
}
