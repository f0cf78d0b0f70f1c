// SPDX-License-Identifier: GPL-2.0-only
/* A strict parser for one flat JSON object, and a writer for replies. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kvmini/json.h>

#define STRINGIFY_(x) #x
#define STRINGIFY(x) STRINGIFY_(x)

struct parser {
	const char *text;
	size_t len, pos;
	char *err;
	size_t errlen;
};

static int __printf(4, 5) parse_fail(struct parser *ps, int ret, size_t at,
				     const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!ps->errlen)
		return ret;
	n = snprintf(ps->err, ps->errlen, "offset %zu: ", at);
	if (n >= 0 && (size_t)n < ps->errlen) {
		va_start(ap, fmt);
		vsnprintf(ps->err + n, ps->errlen - n, fmt, ap);
		va_end(ap);
	}
	return ret;
}

/*
 * The length of the well-formed UTF-8 sequence at s (RFC 3629: no
 * overlong forms, no surrogates, nothing above U+10FFFF), or 0.
 */
static size_t utf8_seq_len(const unsigned char *s, size_t avail)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	if (avail < n)
		return 0;
	/* The second byte's range is what rules out the bad forms. */
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

ssize_t json_utf8_bad_at(const char *s)
{
	size_t len = strlen(s), seq;

	for (size_t i = 0; i < len; i += seq) {
		seq = utf8_seq_len((const unsigned char *)s + i, len - i);
		if (!seq)
			return (ssize_t)i;
	}
	return -1;
}

