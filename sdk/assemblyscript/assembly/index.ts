// The Greenroom layer over the official Extism AssemblyScript PDK (@extism/as-pdk): the
// ABI v1 messages (abi/SPEC.md) and Greenroom's host functions, with bulk copies
// (greenroom:host/v1 mem_read, mem_write, input_read: one host call each, where the PDK
// copies a byte or eight bytes a call). Logging, config and variables stay the PDK's.
//
// Only the functions a plugin calls become imports of its module (AssemblyScript emits
// only used imports), so the operator grants only those.
//
// Build with: asc plugin.ts --use abort=plugin/myAbort -O3 (the host has no env.abort).
import { Config } from "@extism/as-pdk";

// ---- imports (abi/SPEC.md sections 2 and 3) ----

@external("extism:host/env", "length") declare function ext_length(h: u64): u64;
@external("extism:host/env", "free") declare function ext_free(h: u64): void;
@external("extism:host/env", "input_length") declare function ext_input_length(): u64;
@external("extism:host/env", "output_set") declare function ext_output_set(h: u64, n: u64): void;
@external("extism:host/env", "error_set") declare function ext_error_set(h: u64): void;
@external("greenroom:host/v1", "mem_read") declare function gr_mem_read(h: u64, dst: usize, n: u32): void;
@external("greenroom:host/v1", "mem_write") declare function gr_mem_write(src: usize, n: u32): u64;
@external("greenroom:host/v1", "input_read") declare function gr_input_read(dst: usize, n: u32): void;
@external("greenroom:host/v1", "kv_get") declare function gr_kv_get(req: u64): u64;
@external("greenroom:host/v1", "kv_put") declare function gr_kv_put(req: u64): u64;
@external("greenroom:host/v1", "kv_delete") declare function gr_kv_delete(req: u64): u64;
@external("greenroom:host/v1", "kv_list") declare function gr_kv_list(req: u64): u64;
@external("greenroom:host/v1", "catalog_get") declare function gr_catalog_get(req: u64): u64;
@external("greenroom:host/v1", "catalog_query") declare function gr_catalog_query(req: u64): u64;
@external("greenroom:host/v1", "catalog_facets") declare function gr_catalog_facets(req: u64): u64;
@external("greenroom:host/v1", "catalog_apply") declare function gr_catalog_apply(req: u64): u64;
@external("greenroom:host/v1", "url_read") declare function gr_url_read(req: u64): u64;
@external("greenroom:host/v1", "url_read_tree") declare function gr_url_read_tree(req: u64): u64;
@external("greenroom:host/v1", "url_search") declare function gr_url_search(req: u64): u64;
@external("greenroom:host/v1", "proxy_fetch") declare function gr_proxy_fetch(req: u64): u64;
@external("greenroom:host/v1", "permission_authorize") declare function gr_permission_authorize(req: u64): u64;
@external("greenroom:host/v1", "files_read") declare function gr_files_read(req: u64): u64;
@external("greenroom:host/v1", "files_write") declare function gr_files_write(req: u64): u64;
@external("greenroom:host/v1", "files_list") declare function gr_files_list(req: u64): u64;
@external("greenroom:host/v1", "files_delete") declare function gr_files_delete(req: u64): u64;
@external("greenroom:host/v1", "workspace_read") declare function gr_workspace_read(req: u64): u64;
@external("greenroom:host/v1", "workspace_write") declare function gr_workspace_write(req: u64): u64;
@external("greenroom:host/v1", "workspace_list") declare function gr_workspace_list(req: u64): u64;
@external("greenroom:host/v1", "search_replace") declare function gr_search_replace(req: u64): u64;
@external("greenroom:host/v1", "facts_publish") declare function gr_facts_publish(req: u64): u64;

// ---- input, output, errors ----

/** The call's input (the request message), in one host call. */
export function input(): Uint8Array {
  const n = <i32>ext_input_length();
  const b = new Uint8Array(n);
  if (n > 0) gr_input_read(b.dataStart, n);
  return b;
}

function write(b: Uint8Array): u64 {
  return gr_mem_write(b.dataStart, b.length);
}

function utf8(s: string): Uint8Array {
  return Uint8Array.wrap(String.UTF8.encode(s));
}

function readBlock(h: u64): Uint8Array | null {
  if (h == 0) return null;
  const n = <i32>ext_length(h);
  const b = new Uint8Array(n);
  if (n > 0) gr_mem_read(h, b.dataStart, n);
  ext_free(h);
  return b;
}

