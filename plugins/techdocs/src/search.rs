//! Search: after each build the plugin hands the portal's search index the site's pages
//! and sections (search_replace, capability search.write with types [techdocs]), one
//! set per entity, as Backstage's TechDocs collator makes them from the site's
//! search/search_index.json.

use std::collections::BTreeMap;

use greenroom::{files, search, Error, SearchDocument, SearchReplace, Value};

use crate::site::{self, SearchEntry};
use crate::{entity_triplet, go_json, meta, spec_str, Triplet};

/// Backstage's document type for TechDocs pages.
pub const SEARCH_TYPE: &str = "techdocs";

/// The host's limits on one document (abi/SPEC.md, search_replace): longer titles and
/// texts are cut rather than refused.
pub const MAX_SEARCH_TITLE: usize = 1 << 10;
pub const MAX_SEARCH_TEXT: usize = 64 << 10;

/// The documents of an entity's site: per entry of its search index the title and
/// text, location /docs/<namespace>/<kind>/<name>/<path>, the fields path, kind,
/// namespace, name (lower case), entityTitle, componentType and type (spec.type),
/// lifecycle and owner (the name part of the ownedBy relation's target, else
/// spec.owner), and the entity as resourceRef, so search shows them to whoever may read
/// the entity. Fields are in key order, as Go writes its map.
pub fn search_documents(e: &Value, entries: &[SearchEntry]) -> Vec<SearchDocument> {
    let t = entity_triplet(e);
    let mut base: BTreeMap<&str, String> = BTreeMap::new();
    base.insert("kind", t.kind.clone());
    base.insert("namespace", t.namespace.clone());
    base.insert("name", t.name.clone());
    if !meta(e, "title").is_empty() {
        base.insert("entityTitle", meta(e, "title").to_string());
    }
    let typ = spec_str(e, "type");
    if !typ.is_empty() {
        base.insert("componentType", typ.to_string());
        base.insert("type", typ.to_string());
    }
    if !spec_str(e, "lifecycle").is_empty() {
        base.insert("lifecycle", spec_str(e, "lifecycle").to_string());
    }
    let o = owner(e);
    if !o.is_empty() {
        base.insert("owner", o.to_string());
    }
    let (reader, eref) = (t.reader_url(), t.entity_ref());
    let mut out = Vec::with_capacity(entries.len());
    for en in entries {
        let title = en.title.trim();
        if title.is_empty() {
            continue; // mkdocs writes untitled entries for empty sections
        }
        let mut fields = base.clone();
        fields.insert("path", en.location.clone());
        out.push(SearchDocument {
            title: cut(title, MAX_SEARCH_TITLE).to_string(),
            text: cut(&en.text, MAX_SEARCH_TEXT).to_string(),
            location: format!("{}{}", reader, en.location),
            fields: fields.into_iter().map(|(k, v)| (k.to_string(), Value::String(v))).collect(),
            resource_ref: eref.clone(),
        });
    }
    out
}

/// The name part of the entity's owner, as Backstage's collator takes it from the
/// ownedBy relation.
pub fn owner(e: &Value) -> &str {
    let mut r = "";
    for rel in e.get("relations").and_then(Value::as_array).map(|a| a.as_slice()).unwrap_or(&[]) {
        if rel.str_of("type") == "ownedBy" {
            r = rel.str_of("targetRef");
            break;
        }
    }
    if r.is_empty() {
        r = spec_str(e, "owner");
    }
    match r.rfind(|c| c == ':' || c == '/') {
        Some(i) => &r[i + 1..],
        None => r,
    }
}

/// FNV-1a, 64 bits (Go's hash/fnv New64a).
fn fnv64a(h: u64, b: &[u8]) -> u64 {
    let mut h = h;
    for &c in b {
        h ^= c as u64;
        h = h.wrapping_mul(0x100000001b3);
    }
    h
}

/// Names what the documents of an entity's site carry: the build's ETag and the entity's
/// fields, so that a change of either indexes the site again.
pub fn index_key(e: &Value, etag: &str) -> String {
    let mut h = 0xcbf29ce484222325u64;
    for d in search_documents(e, &[SearchEntry { title: "-".into(), ..Default::default() }]) {
        h = fnv64a(h, go_json(&Value::Object(d.fields)).as_bytes());
    }
    format!("{}/{:x}", etag, h)
}

/// s shortened to at most n bytes, at a character boundary.
pub fn cut(s: &str, n: usize) -> &str {
    if s.len() <= n {
        return s;
    }
    let mut n = n;
    while n > 0 && !s.is_char_boundary(n) {
        n -= 1;
    }
    &s[..n]
}

/// Replaces the entity's documents in the search index with its site's.
pub fn index_site(e: &Value, entries: &[SearchEntry]) -> Result<(), Error> {
    let r = SearchReplace { doc_type: SEARCH_TYPE.into(), source: entity_triplet(e).entity_ref(), documents: search_documents(e, entries), ..Default::default() };
    search::replace(&r).map(|_| ())
}

/// The entries of a stored search/search_index.json ({"config", "docs": [...]}).
pub fn parse_search_index(b: &[u8]) -> Result<Vec<SearchEntry>, String> {
    let v = Value::parse(b)?;
    let docs = match v.get("docs") {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(a)) => a,
        Some(other) => return Err(format!("docs is {}, not a list", other.to_json())),
    };
    Ok(docs.iter().map(|d| SearchEntry { location: d.str_of("location").into(), title: d.str_of("title").into(), text: d.str_of("text").into() }).collect())
}

/// Indexes the site the plugin keeps for the entity, from its search/search_index.json:
/// for a site built before it was indexed, or whose indexing failed.
pub fn index_stored(e: &Value) -> Result<(), Error> {
    let t = entity_triplet(e);
    let b = match files::read(&format!("{}/{}", t.site_prefix(), site::SEARCH_FILE))? {
        Some(b) => b,
        None => return Ok(()),
    };
    let entries = parse_search_index(&b).map_err(|err| Error::new(greenroom::code::INTERNAL, format!("reading {} of {}: {}", site::SEARCH_FILE, t.entity_ref(), err)))?;
    index_site(e, &entries)
}

/// Removes an entity's documents from the search index.
pub fn unindex(t: &Triplet) -> Result<(), Error> {
    search::replace(&SearchReplace { doc_type: SEARCH_TYPE.into(), source: t.entity_ref(), ..Default::default() }).map(|_| ())
}
