//! The TechDocs site builder: builds a site from a docs tree the way mkdocs with
//! techdocs-core does. Plain Rust with the standard library and Debian's pulldown-cmark,
//! yaml-rust and unicode-normalization, so the plugin runs it inside WebAssembly and its
//! tests run natively. The types below are what the plugin (src/*.rs) uses of it.

use std::collections::BTreeMap;

pub mod blocks;
pub mod build;
pub mod config;
pub mod highlight;
pub mod json;
pub mod markdown;
pub mod page;
pub mod paths;
pub mod theme;

pub use build::build;

/// Options tune a build.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// When set, the URL that a page's source path (relative to the tree's root) is
    /// appended to for its edit link. Without it, mkdocs.yml's repo_url and edit_uri give
    /// the link, as in mkdocs.
    pub edit_base: String,
    /// The edit link of pages that edit_base does not give one.
    pub edit_url: String,
    /// Refuse larger trees and files; 0 means no limit.
    pub max_files: usize,
    pub max_file_size: u64,
    /// Go into techdocs_metadata.json.
    pub etag: String,
    /// Milliseconds since the Unix epoch (build_timestamp).
    pub now_ms: i64,
}

/// A built site.
#[derive(Clone, Debug, Default)]
pub struct Site {
    pub name: String,
    pub description: String,
    pub nav: Vec<NavItem>,
    pub pages: Vec<Page>,
    /// The site's files, by path relative to the site root.
    pub files: BTreeMap<String, Vec<u8>>,
    /// Each names the file and what to fix; the build went on.
    pub warnings: Vec<String>,
    /// The site's search index (search/search_index.json): each page, then each of its
    /// sections, as mkdocs' search plugin writes them.
    pub search: Vec<SearchEntry>,
}

/// One page of a site.
#[derive(Clone, Debug, Default)]
pub struct Page {
    pub src: String,
    pub url: String,
    pub title: String,
    pub toc: Vec<Heading>,
    pub prev: Option<Ref>,
    pub next: Option<Ref>,
    pub edit: String,
    /// The rendered Markdown (the page's content).
    pub html: String,
    /// The page's text for search.
    pub text: String,
    /// The page's sections for the search index.
    pub sections: Vec<SearchEntry>,
}

/// Points at a page.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Ref {
    pub url: String,
    pub title: String,
}

/// One entry of the site's nav: a page, an external link, or a section (children is
/// Some, possibly empty).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NavItem {
    pub title: String,
    pub url: String,
    pub external: bool,
    pub children: Option<Vec<NavItem>>,
}

/// One entry of a page's table of contents.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Heading {
    pub level: u8,
    pub id: String,
    pub title: String,
}

/// One document of search/search_index.json.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SearchEntry {
    pub location: String,
    pub title: String,
    pub text: String,
}

/// A build error: the file (relative to the tree's root, or empty), the 1-based line (0
/// when unknown), and what to fix.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Error {
    pub file: String,
    pub line: usize,
    pub msg: String,
}

/// Files that the build writes besides the pages and assets.
pub const METADATA_FILE: &str = "techdocs_metadata.json";
pub const SITE_FILE: &str = "techdocs_site.json";
pub const THEME_FILE: &str = "assets/techdocs.css";
pub const SEARCH_FILE: &str = "search/search_index.json";
