/*
 * greenroom.h: single-header C SDK for Greenroom plugins, ABI v1 (abi/SPEC.md).
 *
 * Freestanding: needs only the compiler's <stdint.h> and <stddef.h>, no libc and no
 * malloc. Works with
 *
 *   clang --target=wasm32-wasi -O2 -mexec-model=reactor -Wl,--strip-all plugin.c -o p.wasm
 *   clang --target=wasm32 -ffreestanding -nostdlib -O2 -Wl,--no-entry -Wl,--strip-all \
 *         plugin.c -o p.wasm
 *
 * In a freestanding build (-ffreestanding, or GR_FREESTANDING defined) the header also
 * defines memcpy, memmove and memset, which the compiler may call.
 *
 * What it gives:
 *   - every import of the Extism guest ABI (extism:host/env) and of greenroom:host/v1,
 *     declared with their module and name. Only the functions a plugin calls become
 *     imports of its module, and each greenroom import needs a grant;
 *   - a per-call scratch allocator (gr_scratch) over pages of its own;
 *   - input, output and errors: gr_input, gr_output, gr_output_str, gr_error,
 *     gr_error_json;
 *   - config: gr_config (config_get), and logging: gr_log;
 *   - host calls with a JSON request and a result envelope: gr_host_call;
 *   - a small JSON reader and writer: gr_json_member, gr_json_index, gr_json_string,
 *     gr_json_escape, and gr_request_query for the HTTP request message;
 *   - frontend extensions: gr_card_outputs, gr_page_outputs, gr_request_config,
 *     gr_entity_string, a buffer (gr_buf_*) and UI node writers (gr_ui_*).
 *
 * An export has the Extism shape: GR_EXPORT("gr_http") int32_t gr_http(void) { ... },
 * returning 0 for success. Call gr_scratch_reset() first in each export.
 */
#ifndef GREENROOM_H
#define GREENROOM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define GR_IMPORT(module, name) __attribute__((import_module(module), import_name(name)))
#define GR_EXPORT(name) __attribute__((export_name(name)))
#define GR_UNUSED __attribute__((unused))

/* A handle: an offset into the host's per-call arena; 0 means none. */
typedef uint64_t gr_handle;

/* ---- Extism guest ABI, import module extism:host/env (SPEC.md section 2) ---- */

GR_IMPORT("extism:host/env", "alloc") extern gr_handle gr_extism_alloc(uint64_t n);
GR_IMPORT("extism:host/env", "free") extern void gr_extism_free(gr_handle h);
GR_IMPORT("extism:host/env", "length") extern uint64_t gr_extism_length(gr_handle h);
GR_IMPORT("extism:host/env", "length_unsafe") extern uint64_t gr_extism_length_unsafe(gr_handle h);
GR_IMPORT("extism:host/env", "load_u8") extern uint32_t gr_extism_load_u8(gr_handle off);
GR_IMPORT("extism:host/env", "load_u64") extern uint64_t gr_extism_load_u64(gr_handle off);
GR_IMPORT("extism:host/env", "store_u8") extern void gr_extism_store_u8(gr_handle off, uint32_t v);
GR_IMPORT("extism:host/env", "store_u64") extern void gr_extism_store_u64(gr_handle off, uint64_t v);
GR_IMPORT("extism:host/env", "input_length") extern uint64_t gr_extism_input_length(void);
GR_IMPORT("extism:host/env", "input_offset") extern gr_handle gr_extism_input_offset(void);
GR_IMPORT("extism:host/env", "input_load_u8") extern uint32_t gr_extism_input_load_u8(uint64_t off);
GR_IMPORT("extism:host/env", "input_load_u64") extern uint64_t gr_extism_input_load_u64(uint64_t off);
GR_IMPORT("extism:host/env", "output_set") extern void gr_extism_output_set(gr_handle h, uint64_t n);
GR_IMPORT("extism:host/env", "error_set") extern void gr_extism_error_set(gr_handle h);
GR_IMPORT("extism:host/env", "config_get") extern gr_handle gr_extism_config_get(gr_handle key);
GR_IMPORT("extism:host/env", "var_get") extern gr_handle gr_extism_var_get(gr_handle key);
GR_IMPORT("extism:host/env", "var_set") extern void gr_extism_var_set(gr_handle key, gr_handle val);
GR_IMPORT("extism:host/env", "log_trace") extern void gr_extism_log_trace(gr_handle msg);
GR_IMPORT("extism:host/env", "log_debug") extern void gr_extism_log_debug(gr_handle msg);
GR_IMPORT("extism:host/env", "log_info") extern void gr_extism_log_info(gr_handle msg);
GR_IMPORT("extism:host/env", "log_warn") extern void gr_extism_log_warn(gr_handle msg);
GR_IMPORT("extism:host/env", "log_error") extern void gr_extism_log_error(gr_handle msg);
GR_IMPORT("extism:host/env", "get_log_level") extern int32_t gr_extism_get_log_level(void);

