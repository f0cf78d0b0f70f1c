// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer harness for the control socket's JSON (src/ctl/json.c): a
 * request line is whatever a client of the socket sends. Checked beyond
 * ASan and UBSan, for every input:
 *  - json_obj_parse() returns 0, -EINVAL, -ENOTSUP or -ENOMEM; a refusal
 *    leaves the object empty and says "offset N: ..." with N inside the
 *    text; a success leaves no message;
 *  - what it accepts holds at most JSON_OBJ_MAX members with distinct keys,
 *    no string longer than the text, each found again by its key and its
 *    typed getter;
 *  - what it accepts survives a round trip: written back by json_out and
 *    parsed again, the same members in the same order;
 *  - json_parse_flat() with a callback that refuses one member fails with
 *    the callback's error and names the key and the reason;
 *  - a message buffer too small for the message is filled, never overrun,
 *    and always NUL-terminated;
 *  - json_out_str() of any bytes writes something the parser accepts, the
 *    same bytes back when they are printable ASCII.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kvmini/json.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Whether err is "offset N: <something>" with N <= len. */
static bool offset_message(const char *err, size_t len)
{
	unsigned long long at;
	int n = 0;

	if (sscanf(err, "offset %llu: %n", &at, &n) != 1 || !n)
		return false;
	return at <= len && err[n];
}

static bool same_member(const struct json_member *a, const struct json_member *b)
{
	if (strcmp(a->key, b->key) || a->type != b->type)
		return false;
	switch (a->type) {
	case JSON_STR: return !strcmp(a->s, b->s);
	case JSON_INT: return a->i == b->i;
	case JSON_BOOL: return a->b == b->b;
	case JSON_NULL: return true;
	}
	return false;
}

/* Each member reached again by key and typed getter; keys distinct. */
static void check_members(const struct json_obj *obj, size_t len)
{
	if (obj->nr > JSON_OBJ_MAX)
		abort();
	for (unsigned int i = 0; i < obj->nr; i++) {
		const struct json_member *m = &obj->m[i];
		const char *s;
		int64_t v;
		bool b;

		/* Decoding never grows a string: each fits in the text. */
		if (!m->key || strlen(m->key) >= len || json_obj_find(obj, m->key) != m)
			abort();
		if (m->type == JSON_STR && (!m->s || strlen(m->s) >= len ||
					    json_obj_get_str(obj, m->key, &s) || s != m->s))
			abort();
		if (m->type == JSON_INT && (json_obj_get_int(obj, m->key, &v) || v != m->i))
			abort();
		if (m->type == JSON_BOOL && (json_obj_get_bool(obj, m->key, &b) || b != m->b))
			abort();
		if (m->type == JSON_NULL && (json_obj_get_str(obj, m->key, &s) != -EINVAL ||
					     json_obj_get_int(obj, m->key, &v) != -EINVAL ||
					     json_obj_get_bool(obj, m->key, &b) != -EINVAL))
			abort();
	}
}

/* obj written by json_out and parsed again: the same members, in order. */
static void round_trip(const struct json_obj *obj)
{
	struct json_out o;
	struct json_obj again;
	char err[160];

	json_out_init(&o);
	json_out_begin(&o);
	for (unsigned int i = 0; i < obj->nr; i++) {
		const struct json_member *m = &obj->m[i];

		switch (m->type) {
		case JSON_STR: json_out_str(&o, m->key, m->s); break;
		case JSON_INT: json_out_int(&o, m->key, m->i); break;
		case JSON_BOOL: json_out_bool(&o, m->key, m->b); break;
		case JSON_NULL: json_out_null(&o, m->key); break;
		}
	}
	if (json_out_end(&o) || o.err)
		abort();
	if (json_obj_parse(o.buf, o.len, &again, err, sizeof(err))) {
		fprintf(stderr, "fuzz_json: %s does not parse again: %s\n", o.buf, err);
		abort();
	}
	if (again.nr != obj->nr)
		abort();
	for (unsigned int i = 0; i < obj->nr; i++)
		if (!same_member(&obj->m[i], &again.m[i]))
			abort();
	json_obj_free(&again);
	json_out_free(&o);
}

