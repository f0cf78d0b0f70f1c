// SPDX-License-Identifier: GPL-2.0-only
/* The control socket's JSON: flat objects parsed strictly, replies escaped. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <kvmini/json.h>

#include "tap.h"

static struct json_obj obj;
static char err[160];

static int parse(const char *text)
{
	return json_obj_parse(text, strlen(text), &obj, err, sizeof(err));
}

/* text is refused with ret, and err names offset "offset N: ". */
static void refused(const char *text, int ret, size_t offset, const char *what)
{
	char want[32];
	int got = parse(text);

	snprintf(want, sizeof(want), "offset %zu: ", offset);
	ok(got == ret && !strncmp(err, want, strlen(want)) && obj.nr == 0,
	   "%s: %d at %zu (%d: %s)", what, ret, offset, got, err);
}

static void test_valid(void)
{
	const char *s;
	int64_t i;
	bool b;

	ok(parse("{\"cmd\":\"snapshot\",\"path\":\"/tmp/s.kvs\",\"force\":true}") == 0,
	   "the brief's example parses");
	ok(obj.nr == 3, "three members");
	ok(json_obj_get_str(&obj, "cmd", &s) == 0 && !strcmp(s, "snapshot"), "cmd");
	ok(json_obj_get_str(&obj, "path", &s) == 0 && !strcmp(s, "/tmp/s.kvs"), "path");
	ok(json_obj_get_bool(&obj, "force", &b) == 0 && b, "force");
	ok(json_obj_get_str(&obj, "force", &s) == -EINVAL, "a bool is not a string: -EINVAL");
	ok(json_obj_get_int(&obj, "nope", &i) == -ENOENT, "absent: -ENOENT");
	json_obj_free(&obj);
	ok(obj.nr == 0, "free empties it");

	ok(parse(" \t\r\n{ \"a\" : 0 , \"b\":-12,\"c\":false,\"d\":null,\"e\":\"\"}\n ") == 0,
	   "whitespace everywhere, every type");
	ok(json_obj_get_int(&obj, "a", &i) == 0 && i == 0, "0");
	ok(json_obj_get_int(&obj, "b", &i) == 0 && i == -12, "-12");
	ok(json_obj_get_bool(&obj, "c", &b) == 0 && !b, "false");
	ok(json_obj_find(&obj, "d") && json_obj_find(&obj, "d")->type == JSON_NULL, "null");
	ok(json_obj_get_bool(&obj, "d", &b) == -EINVAL, "null is no bool");
	ok(json_obj_get_str(&obj, "e", &s) == 0 && !*s, "empty string");
	{
		static const char *const known[] = { "a", "b", "c", "d", NULL };

		static const char *const ae[] = { "a", "b", "c", "d", "e", NULL };
		const char *k = json_obj_unknown_key(&obj, NULL, known);

		ok(k && !strcmp(k, "e"), "unknown_key names e");
		ok(!json_obj_unknown_key(&obj, NULL, ae), "unknown_key: none when all are known");
		k = json_obj_unknown_key(&obj, "a", NULL);
		ok(k && !strcmp(k, "b"), "unknown_key skips skip, and a NULL list knows nothing");
	}
	json_obj_free(&obj);

	ok(parse("{}") == 0 && obj.nr == 0, "empty object");
	ok(parse("{\"max\":9223372036854775807,\"min\":-9223372036854775808}") == 0,
	   "int64 limits");
	ok(json_obj_get_int(&obj, "max", &i) == 0 && i == INT64_MAX, "INT64_MAX");
	ok(json_obj_get_int(&obj, "min", &i) == 0 && i == INT64_MIN, "INT64_MIN");
	json_obj_free(&obj);
	ok(parse("{\"-0\":-0}") == 0 && json_obj_get_int(&obj, "-0", &i) == 0 && i == 0, "-0");
	json_obj_free(&obj);
	ok(parse("{\"a\":1,\"b\":2,\"c\":3,\"d\":4,\"e\":5,\"f\":6,\"g\":7,\"h\":8,"
		 "\"i\":9,\"j\":10,\"k\":11,\"l\":12,\"m\":13,\"n\":14,\"o\":15,\"p\":16}") == 0 &&
	   obj.nr == JSON_OBJ_MAX, "16 members");
	json_obj_free(&obj);
	/* A length, not a NUL, ends the text. */
	ok(json_obj_parse("{\"a\":1}garbage", 7, &obj, err, sizeof(err)) == 0 && obj.nr == 1,
	   "len bounds the text");
	json_obj_free(&obj);
}

