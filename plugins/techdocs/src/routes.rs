//! Backstage's /api/techdocs routes.

use greenroom::{catalog, code, files, Error, Plugin, Request, Response, Value};

use crate::site;
use crate::sync::{docs_entity, source, sync_docs};
use crate::task::publish_synced;
use crate::{go_json, urls, Triplet};

pub fn register(p: &mut Plugin) {
    p.route("GET /static/docs/:namespace/:kind/:name/*", static_file);
    p.route("GET /static/docs/:namespace/:kind/:name", static_file);
    p.route("GET /metadata/techdocs/:namespace/:kind/:name", techdocs_metadata);
    p.route("GET /metadata/entity/:namespace/:kind/:name", entity_metadata);
    p.route("GET /sync/:namespace/:kind/:name", sync_route);
}

/// Keeps a served page from running script: it may show images and styles of its own
/// site, nothing else, in a sandbox.
pub const STATIC_CSP: &str = "default-src 'none'; img-src 'self' data: https:; style-src 'self' 'unsafe-inline'; font-src 'self'; sandbox";

fn not_found(msg: String) -> Response {
    Response::error(&Error::new(code::NOT_FOUND, msg))
}

fn param<'a>(r: &'a Request, name: &str) -> &'a str {
    r.param(name).unwrap_or("")
}

fn triplet(r: &Request) -> Triplet {
    Triplet::of(param(r, "namespace"), param(r, "kind"), param(r, "name"))
}

/// Loads the entity of the request's triplet as the caller: None when it is not in the
/// catalog or the caller may not read it.
fn readable(r: &Request) -> (Triplet, Result<Option<Value>, Error>) {
    let t = triplet(r);
    let e = catalog::get(&t.entity_ref());
    (t, e)
}

/// The content type of a site's file, by its extension.
pub fn content_type(p: &str) -> &'static str {
    match urls::ext(p).to_ascii_lowercase().as_str() {
        ".html" => "text/html; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".json" => "application/json",
        ".png" => "image/png",
        ".jpg" | ".jpeg" => "image/jpeg",
        ".gif" => "image/gif",
        ".svg" => "image/svg+xml",
        ".webp" => "image/webp",
        ".ico" => "image/x-icon",
        ".txt" => "text/plain; charset=utf-8",
        ".pdf" => "application/pdf",
        ".woff" => "font/woff",
        ".woff2" => "font/woff2",
        ".xml" => "application/xml",
        _ => "application/octet-stream",
    }
}

/// Serves a built site's files: /static/docs/:namespace/:kind/:name/<path>, the entity
/// readable by the caller. A triplet that is not lower case is redirected.
fn static_file(r: &Request) -> Response {
    let (ns, kind, name) = (param(r, "namespace"), param(r, "kind"), param(r, "name"));
    if ns != ns.to_lowercase() || kind != kind.to_lowercase() || name != name.to_lowercase() {
        let mut loc = Triplet::of(ns, kind, name).static_url() + param(r, "*");
        // A page's directory keeps its slash, so the page's relative links resolve.
        if !loc.ends_with('/') && urls::ext(&loc).is_empty() {
            loc.push('/');
        }
        return Response::status(301).with_header("location", &loc);
    }
    let t = triplet(r);
    match catalog::has(&t.entity_ref()) {
        Err(err) => return Response::error(&err),
        Ok(false) => return not_found(format!("Entity {} not found", t.entity_ref())),
        Ok(true) => {}
    }
    let star = param(r, "*");
    let mut p = star.strip_prefix('/').unwrap_or(star).to_string();
    if p.is_empty() || p.ends_with('/') {
        p.push_str("index.html");
    }
    if p.contains("..") || p.starts_with('/') || p.contains("//") {
        return not_found(format!("Page not found: {}", p));
    }
    if urls::ext(&p).is_empty() {
        // A page's directory without its slash: serve its index.html, if there is no
        // file of that name.
        if let Ok(None) = files::read(&format!("{}/{}", t.site_prefix(), p)) {
            p.push_str("/index.html");
        }
    }
    // The host reads the file and answers 404 when there is none: a page is served
    // without passing through the plugin's memory.
    Response::file(content_type(&p), &format!("{}/{}", t.site_prefix(), p))
        .with_header("content-security-policy", STATIC_CSP)
        .with_header("x-content-type-options", "nosniff")
        .with_header("cache-control", "no-cache")
}

/// Serves techdocs_metadata.json.
fn techdocs_metadata(r: &Request) -> Response {
    let (t, e) = readable(r);
    match e {
        Err(err) => return Response::error(&err),
        Ok(Some(_)) => {
            if let Ok(Some(b)) = files::read(&format!("{}/{}", t.site_prefix(), site::METADATA_FILE)) {
                // The stored bytes as they are, when they are JSON.
                if let Ok(v) = Value::parse(&b) {
                    return Response::json(200, v);
                }
            }
        }
        Ok(None) => {}
    }
    not_found(format!("Unable to get metadata for '{}'", t.path()))
}

