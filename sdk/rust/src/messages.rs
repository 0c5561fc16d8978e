//! The ABI's messages (SPEC.md section 7): what the exports read and write.

use crate::json::{write_string, Parser, Value};
use crate::{base64, code, Error, Result};

/// A list of names with their values, in order (query parameters, headers).
pub type Multi = Vec<(String, Vec<String>)>;

fn bad(what: &str, msg: impl std::fmt::Display) -> Error {
    Error::new(code::INVALID_ARGUMENT, format!("{}: {}", what, msg))
}

fn string_field(v: &Value, key: &str, what: &str) -> Result<String> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(String::new()),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(x) => Err(bad(what, format!("{} must be a string, not {}", key, x.to_json()))),
    }
}

/// A list of strings, or null; the error says what is wrong with it, for the caller to
/// name the member.
fn strings(v: Option<&Value>) -> std::result::Result<Vec<String>, String> {
    match v {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(a)) => a.iter().map(|x| x.as_str().map(str::to_string).ok_or_else(|| format!("{} is not a string", x.to_json()))).collect(),
        Some(x) => Err(format!("{} is not a list of strings", x.to_json())),
    }
}

/// Reads member field, `{name: [values]}`; with `single_ok`, a value may also be one
/// string (the response headers' shape). Errors name the member and the name:
/// `query name: 1 is not a list of strings`.
pub(crate) fn multi(v: Option<&Value>, what: &str, field: &str, single_ok: bool) -> Result<Multi> {
    match v {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Object(m)) => m
            .iter()
            .map(|(k, x)| match x {
                Value::String(s) if single_ok => Ok((k.clone(), vec![s.clone()])),
                _ => Ok((k.clone(), strings(Some(x)).map_err(|e| bad(what, format!("{} {}: {}", field, k, e)))?)),
            })
            .collect(),
        Some(x) => Err(bad(what, format!("{} is {}, not an object", field, x.to_json()))),
    }
}

pub(crate) fn multi_value(m: &Multi) -> Value {
    Value::Object(m.iter().map(|(k, vs)| (k.clone(), vs.clone().into())).collect())
}

fn first<'a>(m: &'a Multi, name: &str, fold: bool) -> Option<&'a str> {
    m.iter()
        .find(|(k, _)| if fold { k.eq_ignore_ascii_case(name) } else { k == name })
        .and_then(|(_, v)| v.first())
        .map(String::as_str)
}

fn bytes_field(v: &Value, key: &str, what: &str) -> Result<Vec<u8>> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::String(s)) => base64::decode(s).map_err(|e| bad(what, format!("{}: {}", key, e))),
        Some(x) => Err(bad(what, format!("{} must be base64, not {}", key, x.to_json()))),
    }
}

fn push_nonempty(m: &mut Vec<(String, Value)>, key: &str, s: &str) {
    if !s.is_empty() {
        m.push((key.to_string(), s.into()));
    }
}

/// Who a request comes from, as the host verified it (SPEC.md section 7.1).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Caller {
    /// "user" or "service".
    pub kind: String,
    pub user_entity_ref: String,
    pub ownership_entity_refs: Vec<String>,
    pub subject: String,
}

impl Caller {
    pub fn from_value(v: &Value) -> Result<Caller> {
        let w = "caller";
        Ok(Caller {
            kind: string_field(v, "type", w)?,
            user_entity_ref: string_field(v, "userEntityRef", w)?,
            ownership_entity_refs: strings(v.get("ownershipEntityRefs")).map_err(|e| bad(w, format!("ownershipEntityRefs: {}", e)))?,
            subject: string_field(v, "subject", w)?,
        })
    }

    pub fn to_value(&self) -> Value {
        let mut m = Vec::new();
        push_nonempty(&mut m, "type", &self.kind);
        push_nonempty(&mut m, "userEntityRef", &self.user_entity_ref);
        if !self.ownership_entity_refs.is_empty() {
            m.push(("ownershipEntityRefs".to_string(), self.ownership_entity_refs.clone().into()));
        }
        push_nonempty(&mut m, "subject", &self.subject);
        Value::Object(m)
    }
}

