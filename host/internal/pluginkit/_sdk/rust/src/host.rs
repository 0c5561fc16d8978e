//! Greenroom's host functions (SPEC.md section 3.3), config, variables and logging. A
//! capability call that fails, or that no grant covers, is an `Err` with the host's
//! `{code, message}`: it never traps.

use crate::ffi::{self, host_call};
use crate::json::Value;
use crate::messages::{multi, multi_value, Multi, Response};
use crate::{base64, code, Error, Result};

/// Reads a result envelope: `{"result": ...}` or `{"error": {...}}`.
pub fn decode_envelope(name: &str, b: Option<Vec<u8>>) -> Result<Value> {
    let b = b.ok_or_else(|| Error::new(code::INTERNAL, format!("{}: the host answered no envelope", name)))?;
    let v = Value::parse(&b).map_err(|e| Error::new(code::INTERNAL, format!("{}: the host's envelope is not JSON: {}", name, e)))?;
    if let Some(e) = v.get("error") {
        return Err(Error::from_value(e));
    }
    match v {
        Value::Object(mut m) => match m.iter().position(|(k, _)| k == "result") {
            Some(i) => Ok(m.swap_remove(i).1),
            None => Err(Error::new(code::INTERNAL, format!("{}: the envelope has neither result nor error", name))),
        },
        _ => Err(Error::new(code::INTERNAL, format!("{}: the envelope is not an object", name))),
    }
}

pub(crate) fn malformed(name: &str, v: &Value) -> Error {
    Error::new(code::INTERNAL, format!("{}: unexpected result {}", name, v.to_json()))
}

// ---- kv ----

/// The plugin's key-value store (capability `kv`).
pub mod kv {
    use super::*;

    /// The value of key, None when absent.
    pub fn get(key: &str) -> Result<Option<Vec<u8>>> {
        let req = Value::obj(vec![("key", key.into())]).to_json();
        let r = decode_envelope("kv_get", host_call!(kv_get, KvGet, req.as_bytes()))?;
        match r.get("value") {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => base64::decode(s).map(Some).map_err(|e| Error::new(code::INTERNAL, format!("kv_get: {}", e))),
            Some(_) => Err(malformed("kv_get", &r)),
        }
    }

    pub fn put(key: &str, value: &[u8]) -> Result<()> {
        let req = Value::obj(vec![("key", key.into()), ("value", base64::encode(value).into())]).to_json();
        decode_envelope("kv_put", host_call!(kv_put, KvPut, req.as_bytes())).map(|_| ())
    }

    pub fn delete(key: &str) -> Result<()> {
        let req = Value::obj(vec![("key", key.into())]).to_json();
        decode_envelope("kv_delete", host_call!(kv_delete, KvDelete, req.as_bytes())).map(|_| ())
    }

    /// The keys that start with prefix, sorted, at most limit (0: the host's default).
    pub fn list(prefix: &str, limit: u32) -> Result<Vec<String>> {
        let mut req = Value::obj(vec![("prefix", prefix.into())]);
        if limit > 0 {
            req.insert("limit", limit.into());
        }
        let r = decode_envelope("kv_list", host_call!(kv_list, KvList, req.to_json().as_bytes()))?;
        match r.get("keys") {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Array(a)) => a.iter().map(|k| k.as_str().map(str::to_string).ok_or_else(|| malformed("kv_list", &r))).collect(),
            Some(_) => Err(malformed("kv_list", &r)),
        }
    }
}

// ---- catalog ----

/// A catalog query (`catalog_query`): filters in the REST API's grammar (a comma is
/// AND, several strings are OR).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CatalogQuery {
    pub filter: Vec<String>,
    pub fields: Vec<String>,
    pub limit: u32,
    pub cursor: String,
}

impl CatalogQuery {
    pub fn to_value(&self) -> Value {
        let mut v = Value::object();
        if !self.filter.is_empty() {
            v.insert("filter", self.filter.clone().into());
        }
        if !self.fields.is_empty() {
            v.insert("fields", self.fields.clone().into());
        }
        if self.limit > 0 {
            v.insert("limit", self.limit.into());
        }
        if !self.cursor.is_empty() {
            v.insert("cursor", self.cursor.as_str().into());
        }
        v
    }

