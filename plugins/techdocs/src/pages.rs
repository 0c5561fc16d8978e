//! The portal's pages: the /docs index, the reader and the entity Docs tab.

use std::collections::BTreeSet;

use greenroom::{catalog, files, ui, CatalogQuery, Error, Plugin, RenderRequest, Value};

use crate::site::{self, page, Heading, NavItem, Page, Ref};
use crate::sync::{docs_entity, load_state, source, sync_docs, ANN_ENTITY, ANN_ENTITY_PATH, ANN_REF};
use crate::task::publish_synced;
use crate::{annotation, entity_kind, entity_triplet, meta, spec_str, title, Triplet};

/// Extension ids, as declared in plugin.yaml.
pub const INDEX_ID: &str = "page:techdocs";
pub const NAV_ID: &str = "nav-item:techdocs";
pub const READER_ID: &str = "page:techdocs/reader";
pub const TAB_ID: &str = "entity-content:techdocs/docs";

/// Shows the Docs tab on entities with docs of their own or borrowed.
pub fn tab_filter() -> String {
    format!("annotation:{},{}", ANN_REF, ANN_ENTITY)
}

pub fn register(p: &mut Plugin) {
    p.page(INDEX_ID, "/docs", index);
    p.nav_item(NAV_ID, "Docs", "/docs");
    p.page(READER_ID, "/docs/:namespace/:kind/:name/*", reader);
    p.entity_tab(TAB_ID, "Docs", "docs", &tab_filter(), tab);
}

fn param<'a>(r: &'a RenderRequest, name: &str) -> &'a str {
    r.params.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v.as_str())
}

/// A node with children added (Go's ui nodes take children where this SDK's builders
/// do not).
fn with_children(n: Value, children: Vec<Value>) -> Value {
    if children.is_empty() {
        return n;
    }
    n.set("children", Value::Array(children))
}

/// A select field's or text field's JSON.
fn field(name: &str, label: &str, kind: &str, value: &str, placeholder: &str, options: Vec<(String, String)>) -> Value {
    let mut f = Value::obj(vec![("name", name.into()), ("label", label.into()), ("kind", kind.into())]);
    if !value.is_empty() {
        f.insert("value", value.into());
    }
    if !placeholder.is_empty() {
        f.insert("placeholder", placeholder.into());
    }
    if !options.is_empty() {
        f.insert("options", Value::Array(options.into_iter().map(|(v, l)| Value::obj(vec![("value", v.into()), ("label", l.into())])).collect()));
    }
    f
}

/// A form that reloads the page with its fields as the query.
fn form(action: &str, submit: &str, fields: Vec<Value>) -> Value {
    Value::obj(vec![("type", "form".into()), ("action", action.into()), ("fields", Value::Array(fields)), ("submit", submit.into())])
}

