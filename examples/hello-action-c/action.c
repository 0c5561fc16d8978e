/*
 * hello-action-c: an example scaffolder action plugin in C, on sdk/c/greenroom.h.
 *
 * Action hello:write writes "Hello, <name>!" into the file input.path (default
 * HELLO.md) of the task's workspace (workspace_write), then counts the workspace's
 * files (workspace_list). Its outputs are the path and that count; it logs one line.
 * It reaches nothing but the task's workspace: its only capability is workspace.
 *
 * Built with -DGR_TEST_ACTIONS it also has hello:trap (traps) and hello:spin (loops
 * until the host's deadline), which the host's tests run.
 */
#include "../../sdk/c/greenroom.h"

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* base64 writes src[0..n) to dst in base64 and returns the length written. */
static size_t base64(const unsigned char *src, size_t n, char *dst) {
	size_t o = 0;
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)src[i] << 16;
		if (i + 1 < n) v |= (uint32_t)src[i + 1] << 8;
		if (i + 2 < n) v |= src[i + 2];
		dst[o++] = b64[(v >> 18) & 63];
		dst[o++] = b64[(v >> 12) & 63];
		dst[o++] = i + 1 < n ? b64[(v >> 6) & 63] : '=';
		dst[o++] = i + 2 < n ? b64[v & 63] : '=';
	}
	return o;
}

static char *put(char *d, const char *s) {
	while (*s) *d++ = *s++;
	return d;
}

/* str reads the string member key of the JSON object json[0..n) into scratch memory;
 * NULL when it is missing or not a string. */
static const char *str(const char *json, size_t n, const char *key, size_t *len) {
	const char *raw;
	size_t rlen;
	if (!gr_json_member(json, n, key, &raw, &rlen) || rlen < 2 || raw[0] != '"') return 0;
	char *out = (char *)gr_scratch((uint32_t)rlen);
	int64_t m = gr_json_string(raw, rlen, out);
	if (m < 0) return 0;
	out[m] = 0;
	*len = (size_t)m;
	return out;
}

/* host_error fails the call with the host's error object {"code","message"} as it came. */
static int32_t host_error(const char *err, size_t n) {
	gr_extism_error_set(gr_mem_write(err, (uint32_t)n));
	return 1;
}

static int32_t write_hello(const char *input, size_t in_len) {
	size_t name_len = 0, path_len = 0;
	const char *name = str(input, in_len, "name", &name_len);
	if (!name || !name_len) return gr_error_json("invalid_argument", "hello:write needs input.name");
	const char *path = str(input, in_len, "path", &path_len);
	if (!path || !path_len) {
		path = "HELLO.md";
		path_len = 8;
	}

	/* The file's content, then the workspace_write request with it in base64. */
	char *content = (char *)gr_scratch((uint32_t)(name_len + 16));
	char *c = put(content, "Hello, ");
	gr__copy(c, name, name_len);
	c += name_len;
	c = put(c, "!\n");
	size_t clen = (size_t)(c - content);
	char *req = (char *)gr_scratch((uint32_t)(64 + 6 * path_len + 2 * clen));
	char *d = put(req, "{\"path\":\"");
	d += gr_json_escape(path, path_len, d);
	d = put(d, "\",\"content\":\"");
	d += base64((const unsigned char *)content, clen, d);
	d = put(d, "\"}");
	const char *res;
	size_t rlen;
	int rc = gr_host_call(gr_workspace_write, req, (uint32_t)(d - req), &res, &rlen);
	if (rc == 1) return host_error(res, rlen);
	if (rc != 0) return gr_error_json("internal", "workspace_write: bad envelope");

	/* Count the workspace's files. */
	static const char list[] = "{\"path\":\"\"}";
	rc = gr_host_call(gr_workspace_list, list, sizeof list - 1, &res, &rlen);
	if (rc == 1) return host_error(res, rlen);
	if (rc != 0) return gr_error_json("internal", "workspace_list: bad envelope");
	const char *files;
	size_t flen;
	uint32_t count = 0;
	if (gr_json_member(res, rlen, "files", &files, &flen)) {
		const char *it;
		size_t ilen;
		while (gr_json_index(files, flen, count, &it, &ilen)) count++;
	}

	char *out = (char *)gr_scratch((uint32_t)(128 + 12 * path_len));
	d = put(out, "{\"output\":{\"path\":\"");
	d += gr_json_escape(path, path_len, d);
	d = put(d, "\",\"files\":");
	char num[12];
	int k = 0;
	do {
		num[k++] = (char)('0' + count % 10);
		count /= 10;
	} while (count);
	while (k) *d++ = num[--k];
	d = put(d, "},\"log\":[\"wrote ");
	d += gr_json_escape(path, path_len, d);
	d = put(d, "\"]}");
	gr_output(out, (uint32_t)(d - out));
	return 0;
}

GR_EXPORT("gr_action") int32_t gr_action(void) {
	gr_scratch_reset();
	uint32_t n;
	const char *req = gr_input(&n);
	size_t alen = 0;
	const char *action = str(req, n, "action", &alen);
	const char *input;
	size_t in_len;
	if (!action || !gr_json_member(req, n, "input", &input, &in_len))
		return gr_error_json("invalid_argument", "the action request has no action or input");
	if (alen == 11 && !__builtin_memcmp(action, "hello:write", 11)) return write_hello(input, in_len);
#ifdef GR_TEST_ACTIONS
	if (alen == 10 && !__builtin_memcmp(action, "hello:trap", 10)) __builtin_trap();
	if (alen == 10 && !__builtin_memcmp(action, "hello:spin", 10)) {
		volatile uint64_t i = 0;
		for (;;) i++;
	}
#endif
	return gr_error_json("invalid_argument", "unknown action");
}