    pub fn from_value(v: &Value) -> CatalogQuery {
        let list = |k: &str| v.get(k).and_then(Value::as_array).map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect()).unwrap_or_default();
        CatalogQuery {
            filter: list("filter"),
            fields: list("fields"),
            limit: v.get("limit").and_then(Value::as_i64).unwrap_or(0) as u32,
            cursor: v.str_of("cursor").to_string(),
        }
    }
}

/// One page of a catalog query.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CatalogPage {
    pub items: Vec<Value>,
    pub total_items: i64,
    pub next_cursor: String,
    pub prev_cursor: String,
}

impl CatalogPage {
    pub fn from_value(v: &Value) -> CatalogPage {
        CatalogPage {
            items: v.get("items").and_then(Value::as_array).cloned().unwrap_or_default(),
            total_items: v.get("totalItems").and_then(Value::as_i64).unwrap_or(0),
            next_cursor: v.path(&["pageInfo", "nextCursor"]).and_then(Value::as_str).unwrap_or("").into(),
            prev_cursor: v.path(&["pageInfo", "prevCursor"]).and_then(Value::as_str).unwrap_or("").into(),
        }
    }

    pub fn to_value(&self) -> Value {
        let mut info = Value::object();
        if !self.next_cursor.is_empty() {
            info.insert("nextCursor", self.next_cursor.as_str().into());
        }
        if !self.prev_cursor.is_empty() {
            info.insert("prevCursor", self.prev_cursor.as_str().into());
        }
        Value::obj(vec![("items", Value::Array(self.items.clone())), ("totalItems", self.total_items.into()), ("pageInfo", info)])
    }
}

/// The catalog (capabilities `catalog.read` and `catalog.write`).
pub mod catalog {
    use super::*;

    /// The entity ref (`kind:namespace/name`), None when there is none the caller may read.
    pub fn get(entity_ref: &str) -> Result<Option<Value>> {
        let req = Value::obj(vec![("ref", entity_ref.into())]).to_json();
        let r = decode_envelope("catalog_get", host_call!(catalog_get, CatalogGet, req.as_bytes()))?;
        Ok(if r.is_null() { None } else { Some(r) })
    }

    /// Whether the entity ref exists and the caller may read it, as [`get`] would
    /// return it, without parsing the entity (which costs a plugin far more than the
    /// call): the host's usual answers are read as bytes, anything else is decoded.
    pub fn has(entity_ref: &str) -> Result<bool> {
        let req = Value::obj(vec![("ref", entity_ref.into())]).to_json();
        let b = host_call!(catalog_get, CatalogGet, req.as_bytes());
        match b.as_deref() {
            Some(r) if r.starts_with(b"{\"result\":{") => return Ok(true),
            Some(b"{\"result\":null}") => return Ok(false),
            _ => {}
        }
        Ok(!decode_envelope("catalog_get", b)?.is_null())
    }

    pub fn query(q: &CatalogQuery) -> Result<CatalogPage> {
        let r = decode_envelope("catalog_query", host_call!(catalog_query, CatalogQuery, q.to_value().to_json().as_bytes()))?;
        Ok(CatalogPage::from_value(&r))
    }

    /// Counts of each value of each facet (`spec.type`, ...) over the entities filter selects.
    pub fn facets(facets: &[&str], filter: &[&str]) -> Result<Vec<(String, Vec<(String, i64)>)>> {
        let mut req = Value::obj(vec![("facets", facets.iter().map(|s| s.to_string()).collect::<Vec<_>>().into())]);
        if !filter.is_empty() {
            req.insert("filter", filter.iter().map(|s| s.to_string()).collect::<Vec<_>>().into());
        }
        let r = decode_envelope("catalog_facets", host_call!(catalog_facets, CatalogFacets, req.to_json().as_bytes()))?;
        let m = r.get("facets").and_then(Value::as_object).ok_or_else(|| malformed("catalog_facets", &r))?;
        Ok(m.iter()
            .map(|(k, vs)| {
                let counts = vs.as_array().map(|a| a.iter().map(|c| (c.str_of("value").to_string(), c.get("count").and_then(Value::as_i64).unwrap_or(0))).collect()).unwrap_or_default();
                (k.clone(), counts)
            })
            .collect())
    }