/// The HTTP request message (`gr_http`'s input).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Request {
    pub method: String,
    /// The path relative to `/api/<id>`.
    pub path: String,
    /// The manifest's route pattern that matched.
    pub route: String,
    pub params: Vec<(String, String)>,
    pub query: Multi,
    /// Header names are lower case.
    pub headers: Multi,
    pub body: Vec<u8>,
    /// None when nobody signed in.
    pub caller: Option<Caller>,
    /// The request's ID, as the host returns it in X-Request-Id and records it in its
    /// access and audit logs: log it, and pass it on to services the plugin calls.
    pub request_id: String,
}

impl Request {
    pub fn from_value(v: &Value) -> Result<Request> {
        let w = "HTTP request message";
        if v.as_object().is_none() {
            return Err(bad(w, "not a JSON object"));
        }
        let params = match v.get("params") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Object(m)) => m
                .iter()
                .map(|(k, x)| x.as_str().map(|s| (k.clone(), s.to_string())).ok_or_else(|| bad(w, format!("param {} is not a string", k))))
                .collect::<Result<_>>()?,
            Some(_) => return Err(bad(w, "params is not an object")),
        };
        Ok(Request {
            method: string_field(v, "method", w)?,
            path: string_field(v, "path", w)?,
            route: string_field(v, "route", w)?,
            params,
            query: multi(v.get("query"), w, "query", false)?,
            headers: multi(v.get("headers"), w, "headers", false)?,
            body: bytes_field(v, "body", w)?,
            caller: match v.get("caller") {
                None | Some(Value::Null) => None,
                Some(c) => Some(Caller::from_value(c)?),
            },
            request_id: string_field(v, "requestId", w)?,
        })
    }

    pub fn to_value(&self) -> Value {
        let mut m = Vec::new();
        push_nonempty(&mut m, "method", &self.method);
        push_nonempty(&mut m, "path", &self.path);
        push_nonempty(&mut m, "route", &self.route);
        if !self.params.is_empty() {
            m.push(("params".into(), Value::Object(self.params.iter().map(|(k, v)| (k.clone(), v.into())).collect())));
        }
        if !self.query.is_empty() {
            m.push(("query".into(), multi_value(&self.query)));
        }
        if !self.headers.is_empty() {
            m.push(("headers".into(), multi_value(&self.headers)));
        }
        if !self.body.is_empty() {
            m.push(("body".into(), base64::encode(&self.body).into()));
        }
        if let Some(c) = &self.caller {
            m.push(("caller".into(), c.to_value()));
        }
        push_nonempty(&mut m, "requestId", &self.request_id);
        Value::Object(m)
    }

    /// The first value of query parameter name.
    pub fn query_value(&self, name: &str) -> Option<&str> {
        first(&self.query, name, false)
    }

    /// The value of the route parameter name (`:name`, or `*` for the wildcard).
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// The first value of header name (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        first(&self.headers, name, true)
    }

    /// The body decoded as JSON; a body that does not decode is an `invalid_argument` error.
    pub fn body_json(&self) -> Result<Value> {
        Value::parse(&self.body).map_err(|e| bad("request body", e))
    }

    /// The signed-in user's entity ref, or None for a service or nobody.
    pub fn user(&self) -> Option<&str> {
        self.caller.as_ref().filter(|c| c.kind == "user" && !c.user_entity_ref.is_empty()).map(|c| c.user_entity_ref.as_str())
    }

    /// Whether the caller owns things as ref (itself or one of its groups), ignoring case.
    pub fn owns(&self, r: &str) -> bool {
        self.caller.as_ref().map_or(false, |c| c.ownership_entity_refs.iter().any(|o| o.eq_ignore_ascii_case(r)))
    }
}

