// A guest that exercises the AssemblyScript layer (../assembly/index.ts) for the tests
// in sdk/go/wasmtest (as_test.go). Exports:
//   gr_http      GET /hello?name=X -> {"message":"hello X"} (400 without a name);
//                PUT /kv?key=K stores the body's text with kv_put, GET /kv?key=K reads it back
//   calls        calls every capability function once; outputs each one's code or "ok"
//   action       outputs an action result: {"output":{"path":"HELLO.md","bytes":19},"log":["wrote HELLO.md"]}
//   gr_extension an entity card's outputs with the config's filter
//   fail         fails with {"code":"not_found","message":<input>}
import * as gr from "../assembly/index";

export function myAbort(message: string | null, fileName: string | null, line: u32, column: u32): void {
  unreachable();
}

function path(req: Uint8Array): string {
  const p = gr.stringMember(req, 0, "path");
  return p == null ? "" : p!;
}

export function gr_http(): i32 {
  const req = gr.input();
  const p = path(req);
  if (p == "/kv") {
    const key = gr.queryValue(req, "key");
    const method = gr.stringMember(req, 0, "method");
    if (method == "PUT") {
      const body = gr.stringMember(req, 0, "body"); // base64 already
      const r = gr.kvPut('{"key":' + gr.quote(key!) + ',"value":' + gr.quote(body == null ? "" : body!) + "}");
      gr.outputString(r.ok ? '{"status":204}' : gr.errorResponse(r.code, r.message));
      return 0;
    }
    const r = gr.kvGet('{"key":' + gr.quote(key!) + "}");
    gr.outputString(r.ok ? gr.jsonResponse(200, r.json) : gr.errorResponse(r.code, r.message));
    return 0;
  }
  const name = gr.queryValue(req, "name");
  if (name == null || name.length == 0) {
    gr.outputString(gr.errorResponse("invalid_argument", "query parameter name is required"));
    return 0;
  }
  gr.outputString(gr.jsonResponse(200, '{"message":' + gr.quote("hello " + name!) + "}"));
  return 0;
}

function outcome(name: string, r: gr.Result): string {
  return gr.quote(name) + ":" + gr.quote(r.ok ? "ok" : r.code);
}

export function calls(): i32 {
  const parts: string[] = [
    outcome("kv_list", gr.kvList('{"prefix":"a"}')),
    outcome("kv_delete", gr.kvDelete('{"key":"zz"}')),
    outcome("catalog_get", gr.catalogGet('{"ref":"component:default/web"}')),
    outcome("catalog_query", gr.catalogQuery('{"filter":["kind=component"]}')),
    outcome("catalog_facets", gr.catalogFacets('{"facets":["spec.type"]}')),
    outcome("catalog_apply", gr.catalogApply('{"delete":["user:default/bob"]}')),
    outcome("url_read", gr.urlRead('{"url":"https://example.com/a"}')),
    outcome("url_read_tree", gr.urlReadTree('{"url":"https://example.com/d"}')),
    outcome("url_search", gr.urlSearch('{"url":"https://example.com/**"}')),
    outcome("proxy_fetch", gr.proxyFetch('{"endpoint":"/x","method":"GET","path":"/"}')),
    outcome("permission_authorize", gr.permissionAuthorize('{"permission":{"name":"a.b"}}')),
    // The rest send the golden messages of abi/testdata.
    outcome("files_read", gr.filesRead(gr.pathRequest("sites/default/component/api/index.html"))),
    outcome("files_write", gr.filesWrite(gr.filesWriteRequest(
      ["sites/default/component/api/index.html", "sites/default/component/api/techdocs_metadata.json"],
      ["PGgxPkFQSTwvaDE+", "e30="], "sites/default/component/api"))),
    outcome("files_list", gr.filesList(gr.filesListRequest("sites/default/", 100))),
    outcome("files_delete", gr.filesDelete(gr.pathRequest("sites/default/component/api"))),
    outcome("workspace_read", gr.workspaceRead(gr.pathRequest("README.md"))),
    outcome("workspace_write", gr.workspaceWrite(gr.workspaceWriteRequest("run.sh", "IyEvYmluL3NoCmVjaG8gaGkK", true))),
    outcome("workspace_list", gr.workspaceList(gr.pathRequest("docs"))),
    outcome("search_replace", gr.searchReplace(gr.searchReplaceRequest("adr", "Decisions", "", [
      gr.searchDocument("Use Postgres for the ledger", "We store ledger entries in Postgres.", "/adr/0007",
        '{"status":"accepted","tags":["storage","ledger"]}', "component:default/ledger"),
    ]))),
  ];
  gr.outputString("{" + parts.join(",") + "}");
  return 0;
}

export function action(): i32 {
  gr.outputString(gr.actionResult('{"path":"HELLO.md","bytes":19}', ["wrote HELLO.md"]));
  return 0;
}

export function gr_extension(): i32 {
  const req = gr.input();
  const c = gr.member(req, 0, "config");
  const f: string | null = c < 0 ? null : gr.stringMember(req, c, "filter");
  gr.outputString(gr.cardOutputs(f == null ? "kind:component" : f!));
  return 0;
}

export function fail(): i32 {
  return gr.fail("not_found", String.UTF8.decode(gr.input().buffer));
}
