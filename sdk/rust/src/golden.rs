//! Every golden message of the ABI (abi/testdata) decodes into this SDK's type for it and
//! encodes back to the same JSON (members that are null or empty objects count as absent,
//! as the ABI says). Run from sdk/rust, or with GREENROOM_ABI_TESTDATA set.

use crate::json::Value;
use crate::*;

fn golden_dir() -> std::path::PathBuf {
    std::env::var("GREENROOM_ABI_TESTDATA").map(Into::into).unwrap_or_else(|_| "../../abi/testdata".into())
}

fn drop_empty(v: Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.into_iter()
                .map(|(k, v)| (k, drop_empty(v)))
                .filter(|(_, v)| !v.is_null() && v.as_object().map_or(true, |m| !m.is_empty()))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.into_iter().map(drop_empty).collect()),
        Value::Number(n) => Value::Number(n.parse::<f64>().map(|f| format!("{}", f)).unwrap_or(n)),
        v => v,
    }
}

/// Objects compare as sets of members.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => x.len() == y.len() && x.iter().all(|(k, v)| b.get(k).map_or(false, |w| same(v, w))),
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(v, w)| same(v, w)),
        _ => a == b,
    }
}

fn env(v: &Value) -> Value {
    match host::decode_envelope("golden", Some(v.to_json().into_bytes())) {
        Ok(r) => Value::obj(vec![("result", r)]),
        Err(e) => Value::obj(vec![("error", e.to_value())]),
    }
}

/// Decodes golden message name with the SDK's type and encodes it again.
fn round_trip(name: &str, v: &Value) -> Option<Value> {
    let key = |k: &str| Value::obj(vec![("key", v.str_of(k).into())]);
    Some(match name {
        "error.json" => Error::from_value(v).to_value(),
        "task.json" => TaskRequest::from_value(v).unwrap().to_value(),
        "extension-request.json" => ExtensionRequest::from_value(v).unwrap().to_value(),
        "extension-output.json" => Outputs::from_value(v).unwrap().to_value(),
        "render-request.json" => RenderRequest::from_value(v).unwrap().to_value(),
        // A UI tree is a Value built with crate::ui; it passes through unchanged.
        "render-output.json" => v.clone(),
        "result-ok.json" | "result-error.json" => env(v),
        "kv-get.json" | "kv-delete.json" => key("key"),
        "kv-put.json" => key("key").set("value", base64::encode(&base64::decode(v.str_of("value")).unwrap()).into()),
        "kv-list.json" => Value::obj(vec![("prefix", v.str_of("prefix").into()), ("limit", v.get("limit")?.as_i64()?.into())]),
        "kv-list-result.json" => Value::obj(vec![("keys", v.get("keys")?.clone())]),
        "catalog-get.json" => Value::obj(vec![("ref", v.str_of("ref").into())]),
        "catalog-query.json" => CatalogQuery::from_value(v).to_value(),
        "catalog-query-result.json" => CatalogPage::from_value(v).to_value(),
        "catalog-facets.json" => Value::obj(vec![("facets", v.get("facets")?.clone()), ("filter", v.get("filter")?.clone())]),
        "catalog-facets-result.json" => v.clone(),
        "catalog-apply.json" => v.clone(),
        "url-read.json" | "url-read-tree.json" | "url-search.json" => {
            let mut r = Value::obj(vec![("url", v.str_of("url").into())]);
            for k in ["etag", "filter"] {
                if !v.str_of(k).is_empty() {
                    r.insert(k, v.str_of(k).into());
                }
            }
            r
        }
        "url-read-result.json" => UrlRead::from_value(v).unwrap().to_value(),
        "url-read-tree-result.json" | "url-search-result.json" => UrlFiles::from_value(v).unwrap().to_value(),
        "proxy-fetch.json" => ProxyRequest::from_value(v).unwrap().to_value(),
        "permission-authorize.json" => {
            let p = v.get("permission")?;
            permission_request(p.str_of("name"), p.path(&["attributes", "action"]).and_then(Value::as_str).unwrap_or(""), p.str_of("resourceType"))
        }
        "permission-authorize-result.json" => Decision::from_value(v).to_value(),
        "action-request.json" => ActionRequest::from_value(v).unwrap().to_value(),
        "action-result.json" => ActionResult::from_value(v).to_value(),
        "files-read.json" | "files-delete.json" | "workspace-read.json" | "workspace-list.json" => Value::obj(vec![("path", v.str_of("path").into())]),
        "files-read-result.json" => FileRead::from_value(v).unwrap().to_value(),
        "files-write.json" => FilesWrite::from_value(v).unwrap().to_value(),
        // Blocks are handles of one call's arena: files_write_request writes them
        // (files_write_request_names_blocks); the message passes through.
        "files-write-block.json" => v.clone(),
        "files-write-result.json" => FilesWritten::from_value(v).to_value(),
        "files-list.json" => files_list_request(v.str_of("prefix"), v.get("limit")?.as_i64()? as u32),
        "files-list-result.json" => Value::obj(vec![("files", Value::Array(v.get("files")?.as_array()?.iter().map(|f| FileInfo::from_value(f).to_value()).collect()))]),
        "files-delete-result.json" => Value::obj(vec![("removed", v.get("removed")?.as_i64()?.into())]),
        "workspace-read-result.json" => Value::obj(vec![("content", base64::encode(&base64::decode(v.str_of("content")).unwrap()).into())]),
        "workspace-write.json" => workspace_write_request(v.str_of("path"), &base64::decode(v.str_of("content")).unwrap(), v.get("executable")?.as_bool()?),
        "workspace-list-result.json" => Value::obj(vec![("files", v.get("files")?.clone())]),
        "search-replace.json" => SearchReplace::from_value(v).to_value(),
        "search-replace-result.json" => Value::obj(vec![("count", v.get("count")?.as_i64()?.into())]),
        "facts-publish.json" => facts_request(&v.get("facts")?.as_array()?.iter().map(Fact::from_value).collect::<Vec<_>>()),
        "facts-publish-result.json" => Value::obj(vec![("changed", v.get("changed")?.as_i64()?.into())]),
        n if n.starts_with("http-request") => Request::from_value(v).unwrap().to_value(),
        n if n.starts_with("http-response") => Response::from_value(v).unwrap().to_value(),
        // The manifest is YAML that `greenroom plugin pack` writes; no SDK code reads it.
        "manifest.json" => v.clone(),
        _ => return None,
    })
}