/// Reads the HTTP request message straight into a [`Request`], with no [`Value`] tree:
/// the hot path of every `gr_http` call. It reads with the same parser as
/// [`Value::parse`] (strings, escapes, UTF-8, nesting depth, unknown members skipped by
/// parsing them), keeps the first of a repeated member as [`Value::get`] does, and
/// answers `None` for anything it does not take in one pass: a member of the wrong type,
/// an escaped member name, a caller that is not an object, bad base64, malformed JSON.
/// Then the caller decodes the message with [`Value::parse`] and [`Request::from_value`],
/// which accept or refuse it with the error naming the member. So `Some` always leaves
/// in r what the tree path gives, and errors read as they always have.
///
/// It fills r (a default `Request`) in place: a `Request` is large enough that moving it
/// costs a call to memcpy on wasm32.
pub(crate) fn read_request(b: &[u8], r: &mut Request) -> Option<()> {
    let mut p = Parser { b, i: 0 };
    p.ws();
    const MEMBERS: [&[u8]; 9] = [b"method", b"path", b"route", b"params", b"query", b"headers", b"body", b"caller", b"requestId"];
    read_members(&mut p, &MEMBERS, 1, |p, member| {
        match member {
            0 => r.method = opt_string(p)?,
            1 => r.path = opt_string(p)?,
            2 => r.route = opt_string(p)?,
            3 => {
                if !null(p)? {
                    r.params = read_object(p, |p| if p.b.get(p.i) == Some(&b'"') { p.string().ok() } else { None })?;
                }
            }
            4 => r.query = read_multi(p)?,
            5 => r.headers = read_multi(p)?,
            6 => {
                let s = opt_string(p)?;
                if !s.is_empty() {
                    r.body = base64::decode(&s).ok()?;
                }
            }
            7 => {
                if !null(p)? {
                    r.caller = Some(read_caller(p)?);
                }
            }
            _ => r.request_id = opt_string(p)?,
        }
        Some(())
    })?;
    p.ws();
    if p.i != b.len() {
        return None;
    }
    Some(())
}

/// Reads an object whose members of interest are names (at most 32, without escapes),
/// calling f with the index in names of each one's first occurrence, its value next.
/// Other members and repeats are parsed and skipped (as nesting depth `depth`), since
/// [`Value::get`] reads the first of a repeated member only; None for a malformed object
/// or an escaped name (the tree path reads those).
fn read_members<'a>(p: &mut Parser<'a>, names: &[&[u8]], depth: usize, mut f: impl FnMut(&mut Parser<'a>, usize) -> Option<()>) -> Option<()> {
    if !eat(p, b'{') {
        return None;
    }
    p.ws();
    if eat(p, b'}') {
        return Some(());
    }
    let mut seen = 0u32;
    loop {
        p.ws();
        let name = member_name(p)?;
        let member = names.iter().position(|n| *n == name);
        p.ws();
        if !eat(p, b':') {
            return None;
        }
        p.ws();
        match member {
            Some(m) if seen & (1 << m) == 0 => {
                seen |= 1 << m;
                f(p, m)?;
            }
            _ => {
                p.value(depth).ok()?;
            }
        }
        p.ws();
        if eat(p, b'}') {
            return Some(());
        }
        if !eat(p, b',') {
            return None;
        }
    }
}

fn eat(p: &mut Parser, c: u8) -> bool {
    if p.b.get(p.i) == Some(&c) {
        p.i += 1;
        true
    } else {
        false
    }
}

/// Reads `null` (true), or nothing (false) before any other value; None for a bad literal.
fn null(p: &mut Parser) -> Option<bool> {
    if p.b.get(p.i) == Some(&b'n') {
        p.lit("null", Value::Null).ok()?;
        return Some(true);
    }
    Some(false)
}

/// A member name without escapes, as its bytes; None for any other (the tree path reads
/// those).
fn member_name<'a>(p: &mut Parser<'a>) -> Option<&'a [u8]> {
    if p.b.get(p.i) != Some(&b'"') {
        return None;
    }
    let start = p.i + 1;
    let mut j = start;
    while let Some(&c) = p.b.get(j) {
        match c {
            b'"' => {
                p.i = j + 1;
                return Some(&p.b[start..j]);
            }
            0x20..=0x7f if c != b'\\' => j += 1,
            _ => return None,
        }
    }
    None
}