/// /docs: every entity with docs the caller may read, filtered by owner, kind and text,
/// as Backstage's TechDocs index.
fn index(r: &RenderRequest) -> Result<Value, Error> {
    let mut items: Vec<Value> = Vec::new();
    let mut cursor = String::new();
    loop {
        let page = catalog::query(&CatalogQuery {
            filter: vec![format!("metadata.annotations.{}", ANN_REF), format!("metadata.annotations.{}", ANN_ENTITY)],
            fields: vec!["kind".into(), "metadata".into(), "spec.owner".into(), "spec.type".into()],
            limit: 500,
            cursor: cursor.clone(),
        })?;
        items.extend(page.items);
        cursor = page.next_cursor;
        if cursor.is_empty() || items.len() >= 10000 {
            break;
        }
    }
    let owner = r.query_value("owner").unwrap_or("");
    let kind = r.query_value("kind").unwrap_or("");
    let q = r.query_value("q").unwrap_or("").trim().to_lowercase();
    let (mut owners, mut kinds) = (BTreeSet::new(), BTreeSet::new());
    let mut rows = Vec::new();
    items.sort_by_cached_key(|e| title(e).to_lowercase());
    for e in &items {
        let o = spec_str(e, "owner");
        let typ = spec_str(e, "type");
        owners.insert(o.to_string());
        kinds.insert(entity_kind(e).to_string());
        if !owner.is_empty() && o != owner || !kind.is_empty() && kind.to_lowercase() != entity_kind(e).to_lowercase() {
            continue;
        }
        let desc = meta(e, "description");
        if !q.is_empty() && !format!("{} {} {}", title(e), desc, meta(e, "name")).to_lowercase().contains(&q) {
            continue;
        }
        let mut doc = ui::link(title(e), &entity_triplet(e).reader_url());
        if !desc.is_empty() {
            doc = ui::group(vec![doc, ui::text(&format!(" — {}", desc))]);
        }
        rows.push(vec![doc, ui::text(o), ui::text(entity_kind(e)), ui::text(typ)]);
    }
    let n = rows.len();
    let filter = form(
        "/docs",
        "Filter",
        vec![
            field("q", "Search", "text", r.query_value("q").unwrap_or(""), "title or description", Vec::new()),
            field("owner", "Owner", "select", owner, "", options(&owners, "Any owner")),
            field("kind", "Kind", "select", kind, "", options(&kinds, "Any kind")),
        ],
    );
    let body = if n == 0 {
        ui::empty(
            "No documentation",
            &format!("No entity you may read has docs that match. An entity gets docs with the annotation {}: dir:. and a mkdocs.yml beside its catalog-info.yaml.", ANN_REF),
        )
    } else {
        ui::card(&plural(n, "document"), vec![ui::table(&["Document", "Owner", "Kind", "Type"], rows)])
    };
    Ok(ui::page("Documentation", vec![filter, body]).set("subtitle", "Docs-as-code of the catalog's entities".into()))
}

/// A select's options: "any" first, then the set's non-empty values in order.
fn options(set: &BTreeSet<String>, any: &str) -> Vec<(String, String)> {
    let mut out = vec![(String::new(), any.to_string())];
    out.extend(set.iter().filter(|k| !k.is_empty()).map(|k| (k.clone(), k.clone())));
    out
}

fn plural(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {}", what)
    } else {
        format!("{} {}s", n, what)
    }
}

/// /docs/:namespace/:kind/:name/*: a page of the entity's site with the site nav, the
/// page's table of contents, previous/next and the edit link.
fn reader(r: &RenderRequest) -> Result<Value, Error> {
    let t = Triplet::of(param(r, "namespace"), param(r, "kind"), param(r, "name"));
    let e = match catalog::get(&t.entity_ref())? {
        Some(e) => e,
        None => {
            return Ok(ui::page(
                "Documentation",
                vec![ui::empty("Page not found.", &format!("The catalog has no entity {}, or you may not read it.", t.entity_ref()))],
            ))
        }
    };
    let (body, site_name) = docs_view(&e, param(r, "*"), &t.reader_url());
    // Backstage's reader header: the entity, its owner and lifecycle, and the source.
    let mut extra = vec![ui::badge(entity_kind(&e), ui::TONE_INFO)];
    let o = spec_str(&e, "owner");
    if !o.is_empty() {
        extra.push(ui::text(&format!("Owner: {}", o)));
    }
    let l = spec_str(&e, "lifecycle");
    if !l.is_empty() {
        extra.push(ui::badge(l, ui::TONE_NEUTRAL));
    }
    extra.push(ui::link("Entity page", &format!("/catalog/{}", t.path())));
    if let Ok(de) = docs_entity(&e) {
        if let Ok(loc) = source(&de) {
            if loc.target.starts_with("https://") {
                extra.push(ui::link("Source", &loc.target));
            }
        }
    }
    let header = with_children(ui::header(title(&e), meta(&e, "description")), extra);
    let mut children = vec![header];
    children.extend(body);
    Ok(ui::page(&site_name, children))
}

