/*
 * hello-c: the Greenroom example plugin in C, on sdk/c/greenroom.h.
 *
 * GET /hello?name=X answers {"message":"<greeting> X"}; greeting comes from the plugin's
 * config (default "hello"). A missing or empty name answers 400 with a JSON error. It is
 * also the trivial guest of the HTTP throughput benchmark, so the hot path makes few host
 * calls and copies in bulk: input_length, input_read, config_get (with mem_write,
 * length, mem_read), mem_write and output_set.
 */
#include "../../sdk/c/greenroom.h"

static const char bad_request[] =
    "{\"status\":400,\"json\":{\"error\":{\"name\":\"InputError\","
    "\"message\":\"query parameter name is required\",\"code\":\"invalid_argument\"},"
    "\"response\":{\"statusCode\":400}}}";

static const char head[] = "{\"status\":200,\"json\":{\"message\":\"";
static const char tail[] = "\"}}";

GR_EXPORT("gr_http") int32_t gr_http(void) {
	gr_scratch_reset();
	uint32_t n, name_len, greeting_len;
	const char *req = gr_input(&n);
	const char *name = gr_request_query(req, n, "name", &name_len);
	if (!name || name_len == 0) {
		gr_output(bad_request, sizeof bad_request - 1);
		return 0;
	}
	const char *greeting = gr_config("greeting", &greeting_len);
	if (!greeting || greeting_len == 0) {
		greeting = "hello";
		greeting_len = 5;
	}
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
