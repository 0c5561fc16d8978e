//! These tests run the plugin natively on the SDK's test host (greenroom::testing);
//! host/internal/cli's TestTechDocs* run it built for WebAssembly through the whole
//! server. A port of main_test.go.

use std::cell::RefCell;
use std::rc::Rc;

use greenroom::{base64, code, testing, Error, Export, Value};

use crate::sync::{edit_base, source, State, ANN_MANAGED_BY, ANN_REF, ANN_SOURCE_LOCATION};

pub const ENTITY: &str = r#"{"apiVersion":"backstage.io/v1alpha1","kind":"Component","metadata":{"name":"svc","namespace":"default","annotations":{"backstage.io/techdocs-ref":"url:file:///srv/svc"}},"spec":{"owner":"team-a"}}"#;
pub const BARE: &str = r#"{"apiVersion":"backstage.io/v1alpha1","kind":"Component","metadata":{"name":"svc","namespace":"default"},"spec":{"owner":"team-a"}}"#;
pub const MOVED: &str = r#"{"apiVersion":"backstage.io/v1alpha1","kind":"Component","metadata":{"name":"svc","namespace":"default","annotations":{"backstage.io/techdocs-ref":"url:file:///srv/svc"}},"spec":{"owner":"team-b"}}"#;
pub const TREE: [(&str, &str); 3] = [("mkdocs.yml", "site_name: Svc\n"), ("docs/index.md", "# Svc\n\nHello.\n"), ("docs/more.md", "# More\n")];

/// What the fake host does and what it saw.
#[derive(Default)]
pub struct Fake {
    /// url_read_tree fails as an upstream 500 would.
    pub fail_read: bool,
    /// search_replace is answered (else it is not granted), and fails while search_down.
    pub search: bool,
    pub search_down: bool,
    /// url_read_tree answers not modified for the ETag e1.
    pub honour_etag: bool,
    /// The entity lost its annotation (catalog_get), has a new owner (catalog_query) or
    /// left the catalog (catalog_query).
    pub bare: bool,
    pub moved: bool,
    pub gone: bool,
    /// The search_replace requests.
    pub sent: Vec<Value>,
    /// The facts_publish requests.
    pub facts: Vec<Value>,
}

fn parse(s: &str) -> Value {
    Value::parse(s.as_bytes()).expect("a test's JSON")
}