/* ---- greenroom:host/v1 bulk copy, no capability needed (SPEC.md section 3.2) ---- */

/* Copy n bytes of arena block h into guest memory at dst. */
GR_IMPORT("greenroom:host/v1", "mem_read") extern void gr_mem_read(gr_handle h, void *dst, uint32_t n);
/* Allocate an arena block holding the n guest bytes at src. */
GR_IMPORT("greenroom:host/v1", "mem_write") extern gr_handle gr_mem_write(const void *src, uint32_t n);
/* Copy the first n bytes of the call's input into guest memory at dst. */
GR_IMPORT("greenroom:host/v1", "input_read") extern void gr_input_read(void *dst, uint32_t n);

/* ---- greenroom:host/v1 capability-bearing functions (SPEC.md section 3.3) ----
 * Each takes a handle to a JSON request and returns a handle to a result envelope,
 * {"result": ...} or {"error": {"code","message"}}. Call them through gr_host_call. */

GR_IMPORT("greenroom:host/v1", "kv_get") extern gr_handle gr_kv_get(gr_handle req);
GR_IMPORT("greenroom:host/v1", "kv_put") extern gr_handle gr_kv_put(gr_handle req);
GR_IMPORT("greenroom:host/v1", "kv_delete") extern gr_handle gr_kv_delete(gr_handle req);
GR_IMPORT("greenroom:host/v1", "kv_list") extern gr_handle gr_kv_list(gr_handle req);
GR_IMPORT("greenroom:host/v1", "catalog_get") extern gr_handle gr_catalog_get(gr_handle req);
GR_IMPORT("greenroom:host/v1", "catalog_query") extern gr_handle gr_catalog_query(gr_handle req);
GR_IMPORT("greenroom:host/v1", "catalog_facets") extern gr_handle gr_catalog_facets(gr_handle req);
GR_IMPORT("greenroom:host/v1", "catalog_apply") extern gr_handle gr_catalog_apply(gr_handle req);
GR_IMPORT("greenroom:host/v1", "url_read") extern gr_handle gr_url_read(gr_handle req);
GR_IMPORT("greenroom:host/v1", "url_read_tree") extern gr_handle gr_url_read_tree(gr_handle req);
GR_IMPORT("greenroom:host/v1", "url_search") extern gr_handle gr_url_search(gr_handle req);
GR_IMPORT("greenroom:host/v1", "proxy_fetch") extern gr_handle gr_proxy_fetch(gr_handle req);
GR_IMPORT("greenroom:host/v1", "permission_authorize") extern gr_handle gr_permission_authorize(gr_handle req);
GR_IMPORT("greenroom:host/v1", "files_read") extern gr_handle gr_files_read(gr_handle req);
GR_IMPORT("greenroom:host/v1", "files_write") extern gr_handle gr_files_write(gr_handle req);
GR_IMPORT("greenroom:host/v1", "files_list") extern gr_handle gr_files_list(gr_handle req);
GR_IMPORT("greenroom:host/v1", "files_delete") extern gr_handle gr_files_delete(gr_handle req);
GR_IMPORT("greenroom:host/v1", "workspace_read") extern gr_handle gr_workspace_read(gr_handle req);
GR_IMPORT("greenroom:host/v1", "workspace_write") extern gr_handle gr_workspace_write(gr_handle req);
GR_IMPORT("greenroom:host/v1", "workspace_list") extern gr_handle gr_workspace_list(gr_handle req);
GR_IMPORT("greenroom:host/v1", "search_replace") extern gr_handle gr_search_replace(gr_handle req);
GR_IMPORT("greenroom:host/v1", "facts_publish") extern gr_handle gr_facts_publish(gr_handle req);