/// A string member's value: a string, or "" for null.
fn opt_string(p: &mut Parser) -> Option<String> {
    match p.b.get(p.i) {
        Some(b'"') => p.string().ok(),
        _ => null(p)?.then(String::new),
    }
}

/// An object's members, in order (names unescaped, repeats kept), each value read by f.
fn read_object<T>(p: &mut Parser, mut f: impl FnMut(&mut Parser) -> Option<T>) -> Option<Vec<(String, T)>> {
    if !eat(p, b'{') {
        return None;
    }
    let mut m = Vec::new();
    p.ws();
    if eat(p, b'}') {
        return Some(m);
    }
    loop {
        p.ws();
        if p.b.get(p.i) != Some(&b'"') {
            return None;
        }
        let k = p.string().ok()?;
        p.ws();
        if !eat(p, b':') {
            return None;
        }
        p.ws();
        m.push((k, f(p)?));
        p.ws();
        if eat(p, b'}') {
            return Some(m);
        }
        if !eat(p, b',') {
            return None;
        }
    }
}

/// An array of strings, or null (empty).
fn read_strings(p: &mut Parser) -> Option<Vec<String>> {
    if null(p)? {
        return Some(Vec::new());
    }
    if !eat(p, b'[') {
        return None;
    }
    let mut a = Vec::with_capacity(1);
    p.ws();
    if eat(p, b']') {
        return Some(a);
    }
    loop {
        p.ws();
        if p.b.get(p.i) != Some(&b'"') {
            return None;
        }
        a.push(p.string().ok()?);
        p.ws();
        if eat(p, b']') {
            return Some(a);
        }
        if !eat(p, b',') {
            return None;
        }
    }
}

/// `{name: [values]}` or null, as [`multi`] reads it for a request.
fn read_multi(p: &mut Parser) -> Option<Multi> {
    if null(p)? {
        return Some(Vec::new());
    }
    read_object(p, read_strings)
}

fn read_caller(p: &mut Parser) -> Option<Caller> {
    let mut c = Caller::default();
    const MEMBERS: [&[u8]; 4] = [b"type", b"userEntityRef", b"ownershipEntityRefs", b"subject"];
    read_members(p, &MEMBERS, 2, |p, member| {
        match member {
            0 => c.kind = opt_string(p)?,
            1 => c.user_entity_ref = opt_string(p)?,
            2 => c.ownership_entity_refs = read_strings(p)?,
            _ => c.subject = opt_string(p)?,
        }
        Some(())
    })?;
    Some(c)
}

/// A response's content.
#[derive(Clone, Debug, PartialEq)]
pub enum Body {
    Empty,
    /// Bytes (`body`, base64 on the wire).
    Bytes(Vec<u8>),
    /// UTF-8 text (`text`).
    Text(String),
    /// A JSON value (`json`); the host sets `content-type: application/json` unless a header does.
    Json(Value),
    /// One of the plugin's own files (`file`, `gr_http` only): the host reads it as
    /// `files_read` would and sends it as the body. See [`Response::file`].
    File(String),
}

/// The HTTP response message (`gr_http`'s output, and what `proxy_fetch` answers).
#[derive(Clone, Debug, PartialEq)]
pub struct Response {
    pub status: u16,
    pub headers: Multi,
    pub body: Body,
}

impl Default for Response {
    fn default() -> Response {
        Response { status: 200, headers: Vec::new(), body: Body::Empty }
    }
}

impl Response {
    pub fn json(status: u16, v: Value) -> Response {
        Response { status, headers: Vec::new(), body: Body::Json(v) }
    }

    pub fn text(status: u16, s: impl Into<String>) -> Response {
        Response { status, headers: vec![("content-type".into(), vec!["text/plain; charset=utf-8".into()])], body: Body::Text(s.into()) }
    }

    pub fn bytes(status: u16, content_type: &str, b: Vec<u8>) -> Response {
        Response { status, headers: vec![("content-type".into(), vec![content_type.into()])], body: Body::Bytes(b) }
    }