static size_t utf8_put(char *out, uint32_t cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | cp >> 12);
		out[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | cp >> 18);
	out[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	out[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

static bool at_end(const struct parser *ps)
{
	return ps->pos >= ps->len;
}

static char peek(const struct parser *ps)
{
	return at_end(ps) ? 0 : ps->text[ps->pos];
}

static void skip_ws(struct parser *ps)
{
	for (; !at_end(ps); ps->pos++) {
		char c = ps->text[ps->pos];

		if (c != ' ' && c != '\t' && c != '\r' && c != '\n')
			break;
	}
}

/* Four hex digits at pos (after "\u"): 0 and *cp, or -EINVAL. */
static int parse_hex4(struct parser *ps, uint32_t *cp)
{
	*cp = 0;
	for (int i = 0; i < 4; i++) {
		char c = peek(ps);
		uint32_t d;

		if (c >= '0' && c <= '9')
			d = (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			d = (uint32_t)(c - 'A' + 10);
		else
			return parse_fail(ps, -EINVAL, ps->pos,
					  "\\u needs four hex digits");
		*cp = *cp << 4 | d;
		ps->pos++;
	}
	return 0;
}

/* "\uXXXX", a surrogate pair taking two: pos is at the 'u'. */
static int parse_uescape(struct parser *ps, uint32_t *cp)
{
	size_t start = ps->pos - 1;
	uint32_t lo;
	int ret;

	ps->pos++;
	ret = parse_hex4(ps, cp);
	if (ret)
		return ret;
	if (*cp >= 0xdc00 && *cp <= 0xdfff)
		return parse_fail(ps, -EINVAL, start,
				  "\\u%04" PRIX32 " is a lone low surrogate", *cp);
	if (*cp >= 0xd800 && *cp <= 0xdbff) {
		if (ps->pos + 1 >= ps->len || ps->text[ps->pos] != '\\' ||
		    ps->text[ps->pos + 1] != 'u')
			return parse_fail(ps, -EINVAL, start,
					  "\\u%04" PRIX32 " is a high surrogate without its low half",
					  *cp);
		ps->pos += 2;
		ret = parse_hex4(ps, &lo);
		if (ret)
			return ret;
		if (lo < 0xdc00 || lo > 0xdfff)
			return parse_fail(ps, -EINVAL, start,
					  "\\u%04" PRIX32 " is a high surrogate without its low half",
					  *cp);
		*cp = 0x10000 + ((*cp - 0xd800) << 10) + (lo - 0xdc00);
	}
	if (!*cp)
		return parse_fail(ps, -ENOTSUP, start, "\\u0000 is not allowed");
	return 0;
}

/* A string at pos (the opening quote), decoded into a new allocation. */
static int parse_string(struct parser *ps, char **out)
{
	size_t end = ps->pos + 1, n = 0;
	char *s;
	int ret;

	/* Decoding never grows: the raw length bounds the result. */
	while (end < ps->len && ps->text[end] != '"')
		end += ps->text[end] == '\\' ? 2 : 1;
	if (end >= ps->len)
		return parse_fail(ps, -EINVAL, ps->pos, "unterminated string");
	s = malloc(end - ps->pos);
	if (!s)
		return parse_fail(ps, -ENOMEM, ps->pos, "out of memory");
	ps->pos++;
	for (;;) {
		unsigned char c = (unsigned char)ps->text[ps->pos];
		uint32_t cp;
		size_t seq;

		if (c == '"')
			break;
		if (c < 0x20) {
			ret = parse_fail(ps, -EINVAL, ps->pos,
					 "control character 0x%02x in a string (escape it)", c);
			goto fail;
		}
		if (c >= 0x80) {
			seq = utf8_seq_len((const unsigned char *)ps->text + ps->pos,
					   ps->len - ps->pos);
			if (!seq) {
				ret = parse_fail(ps, -EINVAL, ps->pos,
						 "invalid UTF-8 in a string");
				goto fail;
			}
			memcpy(s + n, ps->text + ps->pos, seq);
			n += seq;
			ps->pos += seq;
			continue;
		}
		if (c != '\\') {
			s[n++] = (char)c;
			ps->pos++;
			continue;
		}
		ps->pos++;
		switch (peek(ps)) {
		case '"': s[n++] = '"'; break;
		case '\\': s[n++] = '\\'; break;
		case '/': s[n++] = '/'; break;
		case 'b': s[n++] = '\b'; break;
		case 'f': s[n++] = '\f'; break;
		case 'n': s[n++] = '\n'; break;
		case 'r': s[n++] = '\r'; break;
		case 't': s[n++] = '\t'; break;
		case 'u':
			ret = parse_uescape(ps, &cp);
			if (ret)
				goto fail;
			n += utf8_put(s + n, cp);
			continue;
		default:
			ret = parse_fail(ps, -EINVAL, ps->pos - 1, "unknown escape");
			goto fail;
		}
		ps->pos++;
	}
	ps->pos++;
	s[n] = 0;
	*out = s;
	return 0;

fail:
	free(s);
	return ret;
}

/* -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?, of which only integers. */
static int parse_number(struct parser *ps, int64_t *val)
{
	size_t start = ps->pos;
	bool neg = false, range = false, frac = false;
	uint64_t v = 0, limit = INT64_MAX;

	if (peek(ps) == '-') {
		neg = true;
		limit = (uint64_t)INT64_MAX + 1;
		ps->pos++;
	}
	if (!(peek(ps) >= '0' && peek(ps) <= '9'))
		return parse_fail(ps, -EINVAL, ps->pos, "expected a digit");
	if (peek(ps) == '0' && ps->pos + 1 < ps->len &&
	    ps->text[ps->pos + 1] >= '0' && ps->text[ps->pos + 1] <= '9')
		return parse_fail(ps, -EINVAL, ps->pos, "leading zero in a number");
	while (peek(ps) >= '0' && peek(ps) <= '9') {
		unsigned int d = (unsigned int)(peek(ps) - '0');

		if (v > (limit - d) / 10)
			range = true;
		else
			v = v * 10 + d;
		ps->pos++;
	}
	if (peek(ps) == '.') {
		frac = true;
		ps->pos++;
		if (!(peek(ps) >= '0' && peek(ps) <= '9'))
			return parse_fail(ps, -EINVAL, ps->pos, "expected a digit");
		while (peek(ps) >= '0' && peek(ps) <= '9')
			ps->pos++;
	}
	if (peek(ps) == 'e' || peek(ps) == 'E') {
		frac = true;
		ps->pos++;
		if (peek(ps) == '+' || peek(ps) == '-')
			ps->pos++;
		if (!(peek(ps) >= '0' && peek(ps) <= '9'))
			return parse_fail(ps, -EINVAL, ps->pos, "expected a digit");
		while (peek(ps) >= '0' && peek(ps) <= '9')
			ps->pos++;
	}
	if (frac)
		return parse_fail(ps, -ENOTSUP, start, "only integers are allowed");
	if (range)
		return parse_fail(ps, -ENOTSUP, start,
				  "%.*s is out of range (64-bit signed integers)",
				  (int)(ps->pos - start), ps->text + start);
	/* -2^63 itself: negate in unsigned arithmetic, no overflow. */
	*val = neg ? (int64_t)(0 - v) : (int64_t)v;
	return 0;
}

static bool parse_literal(struct parser *ps, const char *word)
{
	size_t n = strlen(word);

	if (ps->len - ps->pos < n || memcmp(ps->text + ps->pos, word, n))
		return false;
	ps->pos += n;
	return true;
}

static int parse_value(struct parser *ps, struct json_member *m)
{
	char c = peek(ps);

	if (c == '"') {
		m->type = JSON_STR;
		return parse_string(ps, &m->s);
	}
	if (c == '-' || (c >= '0' && c <= '9')) {
		m->type = JSON_INT;
		return parse_number(ps, &m->i);
	}
	if (c == '{' || c == '[')
		return parse_fail(ps, -ENOTSUP, ps->pos,
				  "arguments must be flat (\"%s\" is %s)", m->key,
				  c == '{' ? "an object" : "an array");
	if (parse_literal(ps, "true") || parse_literal(ps, "false")) {
		m->type = JSON_BOOL;
		m->b = c == 't';
		return 0;
	}
	if (parse_literal(ps, "null")) {
		m->type = JSON_NULL;
		return 0;
	}
	return parse_fail(ps, -EINVAL, ps->pos, "expected a value");
}

void json_member_free(struct json_member *m)
{
	free(m->key);
	if (m->type == JSON_STR)
		free(m->s);
	memset(m, 0, sizeof(*m));
}

static int parse_member(struct parser *ps, struct json_member *m)
{
	int ret;

	if (peek(ps) != '"')
		return parse_fail(ps, -EINVAL, ps->pos, "expected a key string");
	ret = parse_string(ps, &m->key);
	if (ret)
		return ret;
	skip_ws(ps);
	if (peek(ps) != ':')
		return parse_fail(ps, -EINVAL, ps->pos, "expected ':' after the key");
	ps->pos++;
	skip_ws(ps);
	return parse_value(ps, m);
}

int json_parse_flat(const char *text, size_t len,
		    int (*fn)(void *ctx, struct json_member *m, const char **why),
		    void *ctx, char *err, size_t errlen)
{
	struct parser ps = { .text = text, .len = len, .err = err, .errlen = errlen };
	struct json_member m;
	const char *why;
	size_t start;
	bool more;
	int ret;

	if (errlen)
		err[0] = 0;
	skip_ws(&ps);
	if (peek(&ps) == '[')
		return parse_fail(&ps, -ENOTSUP, ps.pos, "expected an object, not an array");
	if (peek(&ps) != '{')
		return parse_fail(&ps, -EINVAL, ps.pos, at_end(&ps) ?
				  "expected an object, found nothing" : "expected '{'");
	ps.pos++;
	skip_ws(&ps);
	more = peek(&ps) != '}';
	if (!more)
		ps.pos++;
	while (more) {
		memset(&m, 0, sizeof(m));
		start = ps.pos;
		ret = parse_member(&ps, &m);
		if (!ret) {
			why = "refused";
			/* fn takes m over, unless it refuses it. */
			ret = fn(ctx, &m, &why);
			if (ret)
				parse_fail(&ps, ret, start, "\"%s\": %s", m.key, why);
		}
		if (ret) {
			json_member_free(&m);
			return ret;
		}
		skip_ws(&ps);
		if (peek(&ps) != ',' && peek(&ps) != '}')
			return parse_fail(&ps, -EINVAL, ps.pos, "expected ',' or '}'");
		more = peek(&ps) == ',';
		ps.pos++;
		skip_ws(&ps);
	}
	skip_ws(&ps);
	if (!at_end(&ps))
		return parse_fail(&ps, -EINVAL, ps.pos, "trailing characters after the object");
	return 0;
}

static int obj_add(void *ctx, struct json_member *m, const char **why)
{
	struct json_obj *obj = ctx;

	if (json_obj_find(obj, m->key)) {
		*why = "duplicate key";
		return -ENOTSUP;
	}
	if (obj->nr == JSON_OBJ_MAX) {
		*why = "more than " STRINGIFY(JSON_OBJ_MAX) " members";
		return -ENOTSUP;
	}
	obj->m[obj->nr++] = *m;
	return 0;
}

int json_obj_parse(const char *text, size_t len, struct json_obj *out,
		   char *err, size_t errlen)
{
	int ret;

	memset(out, 0, sizeof(*out));
	ret = json_parse_flat(text, len, obj_add, out, err, errlen);
	if (ret)
		json_obj_free(out);
	return ret;
}

void json_obj_free(struct json_obj *obj)
{
	for (unsigned int i = 0; i < obj->nr; i++)
		json_member_free(&obj->m[i]);
	obj->nr = 0;
}

const struct json_member *json_obj_find(const struct json_obj *obj,
					const char *key)
{
	for (unsigned int i = 0; i < obj->nr; i++)
		if (!strcmp(obj->m[i].key, key))
			return &obj->m[i];
	return NULL;
}

static int json_obj_get(const struct json_obj *obj, const char *key,
			enum json_type type, const struct json_member **m)
{
	*m = json_obj_find(obj, key);
	if (!*m)
		return -ENOENT;
	return (*m)->type == type ? 0 : -EINVAL;
}

int json_obj_get_str(const struct json_obj *obj, const char *key,
		     const char **val)
{
	const struct json_member *m;
	int ret = json_obj_get(obj, key, JSON_STR, &m);

	if (!ret)
		*val = m->s;
	return ret;
}

int json_obj_get_int(const struct json_obj *obj, const char *key, int64_t *val)
{
	const struct json_member *m;
	int ret = json_obj_get(obj, key, JSON_INT, &m);

	if (!ret)
		*val = m->i;
	return ret;
}

int json_obj_get_bool(const struct json_obj *obj, const char *key, bool *val)
{
	const struct json_member *m;
	int ret = json_obj_get(obj, key, JSON_BOOL, &m);

	if (!ret)
		*val = m->b;
	return ret;
}

const char *json_obj_unknown_key(const struct json_obj *obj, const char *skip,
				 const char *const *known)
{
	for (unsigned int i = 0; i < obj->nr; i++) {
		const char *const *k = known;

		if (skip && !strcmp(skip, obj->m[i].key))
			continue;
		while (k && *k && strcmp(*k, obj->m[i].key))
			k++;
		if (!k || !*k)
			return obj->m[i].key;
	}
	return NULL;
}

void json_out_init(struct json_out *o)
{
	memset(o, 0, sizeof(*o));
}

void json_out_reset(struct json_out *o)
{
	o->len = 0;
	o->err = 0;
	o->first = false;
	if (o->buf)
		o->buf[0] = 0;
}

void json_out_free(struct json_out *o)
{
	free(o->buf);
	json_out_init(o);
}

int json_out_raw(struct json_out *o, const char *data, size_t len)
{
	if (o->err)
		return o->err;
	if (len >= o->cap - o->len || !o->buf) {
		size_t cap = o->cap ? o->cap : 128;
		char *buf;

		while (cap - o->len <= len) {
			if (cap > SIZE_MAX / 2) {
				o->err = -ENOMEM;
				return o->err;
			}
			cap *= 2;
		}
		buf = realloc(o->buf, cap);
		if (!buf) {
			o->err = -ENOMEM;
			return o->err;
		}
		o->buf = buf;
		o->cap = cap;
	}
	memcpy(o->buf + o->len, data, len);
	o->len += len;
	o->buf[o->len] = 0;
	return 0;
}

/* A quoted, escaped string; invalid UTF-8 becomes U+FFFD. */
static int json_out_quoted(struct json_out *o, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t avail = strlen(str);

	json_out_raw(o, "\"", 1);
	while (avail) {
		size_t run = 0, seq;
		char esc[8];

		/* Copy runs of bytes that need nothing in one go. */
		while (run < avail && s[run] >= 0x20 && s[run] < 0x7f &&
		       s[run] != '"' && s[run] != '\\')
			run++;
		if (run) {
			json_out_raw(o, (const char *)s, run);
			s += run;
			avail -= run;
			continue;
		}
		if (*s == '"' || *s == '\\') {
			esc[0] = '\\';
			esc[1] = (char)*s;
			json_out_raw(o, esc, 2);
			seq = 1;
		} else if (*s < 0x80) {
			snprintf(esc, sizeof(esc), "\\u%04x", *s);
			json_out_raw(o, esc, 6);
			seq = 1;
		} else {
			seq = utf8_seq_len(s, avail);
			if (seq) {
				json_out_raw(o, (const char *)s, seq);
			} else {
				json_out_raw(o, "\\ufffd", 6);
				seq = 1;
			}
		}
		s += seq;
		avail -= seq;
	}
	return json_out_raw(o, "\"", 1);
}

static int json_out_key(struct json_out *o, const char *key)
{
	if (!o->first)
		json_out_raw(o, ",", 1);
	o->first = false;
	json_out_quoted(o, key);
	return json_out_raw(o, ":", 1);
}

int json_out_begin(struct json_out *o)
{
	o->first = true;
	return json_out_raw(o, "{", 1);
}

int json_out_end(struct json_out *o)
{
	return json_out_raw(o, "}", 1);
}

int json_out_str(struct json_out *o, const char *key, const char *val)
{
	json_out_key(o, key);
	return json_out_quoted(o, val);
}

int json_out_int(struct json_out *o, const char *key, int64_t val)
{
	char num[24];
	int n = snprintf(num, sizeof(num), "%" PRId64, val);

	json_out_key(o, key);
	return json_out_raw(o, num, (size_t)n);
}

int json_out_bool(struct json_out *o, const char *key, bool val)
{
	json_out_key(o, key);
	return val ? json_out_raw(o, "true", 4) : json_out_raw(o, "false", 5);
}

int json_out_null(struct json_out *o, const char *key)
{
	json_out_key(o, key);
	return json_out_raw(o, "null", 4);
}