static void test_strings(void)
{
	const char *s;

	ok(parse("{\"s\":\"q\\\" b\\\\ s\\/ \\b\\f\\n\\r\\t\"}") == 0 &&
	   json_obj_get_str(&obj, "s", &s) == 0 && !strcmp(s, "q\" b\\ s/ \b\f\n\r\t"),
	   "short escapes");
	json_obj_free(&obj);
	ok(parse("{\"s\":\"\\u0041\\u00e9\\u20AC\\ud83d\\ude00\"}") == 0 &&
	   json_obj_get_str(&obj, "s", &s) == 0 &&
	   !strcmp(s, "A\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"),
	   "\\u escapes to UTF-8, a surrogate pair to 4 bytes");
	json_obj_free(&obj);
	ok(parse("{\"s\":\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf\"}") == 0 &&
	   json_obj_get_str(&obj, "s", &s) == 0 && strlen(s) == 13, "raw UTF-8 up to U+10FFFF");
	json_obj_free(&obj);
	ok(parse("{\"\\u006bey\":1}") == 0 && json_obj_find(&obj, "key"), "escaped keys decode");
	json_obj_free(&obj);
}

static void test_invalid(void)
{
	/* Not JSON: -EINVAL ("parse"). */
	refused("", -EINVAL, 0, "empty");
	refused("   ", -EINVAL, 3, "only whitespace");
	refused("\"cmd\"", -EINVAL, 0, "a string, not an object");
	refused("{", -EINVAL, 1, "unclosed");
	refused("{\"a\":1", -EINVAL, 6, "unclosed after a member");
	refused("{\"a\":1,}", -EINVAL, 7, "trailing comma");
	refused("{,}", -EINVAL, 1, "lone comma");
	refused("{\"a\" 1}", -EINVAL, 5, "no colon");
	refused("{a:1}", -EINVAL, 1, "unquoted key");
	refused("{\"a\":1 \"b\":2}", -EINVAL, 7, "no comma");
	refused("{\"a\":1}x", -EINVAL, 7, "trailing garbage");
	refused("{\"a\":1}{}", -EINVAL, 7, "two objects");
	refused("{\"a\":tru}", -EINVAL, 5, "bad literal");
	refused("{\"a\":True}", -EINVAL, 5, "literals are lower case");
	refused("{\"a\":'x'}", -EINVAL, 5, "single quotes");
	refused("{\"a\":01}", -EINVAL, 5, "leading zero");
	refused("{\"a\":-}", -EINVAL, 6, "a lone minus");
	refused("{\"a\":+1}", -EINVAL, 5, "a plus sign");
	refused("{\"a\":1.}", -EINVAL, 7, "a fraction without digits");
	refused("{\"a\":1e}", -EINVAL, 7, "an exponent without digits");
	refused("{\"a\":\"x}", -EINVAL, 5, "unterminated string");
	refused("{\"a\":\"x\ty\"}", -EINVAL, 7, "raw control character");
	refused("{\"a\":\"\\x\"}", -EINVAL, 6, "unknown escape");
	refused("{\"a\":\"\\u12G4\"}", -EINVAL, 10, "bad hex digit");
	refused("{\"a\":\"\\u12\"}", -EINVAL, 10, "short \\u");
	refused("{\"a\":\"\\ude00\"}", -EINVAL, 6, "lone low surrogate");
	refused("{\"a\":\"\\ud83d\"}", -EINVAL, 6, "high surrogate alone");
	refused("{\"a\":\"\\ud83dx\"}", -EINVAL, 6, "high surrogate, then a letter");
	refused("{\"a\":\"\\ud83d\\u0041\"}", -EINVAL, 6, "high surrogate, then no low one");
	refused("{\"a\":\"\xff\"}", -EINVAL, 6, "0xff");
	refused("{\"a\":\"\x80\"}", -EINVAL, 6, "a lone continuation byte");
	refused("{\"a\":\"\xc3\"}", -EINVAL, 6, "truncated sequence");
	refused("{\"a\":\"\xc0\xaf\"}", -EINVAL, 6, "overlong '/'");
	refused("{\"a\":\"\xe0\x80\xaf\"}", -EINVAL, 6, "overlong in three bytes");
	refused("{\"a\":\"\xed\xa0\x80\"}", -EINVAL, 6, "an encoded surrogate");
	refused("{\"a\":\"\xf4\x90\x80\x80\"}", -EINVAL, 6, "above U+10FFFF");
	refused("{\"\xfe\":1}", -EINVAL, 2, "invalid UTF-8 in a key");
	ok(json_obj_parse("{\"a\":\"x\0\"}", 10, &obj, err, sizeof(err)) == -EINVAL,
	   "a raw NUL in a string: %s", err);
	ok(json_obj_parse("{\"a\":1}\0", 8, &obj, err, sizeof(err)) == -EINVAL,
	   "a NUL after the object: %s", err);

	/* JSON, but not what a request may be: -ENOTSUP ("bad-argument"). */
	refused("[]", -ENOTSUP, 0, "an array");
	refused("{\"a\":{}}", -ENOTSUP, 5, "nested object");
	refused("{\"a\":[1]}", -ENOTSUP, 5, "nested array");
	ok(strstr(err, "flat") != NULL, "says arguments must be flat (%s)", err);
	refused("{\"a\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}",
		-ENOTSUP, 5, "deep nesting, stopped at once");
	refused("{\"a\":1.5}", -ENOTSUP, 5, "a fraction");
	refused("{\"a\":1e3}", -ENOTSUP, 5, "an exponent");
	refused("{\"a\":9223372036854775808}", -ENOTSUP, 5, "INT64_MAX + 1");
	refused("{\"a\":-9223372036854775809}", -ENOTSUP, 5, "INT64_MIN - 1");
	refused("{\"a\":99999999999999999999999}", -ENOTSUP, 5, "far out of range");
	refused("{\"a\":\"x\\u0000y\"}", -ENOTSUP, 7, "\\u0000");
	refused("{\"a\":1,\"a\":2}", -ENOTSUP, 7, "duplicate key");
	ok(strstr(err, "duplicate") != NULL, "says duplicate (%s)", err);
	refused("{\"a\":1,\"\\u0061\":2}", -ENOTSUP, 7, "duplicate key, spelled with an escape");
	refused("{\"a\":1,\"b\":2,\"c\":3,\"d\":4,\"e\":5,\"f\":6,\"g\":7,\"h\":8,"
		"\"i\":9,\"j\":10,\"k\":11,\"l\":12,\"m\":13,\"n\":14,\"o\":15,\"p\":16,\"q\":17}",
		-ENOTSUP, 104, "17 members");
	/* A syntax error after a member that was fine frees that member. */
	refused("{\"s\":\"allocated\",\"t\":\"too\" x", -EINVAL, 27, "late error");

	ok(json_obj_parse("{x", 2, &obj, NULL, 0) == -EINVAL, "no err buffer is fine");
	ok(json_obj_parse("{x", 2, &obj, err, 12) == -EINVAL && strlen(err) == 11,
	   "a short err buffer is cut: '%s'", err);
}