    /// Upserts entities and deletes refs, as the plugin's own location.
    pub fn apply(upsert: Vec<Value>, delete: &[&str]) -> Result<()> {
        let mut req = Value::object();
        if !upsert.is_empty() {
            req.insert("upsert", Value::Array(upsert));
        }
        if !delete.is_empty() {
            req.insert("delete", delete.iter().map(|s| s.to_string()).collect::<Vec<_>>().into());
        }
        decode_envelope("catalog_apply", host_call!(catalog_apply, CatalogApply, req.to_json().as_bytes())).map(|_| ())
    }
}

// ---- URL readers ----

/// What `url_read` answers. With `not_modified`, content is empty and the caller's copy
/// for the ETag it sent is current.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct UrlRead {
    pub content: Vec<u8>,
    pub etag: String,
    pub last_modified_at: String,
    pub not_modified: bool,
}

/// A file of `url_read_tree` (`path`) or `url_search` (`url`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct UrlFile {
    pub path: String,
    pub url: String,
    pub content: Vec<u8>,
    pub size: i64,
}

/// What `url_read_tree` and `url_search` answer.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct UrlFiles {
    pub files: Vec<UrlFile>,
    pub etag: String,
    pub not_modified: bool,
}

impl UrlRead {
    pub fn from_value(v: &Value) -> Result<UrlRead> {
        Ok(UrlRead {
            content: base64::decode(v.str_of("content")).map_err(|e| Error::new(code::INTERNAL, format!("url_read: content: {}", e)))?,
            etag: v.str_of("etag").into(),
            last_modified_at: v.str_of("lastModifiedAt").into(),
            not_modified: v.get("notModified").and_then(Value::as_bool).unwrap_or(false),
        })
    }

    pub fn to_value(&self) -> Value {
        let mut v = Value::object();
        if !self.content.is_empty() {
            v.insert("content", base64::encode(&self.content).into());
        }
        for (k, s) in [("etag", &self.etag), ("lastModifiedAt", &self.last_modified_at)] {
            if !s.is_empty() {
                v.insert(k, s.as_str().into());
            }
        }
        if self.not_modified {
            v.insert("notModified", true.into());
        }
        v
    }
}

impl UrlFiles {
    pub fn from_value(v: &Value) -> Result<UrlFiles> {
        let mut files = Vec::new();
        for f in v.get("files").and_then(Value::as_array).map(|a| a.as_slice()).unwrap_or(&[]) {
            files.push(UrlFile {
                path: f.str_of("path").into(),
                url: f.str_of("url").into(),
                content: base64::decode(f.str_of("content")).map_err(|e| Error::new(code::INTERNAL, format!("url files: content: {}", e)))?,
                size: f.get("size").and_then(Value::as_i64).unwrap_or(0),
            });
        }
        Ok(UrlFiles { files, etag: v.str_of("etag").into(), not_modified: v.get("notModified").and_then(Value::as_bool).unwrap_or(false) })
    }

    pub fn to_value(&self) -> Value {
        let files = self
            .files
            .iter()
            .map(|f| {
                let mut o = Value::object();
                if !f.path.is_empty() {
                    o.insert("path", f.path.as_str().into());
                }
                if !f.url.is_empty() {
                    o.insert("url", f.url.as_str().into());
                }
                o.insert("content", base64::encode(&f.content).into());
                if f.size != 0 {
                    o.insert("size", f.size.into());
                }
                o
            })
            .collect();
        let mut v = Value::obj(vec![("files", Value::Array(files))]);
        if !self.etag.is_empty() {
            v.insert("etag", self.etag.as_str().into());
        }
        if self.not_modified {
            v.insert("notModified", true.into());
        }
        v
    }
}