    /// A 200 response whose body is the plugin's own file at path (capability `files`),
    /// which the host reads as `files_read` would, records so in the audit log and
    /// sends: a large stored file never passes through the plugin's memory, and a missing
    /// one is answered 404 by the host (abi/SPEC.md 7.2). The module must import
    /// `files_read`, which this function makes sure of.
    pub fn file(content_type: &str, path: &str) -> Response {
        crate::ffi::keep_files_read();
        let mut r = Response { status: 200, headers: Vec::new(), body: Body::File(path.to_string()) };
        if !content_type.is_empty() {
            r.headers.push(("content-type".into(), vec![content_type.into()]));
        }
        r
    }

    /// An empty response with this status (204, 304, ...).
    pub fn status(status: u16) -> Response {
        Response { status, headers: Vec::new(), body: Body::Empty }
    }

    /// Backstage's JSON error body, with the status of the error's code.
    pub fn error(e: &Error) -> Response {
        let status = e.http_status();
        Response::json(
            status,
            Value::obj(vec![
                (
                    "error",
                    Value::obj(vec![("name", e.backstage_name().into()), ("message", e.message.as_str().into()), ("code", e.code.as_str().into())]),
                ),
                ("response", Value::obj(vec![("statusCode", status.into())])),
            ]),
        )
    }

    /// Adds a header value.
    pub fn with_header(mut self, name: &str, value: &str) -> Response {
        let name = name.to_ascii_lowercase();
        match self.headers.iter_mut().find(|(k, _)| *k == name) {
            Some((_, vs)) => vs.push(value.to_string()),
            None => self.headers.push((name, vec![value.to_string()])),
        }
        self
    }

    /// The first value of header name (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        first(&self.headers, name, true)
    }

    /// The content as bytes, whichever field holds it.
    pub fn content(&self) -> Vec<u8> {
        match &self.body {
            Body::Empty => Vec::new(),
            Body::Bytes(b) => b.clone(),
            Body::Text(s) => s.as_bytes().to_vec(),
            Body::Json(v) => v.to_json().into_bytes(),
            Body::File(_) => Vec::new(),
        }
    }

    pub fn from_value(v: &Value) -> Result<Response> {
        let w = "HTTP response message";
        if v.as_object().is_none() {
            return Err(bad(w, "not a JSON object"));
        }
        let status = match v.get("status") {
            None => 200,
            Some(s) => match s.as_i64() {
                Some(n) if (100..=599).contains(&n) => n as u16,
                _ => return Err(bad(w, format!("status {} is not an integer 100-599", s.to_json()))),
            },
        };
        let body = if let Some(j) = v.get("json") {
            Body::Json(j.clone())
        } else if let Some(t) = v.get("text") {
            Body::Text(t.as_str().ok_or_else(|| bad(w, "text is not a string"))?.to_string())
        } else if v.get("body").is_some() {
            Body::Bytes(bytes_field(v, "body", w)?)
        } else if let Some(f) = v.get("file") {
            match f.as_str() {
                Some(p) if !p.is_empty() => Body::File(p.to_string()),
                _ => return Err(bad(w, "file is not a non-empty string")),
            }
        } else {
            Body::Empty
        };
        Ok(Response { status, headers: multi(v.get("headers"), w, "headers", true)?, body })
    }

    /// Appends the response message as JSON to out: what `to_value().to_json()` gives,
    /// written directly (no tree, no copy of a JSON body). `gr_http` answers with it.
    pub fn write_json(&self, out: &mut String) {
        out.push_str("{\"status\":");
        let mut digits = [0u8; 5];
        let (mut n, mut i) = (self.status, digits.len());
        loop {
            i -= 1;
            digits[i] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        // SAFETY: ASCII digits.
        out.push_str(unsafe { std::str::from_utf8_unchecked(&digits[i..]) });
        if !self.headers.is_empty() {
            out.push_str(",\"headers\":{");
            for (i, (k, vs)) in self.headers.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(out, k);
                out.push(':');
                if vs.len() == 1 {
                    write_string(out, &vs[0]);
                } else {
                    out.push('[');
                    for (j, v) in vs.iter().enumerate() {
                        if j > 0 {
                            out.push(',');
                        }
                        write_string(out, v);
                    }
                    out.push(']');
                }
            }
            out.push('}');
        }
        match &self.body {
            Body::Empty => {}
            Body::Bytes(b) => {
                // base64's alphabet needs no escaping.
                out.push_str(",\"body\":\"");
                out.push_str(&base64::encode(b));
                out.push('"');
            }
            Body::Text(t) => {
                out.push_str(",\"text\":");
                write_string(out, t);
            }
            Body::Json(v) => {
                out.push_str(",\"json\":");
                v.write(out);
            }
            Body::File(p) => {
                out.push_str(",\"file\":");
                write_string(out, p);
            }
        }
        out.push('}');
    }

    pub fn to_value(&self) -> Value {
        let mut m = vec![("status".to_string(), self.status.into())];
        if !self.headers.is_empty() {
            let h = self
                .headers
                .iter()
                .map(|(k, vs)| (k.clone(), if vs.len() == 1 { vs[0].as_str().into() } else { vs.clone().into() }))
                .collect();
            m.push(("headers".into(), Value::Object(h)));
        }
        match &self.body {
            Body::Empty => {}
            Body::Bytes(b) => m.push(("body".into(), base64::encode(b).into())),
            Body::Text(s) => m.push(("text".into(), s.as_str().into())),
            Body::Json(v) => m.push(("json".into(), v.clone())),
            Body::File(p) => m.push(("file".into(), p.as_str().into())),
        }
        Value::Object(m)
    }
}