struct refuse {
	unsigned int seen, refuse_at;
	char key[64];
};

/* Takes members over (frees them) until the refuse_at-th, which it refuses. */
static int refuse_one(void *ctx, struct json_member *m, const char **why)
{
	struct refuse *r = ctx;

	if (r->seen++ == r->refuse_at) {
		snprintf(r->key, sizeof(r->key), "%s", m->key);
		*why = "refused by the fuzzer";
		return -EPERM;
	}
	json_member_free(m);
	return 0;
}

static void check_refusal(const char *text, size_t len, unsigned int refuse_at)
{
	struct refuse r = { .refuse_at = refuse_at };
	/* Room for the whole message: the key is at most the text's length. */
	size_t errlen = len + 128;
	char *err = malloc(errlen);
	int ret;

	if (!err)
		abort();
	ret = json_parse_flat(text, len, refuse_one, &r, err, errlen);
	if (ret == -EPERM) {
		/* Named by the key (its first 63 bytes here) and the reason. */
		if (!offset_message(err, len) || !strstr(err, r.key) ||
		    !strstr(err, "refused by the fuzzer") || r.seen != refuse_at + 1)
			abort();
	} else if (ret && !offset_message(err, len)) {
		abort();
	} else if (!ret && r.seen > refuse_at) {
		abort();	/* it refused a member and the parse succeeded */
	}
	free(err);
}

/* A message buffer of each small size: filled up to its end, not past it. */
static void check_small_err(const char *text, size_t len, size_t errlen)
{
	char err[16];
	struct json_obj obj;
	int ret;

	memset(err, 0x5a, sizeof(err));
	ret = json_obj_parse(text, len, &obj, err, errlen);
	for (size_t i = errlen; i < sizeof(err); i++)
		if (err[i] != 0x5a)
			abort();
	if (errlen && !memchr(err, 0, errlen))
		abort();
	if (ret && errlen > 1 && !err[0])
		abort();	/* a refusal with room for a message left none */
	if (!ret)
		json_obj_free(&obj);
}

/* Any bytes (up to a NUL) written as a string: parsed back as a string. */
static void check_writer(const char *text, size_t len)
{
	size_t n = strnlen(text, len);
	char *s = strndup(text, n), err[160];
	struct json_out o;
	struct json_obj obj;
	const char *back;
	bool ascii = true;

	if (!s)
		abort();
	for (size_t i = 0; i < n; i++)
		ascii = ascii && s[i] >= 0x20 && s[i] < 0x7f;
	json_out_init(&o);
	json_out_begin(&o);
	json_out_str(&o, "v", s);
	json_out_end(&o);
	if (o.err || json_obj_parse(o.buf, o.len, &obj, err, sizeof(err)) ||
	    json_obj_get_str(&obj, "v", &back))
		abort();
	/* Invalid UTF-8 becomes U+FFFD, 3 bytes for at least 1. */
	if ((ascii && strcmp(back, s)) || strlen(back) > 3 * n)
		abort();
	json_obj_free(&obj);
	json_out_free(&o);
	free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct json_obj obj;
	char err[512];
	int ret;

	ret = json_obj_parse(text, size, &obj, err, sizeof(err));
	if (ret) {
		if ((ret != -EINVAL && ret != -ENOTSUP && ret != -ENOMEM) || obj.nr ||
		    !offset_message(err, size))
			abort();
	} else {
		if (err[0])
			abort();
		check_members(&obj, size);
		round_trip(&obj);
		json_obj_free(&obj);
		if (obj.nr)
			abort();
	}
	check_refusal(text, size, size % (JSON_OBJ_MAX + 2));
	check_small_err(text, size, size % 16);
	check_writer(text, size);
	return 0;
}
