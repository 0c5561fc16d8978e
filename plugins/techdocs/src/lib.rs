//! Greenroom's TechDocs plugin: docs-as-code
//! read through the host's URL readers, built into mkdocs-style sites inside the sandbox
//! (module site), kept in the plugin's own files, and served on Backstage's
//! /api/techdocs routes and on the portal's /docs pages and entity Docs tab.
//!
//! It uses only host functions any plugin can be granted: catalog.read (the entity,
//! read as the caller, so docs follow the entity's read permission), url.read (the
//! docs tree, with ETags), files (the built sites), search.write (their pages in the
//! portal's search, as type techdocs) and, optionally, facts.write.
//!
//! It replaced a Go plugin (RATIONALE.md, "The TechDocs plugin is Rust") and keeps its
//! stored state and file layout, so a portal upgrades in place.

mod pages;
mod routes;
mod search;
mod site;
mod sync;
mod task;
mod urls;

#[cfg(test)]
mod main_test;
#[cfg(test)]
mod search_test;

use std::cell::RefCell;

use greenroom::{log, Plugin, Value};

pub use site::config::go_quote;

/// The plugin's config (plugins[].config; schema in plugin.yaml).
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    /// local (build on sync) or external (sites are published by CI; never build), as
    /// Backstage's techdocs.builder.
    pub builder: String,
    /// Larger docs trees are refused.
    pub max_files: i64,
    pub max_file_size: i64,
    /// The least time between two checks of one entity's source, in seconds (Backstage:
    /// 60).
    pub sync_interval: i64,
    /// How long, in seconds, one run of the build task may take; keep it below the
    /// plugin's limits.timeout.
    pub task_budget: i64,
}

impl Default for Config {
    fn default() -> Config {
        Config { builder: "local".into(), max_files: 5000, max_file_size: 10 << 20, sync_interval: 60, task_budget: 20 }
    }
}

impl Config {
    /// The config object over the defaults, as Go's json.Unmarshal fills a struct: a
    /// member of the wrong type is an error (named), and the others still count.
    fn decode(v: &Value) -> (Config, Vec<String>) {
        let mut c = Config::default();
        let mut errs = Vec::new();
        let m = match v {
            Value::Object(m) => m,
            Value::Null => return (c, errs),
            other => return (c, vec![format!("the config is {}, not an object", other.to_json())]),
        };
        for (k, x) in m {
            if x.is_null() {
                continue;
            }
            let int = |slot: &mut i64, errs: &mut Vec<String>| match x.as_i64().filter(|_| matches!(x, Value::Number(n) if !n.contains(|c| c == '.' || c == 'e' || c == 'E'))) {
                Some(n) => *slot = n,
                None => errs.push(format!("{}: {} is not an integer", k, x.to_json())),
            };
            match k.as_str() {
                "builder" => match x.as_str() {
                    Some(s) => c.builder = s.to_string(),
                    None => errs.push(format!("builder: {} is not a string", x.to_json())),
                },
                "maxFiles" => int(&mut c.max_files, &mut errs),
                "maxFileSize" => int(&mut c.max_file_size, &mut errs),
                "syncInterval" => int(&mut c.sync_interval, &mut errs),
                "taskBudget" => int(&mut c.task_budget, &mut errs),
                _ => {}
            }
        }
        (c, errs)
    }
}

thread_local! {
    static CONFIG: RefCell<Option<Config>> = RefCell::new(None);
}

/// The plugin's config, read once per instance.
pub fn config() -> Config {
    CONFIG.with(|c| {
        if let Some(cfg) = c.borrow().as_ref() {
            return cfg.clone();
        }
        let (cfg, errs) = Config::decode(&greenroom::config_all());
        if !errs.is_empty() {
            log::error(&log_line("techdocs: decoding the plugin config", &[("err", &format!("internal: decoding the plugin config: {}", errs.join("; ")))]));
        }
        *c.borrow_mut() = Some(cfg.clone());
        cfg
    })
}