/** Sets the call's output. */
export function output(b: Uint8Array): void {
  ext_output_set(write(b), b.length);
}

/** Sets the call's output to a string, as UTF-8. */
export function outputString(s: string): void {
  output(utf8(s));
}

/** Sets the error {"code","message"} and returns 1, for `return fail(...)` in an export. */
export function fail(code: string, message: string): i32 {
  ext_error_set(write(utf8('{"code":' + quote(code) + ',"message":' + quote(message) + "}")));
  return 1;
}

/** Config value key (the raw string, or JSON for other values), or null. */
export function config(key: string): string | null {
  return Config.get(key);
}

// ---- JSON ----

/** s as a JSON string literal. */
export function quote(s: string): string {
  const raw = utf8(s);
  const out = new Uint8Array(escapedLength(raw) + 2);
  out[0] = 0x22;
  const end = escapeInto(out, 1, raw);
  out[end] = 0x22;
  return String.UTF8.decode(out.buffer);
}

/** The string member key of the object at p of s, decoded, or null. */
export function stringMember(s: Uint8Array, p: i32, key: string): string | null {
  const v = member(s, p, key);
  if (v < 0) return null;
  const b = stringAt(s, v);
  return b == null ? null : String.UTF8.decode(b.buffer);
}

/** The first value of query parameter key of an HTTP request message, or null. */
export function queryValue(req: Uint8Array, key: string): string | null {
  const query = member(req, 0, "query");
  if (query < 0) return null;
  const values = member(req, query, key);
  if (values < 0) return null;
  let p = ws(req, values);
  if (p >= req.length || req[p] != 0x5b /* [ */) return null;
  const b = stringAt(req, ws(req, p + 1));
  return b == null ? null : String.UTF8.decode(b.buffer);
}

/** An HTTP response message with a JSON body (json is already JSON text). */
export function jsonResponse(status: i32, json: string): string {
  return '{"status":' + status.toString() + ',"json":' + json + "}";
}

/** Backstage's error body for an ABI error code (abi/SPEC.md section 8). */
export function errorResponse(code: string, message: string): string {
  let status = 500, name = "Error";
  if (code == "invalid_argument") { status = 400; name = "InputError"; }
  else if (code == "not_found") { status = 404; name = "NotFoundError"; }
  else if (code == "capability_denied") { status = 403; name = "NotAllowedError"; }
  else if (code == "conflict") { status = 409; name = "ConflictError"; }
  else if (code == "too_large") { status = 413; name = "PayloadTooLargeError"; }
  else if (code == "unavailable") { status = 503; name = "ServiceUnavailableError"; }
  else if (code == "timeout") { status = 504; name = "TimeoutError"; }
  return jsonResponse(status, '{"error":{"name":' + quote(name) + ',"message":' + quote(message) + ',"code":' + quote(code) +
    '},"response":{"statusCode":' + status.toString() + "}}");
}

// ---- host functions (abi/SPEC.md section 3.3) ----

/** A host call's result envelope: ok with the raw JSON of result, or the error's code and message. */
export class Result {
  constructor(public ok: bool, public json: string, public code: string, public message: string) {}
}

function envelope(h: u64): Result {
  const b = readBlock(h);
  if (b == null) return new Result(false, "", "internal", "the host answered no envelope");
  const e = member(b, 0, "error");
  if (e >= 0) {
    const code = stringMember(b, e, "code"), msg = stringMember(b, e, "message");
    return new Result(false, "", code == null ? "internal" : code, msg == null ? "" : msg);
  }
  const r = member(b, 0, "result");
  const end = r < 0 ? -1 : skip(b, r);
  if (end < 0) return new Result(false, "", "internal", "malformed envelope");
  return new Result(true, String.UTF8.decode(b.slice(r, end).buffer), "", "");
}

