//! A guest that exercises the Rust SDK for the tests in sdk/go/wasmtest (rust_test.go),
//! which build it for wasm32-unknown-unknown and run it on their minimal host. Routes:
//!   POST /echo          the body back
//!   GET  /config?key=K  {"all": config object, "value": config_get(K) or null}
//!   GET  /log?who=W     a warn line and a debug line
//!   PUT/GET/DELETE /kv/:key, GET /kv?prefix=P
//!   GET  /calls         calls every capability function once, answers each one's outcome
//!   GET  /whoami        the caller's user ref, else its service subject, else "-"
//!   GET  /panic         panics (the call traps)
//! an entity card, test:rust/card, that shows the entity's name, and a scaffolder action,
//! acme:hello, that writes HELLO.md into the task's workspace.
use greenroom::{code, ui, ActionResult, CatalogQuery, Error, FileContent, Plugin, ProxyRequest, Request, Response, SearchDocument, SearchReplace, Value};

fn setup(p: &mut Plugin) {
    p.route("POST /echo", |r| Response::bytes(200, "application/octet-stream", r.body.clone()));
    p.route("GET /config", |r| {
        let key = r.query_value("key").unwrap_or("");
        Response::json(200, Value::obj(vec![("all", greenroom::config_all()), ("value", greenroom::config(key).into())]))
    });
    p.route("GET /log", |r| {
        let who = r.query_value("who").unwrap_or("");
        greenroom::log::warn(&format!("warn line who={:?}", who));
        greenroom::log::debug("debug line");
        Response::status(204)
    });
    p.route("PUT /kv/:key", |r| match greenroom::kv::put(r.param("key").unwrap_or(""), &r.body) {
        Ok(()) => Response::status(204),
        Err(e) => Response::error(&e),
    });
    p.route("GET /kv/:key", |r| {
        let key = r.param("key").unwrap_or("");
        match greenroom::kv::get(key) {
            Ok(Some(v)) => Response::bytes(200, "application/octet-stream", v),
            Ok(None) => Response::error(&Error::new(code::NOT_FOUND, format!("no key {}", key))),
            Err(e) => Response::error(&e),
        }
    });
    p.route("DELETE /kv/:key", |r| match greenroom::kv::delete(r.param("key").unwrap_or("")) {
        Ok(()) => Response::status(204),
        Err(e) => Response::error(&e),
    });
    p.route("GET /kv", |r| match greenroom::kv::list(r.query_value("prefix").unwrap_or(""), 100) {
        Ok(keys) => Response::text(200, keys.join(",")),
        Err(e) => Response::error(&e),
    });
    p.route("GET /calls", |_| {
        let outcome = |name: &str, r: Result<String, Error>| -> (String, Value) {
            (name.to_string(), match r {
                Ok(s) => s.into(),
                Err(e) => e.code.into(),
            })
        };
        let q = CatalogQuery { filter: vec!["kind=component".into()], fields: vec!["metadata.name".into()], limit: 5, cursor: String::new() };
        let results = vec![
            outcome("kv_get", greenroom::kv::get("k").map(|v| format!("{:?}", v))),
            outcome("catalog_get", greenroom::catalog::get("component:default/web").map(|_| "ok".into())),
            outcome("catalog_query", greenroom::catalog::query(&q).map(|_| "ok".into())),
            outcome("catalog_facets", greenroom::catalog::facets(&["spec.type"], &["kind=component"]).map(|_| "ok".into())),
            outcome("catalog_apply", greenroom::catalog::apply(vec![Value::obj(vec![("kind", "User".into())])], &["user:default/bob"]).map(|_| "ok".into())),
            outcome("url_read", greenroom::url::read("https://example.com/a.yaml", "\"e1\"").map(|_| "ok".into())),
            outcome("url_read_tree", greenroom::url::read_tree("https://example.com/docs", "", "**/*.md").map(|_| "ok".into())),
            outcome("url_search", greenroom::url::search("https://example.com/**/catalog-info.yaml", "").map(|_| "ok".into())),
            outcome("proxy_fetch", greenroom::proxy::fetch(&ProxyRequest::get("/github", "/repos/a/b").with_header("Accept", "application/json")).map(|_| "ok".into())),
            outcome("permission_authorize", greenroom::authorize("test.thing.update", "update", "catalog-entity").map(|_| "ok".into())),
            // The rest send the golden messages of abi/testdata.
            outcome("files_read", greenroom::files::read("sites/default/component/api/index.html").map(|_| "ok".into())),
            outcome(
                "files_write",
                greenroom::files::write(
                    vec![
                        FileContent::new("sites/default/component/api/index.html", "<h1>API</h1>"),
                        FileContent::new("sites/default/component/api/techdocs_metadata.json", "{}"),
                    ],
                    "sites/default/component/api",
                )
                .map(|_| "ok".into()),
            ),
            outcome("files_list", greenroom::files::list("sites/default/", 100).map(|_| "ok".into())),
            outcome("files_delete", greenroom::files::delete("sites/default/component/api").map(|_| "ok".into())),
            outcome("workspace_read", greenroom::workspace::read("README.md").map(|_| "ok".into())),
            outcome("workspace_write", greenroom::workspace::write("run.sh", b"#!/bin/sh\necho hi\n", true).map(|_| "ok".into())),
            outcome("workspace_list", greenroom::workspace::list("docs").map(|_| "ok".into())),
            outcome("search_replace", {
                let doc = SearchDocument::new("Use Postgres for the ledger", "/adr/0007")
                    .with_text("We store ledger entries in Postgres.")
                    .with_field("status", "accepted")
                    .with_fields("tags", &["storage", "ledger"])
                    .with_resource_ref("component:default/ledger");
                let mut r = SearchReplace::new("adr", vec![doc]);
                r.title = "Decisions".into();
                greenroom::search::replace(&r).map(|_| "ok".into())
            }),
        ];
        Response::json(200, Value::Object(results))
    });
    p.route("GET /whoami", |r: &Request| {
        let who = match &r.caller {
            Some(c) if !c.user_entity_ref.is_empty() => c.user_entity_ref.clone(),
            Some(c) if !c.subject.is_empty() => c.subject.clone(),
            _ => "-".to_string(),
        };
        Response::text(200, who)
    });
    p.route("GET /panic", |_| panic!("guest panic on purpose"));
    p.entity_card("entity-card:test/card", "kind:component", |r| {
        let name = r.entity.as_ref().and_then(|e| e.path(&["metadata", "name"])).and_then(Value::as_str).unwrap_or("?");
        Ok(ui::card(r.config_string("title", "Card"), vec![ui::kv(vec![("Name", ui::text(name))])]))
    });
    p.action("acme:hello", |r| {
        let text = format!("# {}\n", r.input_string("name"));
        greenroom::workspace::write("HELLO.md", text.as_bytes(), false)?;
        Ok(ActionResult::default().output("path", "HELLO.md").output("bytes", text.len() as i64).log("wrote HELLO.md"))
    });
    p.task("fail", |_| Err(Error::new(code::UNAVAILABLE, "task failed on purpose")));
}

greenroom::plugin!(setup);
