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

// The request and the response are handled as UTF-8 bytes: decoding the request message
// to an AssemblyScript (UTF-16) string, cutting substrings and concatenating the answer
// cost several microseconds a request in allocations and copies, far more than the JSON
// work itself.
export function gr_http(): i32 {
  const req = Host.input();
  const name = queryValue(req, "name");
  if (name == null || name.length == 0) {
    Host.output(badRequest());
    return 0;
  }
  const g = greeting();
  const n = HEAD.length + g.length + 1 + escapedLength(name) + TAIL.length;
  const out = new Uint8Array(n);
  let d = put(out, 0, HEAD);
  memory.copy(out.dataStart + d, g.dataStart, g.length);
  d += g.length;
  out[d++] = 0x20;
  d = escapeInto(out, d, name);
  put(out, d, TAIL);
  Host.output(out);
  return 0;
}

const HEAD = '{"status":200,"json":{"message":"';
const TAIL = '"}}';

// put writes the ASCII string s into out at d and returns the end.
function put(out: Uint8Array, d: i32, s: string): i32 {
  for (let i = 0; i < s.length; i++) out[d++] = <u8>s.charCodeAt(i);
  return d;
}

let cachedBadRequest: Uint8Array | null = null;

function badRequest(): Uint8Array {
  let b = cachedBadRequest;
  if (b == null) {
    b = Uint8Array.wrap(String.UTF8.encode(BAD_REQUEST));
    cachedBadRequest = b;
  }
  return b;
}

// The greeting, escaped for a JSON string, is read on an instance's first request and
// kept: an instance's config never changes (a reload starts new instances), and the
// PDK's Config.get costs about sixteen host calls (the key is stored a byte at a time).
let cachedGreeting: Uint8Array | null = null;

function greeting(): Uint8Array {
  let g = cachedGreeting;
  if (g == null) {
    let s = Config.get("greeting");
    if (s == null) {
      s = "hello";
    }
    const raw = Uint8Array.wrap(String.UTF8.encode(s));
    g = new Uint8Array(escapedLength(raw));
    escapeInto(g, 0, raw);
    cachedGreeting = g;
  }
  return g;
}

// queryValue returns the first value of query parameter key in the HTTP request message
// (SPEC.md section 7.1), decoded to UTF-8, or null.
function queryValue(req: Uint8Array, key: string): Uint8Array | null {
  const query = member(req, 0, "query");
  if (query < 0) return null;
  const values = member(req, query, key);
  if (values < 0) return null;
  let p = ws(req, values);
  if (p >= req.length || req[p] != 0x5b /* [ */) return null;
  p = ws(req, p + 1);
  return stringAt(req, p);
}

// ws skips JSON white space from p.
function ws(s: Uint8Array, p: i32): i32 {
  while (p < s.length) {
    const c = s[p];
    if (c != 0x20 && c != 0x09 && c != 0x0a && c != 0x0d) break;
    p++;
  }
  return p;
}

// skip returns the end of the JSON value at p, or -1 if it is malformed.
function skip(s: Uint8Array, p: i32): i32 {
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
function member(s: Uint8Array, p: i32, key: string): i32 {
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
function stringAt(s: Uint8Array, p: i32): Uint8Array | null {
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
function escapedLength(s: Uint8Array): i32 {
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
function escapeInto(out: Uint8Array, d: i32, s: Uint8Array): i32 {
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
