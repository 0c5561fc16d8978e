// hello-assemblyscript: the Greenroom example plugin written with the official Extism
// AssemblyScript PDK (@extism/as-pdk 1.0.0), unchanged: it uses only extism:host/env.
//
// GET /hello?name=X answers {"message":"<greeting> X"}; greeting comes from the plugin's
// config (default "hello"). A missing or empty name answers 400 with a JSON error.
import { Config, Host } from "@extism/as-pdk";

// The host provides no env.abort; build.sh points AssemblyScript's abort here
// (--use abort=hello/myAbort). Reaching it traps, which fails only this call.
function myAbort(message: string | null, fileName: string | null, lineNumber: u32, columnNumber: u32): void {
  unreachable();
}

const BAD_REQUEST =
  '{"status":400,"json":{"error":{"name":"InputError",' +
  '"message":"query parameter name is required","code":"invalid_argument"},' +
  '"response":{"statusCode":400}}}';

export function gr_http(): i32 {
  const req = String.UTF8.decode(Host.input().buffer);
  const name = queryValue(req, "name");
  if (name == null || name.length == 0) {
    output(BAD_REQUEST);
    return 0;
  }
  output('{"status":200,"json":{"message":"' + escape(greeting() + " " + name) + '"}}');
  return 0;
}

// The greeting is read on an instance's first request and kept: an instance's config
// never changes (a reload starts new instances), and the PDK's Config.get costs about
// sixteen host calls (the key is stored a byte at a time).
let cachedGreeting: string | null = null;

function greeting(): string {
  let g = cachedGreeting;
  if (g == null) {
    g = Config.get("greeting");
    if (g == null) {
      g = "hello";
    }
    cachedGreeting = g;
  }
  return g;
}

// output writes s as UTF-8. (The PDK's Host.outputString sets the length in UTF-16 code
// units, which cuts non-ASCII output short.)
function output(s: string): void {
  Host.output(Uint8Array.wrap(String.UTF8.encode(s)));
}

// queryValue returns the first value of query parameter key in the HTTP request message
// (SPEC.md section 7.1), or null.
function queryValue(req: string, key: string): string | null {
  const query = member(req, 0, "query");
  if (query < 0) return null;
  const values = member(req, query, key);
  if (values < 0) return null;
  let p = ws(req, values);
  if (p >= req.length || req.charCodeAt(p) != 0x5b /* [ */) return null;
  p = ws(req, p + 1);
  return stringAt(req, p);
}

// ws skips JSON white space from p.
function ws(s: string, p: i32): i32 {
  while (p < s.length) {
    const c = s.charCodeAt(p);
    if (c != 0x20 && c != 0x09 && c != 0x0a && c != 0x0d) break;
    p++;
  }
  return p;
}

// skip returns the end of the JSON value at p, or -1 if it is malformed.
function skip(s: string, p: i32): i32 {
  let depth = 0;
  p = ws(s, p);
  do {
    if (p >= s.length) return -1;
    const c = s.charCodeAt(p);
    if (c == 0x22 /* " */) {
      p++;
      while (p < s.length && s.charCodeAt(p) != 0x22) {
        if (s.charCodeAt(p) == 0x5c /* \ */) p++;
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
        const d = s.charCodeAt(p);
        if (d == 0x2c || d == 0x7d || d == 0x5d || d == 0x3a || d == 0x22 || d == 0x20 || d == 0x09 || d == 0x0a || d == 0x0d) break;
        p++;
      }
      if (p == start) return -1;
    }
  } while (depth > 0);
  return p;
}

// member returns the position of the value of member key of the object at p, or -1.
function member(s: string, p: i32, key: string): i32 {
  p = ws(s, p);
  if (p >= s.length || s.charCodeAt(p) != 0x7b) return -1;
  p = ws(s, p + 1);
  while (p < s.length && s.charCodeAt(p) == 0x22) {
    const kend = skip(s, p);
    if (kend < 0) return -1;
    const k = s.substring(p + 1, kend - 1);
    p = ws(s, kend);
    if (p >= s.length || s.charCodeAt(p) != 0x3a) return -1;
    const v = ws(s, p + 1);
    if (k == key) return v;
    const vend = skip(s, v);
    if (vend < 0) return -1;
    p = ws(s, vend);
    if (p >= s.length || s.charCodeAt(p) != 0x2c) return -1;
    p = ws(s, p + 1);
  }
  return -1;
}

// stringAt decodes the JSON string literal at p, or returns null if there is none.
function stringAt(s: string, p: i32): string | null {
  const end = skip(s, p);
  if (end < 0 || s.charCodeAt(p) != 0x22) return null;
  let out = "";
  let run = p + 1;
  for (let i = p + 1; i < end - 1; i++) {
    if (s.charCodeAt(i) != 0x5c) continue;
    out += s.substring(run, i);
    const c = s.charCodeAt(++i);
    if (c == 0x6e) out += "\n";
    else if (c == 0x72) out += "\r";
    else if (c == 0x74) out += "\t";
    else if (c == 0x62) out += "\b";
    else if (c == 0x66) out += "\f";
    else if (c == 0x22 || c == 0x5c || c == 0x2f) out += String.fromCharCode(c);
    else if (c == 0x75 && i + 4 < end) {
      const code = I32.parseInt(s.substring(i + 1, i + 5), 16);
      if (isNaN(<f64>code)) return null;
      out += String.fromCharCode(code);
      i += 4;
    } else return null;
    run = i + 1;
  }
  return out + s.substring(run, end - 1);
}

// escape returns s escaped for the inside of a JSON string.
function escape(s: string): string {
  let out = "";
  let run = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c != 0x22 && c != 0x5c) continue;
    out += s.substring(run, i);
    if (c == 0x22) out += '\\"';
    else if (c == 0x5c) out += "\\\\";
    else if (c == 0x0a) out += "\\n";
    else if (c == 0x0d) out += "\\r";
    else if (c == 0x09) out += "\\t";
    else out += "\\u00" + (c < 0x10 ? "0" : "") + c.toString(16);
    run = i + 1;
  }
  return out + s.substring(run);
}