static int count_member(void *ctx, struct json_member *m, const char **why __unused)
{
	(*(int *)ctx)++;
	json_member_free(m);
	return 0;
}

static void test_flat(void)
{
	char text[1024];
	int n = 0, len;

	len = snprintf(text, sizeof(text), "{");
	for (int i = 0; i < 40; i++)
		len += snprintf(text + len, sizeof(text) - len, "%s\"k%d\":%d", i ? "," : "", i, i);
	len += snprintf(text + len, sizeof(text) - len, "}");
	ok(json_parse_flat(text, (size_t)len, count_member, &n, err, sizeof(err)) == 0,
	   "json_parse_flat takes 40 members");
	ok(n == 40, "and calls back for each (%d)", n);
}

static void test_out(void)
{
	struct json_out o;

	json_out_init(&o);
	json_out_begin(&o);
	ok(json_out_end(&o) == 0 && !strcmp(o.buf, "{}"), "empty object");
	json_out_reset(&o);
	ok(o.len == 0, "reset empties it");
	json_out_begin(&o);
	json_out_bool(&o, "ok", true);
	json_out_int(&o, "min", INT64_MIN);
	json_out_int(&o, "n", 42);
	json_out_bool(&o, "no", false);
	json_out_null(&o, "nil");
	json_out_str(&o, "s", "a\"b\\c/\n\x01\x1f\x7f \xc3\xa9");
	json_out_end(&o);
	ok(o.err == 0 && !strcmp(o.buf,
		"{\"ok\":true,\"min\":-9223372036854775808,\"n\":42,\"no\":false,\"nil\":null,"
		"\"s\":\"a\\\"b\\\\c/\\u000a\\u0001\\u001f\\u007f \xc3\xa9\"}"),
	   "members and escapes: %s", o.buf);
	/* What it writes, it reads back. */
	{
		const char *s;

		ok(parse(o.buf) == 0 && json_obj_get_str(&obj, "s", &s) == 0 &&
		   !strcmp(s, "a\"b\\c/\n\x01\x1f\x7f \xc3\xa9"), "round trip");
		json_obj_free(&obj);
	}
	json_out_reset(&o);
	json_out_begin(&o);
	json_out_str(&o, "bad\xff", "x\xc3y\xed\xa0\x80z");
	json_out_end(&o);
	ok(!strcmp(o.buf, "{\"bad\\ufffd\":\"x\\ufffdy\\ufffd\\ufffd\\ufffdz\"}"),
	   "invalid UTF-8 becomes U+FFFD: %s", o.buf);
	ok(parse(o.buf) == 0, "and the result is valid");
	json_obj_free(&obj);

	json_out_reset(&o);
	json_out_begin(&o);
	for (int i = 0; i < 1000; i++)
		json_out_str(&o, "long", "0123456789abcdef0123456789abcdef");
	json_out_end(&o);
	ok(o.err == 0 && o.len == 2 + 1000 * 42 - 1, "it grows (%zu bytes)", o.len);
	json_out_free(&o);
	ok(o.buf == NULL && o.len == 0, "free");
}

int main(void)
{
	test_valid();
	test_strings();
	test_invalid();
	test_flat();
	test_out();
	ok(json_utf8_bad_at("/vms/caf\xc3\xa9.kvs") == -1, "UTF-8 (é): all good");
	ok(json_utf8_bad_at("/vms/vm-\xe9.kvs") == 8, "Latin-1 é: bad at its byte");
	ok(json_utf8_bad_at("a\xed\xa0\x80") == 1, "a surrogate: bad");
	ok(json_utf8_bad_at("ab\xc3") == 2, "a sequence cut off at the end: bad");
	return tap_done();
}