/// The entity page's Docs tab: the reader inside the entity page.
fn tab(r: &RenderRequest) -> Result<Value, Error> {
    let e = match &r.entity {
        Some(e) => e,
        None => return Ok(ui::empty("No entity", "The Docs tab shows on entity pages.")),
    };
    let t = entity_triplet(e);
    // The entity page's * is the tab's path and the site page below it: docs/guide.
    let tab_path = r.config_string("path", "docs").trim_matches('/');
    let sub = param(r, "*").trim_matches('/');
    let sub = sub.strip_prefix(tab_path).unwrap_or(sub);
    let mut sub = sub.strip_prefix('/').unwrap_or(sub);
    // backstage.io/techdocs-entity-path opens a borrowed site at one of its pages.
    let p = annotation(e, ANN_ENTITY_PATH).trim_matches('/');
    if sub.is_empty() && !p.is_empty() && !annotation(e, ANN_ENTITY).is_empty() {
        sub = p;
    }
    let (body, _) = docs_view(e, sub, &format!("/catalog/{}/{}/", t.path(), tab_path));
    Ok(ui::group(body))
}

/// The parts of techdocs_site.json (the builder's site.Site as Go's encoding/json
/// writes it) that the reader shows.
pub struct StoredSite {
    pub name: String,
    pub nav: Vec<NavItem>,
    pub pages: Vec<Page>,
}

fn nav_items(v: Option<&Value>) -> Vec<NavItem> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .map(|n| NavItem {
                    title: n.str_of("title").into(),
                    url: n.str_of("url").into(),
                    external: n.get("external").and_then(Value::as_bool).unwrap_or(false),
                    children: match n.get("children") {
                        Some(c @ Value::Array(_)) => Some(nav_items(Some(c))),
                        _ => None,
                    },
                })
                .collect()
        })
        .unwrap_or_default()
}

fn page_ref(v: Option<&Value>) -> Option<Ref> {
    match v {
        Some(r @ Value::Object(_)) => Some(Ref { url: r.str_of("url").into(), title: r.str_of("title").into() }),
        _ => None,
    }
}