fn url_request(url: &str, etag: &str, filter: &str) -> Value {
    let mut v = Value::obj(vec![("url", url.into())]);
    if !etag.is_empty() {
        v.insert("etag", etag.into());
    }
    if !filter.is_empty() {
        v.insert("filter", filter.into());
    }
    v
}

/// The URL readers (capability `url.read`): URLs as a person copies them from the browser.
pub mod url {
    use super::*;

    /// Reads one file; etag (may be "") asks for not-modified.
    pub fn read(url: &str, etag: &str) -> Result<UrlRead> {
        let req = url_request(url, etag, "").to_json();
        UrlRead::from_value(&decode_envelope("url_read", host_call!(url_read, UrlRead, req.as_bytes()))?)
    }

    /// Reads the files under a directory URL, those matching filter (a glob; "" for all).
    pub fn read_tree(url: &str, etag: &str, filter: &str) -> Result<UrlFiles> {
        let req = url_request(url, etag, filter).to_json();
        UrlFiles::from_value(&decode_envelope("url_read_tree", host_call!(url_read_tree, UrlReadTree, req.as_bytes()))?)
    }

    /// Reads the files a glob URL matches.
    pub fn search(url: &str, etag: &str) -> Result<UrlFiles> {
        let req = url_request(url, etag, "").to_json();
        UrlFiles::from_value(&decode_envelope("url_search", host_call!(url_search, UrlSearch, req.as_bytes()))?)
    }
}

// ---- proxy ----

/// A request through one of the operator's `proxy.endpoints` (capability `proxy`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ProxyRequest {
    /// The endpoint's prefix, e.g. "/github".
    pub endpoint: String,
    pub method: String,
    /// The path (and query) under the endpoint's target.
    pub path: String,
    pub headers: Multi,
    pub body: Vec<u8>,
}

impl ProxyRequest {
    pub fn get(endpoint: &str, path: &str) -> ProxyRequest {
        ProxyRequest { endpoint: endpoint.into(), method: "GET".into(), path: path.into(), ..Default::default() }
    }

    pub fn with_header(mut self, name: &str, value: &str) -> ProxyRequest {
        self.headers.push((name.to_ascii_lowercase(), vec![value.to_string()]));
        self
    }

    pub fn to_value(&self) -> Value {
        let mut v = Value::obj(vec![("endpoint", self.endpoint.as_str().into()), ("method", self.method.as_str().into()), ("path", self.path.as_str().into())]);
        if !self.headers.is_empty() {
            v.insert("headers", multi_value(&self.headers));
        }
        if !self.body.is_empty() {
            v.insert("body", base64::encode(&self.body).into());
        }
        v
    }

    pub fn from_value(v: &Value) -> Result<ProxyRequest> {
        Ok(ProxyRequest {
            endpoint: v.str_of("endpoint").into(),
            method: v.str_of("method").into(),
            path: v.str_of("path").into(),
            headers: multi(v.get("headers"), "proxy request", "headers", false)?,
            body: base64::decode(v.str_of("body")).map_err(|e| Error::new(code::INVALID_ARGUMENT, format!("proxy request: body: {}", e)))?,
        })
    }
}

/// The proxy: an HTTP response of any status is `Ok`; `Err` is the call failing (denied,
/// upstream unreachable, over a deadline or size cap).
pub mod proxy {
    use super::*;

    pub fn fetch(req: &ProxyRequest) -> Result<Response> {
        let r = decode_envelope("proxy_fetch", host_call!(proxy_fetch, ProxyFetch, req.to_value().to_json().as_bytes()))?;
        Response::from_value(&r).map_err(|e| Error::new(code::INTERNAL, format!("proxy_fetch: {}", e.message)))
    }
}

// ---- permissions ----

/// A decision of `permission_authorize`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Decision {
    /// "ALLOW", "DENY" or "CONDITIONAL".
    pub result: String,
    pub plugin_id: String,
    pub resource_type: String,
    /// A CONDITIONAL decision's criteria (Backstage's rule tree).
    pub conditions: Option<Value>,
}

impl Decision {
    pub fn allowed(&self) -> bool {
        self.result == "ALLOW"
    }