/// The entity as Go's greenroom.Entity carries it (the members it knows), with its
/// object members in key order, as the Go plugin serves it (it decodes the entity into
/// that struct and writes it back through a map).
fn entity_as_go(e: &Value) -> Value {
    fn keep(v: Option<&Value>) -> Option<Value> {
        v.filter(|x| !x.is_null()).cloned()
    }
    fn nonempty(v: Option<&Value>) -> Option<Value> {
        v.filter(|x| match x {
            Value::Null => false,
            Value::String(s) => !s.is_empty(),
            Value::Array(a) => !a.is_empty(),
            Value::Object(m) => !m.is_empty(),
            _ => true,
        })
        .cloned()
    }
    let mut out = Value::object();
    out.insert("apiVersion", e.str_of("apiVersion").into());
    out.insert("kind", e.str_of("kind").into());
    let m = e.get("metadata").cloned().unwrap_or_else(Value::object);
    let mut meta = Value::obj(vec![("name", m.str_of("name").into())]);
    for k in ["namespace", "title", "description", "labels", "annotations", "tags", "uid", "etag"] {
        if let Some(v) = nonempty(m.get(k)) {
            meta.insert(k, v);
        }
    }
    if let Some(Value::Array(links)) = nonempty(m.get("links")) {
        let links = links
            .iter()
            .map(|l| {
                let mut o = Value::obj(vec![("url", l.str_of("url").into())]);
                for k in ["title", "icon", "type"] {
                    if !l.str_of(k).is_empty() {
                        o.insert(k, l.str_of(k).into());
                    }
                }
                o
            })
            .collect();
        meta.insert("links", Value::Array(links));
    }
    out.insert("metadata", meta);
    if let Some(spec) = nonempty(e.get("spec")) {
        out.insert("spec", spec);
    }
    if let Some(Value::Array(rels)) = nonempty(e.get("relations")) {
        let rels = rels.iter().map(|r| Value::obj(vec![("type", r.str_of("type").into()), ("targetRef", r.str_of("targetRef").into())])).collect();
        out.insert("relations", Value::Array(rels));
    }
    if let Some(status) = keep(e.get("status")) {
        out.insert("status", status);
    }
    sorted(out)
}

/// v with every object's members in key order.
fn sorted(v: Value) -> Value {
    match v {
        Value::Object(mut m) => {
            m.sort_by(|a, b| a.0.cmp(&b.0));
            m.dedup_by(|b, a| a.0 == b.0);
            Value::Object(m.into_iter().map(|(k, x)| (k, sorted(x))).collect())
        }
        Value::Array(a) => Value::Array(a.into_iter().map(sorted).collect()),
        v => v,
    }
}

/// Serves the entity with locationMetadata, where its docs are.
fn entity_metadata(r: &Request) -> Response {
    let (t, e) = readable(r);
    let e = match e {
        Err(err) => return Response::error(&err),
        Ok(None) => return not_found(format!("Unable to get metadata for '{}'", t.path())),
        Ok(Some(e)) => e,
    };
    let de = match docs_entity(&e) {
        Ok(de) => de,
        Err(err) => return Response::error(&err),
    };
    let loc = match source(&de) {
        Ok(loc) => loc,
        Err(err) => return Response::error(&err),
    };
    // The entity's members in key order (Go writes it through a map), locationMetadata
    // among them as its struct writes it: type, then target.
    let mut out = match entity_as_go(&e) {
        Value::Object(m) => m,
        _ => Vec::new(),
    };
    out.push(("locationMetadata".into(), loc.to_value()));
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Response::json(200, Value::Object(out))
}

/// Backstage's sync: server-sent events log, error and finish {"updated": bool}. The
/// plugin answers once the sync is done, so the whole stream comes in one response.
fn sync_route(r: &Request) -> Response {
    let e = match readable(r).1 {
        Err(err) => return Response::error(&err),
        Ok(None) => return not_found("Entity metadata UID missing".into()),
        Ok(Some(e)) => e,
    };
    let de = match docs_entity(&e) {
        Ok(de) => de,
        Err(err) => return Response::error(&err),
    };
    let res = sync_docs(&de, false);
    publish_synced(&de, &res);
    let mut b = String::new();
    let mut event = |name: &str, v: Value| {
        b.push_str("event: ");
        b.push_str(name);
        b.push_str("\ndata: ");
        b.push_str(&go_json(&v));
        b.push_str("\n\n");
    };
    for l in &res.log {
        event("log", l.as_str().into());
    }
    match &res.err {
        Some(err) => event("error", err.text.as_str().into()),
        None => event("finish", Value::obj(vec![("updated", res.updated.into())])),
    }
    Response::bytes(200, "text/event-stream", b.into_bytes()).with_header("cache-control", "no-cache")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types() {
        assert_eq!(content_type("img/logo.PNG"), "image/png");
        assert_eq!(content_type("guide/index.html"), "text/html; charset=utf-8");
        assert_eq!(content_type("a.b/file"), "application/octet-stream");
    }

    #[test]
    fn entity_shape() {
        let e = Value::parse(br#"{"kind":"Component","metadata":{"name":"svc","generation":1,"annotations":{"b":"2","a":"1"}},"spec":{},"relations":[{"type":"ownedBy","targetRef":"group:default/a","target":{"kind":"group"}}]}"#).unwrap();
        assert_eq!(
            entity_as_go(&e).to_json(),
            r#"{"apiVersion":"","kind":"Component","metadata":{"annotations":{"a":"1","b":"2"},"name":"svc"},"relations":[{"targetRef":"group:default/a","type":"ownedBy"}]}"#
        );
    }
}