#[test]
fn golden_messages_round_trip() {
    let dir = golden_dir();
    let mut n = 0;
    for e in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {} (set GREENROOM_ABI_TESTDATA)", dir.display(), e)) {
        let path = e.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !name.ends_with(".json") {
            continue;
        }
        n += 1;
        let v = Value::parse(&std::fs::read(&path).unwrap()).unwrap_or_else(|e| panic!("{}: {}", name, e));
        let out = round_trip(&name, &v).unwrap_or_else(|| panic!("the Rust SDK has no type for golden message {}; add one to golden.rs", name));
        // The encoding must itself be JSON the parser reads back.
        let again = Value::parse(out.to_json().as_bytes()).unwrap();
        assert!(same(&drop_empty(v.clone()), &drop_empty(again)), "{} does not survive a round trip\nwant {}\ngot  {}", name, v.to_json(), out.to_json());
    }
    assert!(n > 20, "only {} golden messages in {}", n, dir.display());
}

fn read(name: &str) -> Value {
    Value::parse(&std::fs::read(golden_dir().join(name)).unwrap()).unwrap()
}

#[test]
fn golden_messages_meaning() {
    let req = Request::from_value(&read("http-request.json")).unwrap();
    assert_eq!((req.query_value("name"), req.header("Accept"), req.route.as_str()), (Some("X"), Some("application/json"), "/hello"));
    let who = Request::from_value(&read("http-request-caller.json")).unwrap();
    assert_eq!(who.user(), Some("user:default/jane"));
    assert!(who.owns("GROUP:default/team-a") && !who.owns("group:default/team-b"));
    let svc = Request::from_value(&read("http-request-service.json")).unwrap();
    assert_eq!((svc.user(), svc.caller.as_ref().map(|c| c.subject.as_str())), (None, Some("external:ci-bot")));
    let id = Request::from_value(&read("http-request-id.json")).unwrap();
    assert_eq!(id.request_id, "0b6f3c1e-5d0a-4f43-9d36-2a1f0c9b7e11");
    let post = Request::from_value(&read("http-request-body.json")).unwrap();
    assert_eq!((post.body_json().unwrap().str_of("name"), post.param("id")), ("widget", Some("42")));
    let text = Response::from_value(&read("http-response-text.json")).unwrap();
    assert_eq!((text.status, text.content(), text.headers.iter().find(|(k, _)| k == "x-trace").map(|(_, v)| v.len())), (404, b"no such item".to_vec(), Some(2)));
    let bin = Response::from_value(&read("http-response-body.json")).unwrap();
    assert_eq!((bin.content(), bin.header("Content-Type")), (vec![0, 1, 2, 3], Some("application/octet-stream")));
    let bad = host::decode_envelope("x", Some(read("result-error.json").to_json().into_bytes())).unwrap_err();
    assert_eq!(bad.code, code::CAPABILITY_DENIED);
    let ok = host::decode_envelope("x", Some(read("result-ok.json").to_json().into_bytes())).unwrap();
    assert_eq!(base64::decode(ok.str_of("value")).unwrap(), b"1");
    let d = Decision::from_value(&read("permission-authorize-result.json"));
    assert!(!d.allowed() && d.result == "CONDITIONAL" && d.conditions.is_some());
    let page = CatalogPage::from_value(&read("catalog-query-result.json"));
    assert_eq!((page.total_items, page.items.len(), page.next_cursor.as_str()), (51, 1, "eyJvZmZzZXQiOjUwfQ"));
    let r = RenderRequest::from_value(&read("render-request.json")).unwrap();
    assert_eq!(r.annotation("backstage.io/managed-by-location"), Some("url:https://git.example.com/payments/catalog-info.yaml"));
}