    pub fn from_value(v: &Value) -> Decision {
        Decision {
            result: v.str_of("result").into(),
            plugin_id: v.str_of("pluginId").into(),
            resource_type: v.str_of("resourceType").into(),
            conditions: v.get("conditions").filter(|c| !c.is_null()).cloned(),
        }
    }

    pub fn to_value(&self) -> Value {
        let mut v = Value::obj(vec![("result", self.result.as_str().into())]);
        for (k, s) in [("pluginId", &self.plugin_id), ("resourceType", &self.resource_type)] {
            if !s.is_empty() {
                v.insert(k, s.as_str().into());
            }
        }
        if let Some(c) = &self.conditions {
            v.insert("conditions", c.clone());
        }
        v
    }
}

/// The permission request `permission_authorize` sends.
pub fn permission_request(name: &str, action: &str, resource_type: &str) -> Value {
    let mut p = Value::obj(vec![("name", name.into())]);
    if !action.is_empty() {
        p.insert("attributes", Value::obj(vec![("action", action.into())]));
    }
    if !resource_type.is_empty() {
        p.insert("resourceType", resource_type.into());
    }
    Value::obj(vec![("permission", p)])
}

/// Asks the host to decide permission name (one of the manifest's `permissions`) for the
/// caller of the request being served (capability `permission`).
pub fn authorize(name: &str, action: &str, resource_type: &str) -> Result<Decision> {
    let req = permission_request(name, action, resource_type).to_json();
    Ok(Decision::from_value(&decode_envelope("permission_authorize", host_call!(permission_authorize, PermissionAuthorize, req.as_bytes()))?))
}

// ---- config, variables, logs (always allowed) ----

/// Config value key: the raw string for a string value, JSON otherwise; None if absent.
pub fn config(key: &str) -> Option<String> {
    ffi::config(key).map(|b| String::from_utf8_lossy(&b).into_owned())
}

/// The plugin's whole config object (after its schema's defaults).
pub fn config_all() -> Value {
    config("greenroom.config").and_then(|s| Value::parse(s.as_bytes()).ok()).unwrap_or_else(Value::object)
}

/// A per-instance variable, lost when the instance is replaced.
pub fn var_get(key: &str) -> Option<Vec<u8>> {
    ffi::var_get(key)
}

/// Sets (Some) or deletes (None) a per-instance variable.
pub fn var_set(key: &str, value: Option<&[u8]>) {
    ffi::var_set(key, value)
}

/// The host log, attributed to the plugin. Lines below the host's level cost one call.
pub mod log {
    use crate::ffi;

    fn at(level: i32, msg: &str) {
        if level >= ffi::log_level() {
            ffi::log(level, msg);
        }
    }
    pub fn trace(msg: &str) {
        at(0, msg)
    }
    pub fn debug(msg: &str) {
        at(1, msg)
    }
    pub fn info(msg: &str) {
        at(2, msg)
    }
    pub fn warn(msg: &str) {
        at(3, msg)
    }
    pub fn error(msg: &str) {
        at(4, msg)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing;

    #[test]
    fn catalog_has() {
        testing::reset();
        testing::set_answer(|name, req| match (name, req.str_of("ref")) {
            ("catalog_get", "component:default/web") => Ok(Value::obj(vec![("kind", "Component".into())])),
            ("catalog_get", "component:default/gone") => Ok(Value::Null),
            ("catalog_get", "component:default/odd") => Ok(Value::Array(vec![])),
            _ => Err(Error::new(code::CAPABILITY_DENIED, "catalog.read is not granted")),
        });
        assert_eq!(catalog::has("component:default/web"), Ok(true));
        assert_eq!(catalog::has("component:default/gone"), Ok(false));
        // Not the usual shape: decoded, and not null.
        assert_eq!(catalog::has("component:default/odd"), Ok(true));
        let err = catalog::has("component:default/secret").unwrap_err();
        assert_eq!(err.code, code::CAPABILITY_DENIED);
        let calls = testing::calls();
        assert_eq!(calls.len(), 4);
        assert_eq!(calls[0].1.to_json(), r#"{"ref":"component:default/web"}"#);
    }
}