// Each wrapper calls its own import: a plugin imports only what it calls.
export function kvGet(req: string): Result { return envelope(gr_kv_get(write(utf8(req)))); }
export function kvPut(req: string): Result { return envelope(gr_kv_put(write(utf8(req)))); }
export function kvDelete(req: string): Result { return envelope(gr_kv_delete(write(utf8(req)))); }
export function kvList(req: string): Result { return envelope(gr_kv_list(write(utf8(req)))); }
export function catalogGet(req: string): Result { return envelope(gr_catalog_get(write(utf8(req)))); }
export function catalogQuery(req: string): Result { return envelope(gr_catalog_query(write(utf8(req)))); }
export function catalogFacets(req: string): Result { return envelope(gr_catalog_facets(write(utf8(req)))); }
export function catalogApply(req: string): Result { return envelope(gr_catalog_apply(write(utf8(req)))); }
export function urlRead(req: string): Result { return envelope(gr_url_read(write(utf8(req)))); }
export function urlReadTree(req: string): Result { return envelope(gr_url_read_tree(write(utf8(req)))); }
export function urlSearch(req: string): Result { return envelope(gr_url_search(write(utf8(req)))); }
export function proxyFetch(req: string): Result { return envelope(gr_proxy_fetch(write(utf8(req)))); }
export function permissionAuthorize(req: string): Result { return envelope(gr_permission_authorize(write(utf8(req)))); }
// The plugin's own files (capability files).
export function filesRead(req: string): Result { return envelope(gr_files_read(write(utf8(req)))); }
export function filesWrite(req: string): Result { return envelope(gr_files_write(write(utf8(req)))); }
export function filesList(req: string): Result { return envelope(gr_files_list(write(utf8(req)))); }
export function filesDelete(req: string): Result { return envelope(gr_files_delete(write(utf8(req)))); }
// The running scaffolder action's task workspace (capability workspace), only during gr_action.
export function workspaceRead(req: string): Result { return envelope(gr_workspace_read(write(utf8(req)))); }
export function workspaceWrite(req: string): Result { return envelope(gr_workspace_write(write(utf8(req)))); }
export function workspaceList(req: string): Result { return envelope(gr_workspace_list(write(utf8(req)))); }
// The search index (capability search.write).
export function searchReplace(req: string): Result { return envelope(gr_search_replace(write(utf8(req)))); }
// Facts about catalog entities for scorecards (capability facts.write).
export function factsPublish(req: string): Result { return envelope(gr_facts_publish(write(utf8(req)))); }

// ---- request messages (contents are base64 already, as a request body's is) ----

/** {"path"}: the request of files_read, files_delete, workspace_read and workspace_list. */
export function pathRequest(path: string): string {
  return '{"path":' + quote(path) + "}";
}

/** The request of files_list: the files under prefix, at most limit (0: the host's default). */
export function filesListRequest(prefix: string, limit: i32): string {
  return '{"prefix":' + quote(prefix) + (limit > 0 ? ',"limit":' + limit.toString() : "") + "}";
}

/** The request of files_write: paths[i] gets base64 content contents[i]; replace ("" for
 *  none) is a directory whose other files are removed in the same step. */
export function filesWriteRequest(paths: string[], contents: string[], replace: string): string {
  const files: string[] = [];
  for (let i = 0; i < paths.length; i++) files.push('{"path":' + quote(paths[i]) + ',"content":' + quote(contents[i]) + "}");
  return '{"files":[' + files.join(",") + "]" + (replace.length > 0 ? ',"replace":' + quote(replace) : "") + "}";
}

/** The request of workspace_write: path gets base64 content, executable or not. */
export function workspaceWriteRequest(path: string, content: string, executable: bool): string {
  return '{"path":' + quote(path) + ',"content":' + quote(content) + (executable ? ',"executable":true' : "") + "}";
}

/** One search document of searchReplaceRequest; fields is JSON text of an object whose
 *  values are strings or lists of strings ("" for none). */
export function searchDocument(title: string, text: string, location: string, fields: string, resourceRef: string): string {
  let s = '{"title":' + quote(title);
  if (text.length > 0) s += ',"text":' + quote(text);
  s += ',"location":' + quote(location);
  if (fields.length > 0) s += ',"fields":' + fields;
  if (resourceRef.length > 0) s += ',"resourceRef":' + quote(resourceRef);
  return s + "}";
}

/** The request of search_replace: documents (JSON texts, see searchDocument) of type
 *  docType, titled title, from source ("" for the defaults). */
export function searchReplaceRequest(docType: string, title: string, source: string, documents: string[]): string {
  let s = '{"type":' + quote(docType);
  if (title.length > 0) s += ',"title":' + quote(title);
  if (source.length > 0) s += ',"source":' + quote(source);
  return s + ',"documents":[' + documents.join(",") + "]}";
}