/// The request a host function sent last in the native test host.
fn last_request(name: &str) -> Value {
    let calls = testing::calls();
    let (n, v) = calls.last().expect("no host call").clone();
    assert_eq!(n, name);
    v
}

fn same_as_golden(name: &str, got: &Value, golden: &str) {
    let want = read(golden);
    assert!(same(&drop_empty(want.clone()), &drop_empty(got.clone())), "{} sent {}\nthe golden message {} is {}", name, got.to_json(), golden, want.to_json());
}

/// files_write names an arena block for each file of BLOCK_MIN bytes or more that
/// block takes (the shape of files-write-block.json), base64 for the rest, and is
/// FilesWrite's JSON where there is no arena.
#[test]
fn files_write_request_names_blocks() {
    let files = vec![FileContent::new("a/index.html", vec![b'x'; BLOCK_MIN]), FileContent::new("a/small", b"hi".to_vec()), FileContent::new("a/q\"", Vec::new())];
    let next = std::cell::Cell::new(4104u64);
    let (req, blocks) = files_write_request(&files, "a", &|b: &[u8]| {
        assert_eq!(b.len(), BLOCK_MIN);
        let h = next.get();
        next.set(h + 8);
        h
    });
    assert_eq!(req, r#"{"files":[{"path":"a/index.html","block":4104},{"path":"a/small","content":"aGk="},{"path":"a/q\"","content":""}],"replace":"a"}"#);
    assert_eq!(blocks, vec![4104]);
    let (plain, none) = files_write_request(&files, "a", &|_: &[u8]| 0);
    assert!(none.is_empty());
    assert_eq!(Value::parse(plain.as_bytes()).unwrap(), FilesWrite { files, replace: "a".into() }.to_value());
}

/// SearchReplace::write_json writes what to_value().to_json() writes, for requests with
/// and without the optional members, escapes, and fields of both kinds.
#[test]
fn search_replace_write_json_matches_to_value() {
    let odd = "tab\t nl\n quote\" back\\ html<&> \u{2028} é 😀 \u{1} end";
    let full = SearchReplace {
        doc_type: "techdocs".into(),
        title: "Docs".into(),
        source: "component:default/x".into(),
        documents: vec![
            SearchDocument::new("T", "/docs/x/#a").with_text(odd).with_field("kind", "component").with_fields("tags", &["a", odd]).with_resource_ref("component:default/x"),
            SearchDocument::new(odd, "/docs/x/"),
            SearchDocument::new("", "").with_fields("empty", &[]),
        ],
    };
    let empty = SearchReplace::new("p", Vec::new());
    for r in [&full, &empty] {
        let mut got = String::new();
        r.write_json(&mut got);
        assert_eq!(got, r.to_value().to_json());
    }
}

/// Each function of `files`, `workspace` and `search.write`, called with the golden
/// message's values, sends exactly the golden request, and reads the host's answers.
#[test]
fn new_host_functions_send_golden_requests() {
    testing::reset();
    let w = read("files-write.json");
    let files: Vec<FileContent> = w.get("files").unwrap().as_array().unwrap().iter().map(|f| FileContent::new(f.str_of("path"), base64::decode(f.str_of("content")).unwrap())).collect();
    let done = files::write(files, "sites/default/component/api").unwrap();
    same_as_golden("files_write", &last_request("files_write"), "files-write.json");
    assert_eq!((done.written, done.removed), (2, 0));
    assert_eq!(files::read("sites/default/component/api/index.html").unwrap(), Some(b"<h1>API</h1>".to_vec()));
    same_as_golden("files_read", &last_request("files_read"), "files-read.json");
    assert_eq!(files::read("absent").unwrap(), None);
    let listed = files::list("sites/default/", 100).unwrap();
    same_as_golden("files_list", &last_request("files_list"), "files-list.json");
    assert_eq!(listed.iter().map(|f| (f.path.as_str(), f.size)).collect::<Vec<_>>(), vec![("sites/default/component/api/index.html", 12), ("sites/default/component/api/techdocs_metadata.json", 2)]);
    // Replacing the directory with one file removes the other.
    let again = files::write(vec![FileContent::new("sites/default/component/api/index.html", "x")], "sites/default/component/api").unwrap();
    assert_eq!((again.written, again.removed, again.used), (1, 1, 1));
    assert_eq!(files::delete("sites/default/component/api").unwrap(), 1);
    same_as_golden("files_delete", &last_request("files_delete"), "files-delete.json");
    assert_eq!(testing::file("sites/default/component/api/index.html"), None);

    testing::set_workspace_file("README.md", b"# my-service\n");
    testing::set_workspace_file("docs/index.md", b"");
    assert_eq!(workspace::read("README.md").unwrap(), b"# my-service\n");
    same_as_golden("workspace_read", &last_request("workspace_read"), "workspace-read.json");
    workspace::write("run.sh", b"#!/bin/sh\necho hi\n", true).unwrap();
    same_as_golden("workspace_write", &last_request("workspace_write"), "workspace-write.json");
    assert_eq!(testing::workspace_file("run.sh"), Some((b"#!/bin/sh\necho hi\n".to_vec(), true)));
    assert_eq!(workspace::list("docs").unwrap(), vec!["docs/index.md".to_string()]);
    same_as_golden("workspace_list", &last_request("workspace_list"), "workspace-list.json");
    assert_eq!(workspace::read("nope").unwrap_err().code, code::NOT_FOUND);

    testing::set_answer(|name, req| {
        assert_eq!(name, "search_replace");
        Ok(Value::obj(vec![("count", (req.get("documents").unwrap().as_array().unwrap().len() as i64).into())]))
    });
    let mut r = SearchReplace::new(
        "adr",
        vec![SearchDocument::new("Use Postgres for the ledger", "/adr/0007")
            .with_text("We store ledger entries in Postgres.")
            .with_field("status", "accepted")
            .with_fields("tags", &["storage", "ledger"])
            .with_resource_ref("component:default/ledger")],
    );
    r.title = "Decisions".into();
    assert_eq!(search::replace(&r).unwrap(), 1);
    same_as_golden("search_replace", &last_request("search_replace"), "search-replace.json");
}

fn action_setup(p: &mut Plugin) {
    p.action("acme:hello", |r| {
        let text = format!("# {}\n", r.input_string("name"));
        workspace::write("HELLO.md", text.as_bytes(), false)?;
        Ok(ActionResult::default().output("path", "HELLO.md").output("bytes", text.len() as i64).log("wrote HELLO.md"))
    });
}

/// gr_action runs the registered action on the golden request, in the test host's
/// workspace, and answers the golden result; an unknown action is not_found.
#[test]
fn action_export() {
    testing::reset();
    let req = read("action-request.json").to_json();
    let (rc, out) = testing::call(action_setup, Export::Action, req.as_bytes());
    assert_eq!(rc, 0, "{}", String::from_utf8_lossy(&out));
    let got = Value::parse(&out).unwrap();
    assert_eq!(testing::workspace_file("HELLO.md"), Some((b"# my-service\n".to_vec(), false)));
    let want = read("action-result.json").set("output", Value::obj(vec![("path", "HELLO.md".into()), ("bytes", 13i64.into())]));
    assert!(same(&got, &want), "{}", got.to_json());
    let (rc, out) = testing::call(action_setup, Export::Action, br#"{"action":"acme:nope","input":{},"taskId":"t"}"#);
    assert_eq!(rc, 1);
    assert!(String::from_utf8_lossy(&out).contains("not_found"), "{}", String::from_utf8_lossy(&out));
}

#[test]
fn action_messages() {
    let req = ActionRequest::from_value(&read("action-request.json")).unwrap();
    assert_eq!((req.action.as_str(), req.input_string("name"), req.task_id.as_str(), req.dry_run), ("acme:hello", "my-service", "4f9c8a9e-1b2c-4d3e-8f00-0123456789ab", false));
    let out = ActionResult::default().output("path", "HELLO.md").output("bytes", 19i64).log("wrote HELLO.md");
    assert!(same(&out.to_value(), &read("action-result.json")), "{}", out.to_value().to_json());
    for bad in [r#"{"input":{}}"#, r#"{"action":"a","input":[1]}"#, r#"{"action":7}"#] {
        assert_eq!(ActionRequest::from_value(&Value::parse(bad.as_bytes()).unwrap()).unwrap_err().code, code::INVALID_ARGUMENT, "{}", bad);
    }
}

#[test]
fn base64_round_trip() {
    for s in [&b""[..], b"f", b"fo", b"foo", b"foob", b"\x00\xff\x10"] {
        assert_eq!(base64::decode(&base64::encode(s)).unwrap(), s);
    }
    assert_eq!(base64::encode(b"kind: Component\n"), "a2luZDogQ29tcG9uZW50Cg==");
    assert!(base64::decode("a$b=").is_err());
}

#[test]
fn routes_match() {
    for (pat, path, want) in [
        ("/hello", "/hello", Some(vec![])),
        ("/kv/:key", "/kv/a", Some(vec![("key", "a")])),
        ("/kv/:key", "/kv/", None),
        ("/files/*", "/files/a/b", Some(vec![("*", "a/b")])),
        ("/a", "/a/b", None),
    ] {
        let got = plugin::match_route(pat, path);
        let want: Option<Vec<(String, String)>> = want.map(|w| w.into_iter().map(|(a, b)| (a.to_string(), b.to_string())).collect());
        assert_eq!(got, want, "{} {}", pat, path);
    }
}

fn setup(p: &mut Plugin) {
    p.route("GET /kv/:key", |r| match kv::get(r.param("key").unwrap()) {
        Ok(Some(v)) => Response::bytes(200, "application/octet-stream", v),
        Ok(None) => Response::error(&Error::new(code::NOT_FOUND, "no such key")),
        Err(e) => Response::error(&e),
    });
    p.entity_card("entity-card:x/card", "kind:component", |r| Ok(ui::card("C", vec![ui::text(r.config_string("title", "t"))])));
}

#[test]
fn native_host_runs_exports() {
    testing::reset();
    kv::put("a", b"1").unwrap();
    let (rc, out) = testing::call(setup, Export::Http, br#"{"method":"GET","path":"/kv/a","route":"/kv/:key","params":{"key":"a"}}"#);
    assert_eq!(rc, 0);
    assert_eq!(Response::from_value(&Value::parse(&out).unwrap()).unwrap().content(), b"1");
    let (rc, out) = testing::call(setup, Export::Http, b"{\"method\":");
    assert_eq!(rc, 1);
    assert!(String::from_utf8_lossy(&out).contains("\"code\":\"invalid_argument\""), "{}", String::from_utf8_lossy(&out));
    let (rc, out) = testing::call(setup, Export::Extension, br#"{"extension":"entity-card:x/card","config":{}}"#);
    assert_eq!((rc, String::from_utf8(out).unwrap()), (0, r#"{"catalog.entity-filter-expression":"kind:component","core.ui.element":{}}"#.to_string()));
    let (rc, out) = testing::call(setup, Export::Render, br#"{"extension":"entity-card:x/nope","config":{}}"#);
    assert_eq!(rc, 1);
    assert!(String::from_utf8_lossy(&out).contains("not_found"));
    let e = catalog::get("component:default/x").unwrap_err();
    assert_eq!(e.code, code::CAPABILITY_DENIED);
}

/// The tree path `gr_http` took before `read_request`: parse, then `Request::from_value`.
fn tree_request(b: &[u8]) -> std::result::Result<Request, String> {
    let v = Value::parse(b).map_err(|e| format!("not JSON: {}", e))?;
    Request::from_value(&v).map_err(|e| e.message)
}

/// Checks the direct request reader against the tree path on one message: when it takes
/// a message, the Request is the tree path's; `direct` says it must take it.
fn check_read_request(name: &str, b: &[u8], direct: bool) -> std::result::Result<Request, String> {
    let mut got = Request::default();
    let took = messages_read_request(b, &mut got);
    let want = tree_request(b);
    if took {
        assert_eq!(Ok(&got), want.as_ref(), "{}: read_request and the tree path disagree", name);
    }
    assert!(took || !direct, "{}: read_request leaves it to the tree path (which says {:?})", name, want.as_ref().err());
    want
}

fn messages_read_request(b: &[u8], r: &mut Request) -> bool {
    crate::messages::read_request(b, r).is_some()
}

#[test]
fn read_request_takes_what_the_tree_takes() {
    // Every golden HTTP request message, as the host writes them.
    let mut n = 0;
    for e in std::fs::read_dir(golden_dir()).unwrap() {
        let path = e.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.starts_with("http-request") {
            n += 1;
            check_read_request(&name, &std::fs::read(&path).unwrap(), true).unwrap_or_else(|e| panic!("{}: {}", name, e));
        }
    }
    assert!(n >= 5, "only {} golden HTTP requests", n);

    // Shapes the host does not write but the ABI allows: read directly, to the same Request.
    let deep = format!("{{\"x\":{}{},\"method\":\"GET\"}}", "[".repeat(200), "]".repeat(200));
    let ok: &[(&str, &[u8])] = &[
        ("escapes", br#"{"method":"GET","path":"/a\"b\\c\/d\b\f\n\r\t","route":"/\u0041\u00e9"}"#),
        ("surrogates", br#"{"path":"/\ud83d\ude00 \ud800 lone"}"#),
        ("raw UTF-8", "{\"path\":\"/café/日本\",\"query\":{\"ñ\":[\"ü\"]}}".as_bytes()),
        ("unknown members", br#"{"x":{"y":[1,-2.5e3,{"z":null}],"w":"\u0041"},"method":"GET","extra":[true,false,null],"n":-0.5,"s":"x"}"#),
        ("nested unknown member", deep.as_bytes()),
        ("no members", b"{}"),
        ("some members", br#"{"method":"GET"}"#),
        ("nulls", br#"{"method":null,"path":null,"route":null,"params":null,"query":null,"headers":null,"body":null,"caller":null,"requestId":null}"#),
        ("repeated query keys", br#"{"query":{"tag":["a","b"],"tag":["c"],"empty":[],"nil":null}}"#),
        ("repeated member: the first counts", br#"{"method":"GET","method":"POST","path":"/a","path":1}"#),
        ("white space", b" \n{ \"method\" : \"GET\" ,\t\"query\" : { \"a\" : [ \"1\" , \"2\" ] } ,\r\"params\":{ } } \t"),
        ("escaped names inside members", br#"{"params":{"i\u0064":"4\/2"},"headers":{"x-\u0061":["b"]}}"#),
        ("caller", br#"{"caller":{"type":"user","x":{"a":[]},"ownershipEntityRefs":["group:a"],"type":"service","userEntityRef":null,"subject":"s"}}"#),
        ("empty caller", br#"{"caller":{}}"#),
        ("body", br#"{"body":"aGk="}"#),
        ("body without padding", br#"{"body":"aGk"}"#),
        ("empty body", br#"{"body":""}"#),
        ("several header values", br#"{"headers":{"accept":["a","b"],"x":[]}}"#),
        ("DEL in a name", b"{\"\x7f\":1}"),
    ];
    for (name, b) in ok {
        check_read_request(name, b, true).unwrap_or_else(|e| panic!("{}: {}", name, e));
    }
    let r = check_read_request("repeated query keys", ok[8].1, true).unwrap();
    assert_eq!(r.query, vec![("tag".to_string(), vec!["a".to_string(), "b".to_string()]), ("tag".into(), vec!["c".into()]), ("empty".into(), vec![]), ("nil".into(), vec![])]);
    assert_eq!(r.query_value("tag"), Some("a"));
    let r = check_read_request("escapes", ok[0].1, true).unwrap();
    assert_eq!((r.path.as_str(), r.route.as_str()), ("/a\"b\\c/d\u{8}\u{c}\n\r\t", "/Aé"));
    let r = check_read_request("surrogates", ok[1].1, true).unwrap();
    assert_eq!(r.path, "/😀 \u{FFFD} lone");

    // Accepted by the tree path, left to it by read_request.
    for (name, b) in [("escaped member name", &br#"{"meth\u006fd":"GET"}"#[..]), ("caller not an object", br#"{"caller":5}"#)] {
        check_read_request(name, b, false).unwrap_or_else(|e| panic!("{}: {}", name, e));
    }

    // Refused, with an error naming the member (or saying the message is not JSON).
    let too_deep = format!("{{\"x\":{}{}}}", "[".repeat(300), "]".repeat(300));
    let bad: &[(&[u8], &str)] = &[
        (br#"{"method":1}"#, "method must be a string, not 1"),
        (br#"{"method":"GET","path":true}"#, "path must be a string, not true"),
        (br#"{"requestId":[]}"#, "requestId must be a string"),
        (br#"{"params":{"id":4}}"#, "param id is not a string"),
        (br#"{"params":[]}"#, "params is not an object"),
        (br#"{"query":{"name":"X"}}"#, "query name: \"X\" is not a list of strings"),
        (br#"{"query":{"a":[1]}}"#, "query a: 1 is not a string"),
        (br#"{"headers":"x"}"#, "headers is \"x\", not an object"),
        (br#"{"body":"!!"}"#, "body: illegal base64"),
        (br#"{"body":4}"#, "body must be base64"),
        (br#"{"caller":{"type":1}}"#, "type must be a string"),
        (br#"{"caller":{"ownershipEntityRefs":"g"}}"#, "ownershipEntityRefs: \"g\" is not a list of strings"),
        (b"[]", "not a JSON object"),
        (b"", "not JSON"),
        (br#"{"method":"GET""#, "not JSON"),
        (br#"{"method":"GET"} x"#, "not JSON"),
        (br#"{"method":"GET",}"#, "not JSON"),
        (br#"{"method" "GET"}"#, "not JSON"),
        (br#"{"method":nul}"#, "not JSON"),
        (br#"{"x":[1,]}"#, "not JSON"),
        (br#"{"path":"\q"}"#, "not JSON"),
        (b"{\"path\":\"a\x01\"}", "not JSON"),
        (b"{\"path\":\"\xff\"}", "not JSON"),
        (b"{\"\xff\":1}", "not JSON"),
        (too_deep.as_bytes(), "nested deeper"),
    ];
    for (b, want) in bad {
        let name = String::from_utf8_lossy(b);
        let err = check_read_request(&name, b, false).err().unwrap_or_else(|| panic!("{} is accepted", name));
        assert!(err.contains(want), "{}: error {:?} does not say {:?}", name, err, want);
    }
}

/// The response writer writes what the tree writer wrote.
#[test]
fn file_response_needs_a_path() {
    for bad in [r#"{"file":""}"#, r#"{"file":1}"#, r#"{"file":null}"#] {
        assert!(Response::from_value(&Value::parse(bad.as_bytes()).unwrap()).is_err(), "{}", bad);
    }
}

#[test]
fn write_json_matches_to_value() {
    let tricky = "\"\\\n\r\t\u{1}\u{1f}<>&\u{2028}\u{2029}é😀";
    for r in [
        Response::json(200, Value::obj(vec![("message", "hello X".into())])),
        Response::json(201, Value::obj(vec![("a", vec![1, 2].into()), ("b", Value::Null), (tricky, tricky.into())])),
        Response::error(&Error::new(code::NOT_FOUND, tricky)),
        Response::text(200, tricky).with_header("X-A", "1").with_header("x-a", "2").with_header("x-b", ""),
        Response::bytes(200, "application/octet-stream", vec![0, 1, 2, 250, 255]),
        Response::status(204),
        Response { status: 599, headers: vec![("x".into(), vec![])], body: Body::Bytes(vec![]) },
        Response::file("text/html", tricky),
        Response::file("", "site/index.html").with_header("cache-control", "no-cache"),
    ] {
        let mut out = String::new();
        r.write_json(&mut out);
        assert_eq!(out, r.to_value().to_json());
        assert_eq!(Response::from_value(&Value::parse(out.as_bytes()).unwrap()).unwrap(), r);
    }
}