/// `gr_task`'s input.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TaskRequest {
    pub name: String,
    /// RFC 3339.
    pub scheduled_at: String,
}

impl TaskRequest {
    pub fn from_value(v: &Value) -> Result<TaskRequest> {
        let w = "task message";
        Ok(TaskRequest { name: string_field(v, "name", w)?, scheduled_at: string_field(v, "scheduledAt", w)? })
    }

    pub fn to_value(&self) -> Value {
        Value::obj(vec![("name", self.name.as_str().into()), ("scheduledAt", self.scheduled_at.as_str().into())])
    }
}

fn config_of(v: &Value) -> Value {
    match v.get("config") {
        Some(c @ Value::Object(_)) => c.clone(),
        _ => Value::object(),
    }
}

/// `gr_extension`'s input: the extension's id and its config (with its schema's defaults).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ExtensionRequest {
    pub extension: String,
    pub config: Value,
}

impl ExtensionRequest {
    pub fn from_value(v: &Value) -> Result<ExtensionRequest> {
        let extension = string_field(v, "extension", "extension request")?;
        if extension.is_empty() {
            return Err(bad("gr_extension", "the request message needs an extension id"));
        }
        Ok(ExtensionRequest { extension, config: config_of(v) })
    }

    pub fn to_value(&self) -> Value {
        Value::obj(vec![("extension", self.extension.as_str().into()), ("config", self.config.clone())])
    }

    /// Config member key as a string, else def.
    pub fn config_string<'a>(&'a self, key: &str, def: &'a str) -> &'a str {
        self.config.get(key).and_then(Value::as_str).unwrap_or(def)
    }
}

/// A navigation item (`core.nav.target`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NavTarget {
    pub title: String,
    pub path: String,
    pub icon: String,
}

/// An extension's outputs (`gr_extension`'s output): each set one is written.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Outputs {
    /// `core.routing.path`.
    pub route_path: Option<String>,
    /// `core.nav.target`.
    pub nav_target: Option<NavTarget>,
    /// `core.title`.
    pub title: Option<String>,
    /// `catalog.entity-filter-expression`; an empty one is left out.
    pub entity_filter: Option<String>,
    /// `core.ui.element`: the element's state, passed back to every render (`{}` for none).
    pub element: Option<Value>,
}