/* ---- freestanding memory functions ---- */

#if !__STDC_HOSTED__ || defined(GR_FREESTANDING)
__attribute__((weak)) void *memcpy(void *dst, const void *src, size_t n) {
	unsigned char *d = (unsigned char *)dst;
	const unsigned char *s = (const unsigned char *)src;
	while (n--) *d++ = *s++;
	return dst;
}
__attribute__((weak)) void *memmove(void *dst, const void *src, size_t n) {
	unsigned char *d = (unsigned char *)dst;
	const unsigned char *s = (const unsigned char *)src;
	if (d < s) {
		while (n--) *d++ = *s++;
	} else {
		while (n--) d[n] = s[n];
	}
	return dst;
}
__attribute__((weak)) void *memset(void *dst, int c, size_t n) {
	unsigned char *d = (unsigned char *)dst;
	while (n--) *d++ = (unsigned char)c;
	return dst;
}
#endif

static GR_UNUSED void gr__copy(void *dst, const void *src, size_t n) {
	unsigned char *d = (unsigned char *)dst;
	const unsigned char *s = (const unsigned char *)src;
	while (n--) *d++ = *s++;
}

static GR_UNUSED size_t gr_strlen(const char *s) {
	size_t n = 0;
	while (s[n]) n++;
	return n;
}

/* ---- scratch memory ----
 * A bump allocator over WebAssembly pages it takes with memory.grow (never the heap that
 * a libc malloc manages). gr_scratch_reset() at the start of each export makes the
 * memory of the previous call reusable. Memory stays bounded by a small multiple of the
 * most one call needs. gr_scratch traps when memory cannot grow (the host's limit). */

static unsigned char *gr__scratch_base;
static uint32_t gr__scratch_cap, gr__scratch_used;

static GR_UNUSED void gr_scratch_reset(void) { gr__scratch_used = 0; }

static GR_UNUSED void *gr_scratch(uint32_t n) {
	n = (n + 7u) & ~7u;
	if (n > gr__scratch_cap - gr__scratch_used) {
		/* A new region, at least twice the last: after a few calls one region holds a
		 * whole call, and the abandoned smaller ones total less than it. */
		uint32_t want = n > 2 * gr__scratch_cap ? n : 2 * gr__scratch_cap;
		uint32_t pages = (want >> 16) + 1;
		int32_t old = __builtin_wasm_memory_grow(0, pages);
		if (old < 0) __builtin_trap();
		gr__scratch_base = (unsigned char *)((uintptr_t)old << 16);
		gr__scratch_cap = pages << 16;
		gr__scratch_used = 0;
	}
	void *p = gr__scratch_base + gr__scratch_used;
	gr__scratch_used += n;
	return p;
}

/* ---- input, output, errors ---- */

/* gr_input returns the call's input in scratch memory and its length in *len. */
static GR_UNUSED const char *gr_input(uint32_t *len) {
	uint32_t n = (uint32_t)gr_extism_input_length();
	char *buf = (char *)gr_scratch(n + 1);
	if (n) gr_input_read(buf, n);
	buf[n] = 0;
	*len = n;
	return buf;
}

/* gr_read_block copies arena block h into scratch memory (NUL-terminated); NULL for 0. */
static GR_UNUSED const char *gr_read_block(gr_handle h, uint32_t *len) {
	if (!h) {
		*len = 0;
		return 0;
	}
	uint32_t n = (uint32_t)gr_extism_length(h);
	char *buf = (char *)gr_scratch(n + 1);
	if (n) gr_mem_read(h, buf, n);
	buf[n] = 0;
	*len = n;
	return buf;
}

/* gr_output sets the call's output to n bytes at p. */
static GR_UNUSED void gr_output(const void *p, uint32_t n) { gr_extism_output_set(gr_mem_write(p, n), n); }