/// Reads techdocs_site.json; an error says what is wrong with it.
pub fn parse_site(b: &[u8]) -> Result<StoredSite, String> {
    let v = Value::parse(b)?;
    if v.as_object().is_none() {
        return Err(format!("{} is not a JSON object", site::SITE_FILE));
    }
    let pages = v
        .get("pages")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter(|p| !p.is_null())
                .map(|p| Page {
                    src: p.str_of("src").into(),
                    url: p.str_of("url").into(),
                    title: p.str_of("title").into(),
                    toc: p
                        .get("toc")
                        .and_then(Value::as_array)
                        .map(|t| {
                            t.iter()
                                .map(|h| Heading {
                                    level: h.get("level").and_then(Value::as_i64).unwrap_or(0).clamp(0, 255) as u8,
                                    id: h.str_of("id").into(),
                                    title: h.str_of("title").into(),
                                })
                                .collect()
                        })
                        .unwrap_or_default(),
                    prev: page_ref(p.get("prev")),
                    next: page_ref(p.get("next")),
                    edit: p.str_of("edit").into(),
                    ..Default::default()
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(StoredSite { name: v.str_of("site_name").into(), nav: nav_items(v.get("nav")), pages })
}

/// Syncs the entity's docs (throttled) and shows the page at sub (a site URL; "" is the
/// home page) with links under base: the nodes and the site's name.
fn docs_view(e: &Value, sub: &str, base: &str) -> (Vec<Value>, String) {
    let de = match docs_entity(e) {
        Ok(de) => de,
        Err(err) => return (vec![ui::error("Could not find the documentation", &err.to_string())], "Documentation".into()),
    };
    let t = entity_triplet(&de);
    let res = sync_docs(&de, false);
    publish_synced(&de, &res);
    let mut out = Vec::new();
    let raw = files::read(&format!("{}/{}", t.site_prefix(), site::SITE_FILE));
    let have = matches!(raw, Ok(Some(_)));
    // A reader who may not read the sources still gets the site the build task keeps
    // fresh; only a failure of the source or the build is shown.
    if let Some(err) = &res.err {
        if !(err.denied() && have) {
            out.push(ui::error("Could not generate documentation or an error in the TechDocs backend.", &err.text));
        }
    }
    let raw = match raw {
        Ok(Some(b)) => b,
        _ => {
            if res.err.is_none() {
                out.push(ui::empty("No documentation yet", &format!("The docs of {} have not been built.", t.entity_ref())));
            }
            return (out, "Documentation".into());
        }
    };
    let s = match parse_site(&raw) {
        Ok(s) => s,
        Err(err) => {
            out.push(ui::error("The stored site is unreadable", &err));
            return (out, "Documentation".into());
        }
    };
    drop(raw);
    let mut sub = sub.strip_prefix('/').unwrap_or(sub).to_string();
    if !sub.is_empty() && !sub.ends_with('/') {
        sub.push('/');
    }
    // The last page of the URL, as Go's loop keeps it.
    let pg = match s.pages.iter().rev().find(|p| p.url == sub) {
        Some(pg) => pg,
        None => {
            let hint = if sub.is_empty() { "The site has no home page: add index.md (or README.md) to its docs_dir.".to_string() } else { format!("This site has no page {}.", sub) };
            out.push(with_children(ui::empty("Page not found.", &hint), vec![ui::link("Documentation home", base)]));
            return (out, s.name);
        }
    };
    let file = match files::read(&format!("{}/{}index.html", t.site_prefix(), pg.url)) {
        Ok(f) => f.unwrap_or_default(),
        Err(err) => {
            out.push(ui::error("Could not read the page", &err.to_string()));
            return (out, s.name);
        }
    };
    let content = page::content(&file).unwrap_or(&[]);
    let link = |u: &str| format!("{}{}", base, u);
    let mut b = String::with_capacity(content.len() + 4096);
    b.push_str(r#"<div class="doc-reader">"#);
    b.push_str(&page::nav_html(&s.nav, &pg.url, &link));
    b.push_str(r#"<article class="doc-content">"#);
    b.push_str(&String::from_utf8_lossy(&page::for_reader(content, &pg.url, base, &t.static_url())));
    b.push_str(&page::footer_html(pg, &link));
    b.push_str("</article>");
    b.push_str(&page::toc_html(&pg.toc));
    b.push_str("</div>");
    if let Ok(st) = load_state(&t) {
        if !st.warnings.is_empty() {
            let mut w = String::new();
            for s in &st.warnings {
                w.push_str("<li>");
                w.push_str(&page::escape(s));
                w.push_str("</li>");
            }
            out.push(ui::html(&format!(
                r#"<details class="doc-build-warnings"><summary>{}</summary><ul>{}</ul></details>"#,
                plural(st.warnings.len(), "build warning"),
                w
            )));
        }
    }
    out.push(ui::html(&b));
    (out, s.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_site() {
        let s = parse_site(br#"{"site_name":"Svc","site_description":"","nav":[{"title":"Home","url":""},{"title":"Part","children":[{"title":"Guide","url":"guide/"}]},{"title":"Empty"}],"pages":[{"src":"index.md","url":"","title":"Svc","toc":[{"level":2,"id":"a","title":"A"}],"next":{"url":"guide/","title":"Guide"}}]}"#).unwrap();
        assert_eq!(s.name, "Svc");
        assert_eq!(s.nav.len(), 3);
        assert_eq!(s.nav[1].children.as_ref().map(Vec::len), Some(1));
        assert_eq!(s.nav[2].children, None);
        assert_eq!(s.pages[0].toc[0], Heading { level: 2, id: "a".into(), title: "A".into() });
        assert_eq!(s.pages[0].next, Some(Ref { url: "guide/".into(), title: "Guide".into() }));
        assert_eq!(s.pages[0].prev, None);
        assert!(parse_site(b"{").is_err());
        assert_eq!(page::escape(r#"<a href="x">'&'</a>"#), "&lt;a href=&#34;x&#34;&gt;&#39;&amp;&#39;&lt;/a&gt;");
    }
}