impl Outputs {
    pub fn to_value(&self) -> Value {
        let mut m = Vec::new();
        if let Some(p) = &self.route_path {
            m.push(("core.routing.path".to_string(), p.as_str().into()));
        }
        if let Some(n) = &self.nav_target {
            let mut t = vec![("title".to_string(), n.title.as_str().into()), ("path".to_string(), n.path.as_str().into())];
            push_nonempty(&mut t, "icon", &n.icon);
            m.push(("core.nav.target".into(), Value::Object(t)));
        }
        if let Some(t) = &self.title {
            m.push(("core.title".into(), t.as_str().into()));
        }
        if let Some(f) = self.entity_filter.as_ref().filter(|f| !f.is_empty()) {
            m.push(("catalog.entity-filter-expression".into(), f.as_str().into()));
        }
        if let Some(e) = &self.element {
            m.push(("core.ui.element".into(), e.clone()));
        }
        Value::Object(m)
    }

    pub fn from_value(v: &Value) -> Result<Outputs> {
        let w = "extension outputs";
        let s = |k: &str| -> Result<Option<String>> {
            match v.get(k) {
                None => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(x) => Err(bad(w, format!("{} is {}, not a string", k, x.to_json()))),
            }
        };
        Ok(Outputs {
            route_path: s("core.routing.path")?,
            nav_target: v.get("core.nav.target").map(|n| NavTarget {
                title: n.str_of("title").into(),
                path: n.str_of("path").into(),
                icon: n.str_of("icon").into(),
            }),
            title: s("core.title")?,
            entity_filter: s("catalog.entity-filter-expression")?,
            element: v.get("core.ui.element").cloned(),
        })
    }
}

/// `gr_render`'s input.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RenderRequest {
    pub extension: String,
    pub config: Value,
    /// The page's path.
    pub path: String,
    pub query: Multi,
    pub params: Vec<(String, String)>,
    /// The page's entity, exactly as the catalog serves it; None off entity pages.
    pub entity: Option<Value>,
    /// The element state the factory returned.
    pub element: Option<Value>,
}

impl RenderRequest {
    pub fn from_value(v: &Value) -> Result<RenderRequest> {
        let w = "render request";
        let extension = string_field(v, "extension", w)?;
        if extension.is_empty() {
            return Err(bad("gr_render", "the request message needs an extension id"));
        }
        let params = match v.get("params") {
            Some(Value::Object(m)) => m.iter().map(|(k, x)| (k.clone(), x.as_str().unwrap_or("").to_string())).collect(),
            _ => Vec::new(),
        };
        Ok(RenderRequest {
            extension,
            config: config_of(v),
            path: string_field(v, "path", w)?,
            query: multi(v.get("query"), w, "query", false)?,
            params,
            entity: v.get("entity").filter(|e| !e.is_null()).cloned(),
            element: v.get("element").filter(|e| !e.is_null()).cloned(),
        })
    }

    pub fn to_value(&self) -> Value {
        let mut m = vec![
            ("extension".to_string(), self.extension.as_str().into()),
            ("config".to_string(), self.config.clone()),
            ("path".to_string(), self.path.as_str().into()),
        ];
        if !self.query.is_empty() {
            m.push(("query".into(), multi_value(&self.query)));
        }
        if !self.params.is_empty() {
            m.push(("params".into(), Value::Object(self.params.iter().map(|(k, v)| (k.clone(), v.into())).collect())));
        }
        if let Some(e) = &self.entity {
            m.push(("entity".into(), e.clone()));
        }
        if let Some(e) = &self.element {
            m.push(("element".into(), e.clone()));
        }
        Value::Object(m)
    }

    /// Config member key as a string, else def.
    pub fn config_string<'a>(&'a self, key: &str, def: &'a str) -> &'a str {
        self.config.get(key).and_then(Value::as_str).unwrap_or(def)
    }

    pub fn query_value(&self, name: &str) -> Option<&str> {
        first(&self.query, name, false)
    }

    /// An annotation of the page's entity (`metadata.annotations[name]`).
    pub fn annotation(&self, name: &str) -> Option<&str> {
        self.entity.as_ref()?.path(&["metadata", "annotations", name])?.as_str()
    }
}