/* gr_output_str sets the call's output to a NUL-terminated string. */
static GR_UNUSED void gr_output_str(const char *s) { gr_output(s, (uint32_t)gr_strlen(s)); }

/* gr_error sets a plain-text error message and returns 1, for "return gr_error(...)". */
static GR_UNUSED int32_t gr_error(const char *msg) {
	gr_extism_error_set(gr_mem_write(msg, (uint32_t)gr_strlen(msg)));
	return 1;
}

/* ---- JSON ---- */

static GR_UNUSED const char *gr__ws(const char *p, const char *end) {
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) p++;
	return p;
}

/* gr_json_skip returns the end of the JSON value at p (after leading space), or NULL if
 * it is malformed. It checks structure, not the contents of numbers and literals. */
static GR_UNUSED const char *gr_json_skip(const char *p, const char *end) {
	int depth = 0;
	p = gr__ws(p, end);
	do {
		if (p >= end) return 0;
		char c = *p;
		if (c == '"') {
			for (p++; p < end && *p != '"'; p++) {
				if (*p == '\\') p++;
			}
			if (p >= end) return 0;
			p++;
		} else if (c == '{' || c == '[') {
			depth++;
			p++;
		} else if (c == '}' || c == ']') {
			if (--depth < 0) return 0;
			p++;
		} else if (c == ',' || c == ':' || c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			if (depth == 0) return 0;
			p++;
		} else {
			const char *s = p;
			while (p < end && *p != ',' && *p != '}' && *p != ']' && *p != ' ' && *p != '\t' &&
			       *p != '\n' && *p != '\r' && *p != ':' && *p != '"')
				p++;
			if (p == s) return 0;
		}
	} while (depth > 0);
	return p;
}

/* gr_json_member finds member key of the JSON object at json[0..n) and returns its raw
 * value (start in *val, length in *vlen): 1 if found, 0 if absent or json is not an
 * object. key is compared with the member name as written (without unescaping). */
static GR_UNUSED int gr_json_member(const char *json, size_t n, const char *key, const char **val, size_t *vlen) {
	const char *p = gr__ws(json, json + n), *end = json + n;
	size_t klen = gr_strlen(key);
	if (p >= end || *p != '{') return 0;
	p = gr__ws(p + 1, end);
	if (p < end && *p == '}') return 0;
	while (p < end && *p == '"') {
		const char *k = p + 1;
		const char *kend = gr_json_skip(p, end);
		if (!kend) return 0;
		int match = (size_t)(kend - 1 - k) == klen;
		for (size_t i = 0; match && i < klen; i++) match = k[i] == key[i];
		p = gr__ws(kend, end);
		if (p >= end || *p != ':') return 0;
		const char *v = gr__ws(p + 1, end);
		const char *vend = gr_json_skip(v, end);
		if (!vend) return 0;
		if (match) {
			*val = v;
			*vlen = (size_t)(vend - v);
			return 1;
		}
		p = gr__ws(vend, end);
		if (p >= end || *p != ',') return 0;
		p = gr__ws(p + 1, end);
	}
	return 0;
}

/* gr_json_index finds element i of the JSON array at json[0..n); 1 if found. */
static GR_UNUSED int gr_json_index(const char *json, size_t n, size_t i, const char **val, size_t *vlen) {
	const char *p = gr__ws(json, json + n), *end = json + n;
	if (p >= end || *p != '[') return 0;
	p = gr__ws(p + 1, end);
	if (p < end && *p == ']') return 0;
	for (size_t k = 0; p < end; k++) {
		const char *vend = gr_json_skip(p, end);
		if (!vend) return 0;
		if (k == i) {
			*val = p;
			*vlen = (size_t)(vend - p);
			return 1;
		}
		p = gr__ws(vend, end);
		if (p >= end || *p != ',') return 0;
		p = gr__ws(p + 1, end);
	}
	return 0;
}

static GR_UNUSED int gr__hex4(const char *p, uint32_t *out) {
	uint32_t v = 0;
	for (int i = 0; i < 4; i++) {
		char c = p[i];
		v <<= 4;
		if (c >= '0' && c <= '9') v |= (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f') v |= (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F') v |= (uint32_t)(c - 'A' + 10);
		else return 0;
	}
	*out = v;
	return 1;
}

