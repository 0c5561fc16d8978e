/*
 * hello-c: the Greenroom example plugin in C, on sdk/c/greenroom.h.
 *
 * GET /hello?name=X answers {"message":"<greeting> X"}; greeting comes from the plugin's
 * config (default "hello"). A missing or empty name answers 400 with a JSON error. It is
 * also the trivial guest of the HTTP throughput benchmark, so the hot path makes few host
 * calls and copies in bulk: input_length, input_read, mem_write and output_set. The
 * greeting is read once per instance (config_get with mem_write, length and mem_read):
 * an instance's config never changes, since a reload starts new instances.
 */
#include "../../sdk/c/greenroom.h"

static const char bad_request[] =
    "{\"status\":400,\"json\":{\"error\":{\"name\":\"InputError\","
    "\"message\":\"query parameter name is required\",\"code\":\"invalid_argument\"},"
    "\"response\":{\"statusCode\":400}}}";

static const char head[] = "{\"status\":200,\"json\":{\"message\":\"";
static const char tail[] = "\"}}";

/* The greeting, read on the instance's first request; a longer one than fits is read
 * on every request instead. */
static char greeting_buf[256];
static uint32_t greeting_buf_len;
static int greeting_cached;

static const char *cached_greeting(uint32_t *len) {
	if (greeting_cached) {
		*len = greeting_buf_len;
		return greeting_buf;
	}
	const char *g = gr_config("greeting", len);
	if (!g || *len == 0) {
		g = "hello";
		*len = 5;
	}
	if (*len <= sizeof greeting_buf) {
		gr__copy(greeting_buf, g, *len);
		greeting_buf_len = *len;
		greeting_cached = 1;
	}
	return g;
}

GR_EXPORT("gr_http") int32_t gr_http(void) {
	gr_scratch_reset();
	uint32_t n, name_len, greeting_len;
	const char *req = gr_input(&n);
	const char *name = gr_request_query(req, n, "name", &name_len);
	if (!name || name_len == 0) {
		gr_output(bad_request, sizeof bad_request - 1);
		return 0;
	}
	const char *greeting = cached_greeting(&greeting_len);
	char *out = (char *)gr_scratch(sizeof head + sizeof tail + 6 * (greeting_len + 1 + name_len));
	char *d = out;
	for (const char *s = head; *s; s++) *d++ = *s;
	d += gr_json_escape(greeting, greeting_len, d);
	*d++ = ' ';
	d += gr_json_escape(name, name_len, d);
	for (const char *s = tail; *s; s++) *d++ = *s;
	gr_output(out, (uint32_t)(d - out));
	return 0;
}