/// Forgets the config read, for tests that change it.
#[cfg(test)]
pub fn reset_config() {
    CONFIG.with(|c| *c.borrow_mut() = None);
}

fn setup(p: &mut Plugin) {
    routes::register(p);
    pages::register(p);
    task::register(p);
}

greenroom::plugin!(setup);

/// An entity named as TechDocs names it: namespace, kind and name, lower case.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Triplet {
    pub namespace: String,
    pub kind: String,
    pub name: String,
}

impl Triplet {
    pub fn of(ns: &str, kind: &str, name: &str) -> Triplet {
        let ns = if ns.is_empty() { "default" } else { ns };
        Triplet { namespace: ns.to_lowercase(), kind: kind.to_lowercase(), name: name.to_lowercase() }
    }

    /// The entity ref: kind:namespace/name.
    pub fn entity_ref(&self) -> String {
        format!("{}:{}/{}", self.kind, self.namespace, self.name)
    }

    /// The triplet as a path: namespace/kind/name.
    pub fn path(&self) -> String {
        format!("{}/{}/{}", self.namespace, self.kind, self.name)
    }

    /// Where the entity's built site is kept in the plugin's files.
    pub fn site_prefix(&self) -> String {
        format!("sites/{}", self.path())
    }

    /// Where the entity's build state is kept.
    pub fn state_path(&self) -> String {
        format!("state/{}.json", self.path())
    }

    /// The portal's reader page of the entity.
    pub fn reader_url(&self) -> String {
        format!("/docs/{}/", self.path())
    }

    /// The entity's site on the static route.
    pub fn static_url(&self) -> String {
        format!("/api/techdocs/static/docs/{}/", self.path())
    }
}

// ---- an entity, as the catalog serves it (a JSON object) ----

/// A string of the entity at path; "" when it is absent or not a string.
pub fn entity_str<'a>(e: &'a Value, path: &[&str]) -> &'a str {
    e.path(path).and_then(Value::as_str).unwrap_or("")
}

/// metadata.<key>.
pub fn meta<'a>(e: &'a Value, key: &str) -> &'a str {
    entity_str(e, &["metadata", key])
}

/// metadata.annotations[name].
pub fn annotation<'a>(e: &'a Value, name: &str) -> &'a str {
    entity_str(e, &["metadata", "annotations", name])
}

/// spec.<key> when it is a string.
pub fn spec_str<'a>(e: &'a Value, key: &str) -> &'a str {
    entity_str(e, &["spec", key])
}

pub fn entity_kind(e: &Value) -> &str {
    e.str_of("kind")
}

pub fn entity_triplet(e: &Value) -> Triplet {
    Triplet::of(meta(e, "namespace"), entity_kind(e), meta(e, "name"))
}

/// The entity's title, else its name.
pub fn title(e: &Value) -> &str {
    match meta(e, "title") {
        "" => meta(e, "name"),
        t => t,
    }
}

// ---- Go's formats ----

/// A log line as the Go SDK writes one: msg, then key=value pairs, a value quoted when it
/// is empty or holds a space, tab, newline, quote or '='.
pub fn log_line(msg: &str, kvs: &[(&str, &str)]) -> String {
    let mut b = String::from(msg);
    for (k, v) in kvs {
        b.push(' ');
        b.push_str(k);
        b.push('=');
        if v.is_empty() || v.contains(|c| matches!(c, ' ' | '\t' | '\r' | '\n' | '"' | '=')) {
            b.push_str(&go_quote(v));
        } else {
            b.push_str(v);
        }
    }
    b
}

/// v as Go's encoding/json writes it: compact, with <, > and & escaped for HTML.
pub fn go_json(v: &Value) -> String {
    let s = v.to_json();
    if !s.contains(|c| matches!(c, '<' | '>' | '&')) {
        return s;
    }
    // Outside strings JSON has none of these, so every one is in a string.
    s.replace('<', "\\u003c").replace('>', "\\u003e").replace('&', "\\u0026")
}