/* gr_json_string decodes the JSON string literal raw[0..n) (with its quotes) as UTF-8
 * into dst, which needs at most n bytes. It returns the decoded length, or -1 if raw is
 * not a string. A lone surrogate decodes as U+FFFD. */
static GR_UNUSED int64_t gr_json_string(const char *raw, size_t n, char *dst) {
	if (n < 2 || raw[0] != '"' || raw[n - 1] != '"') return -1;
	const char *p = raw + 1, *end = raw + n - 1;
	char *d = dst;
	while (p < end) {
		char c = *p++;
		if (c != '\\') {
			*d++ = c;
			continue;
		}
		if (p >= end) return -1;
		c = *p++;
		switch (c) {
		case '"': *d++ = '"'; break;
		case '\\': *d++ = '\\'; break;
		case '/': *d++ = '/'; break;
		case 'b': *d++ = '\b'; break;
		case 'f': *d++ = '\f'; break;
		case 'n': *d++ = '\n'; break;
		case 'r': *d++ = '\r'; break;
		case 't': *d++ = '\t'; break;
		case 'u': {
			uint32_t cp, lo;
			if (end - p < 4 || !gr__hex4(p, &cp)) return -1;
			p += 4;
			if (cp >= 0xD800 && cp < 0xDC00 && end - p >= 6 && p[0] == '\\' && p[1] == 'u' &&
			    gr__hex4(p + 2, &lo) && lo >= 0xDC00 && lo < 0xE000) {
				cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
				p += 6;
			} else if (cp >= 0xD800 && cp < 0xE000) {
				cp = 0xFFFD;
			}
			if (cp < 0x80) {
				*d++ = (char)cp;
			} else if (cp < 0x800) {
				*d++ = (char)(0xC0 | (cp >> 6));
				*d++ = (char)(0x80 | (cp & 0x3F));
			} else if (cp < 0x10000) {
				*d++ = (char)(0xE0 | (cp >> 12));
				*d++ = (char)(0x80 | ((cp >> 6) & 0x3F));
				*d++ = (char)(0x80 | (cp & 0x3F));
			} else {
				*d++ = (char)(0xF0 | (cp >> 18));
				*d++ = (char)(0x80 | ((cp >> 12) & 0x3F));
				*d++ = (char)(0x80 | ((cp >> 6) & 0x3F));
				*d++ = (char)(0x80 | (cp & 0x3F));
			}
			break;
		}
		default:
			return -1;
		}
	}
	return d - dst;
}

/* gr_json_escape writes src[0..n) escaped for the inside of a JSON string to dst, which
 * needs at most 6*n bytes, and returns the length written. Bytes from 0x80 up pass
 * through unchanged (src is taken to be UTF-8). */
static GR_UNUSED size_t gr_json_escape(const char *src, size_t n, char *dst) {
	static const char hex[] = "0123456789abcdef";
	char *d = dst;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)src[i];
		if (c == '"' || c == '\\') {
			*d++ = '\\';
			*d++ = (char)c;
		} else if (c == '\n') {
			*d++ = '\\';
			*d++ = 'n';
		} else if (c == '\r') {
			*d++ = '\\';
			*d++ = 'r';
		} else if (c == '\t') {
			*d++ = '\\';
			*d++ = 't';
		} else if (c < 0x20) {
			*d++ = '\\';
			*d++ = 'u';
			*d++ = '0';
			*d++ = '0';
			*d++ = hex[c >> 4];
			*d++ = hex[c & 15];
		} else {
			*d++ = (char)c;
		}
	}
	return (size_t)(d - dst);
}

/* gr_request_query returns the first value of query parameter name in the HTTP request
 * message req[0..n) (SPEC.md section 7.1), decoded, in scratch memory, with its length
 * in *len; NULL when the parameter is absent. */
static GR_UNUSED const char *gr_request_query(const char *req, size_t n, const char *name, uint32_t *len) {
	const char *q, *vals, *v;
	size_t qn, valsn, vn;
	if (!gr_json_member(req, n, "query", &q, &qn) || !gr_json_member(q, qn, name, &vals, &valsn) ||
	    !gr_json_index(vals, valsn, 0, &v, &vn))
		return 0;
	char *out = (char *)gr_scratch((uint32_t)vn + 1);
	int64_t l = gr_json_string(v, vn, out);
	if (l < 0) return 0;
	out[l] = 0;
	*len = (uint32_t)l;
	return out;
}

