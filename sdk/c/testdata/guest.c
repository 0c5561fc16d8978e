/*
 * A guest that exercises greenroom.h for the tests in sdk/go/wasmtest, which build it
 * both for wasm32-wasi and freestanding. Exports:
 *   echo  - output = input (scratch growth and bulk copy on large inputs)
 *   kv    - input is a kv_put request; puts it, gets it back with kv_get and outputs the
 *           raw result of kv_get, or the raw error object of a failed call
 *   log   - logs the input at warn level and at debug level
 *   fail  - fails with the JSON error {"code":"not_found","message":<input>}
 *   plain - fails with the plain-text error <input>
 *   json  - input is {"a":{"b":[x, "<string>"]}}; outputs the decoded string, or "-"
 *   gr_extension, gr_render - an entity card (and, for an id page:..., a page's outputs)
 *           written with the frontend helpers
 */
#include "../greenroom.h"

GR_EXPORT("echo") int32_t echo(void) {
	gr_scratch_reset();
	uint32_t n;
	const char *in = gr_input(&n);
	gr_output(in, n);
	return 0;
}

GR_EXPORT("kv") int32_t kv(void) {
	gr_scratch_reset();
	uint32_t n;
	const char *in = gr_input(&n);
	const char *res, *key;
	size_t rn, kn;
	int rc = gr_host_call(gr_kv_put, in, n, &res, &rn);
	if (rc != 0) {
		gr_output(res, (uint32_t)rn);
		return rc == 1 ? 0 : gr_error("bad envelope");
	}
	if (!gr_json_member(in, n, "key", &key, &kn)) return gr_error("no key");
	char *req = (char *)gr_scratch((uint32_t)kn + 16);
	char *d = req;
	gr__copy(d, "{\"key\":", 7), d += 7;
	gr__copy(d, key, kn), d += kn;
	*d++ = '}';
	rc = gr_host_call(gr_kv_get, req, (uint32_t)(d - req), &res, &rn);
	if (rc < 0) return gr_error("bad envelope");
	gr_output(res, (uint32_t)rn);
	return 0;
}

GR_EXPORT("log") int32_t log_(void) {
	gr_scratch_reset();
	uint32_t n;
	const char *in = gr_input(&n);
	gr_log(GR_WARN, in);
	gr_log(GR_DEBUG, in);
	return 0;
}

GR_EXPORT("fail") int32_t fail(void) {
	gr_scratch_reset();
	uint32_t n;
	return gr_error_json("not_found", gr_input(&n));
}

GR_EXPORT("plain") int32_t plain(void) {
	gr_scratch_reset();
	uint32_t n;
	return gr_error(gr_input(&n));
}

GR_EXPORT("json") int32_t json(void) {
	gr_scratch_reset();
	uint32_t n;
	const char *in = gr_input(&n);
	const char *a, *b, *s;
	size_t an, bn, sn;
	if (!gr_json_member(in, n, "a", &a, &an) || !gr_json_member(a, an, "b", &b, &bn) ||
	    !gr_json_index(b, bn, 1, &s, &sn)) {
		gr_output_str("-");
		return 0;
	}
	char *out = (char *)gr_scratch((uint32_t)sn);
	int64_t l = gr_json_string(s, sn, out);
	if (l < 0) {
		gr_output_str("-");
		return 0;
	}
	gr_output(out, (uint32_t)l);
	return 0;
}

/* requestid echoes the request's ID, or "-" without one. */
GR_EXPORT("requestid") int32_t requestid(void) {
	gr_scratch_reset();
	uint32_t n, len;
	const char *in = gr_input(&n);
	const char *id = gr_request_id(in, n, &len);
	if (!id) {
		gr_output_str("-");
		return 0;
	}
	gr_output(id, len);
	return 0;
}

/* whoami echoes the request's caller: its user ref, else its service subject, else "-". */
GR_EXPORT("whoami") int32_t whoami(void) {
	gr_scratch_reset();
	uint32_t n, len;
	const char *in = gr_input(&n);
	const char *who = gr_request_caller(in, n, "userEntityRef", &len);
	if (!who) who = gr_request_caller(in, n, "subject", &len);
	if (!who) {
		gr_output_str("-");
		return 0;
	}
	gr_output(who, len);
	return 0;
}

/* An entity card with the frontend helpers: its outputs, and a card of the entity's name
 * and owner with the config's title (gr_extension and gr_render). */
GR_EXPORT("gr_extension") int32_t gr_extension(void) {
	gr_scratch_reset();
	uint32_t n, il;
	const char *req = gr_input(&n);
	const char *id_path[] = {"extension", 0};
	const char *id = gr_json_path_string(req, n, id_path, &il);
	if (id && il > 5 && id[0] == 'p' && id[4] == ':') return gr_page_outputs(req, n, "/guest");
	return gr_card_outputs(req, n, "kind:component");
}

GR_EXPORT("gr_render") int32_t gr_render(void) {
	gr_scratch_reset();
	uint32_t n, tl, nl, ol;
	const char *req = gr_input(&n);
	const char *name_path[] = {"metadata", "name", 0}, *owner_path[] = {"spec", "owner", 0};
	const char *name = gr_entity_string(req, n, name_path, &nl);
	if (!name) return gr_error_json("invalid_argument", "an entity card needs an entity");
	const char *owner = gr_entity_string(req, n, owner_path, &ol);
	if (!owner) owner = "nobody", ol = 6;
	const char *title = gr_request_config(req, n, "title", "Guest", &tl);
	gr_buf b;
	gr_buf_init(&b, 16); /* small on purpose: the buffer must grow */
	gr_ui_open(&b, "card", title, tl, 1);
	gr_ui_kv_open(&b);
	gr_ui_pair(&b, "Name", name, nl);
	gr_ui_sep(&b);
	gr_ui_pair(&b, "Owner", owner, ol);
	gr_ui_kv_close(&b);
	gr_ui_close(&b, 1);
	gr_buf_output(&b);
	return 0;
}