/// A duration of ns nanoseconds rounded to a multiple of unit (half away from zero), as
/// Go's time.Duration.Round.
pub fn round_ns(ns: u64, unit: u64) -> u64 {
    if unit == 0 {
        return ns;
    }
    let r = ns % unit;
    if r + r < unit {
        ns - r
    } else {
        ns.saturating_add(unit - r)
    }
}

/// A duration as Go's time.Duration.String writes it: "0s", "15ms", "1.234s", "2m3.5s",
/// "1h0m0s".
pub fn go_duration(ns: u64) -> String {
    fn frac(v: u64, prec: u32) -> String {
        let p = 10u64.pow(prec);
        let (whole, mut f) = (v / p, v % p);
        if f == 0 {
            return whole.to_string();
        }
        let mut digits = prec as usize;
        while f % 10 == 0 {
            f /= 10;
            digits -= 1;
        }
        format!("{}.{:0width$}", whole, f, width = digits)
    }
    const SECOND: u64 = 1_000_000_000;
    if ns == 0 {
        return "0s".into();
    }
    if ns < 1_000 {
        return format!("{}ns", ns);
    }
    if ns < 1_000_000 {
        return format!("{}µs", frac(ns, 3));
    }
    if ns < SECOND {
        return format!("{}ms", frac(ns, 6));
    }
    let (h, rest) = (ns / (3600 * SECOND), ns % (3600 * SECOND));
    let (m, s) = (rest / (60 * SECOND), rest % (60 * SECOND));
    let secs = format!("{}s", frac(s, 9));
    if h > 0 {
        format!("{}h{}m{}", h, m, secs)
    } else if m > 0 {
        format!("{}m{}", m, secs)
    } else {
        secs
    }
}

/// A step's duration for the sync's log: rounded to the millisecond.
pub fn step_duration(ns: u64) -> String {
    go_duration(round_ns(ns, 1_000_000))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        for (ns, want) in [
            (0, "0s"),
            (400_000, "0s"),
            (500_000, "1ms"),
            (15_000_000, "15ms"),
            (15_400_000, "15ms"),
            (999_600_000, "1s"),
            (1_234_000_000, "1.234s"),
            (1_500_000_000, "1.5s"),
            (61_000_000_000, "1m1s"),
            (3_600_000_000_000, "1h0m0s"),
            (3_723_456_000_000, "1h2m3.456s"),
        ] {
            assert_eq!(step_duration(ns), want, "{}ns", ns);
        }
        assert_eq!(go_duration(round_ns(42_600_000_000, 1_000_000_000)), "43s");
        assert_eq!(go_duration(1_500), "1.5µs");
    }

    #[test]
    fn config_decode() {
        let v = Value::parse(br#"{"builder":"external","maxFiles":20,"syncInterval":0,"taskBudget":"x","maxFileSize":1.5}"#).unwrap();
        let (c, errs) = Config::decode(&v);
        assert_eq!((c.builder.as_str(), c.max_files, c.sync_interval, c.task_budget, c.max_file_size), ("external", 20, 0, 20, 10 << 20));
        assert_eq!(errs.len(), 2, "{:?}", errs);
        assert_eq!(Config::decode(&Value::object()).0, Config::default());
    }

    #[test]
    fn formats() {
        assert_eq!(log_line("techdocs: build failed", &[("entity", "component:default/svc"), ("err", "a b")]), r#"techdocs: build failed entity=component:default/svc err="a b""#);
        assert_eq!(log_line("m", &[("n", "")]), r#"m n="""#);
        assert_eq!(go_json(&Value::from("<a & b>")), r#""\u003ca \u0026 b\u003e""#);
        let t = Triplet::of("", "Component", "Svc");
        assert_eq!((t.entity_ref(), t.state_path(), t.static_url()), ("component:default/svc".into(), "state/default/component/svc.json".into(), "/api/techdocs/static/docs/default/component/svc/".into()));
    }
}