/* gr_request_caller returns a string member of the request message's caller (SPEC.md
 * section 7.1), "type", "userEntityRef" or "subject", decoded, in scratch memory, with
 * its length in *len; NULL when nobody signed in or the member is absent. The host keeps
 * the caller's credentials to itself: this says who the caller is. */
static GR_UNUSED const char *gr_request_caller(const char *req, size_t n, const char *member, uint32_t *len) {
	const char *c, *v;
	size_t cn, vn;
	if (!gr_json_member(req, n, "caller", &c, &cn) || !gr_json_member(c, cn, member, &v, &vn)) return 0;
	char *out = (char *)gr_scratch((uint32_t)vn + 1);
	int64_t l = gr_json_string(v, vn, out);
	if (l < 0) return 0;
	out[l] = 0;
	*len = (uint32_t)l;
	return out;
}

/* gr_request_id returns the request's ID (the message's "requestId", SPEC.md section
 * 7.1: the X-Request-Id the host returns and records in its access and audit logs),
 * decoded, in scratch memory, with its length in *len; NULL when absent. */
static GR_UNUSED const char *gr_request_id(const char *req, size_t n, uint32_t *len) {
	const char *v;
	size_t vn;
	if (!gr_json_member(req, n, "requestId", &v, &vn)) return 0;
	char *out = (char *)gr_scratch((uint32_t)vn + 1);
	int64_t l = gr_json_string(v, vn, out);
	if (l < 0) return 0;
	out[l] = 0;
	*len = (uint32_t)l;
	return out;
}

/* gr_error_json sets the error {"code": code, "message": msg} and returns 1; code is one
 * of SPEC.md section 8 (invalid_argument, not_found, internal, ...). */
static GR_UNUSED int32_t gr_error_json(const char *code, const char *msg) {
	size_t cn = gr_strlen(code), mn = gr_strlen(msg);
	char *buf = (char *)gr_scratch((uint32_t)(6 * (cn + mn) + 32));
	char *d = buf;
	gr__copy(d, "{\"code\":\"", 9), d += 9;
	d += gr_json_escape(code, cn, d);
	gr__copy(d, "\",\"message\":\"", 13), d += 13;
	d += gr_json_escape(msg, mn, d);
	gr__copy(d, "\"}", 2), d += 2;
	gr_extism_error_set(gr_mem_write(buf, (uint32_t)(d - buf)));
	return 1;
}

/* ---- config, logging, host calls ---- */

/* gr_config returns config value key in scratch memory (the raw string for a string
 * value, JSON otherwise; key "greenroom.config" gives the whole object), its length in
 * *len, or NULL when absent. */
static GR_UNUSED const char *gr_config(const char *key, uint32_t *len) {
	/* No free calls: the host resets its arena after every call, and this is hot. */
	return gr_read_block(gr_extism_config_get(gr_mem_write(key, (uint32_t)gr_strlen(key))), len);
}

enum gr_level { GR_TRACE = 0, GR_DEBUG = 1, GR_INFO = 2, GR_WARN = 3, GR_ERROR = 4 };

/* gr_log writes msg to the host log at level, if the host's level lets it through. */
static GR_UNUSED void gr_log(enum gr_level level, const char *msg) {
	if ((int32_t)level < gr_extism_get_log_level()) return;
	gr_handle h = gr_mem_write(msg, (uint32_t)gr_strlen(msg));
	switch (level) {
	case GR_TRACE: gr_extism_log_trace(h); break;
	case GR_DEBUG: gr_extism_log_debug(h); break;
	case GR_INFO: gr_extism_log_info(h); break;
	case GR_WARN: gr_extism_log_warn(h); break;
	default: gr_extism_log_error(h); break;
	}
	gr_extism_free(h);
}

