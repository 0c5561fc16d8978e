//! A port of search_test.go.

use greenroom::{SearchReplace, Value};

use crate::main_test::{fake_host, run_task, set_config, state, sync_svc};
use crate::search::{search_documents, MAX_SEARCH_TEXT};
use crate::site::SearchEntry;

fn fields_json(d: &greenroom::SearchDocument) -> String {
    Value::Object(d.fields.clone()).to_json()
}

/// The build task natively: a build hands the search index the site's pages and
/// sections as Backstage's TechDocs collator makes them (one set per entity); a failed
/// indexing leaves the site serving and the next check indexes the stored site, without
/// a rebuild, as it does when the entity's owner changes; an entity that loses its docs
/// annotation (on a sync) or leaves the catalog (on the task's pass) loses its
/// documents, once.
#[test]
fn search_indexing() {
    let fake = fake_host(false);
    {
        let mut f = fake.borrow_mut();
        f.search = true;
        f.search_down = true;
        f.honour_etag = true;
    }
    set_config(r#"{"syncInterval":0}"#);
    let sent = || -> Vec<SearchReplace> { fake.borrow().sent.iter().map(SearchReplace::from_value).collect() };
    let truncate = |n: usize| fake.borrow_mut().sent.truncate(n);

    run_task(); // builds; the index refuses
    assert!(sent().len() == 1 && state().indexed.is_empty() && state().etag == "e1", "first run: {} calls, state {:?}", sent().len(), state());
    assert!(greenroom::testing::file("sites/default/component/svc/index.html").is_some(), "a failed indexing lost the site");

    fake.borrow_mut().search_down = false;
    run_task(); // unchanged source: no rebuild, the stored site is indexed
    assert!(sent().len() == 2 && state().indexed.starts_with("e1/"), "second run: {} calls, state {:?}", sent().len(), state());
    let r = &sent()[1];
    assert_eq!((r.doc_type.as_str(), r.source.as_str()), ("techdocs", "component:default/svc"));
    assert_eq!(r.documents.len(), 4, "want the 2 pages and their 2 sections: {:?}", r.documents);
    let by_loc = |l: &str| r.documents.iter().find(|d| d.location == l).cloned().unwrap_or_default();
    let (home, more) = (by_loc("/docs/default/component/svc/"), by_loc("/docs/default/component/svc/more/#more"));
    assert!(home.title == "Svc" && home.text == "Svc Hello." && home.resource_ref == "component:default/svc", "home page: {:?}", home);
    assert_eq!(more.title, "More", "{:?}", more);
    assert_eq!(fields_json(&more), r#"{"kind":"component","name":"svc","namespace":"default","owner":"team-a","path":"more/#more"}"#);

    run_task(); // indexed and unchanged: nothing to send
    assert_eq!(sent().len(), 2, "an indexed, unchanged site was sent again");
    fake.borrow_mut().moved = true; // a new owner: the same site, sent again with it
    run_task();
    assert!(sent().len() == 3 && sent()[2].documents.len() == 4, "new owner: {} calls", sent().len());
    assert_eq!(sent()[2].documents[0].fields.iter().find(|(k, _)| k == "owner").map(|(_, v)| v.clone()), Some("team-b".into()));
    truncate(2);
    fake.borrow_mut().moved = false;
    run_task(); // and back
    assert!(sent().len() == 3, "owner back: {} calls", sent().len());
    assert_eq!(sent()[2].documents[0].fields.iter().find(|(k, _)| k == "owner").map(|(_, v)| v.clone()), Some("team-a".into()));
    truncate(2);

    fake.borrow_mut().bare = true; // the annotation is gone: a sync removes the documents
    let body = sync_svc();
    assert!(body.contains("has no backstage.io/techdocs-ref annotation"), "sync: {}", body);
    assert!(sent().len() == 3 && sent()[2].source == "component:default/svc" && sent()[2].documents.is_empty() && state().indexed.is_empty(), "annotation removed: {} calls, state {:?}", sent().len(), state());
    fake.borrow_mut().bare = false;
    run_task(); // back: the stored site is indexed again
    assert!(sent().len() == 4 && sent()[3].documents.len() == 4 && state().indexed.starts_with("e1/"), "annotation back: {} calls, state {:?}", sent().len(), state());
    fake.borrow_mut().gone = true;
    run_task(); // the entity left the catalog
    assert!(sent().len() == 5 && sent()[4].source == "component:default/svc" && sent()[4].documents.is_empty() && state().indexed.is_empty(), "gone: {} calls, state {:?}", sent().len(), state());
    run_task();
    assert_eq!(sent().len(), 5, "documents removed twice");
}

/// The entity's fields as Backstage's collator sets them: the owner from the ownedBy
/// relation (its name part), the type twice, the title, and over-long texts cut at a
/// character boundary rather than refused.
#[test]
fn search_document_fields() {
    let e = Value::parse(
        br#"{"kind":"API","metadata":{"name":"Pay-API","namespace":"Shop","title":"Payments API"},
            "spec":{"type":"openapi","lifecycle":"production","owner":"group:shop/other"},
            "relations":[{"type":"ownedBy","targetRef":"group:shop/team-pay"}]}"#,
    )
    .unwrap();
    let long = "é".repeat(MAX_SEARCH_TEXT); // two bytes each
    let docs = search_documents(&e, &[SearchEntry { location: "".into(), title: "Home".into(), text: long }, SearchEntry { location: "#x".into(), title: " ".into(), text: String::new() }]);
    assert_eq!(docs.len(), 1, "{:?}", docs);
    let d = &docs[0];
    assert_eq!(
        fields_json(d),
        r#"{"componentType":"openapi","entityTitle":"Payments API","kind":"api","lifecycle":"production","name":"pay-api","namespace":"shop","owner":"team-pay","path":"","type":"openapi"}"#
    );
    assert_eq!((d.location.as_str(), d.resource_ref.as_str()), ("/docs/shop/api/pay-api/", "api:shop/pay-api"));
    assert_eq!(d.text.len(), MAX_SEARCH_TEXT);
}

/// The index key is the Go plugin's, so a state it wrote needs no new indexing: FNV-1a
/// over the fields as Go's encoding/json writes them (the value Go computes for them).
#[test]
fn index_key_is_go_s() {
    let e = Value::parse(br#"{"kind":"Component","metadata":{"name":"svc"},"spec":{"owner":"team-a"}}"#).unwrap();
    assert_eq!(crate::search::index_key(&e, "e1"), "e1/ad9967edd5f57518");
}