/** One fact of factsPublishRequest: value is JSON text of a number, a string, a boolean
 *  or null (which removes the fact). */
export function fact(entityRef: string, name: string, value: string): string {
  return '{"entityRef":' + quote(entityRef) + ',"name":' + quote(name) + ',"value":' + value + "}";
}

/** The request of facts_publish: facts (JSON texts, see fact). */
export function factsPublishRequest(facts: string[]): string {
  return '{"facts":[' + facts.join(",") + "]}";
}

/** gr_action's output: output is JSON text of an object ("" for none), log lines for the task log. */
export function actionResult(output: string, log: string[]): string {
  const parts: string[] = [];
  if (output.length > 0) parts.push('"output":' + output);
  if (log.length > 0) {
    const lines: string[] = [];
    for (let i = 0; i < log.length; i++) lines.push(quote(log[i]));
    parts.push('"log":[' + lines.join(",") + "]");
  }
  return "{" + parts.join(",") + "}";
}

// ---- frontend extensions (abi/SPEC.md section 7.3) ----

/** The outputs of an entity card: an element without state and its entity filter. */
export function cardOutputs(filter: string): string {
  return '{"core.ui.element":{}' + (filter.length > 0 ? ',"catalog.entity-filter-expression":' + quote(filter) : "") + "}";
}

/** The outputs of a page: its path and an element without state. */
export function pageOutputs(path: string): string {
  return '{"core.routing.path":' + quote(path) + ',"core.ui.element":{}}';
}

/** A UI node {"type","title"?,"text"?,"children"?}; children are JSON texts. */
export function node(type: string, title: string, text: string, children: string[]): string {
  let s = '{"type":' + quote(type);
  if (title.length > 0) s += ',"title":' + quote(title);
  if (text.length > 0) s += ',"text":' + quote(text);
  if (children.length > 0) s += ',"children":[' + children.join(",") + "]";
  return s + "}";
}

// ---- JSON reader (allocation-free over UTF-8 bytes) ----

// ws skips JSON white space from p.
export function ws(s: Uint8Array, p: i32): i32 {
  while (p < s.length) {
    const c = s[p];
    if (c != 0x20 && c != 0x09 && c != 0x0a && c != 0x0d) break;
    p++;
  }
  return p;
}

// skip returns the end of the JSON value at p, or -1 if it is malformed.
export function skip(s: Uint8Array, p: i32): i32 {
  let depth = 0;
  p = ws(s, p);
  do {
    if (p >= s.length) return -1;
    const c = s[p];
    if (c == 0x22 /* " */) {
      p++;
      while (p < s.length && s[p] != 0x22) {
        if (s[p] == 0x5c /* \ */) p++;
        p++;
      }
      if (p >= s.length) return -1;
      p++;
    } else if (c == 0x7b || c == 0x5b) {
      depth++;
      p++;
    } else if (c == 0x7d || c == 0x5d) {
      if (--depth < 0) return -1;
      p++;
    } else if (c == 0x2c || c == 0x3a || c == 0x20 || c == 0x09 || c == 0x0a || c == 0x0d) {
      if (depth == 0) return -1;
      p++;
    } else {
      const start = p;
      while (p < s.length) {
        const d = s[p];
        if (d == 0x2c || d == 0x7d || d == 0x5d || d == 0x3a || d == 0x22 || d == 0x20 || d == 0x09 || d == 0x0a || d == 0x0d) break;
        p++;
      }
      if (p == start) return -1;
    }
  } while (depth > 0);
  return p;
}

// member returns the position of the value of member key of the object at p, or -1.
// Member names are compared as written (key is ASCII without escapes).
export function member(s: Uint8Array, p: i32, key: string): i32 {
  p = ws(s, p);
  if (p >= s.length || s[p] != 0x7b) return -1;
  p = ws(s, p + 1);
  while (p < s.length && s[p] == 0x22) {
    const kend = skip(s, p);
    if (kend < 0) return -1;
    let match = kend - p - 2 == key.length;
    for (let i = 0; match && i < key.length; i++) match = <i32>s[p + 1 + i] == key.charCodeAt(i);
    p = ws(s, kend);
    if (p >= s.length || s[p] != 0x3a) return -1;
    const v = ws(s, p + 1);
    if (match) return v;
    const vend = skip(s, v);
    if (vend < 0) return -1;
    p = ws(s, vend);
    if (p >= s.length || s[p] != 0x2c) return -1;
    p = ws(s, p + 1);
  }
  return -1;
}