/* gr_host_call sends the JSON request req[0..n) to a capability-bearing function (for
 * example gr_kv_get) and returns the raw JSON of the envelope's "result" (start in
 * *result, length in *rlen): 0 on success, 1 on an error envelope, whose raw
 * {"code","message"} object is then in *result, and -1 if the envelope does not decode. */
static GR_UNUSED int gr_host_call(gr_handle (*fn)(gr_handle), const char *req, uint32_t n, const char **result,
                                  size_t *rlen) {
	gr_handle h = gr_mem_write(req, n);
	gr_handle r = fn(h);
	gr_extism_free(h);
	uint32_t len;
	const char *env = gr_read_block(r, &len);
	if (r) gr_extism_free(r);
	if (!env) return -1;
	if (gr_json_member(env, len, "error", result, rlen)) return 1;
	if (gr_json_member(env, len, "result", result, rlen)) return 0;
	return -1;
}

/* ---- frontend extensions (SPEC.md section 7.3) ----
 * A writer for JSON in scratch memory, and helpers for the extension and render
 * messages: a card's or page's outputs, the request's config and entity, and UI nodes. */

/* gr_buf is a growing buffer in scratch memory. */
typedef struct {
	char *p;
	uint32_t len, cap;
} gr_buf;

static GR_UNUSED void gr_buf_init(gr_buf *b, uint32_t cap) {
	b->p = (char *)gr_scratch(cap ? cap : 64);
	b->len = 0;
	b->cap = cap ? cap : 64;
}

static GR_UNUSED void gr__buf_need(gr_buf *b, uint32_t n) {
	if (b->len + n <= b->cap) return;
	uint32_t cap = 2 * b->cap + n;
	char *p = (char *)gr_scratch(cap);
	gr__copy(p, b->p, b->len);
	b->p = p;
	b->cap = cap;
}

/* gr_buf_raw appends n bytes as they are (JSON the caller wrote). */
static GR_UNUSED void gr_buf_raw(gr_buf *b, const char *s, size_t n) {
	gr__buf_need(b, (uint32_t)n);
	gr__copy(b->p + b->len, s, n);
	b->len += (uint32_t)n;
}

static GR_UNUSED void gr_buf_str(gr_buf *b, const char *s) { gr_buf_raw(b, s, gr_strlen(s)); }

/* gr_buf_quote appends s[0..n) as a JSON string literal. */
static GR_UNUSED void gr_buf_quote(gr_buf *b, const char *s, size_t n) {
	gr__buf_need(b, (uint32_t)(6 * n + 2));
	b->p[b->len++] = '"';
	b->len += (uint32_t)gr_json_escape(s, n, b->p + b->len);
	b->p[b->len++] = '"';
}

/* gr_buf_output sets the call's output to the buffer. */
static GR_UNUSED void gr_buf_output(gr_buf *b) { gr_output(b->p, b->len); }

/* gr_json_path_string decodes the string at a path of object members (keys, NULL-ended)
 * of the JSON at json[0..n) into scratch memory, with its length in *len; NULL when a
 * member is absent or the value is not a string. */
static GR_UNUSED const char *gr_json_path_string(const char *json, size_t n, const char *const *keys, uint32_t *len) {
	const char *v = json;
	size_t vn = n;
	for (; *keys; keys++) {
		if (!gr_json_member(v, vn, *keys, &v, &vn)) return 0;
	}
	char *out = (char *)gr_scratch((uint32_t)vn + 1);
	int64_t l = gr_json_string(v, vn, out);
	if (l < 0) return 0;
	out[l] = 0;
	*len = (uint32_t)l;
	return out;
}

/* gr_request_config returns string member key of an extension or render request's
 * "config" (decoded, in scratch memory), or def when absent. */
static GR_UNUSED const char *gr_request_config(const char *req, size_t n, const char *key, const char *def, uint32_t *len) {
	const char *keys[] = {"config", key, 0};
	const char *v = gr_json_path_string(req, n, keys, len);
	if (v) return v;
	*len = (uint32_t)gr_strlen(def);
	return def;
}

/* gr_entity_string returns a string of a render request's entity at a path below it,
 * e.g. {"metadata", "name", NULL} or {"spec", "owner", NULL}; NULL off entity pages or
 * when absent. */