/// Answers the host functions the plugin calls besides files_* (which the test host
/// keeps in memory): one entity with docs, and its tree.
pub fn fake_host(fail_read: bool) -> Rc<RefCell<Fake>> {
    testing::reset();
    crate::reset_config();
    let fake = Rc::new(RefCell::new(Fake { fail_read, ..Default::default() }));
    let f = fake.clone();
    testing::set_answer(move |name, req| {
        let mut f = f.borrow_mut();
        match name {
            "catalog_query" => {
                let items = if f.gone {
                    Vec::new()
                } else if f.moved {
                    vec![parse(MOVED)]
                } else {
                    vec![parse(ENTITY)]
                };
                let n = items.len();
                Ok(Value::obj(vec![("items", Value::Array(items)), ("totalItems", n.into()), ("pageInfo", Value::object())]))
            }
            "catalog_get" if f.bare => Ok(parse(BARE)),
            "catalog_get" if req.str_of("ref") == "component:default/svc" => Ok(parse(ENTITY)),
            "catalog_get" => Ok(Value::Null),
            "url_read_tree" => {
                if f.fail_read {
                    return Err(Error::new(code::UNAVAILABLE, "read file:///srv/svc: upstream answered 500"));
                }
                if f.honour_etag && req.str_of("etag") == "e1" {
                    return Ok(parse(r#"{"files":[],"etag":"e1","notModified":true}"#));
                }
                let files = TREE
                    .iter()
                    .map(|(p, c)| Value::obj(vec![("path", (*p).into()), ("content", base64::encode(c.as_bytes()).into()), ("size", c.len().into())]))
                    .collect();
                Ok(Value::obj(vec![("files", Value::Array(files)), ("etag", "e1".into())]))
            }
            "search_replace" if f.search => {
                f.sent.push(req.clone());
                if f.search_down {
                    return Err(Error::new(code::UNAVAILABLE, "the index is busy"));
                }
                Ok(parse(r#"{"count":1}"#))
            }
            "facts_publish" => {
                f.facts.push(req.clone());
                Err(Error::new(code::CAPABILITY_DENIED, "facts_publish is not faked"))
            }
            _ => Err(Error::new(code::CAPABILITY_DENIED, format!("{} is not faked", name))),
        }
    });
    fake
}

/// Sets the plugin's config object, as the host passes it after its schema's defaults.
pub fn set_config(json: &str) {
    testing::set_config("greenroom.config", json);
    crate::reset_config();
}

pub fn run_task() {
    let (rc, out) = testing::call(crate::setup, Export::Task, br#"{"name":"build","scheduledAt":"2026-12-01T10:00:00Z"}"#);
    assert_eq!(rc, 0, "gr_task: {}", String::from_utf8_lossy(&out));
}

/// A GET of the plugin's route, as the host sends it: the response message and its body.
pub fn get(path: &str, route: &str, params: &[(&str, &str)]) -> (Value, Vec<u8>) {
    let params = Value::Object(params.iter().map(|(k, v)| (k.to_string(), (*v).into())).collect());
    let req = Value::obj(vec![("method", "GET".into()), ("path", path.into()), ("route", route.into()), ("params", params)]);
    let (rc, out) = testing::call(crate::setup, Export::Http, req.to_json().as_bytes());
    assert_eq!(rc, 0, "gr_http {}: {}", path, String::from_utf8_lossy(&out));
    let resp = Value::parse(&out).expect("the response message is JSON");
    let body = match (resp.get("body"), resp.get("text"), resp.get("json")) {
        (Some(b), _, _) => base64::decode(b.as_str().unwrap_or("")).expect("base64 body"),
        (_, Some(t), _) => t.as_str().unwrap_or("").as_bytes().to_vec(),
        (_, _, Some(j)) => j.to_json().into_bytes(),
        _ => Vec::new(),
    };
    (resp, body)
}

pub fn sync_svc() -> String {
    let (resp, body) = get("/sync/default/component/svc", "/sync/:namespace/:kind/:name", &[("namespace", "default"), ("kind", "component"), ("name", "svc")]);
    assert_eq!(resp.get("status").and_then(Value::as_i64), Some(200), "{}", resp.to_json());
    String::from_utf8(body).expect("UTF-8 events")
}

pub fn state() -> State {
    testing::file("state/default/component/svc.json").map(|b| State::from_json(&b)).unwrap_or_default()
}

fn file_names() -> Vec<String> {
    testing::calls()
        .iter()
        .filter(|(n, _)| n == "files_write")
        .flat_map(|(_, r)| r.get("files").and_then(Value::as_array).cloned().unwrap_or_default())
        .map(|f| f.str_of("path").to_string())
        .collect()
}

/// The build task builds every entity with docs into the plugin's files.
#[test]
fn build_task() {
    let _ = fake_host(false);
    run_task();
    for f in ["sites/default/component/svc/index.html", "sites/default/component/svc/more/index.html", "sites/default/component/svc/techdocs_metadata.json", "state/default/component/svc.json"] {
        assert!(testing::file(f).is_some(), "no {} in {:?}", f, file_names());
    }
    let st = String::from_utf8(testing::file("state/default/component/svc.json").unwrap()).unwrap();
    assert!(st.contains(r#""etag":"e1""#), "state: {}", st);
}

/// A source that fails is logged and recorded; the task goes on.
#[test]
fn build_task_failure() {
    let _ = fake_host(true);
    run_task();
    let st = String::from_utf8(testing::file("state/default/component/svc.json").unwrap_or_default()).unwrap();
    assert!(st.contains("upstream answered 500"), "state: {}", st);
    let logs = testing::logs();
    assert!(logs.iter().any(|l| l.contains("techdocs: build failed") && l.contains("component:default/svc")), "logs: {:?}", logs);
}

/// With builder external (sites published by CI), nothing is built.
#[test]
fn external_builder() {
    let _ = fake_host(false);
    set_config(r#"{"builder":"external"}"#);
    run_task();
    assert!(file_names().is_empty(), "an external builder built: {:?}", file_names());
    let body = sync_svc();
    assert!(body.contains("techdocs.builder is external") && body.contains(r#"{"updated":false}"#), "sync: {}", body);
}

#[test]
fn edit_bases() {
    for (src, want) in [
        ("https://github.com/acme/pay/tree/main/docs-site", "https://github.com/acme/pay/edit/main/docs-site/"),
        ("https://github.com/acme/pay/tree/main", "https://github.com/acme/pay/edit/main/"),
        ("https://github.com/acme/pay/blob/main/x", ""),
        ("https://gitlab.com/acme/pay/-/tree/main", ""),
        ("file:///srv/docs", ""),
    ] {
        assert_eq!(edit_base(src), want, "edit_base({:?})", src);
    }
}

/// techdocs-ref resolves as Backstage resolves it.
#[test]
fn sources() {
    let ent = |ann: &[(&str, &str)]| {
        let anns = Value::Object(ann.iter().map(|(k, v)| (k.to_string(), (*v).into())).collect());
        Value::obj(vec![("kind", "Component".into()), ("metadata", Value::obj(vec![("name", "x".into()), ("annotations", anns)]))])
    };
    let cases: Vec<(Vec<(&str, &str)>, &str, &str)> = vec![
        (vec![(ANN_REF, "dir:."), (ANN_MANAGED_BY, "file:/srv/cat/catalog-info.yaml")], "dir file:///srv/cat", ""),
        (vec![(ANN_REF, "dir:./docs"), (ANN_MANAGED_BY, "file:/srv/cat/catalog-info.yaml")], "dir file:///srv/cat/docs", ""),
        (vec![(ANN_REF, "dir:../other"), (ANN_MANAGED_BY, "file:/srv/cat/catalog-info.yaml")], "", "leads outside /srv/cat"),
        (vec![(ANN_REF, "dir:."), (ANN_MANAGED_BY, "url:https://github.com/o/r/blob/main/catalog-info.yaml")], "url https://github.com/o/r/tree/main", ""),
        (vec![(ANN_REF, "dir:site"), (ANN_SOURCE_LOCATION, "url:https://github.com/o/r/tree/main/")], "url https://github.com/o/r/tree/main/site", ""),
        (vec![(ANN_REF, "url:https://github.com/o/r/tree/main/docs")], "url https://github.com/o/r/tree/main/docs", ""),
        (vec![(ANN_REF, "git:x")], "", r#"the type "git" is not dir or url"#),
        (vec![(ANN_REF, "dir:.")], "", "needs the entity's backstage.io/source-location or backstage.io/managed-by-location"),
        (vec![], "", "has no backstage.io/techdocs-ref annotation"),
    ];
    for (ann, want, fail) in cases {
        let got = source(&ent(&ann));
        if !fail.is_empty() {
            match got {
                Err(e) => assert!(e.to_string().contains(fail), "{:?}: {}, want {:?}", ann, e, fail),
                Ok(l) => panic!("{:?}: {:?}, want {:?}", ann, l, fail),
            }
            continue;
        }
        match got {
            Ok(l) => assert_eq!(format!("{} {}", l.kind, l.target), want, "{:?}", ann),
            Err(e) => panic!("{:?}: {}", ann, e),
        }
    }
}

/// The sync route's stream: the steps' log lines in the form the benchmark parses
/// ("read N files in D; building", "built N pages in D", "stored N files in D",
/// "indexed N pages and sections for search in D"), then an unchanged source is one
/// conditional read and no rebuild, and a failing source keeps the last good build
/// with the error recorded.
#[test]
fn sync_route() {
    let fake = fake_host(false);
    {
        let mut f = fake.borrow_mut();
        f.search = true;
        f.honour_etag = true;
    }
    set_config(r#"{"syncInterval":0}"#);
    let body = sync_svc();
    assert!(body.starts_with("event: log\ndata: \"reading file:///srv/svc\"\n\n"), "{}", body);
    for (prefix, suffix) in [("read 3 files in ", "; building"), ("built 2 pages in ", ""), ("stored ", ""), ("indexed ", "")] {
        let line = body.lines().find_map(|l| l.strip_prefix("data: \"").filter(|l| l.starts_with(prefix))).unwrap_or_else(|| panic!("no {:?} line in {}", prefix, body));
        let line = line.trim_end_matches('"').trim_end_matches(suffix);
        let d = line.rsplit(" in ").next().unwrap_or("");
        assert!(!d.is_empty() && d.ends_with('s') && d.trim_end_matches(|c| c == 's' || c == 'm' || c == 'µ' || c == 'h').chars().all(|c| c.is_ascii_digit() || c == '.' || c == 'm'), "{:?}: duration {:?}", line, d);
    }
    assert!(body.ends_with("event: finish\ndata: {\"updated\":true}\n\n"), "{}", body);
    // The sync published techdocs.hasDocs (and went on when the host refused it).
    assert_eq!(fake.borrow().facts.len(), 1);
    assert_eq!(fake.borrow().facts[0].to_json(), r#"{"facts":[{"entityRef":"component:default/svc","name":"techdocs.hasDocs","value":true}]}"#);

    let reads = |name: &str| testing::calls().iter().filter(|(n, _)| n == name).count();
    let (trees, writes) = (reads("url_read_tree"), reads("files_write"));
    let body = sync_svc();
    assert!(body.contains("the source is unchanged (etag e1); no rebuild") && body.contains(r#"{"updated":false}"#), "{}", body);
    assert_eq!(reads("url_read_tree"), trees + 1);
    assert_eq!(reads("files_write"), writes + 1, "an unchanged source wrote more than its state");
    let req = testing::calls().into_iter().rev().find(|(n, _)| n == "url_read_tree").unwrap().1;
    assert_eq!(req.to_json(), r#"{"url":"file:///srv/svc","etag":"e1"}"#);

    fake.borrow_mut().honour_etag = false;
    fake.borrow_mut().fail_read = true;
    let body = sync_svc();
    assert!(body.ends_with("event: error\ndata: \"reading the docs of component:default/svc from file:///srv/svc: unavailable: read file:///srv/svc: upstream answered 500\"\n\n"), "{}", body);
    let st = state();
    assert!(st.error.contains("upstream answered 500") && st.etag == "e1" && st.error_at > 0, "{:?}", st);
    assert!(testing::file("sites/default/component/svc/index.html").is_some(), "the last good build is gone");

    // Within syncInterval: no read, the recorded error.
    set_config(r#"{"syncInterval":3600}"#);
    let trees = reads("url_read_tree");
    let body = sync_svc();
    assert!(body.contains("checked 0s ago; the next check is after 3600s") && body.contains("event: error"), "{}", body);
    assert_eq!(reads("url_read_tree"), trees);
}

/// Backstage's routes: the site's files (served by the host from the plugin's files,
/// with their content type and CSP), the redirect of an upper-case triplet, the
/// metadata, and the errors of an entity that is not in the catalog.
#[test]
fn routes() {
    let _ = fake_host(false);
    run_task();
    let svc = [("namespace", "default"), ("kind", "component"), ("name", "svc")];
    let star = |p: &'static str| -> Vec<(&'static str, &'static str)> {
        let mut v = svc.to_vec();
        v.push(("*", p));
        v
    };
    let route = "/static/docs/:namespace/:kind/:name/*";
    for (p, file, ct) in [
        ("", "sites/default/component/svc/index.html", "text/html; charset=utf-8"),
        ("more", "sites/default/component/svc/more/index.html", "text/html; charset=utf-8"),
        ("more/", "sites/default/component/svc/more/index.html", "text/html; charset=utf-8"),
        ("techdocs_metadata.json", "sites/default/component/svc/techdocs_metadata.json", "application/json"),
        ("img/logo.PNG", "sites/default/component/svc/img/logo.PNG", "image/png"),
    ] {
        let (resp, _) = get(&format!("/static/docs/default/component/svc/{}", p), route, &star(p));
        assert_eq!(resp.str_of("file"), file, "{}: {}", p, resp.to_json());
        let h = resp.get("headers").cloned().unwrap_or_default();
        assert_eq!(h.str_of("content-type"), ct, "{}", p);
        assert!(h.str_of("content-security-policy").ends_with("; sandbox"), "{}", resp.to_json());
        assert_eq!(h.str_of("cache-control"), "no-cache");
    }
    let (resp, body) = get("/static/docs/default/component/svc/a/../b", route, &star("a/../b"));
    assert!(resp.get("status").and_then(Value::as_i64) == Some(404) && String::from_utf8_lossy(&body).contains("Page not found: a/../b"), "{}", resp.to_json());
    let (resp, body) = get("/static/docs/default/component/nobody/", route, &[("namespace", "default"), ("kind", "component"), ("name", "nobody"), ("*", "")]);
    assert!(resp.get("status").and_then(Value::as_i64) == Some(404) && String::from_utf8_lossy(&body).contains("Entity component:default/nobody not found"), "{}", resp.to_json());
    let (resp, _) = get("/static/docs/Default/Component/Svc/guide", route, &[("namespace", "Default"), ("kind", "Component"), ("name", "Svc"), ("*", "guide")]);
    assert_eq!(resp.to_json(), r#"{"status":301,"headers":{"location":"/api/techdocs/static/docs/default/component/svc/guide/"}}"#);

    let (resp, body) = get("/metadata/techdocs/default/component/svc", "/metadata/techdocs/:namespace/:kind/:name", &svc);
    let meta = Value::parse(&body).unwrap();
    assert!(resp.get("status").and_then(Value::as_i64) == Some(200) && meta.str_of("site_name") == "Svc", "{}", resp.to_json());
    let (resp, body) = get("/metadata/techdocs/default/component/nobody", "/metadata/techdocs/:namespace/:kind/:name", &[("namespace", "default"), ("kind", "component"), ("name", "nobody")]);
    assert!(resp.get("status").and_then(Value::as_i64) == Some(404) && String::from_utf8_lossy(&body).contains("Unable to get metadata for 'default/component/nobody'"), "{}", resp.to_json());
    let (_, body) = get("/metadata/entity/default/component/svc", "/metadata/entity/:namespace/:kind/:name", &svc);
    assert_eq!(
        String::from_utf8_lossy(&body),
        r#"{"apiVersion":"backstage.io/v1alpha1","kind":"Component","locationMetadata":{"type":"url","target":"file:///srv/svc"},"metadata":{"annotations":{"backstage.io/techdocs-ref":"url:file:///srv/svc"},"name":"svc","namespace":"default"},"spec":{"owner":"team-a"}}"#
    );
    let (resp, body) = get("/sync/default/component/nobody", "/sync/:namespace/:kind/:name", &[("namespace", "default"), ("kind", "component"), ("name", "nobody")]);
    assert!(resp.get("status").and_then(Value::as_i64) == Some(404) && String::from_utf8_lossy(&body).contains("Entity metadata UID missing"), "{}", resp.to_json());
}

/// The pages: the index lists the entity, the reader shows a page of its site with the
/// header, and a missing page says so.
#[test]
fn pages() {
    let _ = fake_host(false);
    run_task();
    let render = |ext: &str, path: &str, params: &[(&str, &str)], entity: Option<&str>| -> Value {
        let mut req = Value::obj(vec![("extension", ext.into()), ("config", Value::object()), ("path", path.into())]);
        req.insert("params", Value::Object(params.iter().map(|(k, v)| (k.to_string(), (*v).into())).collect()));
        if let Some(e) = entity {
            req.insert("entity", parse(e));
        }
        let (rc, out) = testing::call(crate::setup, Export::Render, req.to_json().as_bytes());
        assert_eq!(rc, 0, "gr_render {}: {}", path, String::from_utf8_lossy(&out));
        Value::parse(&out).unwrap()
    };
    let index = render("page:techdocs", "/docs", &[], None).to_json();
    assert!(index.contains(r#""type":"link","text":"svc","href":"/docs/default/component/svc/""#) && index.contains(r#""title":"1 document""#), "{}", index);
    let params = [("namespace", "default"), ("kind", "component"), ("name", "svc"), ("*", "more/")];
    let reader = render("page:techdocs/reader", "/docs/default/component/svc/more/", &params, None).to_json();
    assert!(reader.contains(r#""type":"header","title":"svc""#) && reader.contains("Owner: team-a") && reader.contains(r#""href":"/catalog/default/component/svc""#), "{}", reader);
    assert!(reader.contains(r#"<div class=\"doc-reader\">"#) && reader.contains(r#"<article class=\"doc-content\">"#), "{}", reader);
    let params = [("namespace", "default"), ("kind", "component"), ("name", "svc"), ("*", "missing")];
    let missing = render("page:techdocs/reader", "/docs/default/component/svc/missing", &params, None).to_json();
    assert!(missing.contains("Page not found.") && missing.contains("This site has no page missing/."), "{}", missing);
    let params = [("namespace", "default"), ("kind", "component"), ("name", "nobody"), ("*", "")];
    let nobody = render("page:techdocs/reader", "/docs/default/component/nobody/", &params, None).to_json();
    assert!(nobody.contains("The catalog has no entity component:default/nobody, or you may not read it."), "{}", nobody);
    let tab = render("entity-content:techdocs/docs", "/catalog/default/component/svc/docs/more/", &[("*", "docs/more/")], Some(ENTITY)).to_json();
    assert!(tab.starts_with(r#"{"type":"group","children":["#) && tab.contains("doc-reader"), "{}", tab);
    let (rc, out) = testing::call(crate::setup, Export::Extension, br#"{"extension":"entity-content:techdocs/docs","config":{}}"#);
    assert_eq!(rc, 0);
    assert!(String::from_utf8_lossy(&out).contains(r#""catalog.entity-filter-expression":"annotation:backstage.io/techdocs-ref,backstage.io/techdocs-entity""#));
}

/// The manifest's routes, task and extensions are the ones the plugin serves.
#[test]
fn manifest() {
    let manifest = include_str!("../plugin.yaml");
    let _ = fake_host(false);
    let section = |name: &str| -> Vec<String> {
        let mut out = Vec::new();
        let mut inside = false;
        for l in manifest.lines() {
            if !l.starts_with(' ') && !l.starts_with('-') {
                inside = l.starts_with(&format!("{}:", name));
                continue;
            }
            if inside {
                out.push(l.to_string());
            }
        }
        out
    };
    let mut routes = 0;
    for l in section("routes") {
        let path = match l.split("path: \"").nth(1).and_then(|p| p.split('"').next()) {
            Some(p) => p,
            None => continue,
        };
        routes += 1;
        let concrete = path.replace(":namespace", "default").replace(":kind", "component").replace(":name", "nobody").replace('*', "x");
        let (resp, body) = get(&concrete, "", &[]);
        assert!(!String::from_utf8_lossy(&body).contains("no route for"), "{}: {}", path, resp.to_json());
    }
    assert_eq!(routes, 5);
    for l in section("extensions") {
        if let Some(id) = l.trim().strip_prefix("- id: ") {
            let (rc, out) = testing::call(crate::setup, Export::Extension, format!(r#"{{"extension":"{}","config":{{}}}}"#, id).as_bytes());
            assert_eq!(rc, 0, "{}: {}", id, String::from_utf8_lossy(&out));
        }
    }
    assert!(section("tasks").iter().any(|l| l.contains("{name: build, every: 10m}")));
}