function hex4(s: Uint8Array, p: i32): i32 {
  let v = 0;
  for (let i = 0; i < 4; i++) {
    const c = <i32>s[p + i];
    let d: i32;
    if (c >= 0x30 && c <= 0x39) d = c - 0x30;
    else if (c >= 0x61 && c <= 0x66) d = c - 0x61 + 10;
    else if (c >= 0x41 && c <= 0x46) d = c - 0x41 + 10;
    else return -1;
    v = (v << 4) | d;
  }
  return v;
}

// stringAt decodes the JSON string literal at p to UTF-8 (a \u escape of a lone
// surrogate is encoded as its three bytes, as AssemblyScript's UTF-8 encoder does), or
// returns null if there is none.
export function stringAt(s: Uint8Array, p: i32): Uint8Array | null {
  const end = skip(s, p);
  if (end < 0 || s[p] != 0x22) return null;
  // Decoded, a string is never longer than its literal.
  const out = new Uint8Array(end - p);
  let d = 0;
  for (let i = p + 1; i < end - 1; i++) {
    const c = s[i];
    if (c != 0x5c) {
      out[d++] = c;
      continue;
    }
    const e = s[++i];
    if (e == 0x6e) out[d++] = 0x0a;
    else if (e == 0x72) out[d++] = 0x0d;
    else if (e == 0x74) out[d++] = 0x09;
    else if (e == 0x62) out[d++] = 0x08;
    else if (e == 0x66) out[d++] = 0x0c;
    else if (e == 0x22 || e == 0x5c || e == 0x2f) out[d++] = e;
    else if (e == 0x75 && i + 4 < end) {
      let cp = hex4(s, i + 1);
      if (cp < 0) return null;
      i += 4;
      if (cp >= 0xd800 && cp < 0xdc00 && i + 6 < end && s[i + 1] == 0x5c && s[i + 2] == 0x75) {
        const lo = hex4(s, i + 3);
        if (lo >= 0xdc00 && lo < 0xe000) {
          cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
          i += 6;
        }
      }
      if (cp < 0x80) {
        out[d++] = <u8>cp;
      } else if (cp < 0x800) {
        out[d++] = <u8>(0xc0 | (cp >> 6));
        out[d++] = <u8>(0x80 | (cp & 0x3f));
      } else if (cp < 0x10000) {
        out[d++] = <u8>(0xe0 | (cp >> 12));
        out[d++] = <u8>(0x80 | ((cp >> 6) & 0x3f));
        out[d++] = <u8>(0x80 | (cp & 0x3f));
      } else {
        out[d++] = <u8>(0xf0 | (cp >> 18));
        out[d++] = <u8>(0x80 | ((cp >> 12) & 0x3f));
        out[d++] = <u8>(0x80 | ((cp >> 6) & 0x3f));
        out[d++] = <u8>(0x80 | (cp & 0x3f));
      }
    } else return null;
  }
  return out.slice(0, d);
}

// escapedLength is the length of s escaped for the inside of a JSON string.
export function escapedLength(s: Uint8Array): i32 {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c >= 0x20 && c != 0x22 && c != 0x5c) n++;
    else if (c == 0x22 || c == 0x5c || c == 0x0a || c == 0x0d || c == 0x09) n += 2;
    else n += 6;
  }
  return n;
}

// escapeInto writes s escaped for the inside of a JSON string into out at d and returns
// the end. Bytes from 0x80 up pass unchanged.
export function escapeInto(out: Uint8Array, d: i32, s: Uint8Array): i32 {
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c >= 0x20 && c != 0x22 && c != 0x5c) {
      out[d++] = c;
      continue;
    }
    out[d++] = 0x5c;
    if (c == 0x22 || c == 0x5c) out[d++] = c;
    else if (c == 0x0a) out[d++] = 0x6e;
    else if (c == 0x0d) out[d++] = 0x72;
    else if (c == 0x09) out[d++] = 0x74;
    else {
      out[d++] = 0x75;
      out[d++] = 0x30;
      out[d++] = 0x30;
      out[d++] = <u8>(c < 0x10 ? 0x30 : 0x31);
      const lo = c & 15;
      out[d++] = <u8>(lo < 10 ? 0x30 + lo : 0x61 + lo - 10);
    }
  }
  return d;
}