static GR_UNUSED const char *gr_entity_string(const char *req, size_t n, const char *const *keys, uint32_t *len) {
	const char *e;
	size_t en;
	if (!gr_json_member(req, n, "entity", &e, &en)) return 0;
	return gr_json_path_string(e, en, keys, len);
}

/* gr_card_outputs sets the outputs of an entity card (declare it with attachTo {id:
 * page:catalog/entity, input: cards}, output [core.ui.element,
 * catalog.entity-filter-expression?]): an element without state and, unless empty, the
 * request config's "filter", else default_filter. Returns 0, for "return gr_card_outputs(..)". */
static GR_UNUSED int32_t gr_card_outputs(const char *req, size_t n, const char *default_filter) {
	uint32_t fl;
	const char *f = gr_request_config(req, n, "filter", default_filter, &fl);
	gr_buf b;
	gr_buf_init(&b, 6 * fl + 80);
	gr_buf_str(&b, "{\"core.ui.element\":{}");
	if (fl) {
		gr_buf_str(&b, ",\"catalog.entity-filter-expression\":");
		gr_buf_quote(&b, f, fl);
	}
	gr_buf_str(&b, "}");
	gr_buf_output(&b);
	return 0;
}

/* gr_page_outputs sets the outputs of a page (attachTo {id: app/routes, input: routes},
 * output [core.routing.path, core.ui.element]): the config's "path", else default_path.
 * A path that does not start with / is an invalid_argument error (returns 1). */
static GR_UNUSED int32_t gr_page_outputs(const char *req, size_t n, const char *default_path) {
	uint32_t pl;
	const char *p = gr_request_config(req, n, "path", default_path, &pl);
	if (pl == 0 || p[0] != '/') return gr_error_json("invalid_argument", "the page's config path must start with /");
	gr_buf b;
	gr_buf_init(&b, 6 * pl + 64);
	gr_buf_str(&b, "{\"core.routing.path\":");
	gr_buf_quote(&b, p, pl);
	gr_buf_str(&b, ",\"core.ui.element\":{}}");
	gr_buf_output(&b);
	return 0;
}

/* UI nodes (abi/schema/ui-node.schema.json). gr_ui_open writes {"type":T,"title":...
 * and, with children, ,"children":[ ; gr_ui_close ends it. Between them, write the
 * children separated by gr_ui_sep. gr_ui_text writes a text node, gr_ui_pair a kv pair. */
static GR_UNUSED void gr_ui_open(gr_buf *b, const char *type, const char *title, uint32_t tlen, int children) {
	gr_buf_str(b, "{\"type\":");
	gr_buf_quote(b, type, gr_strlen(type));
	if (title && tlen) {
		gr_buf_str(b, ",\"title\":");
		gr_buf_quote(b, title, tlen);
	}
	if (children) gr_buf_str(b, ",\"children\":[");
}

static GR_UNUSED void gr_ui_close(gr_buf *b, int children) { gr_buf_str(b, children ? "]}" : "}"); }

static GR_UNUSED void gr_ui_sep(gr_buf *b) { gr_buf_str(b, ","); }

static GR_UNUSED void gr_ui_text(gr_buf *b, const char *text, uint32_t len) {
	gr_buf_str(b, "{\"type\":\"text\",\"text\":");
	gr_buf_quote(b, text, len);
	gr_buf_str(b, "}");
}

/* gr_ui_kv_open starts a kv node; gr_ui_pair writes a pair whose value is a text node. */
static GR_UNUSED void gr_ui_kv_open(gr_buf *b) { gr_buf_str(b, "{\"type\":\"kv\",\"pairs\":["); }

static GR_UNUSED void gr_ui_pair(gr_buf *b, const char *key, const char *text, uint32_t len) {
	gr_buf_str(b, "{\"key\":");
	gr_buf_quote(b, key, gr_strlen(key));
	gr_buf_str(b, ",\"value\":");
	gr_ui_text(b, text, len);
	gr_buf_str(b, "}");
}

static GR_UNUSED void gr_ui_kv_close(gr_buf *b) { gr_buf_str(b, "]}"); }

#ifdef __cplusplus
}
#endif

#endif /* GREENROOM_H */
