/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Just enough JSON for the control socket: a strict parser for one flat
 * object (string, integer, boolean and null members) and a writer for
 * replies. Strings are UTF-8; the parser refuses anything else.
 */
#ifndef KVMINI_JSON_H
#define KVMINI_JSON_H

#include <stddef.h>
#include <sys/types.h>

#include <kvmini/compiler.h>

#define JSON_OBJ_MAX 16

enum json_type { JSON_NULL, JSON_BOOL, JSON_INT, JSON_STR };

struct json_member {
	char *key;			/* owned, NUL-terminated */
	enum json_type type;
	union {
		bool b;
		int64_t i;
		char *s;		/* owned; \u0000 is refused, so no NULs */
	};
};

struct json_obj {
	unsigned int nr;
	struct json_member m[JSON_OBJ_MAX];
};

/*
 * Parse text[0..len) as one flat object, surrounded by optional whitespace.
 * On error out is left empty and err holds "offset N: what was wrong"
 * (N counts bytes from 0):
 *   -EINVAL   not JSON (syntax, bad escape, invalid UTF-8, trailing bytes)
 *   -ENOTSUP  JSON that is not a flat object of what we take: a nested
 *             object or array, a fraction or exponent, an integer outside
 *             int64, \u0000, a duplicate key, more than JSON_OBJ_MAX members
 *   -ENOMEM
 */
int __must_check json_obj_parse(const char *text, size_t len,
				struct json_obj *out, char *err, size_t errlen);
void json_obj_free(struct json_obj *obj);

/*
 * The parser underneath, for objects of any size: each member in order to
 * fn, which takes m over (its strings) and returns 0, or refuses it with
 * -errno and a reason in *why (the parse then fails with that -errno and
 * "offset N: "key": why"). Returns as json_obj_parse().
 */
int __must_check json_parse_flat(const char *text, size_t len,
				 int (*fn)(void *ctx, struct json_member *m,
					   const char **why),
				 void *ctx, char *err, size_t errlen);
void json_member_free(struct json_member *m);

/* NULL when key is absent. */
const struct json_member *json_obj_find(const struct json_obj *obj,
					const char *key);
/*
 * Where s stops being well-formed UTF-8 (the byte offset of the first bad
 * sequence), or -1 when all of it is: JSON strings can carry nothing else.
 */
ssize_t json_utf8_bad_at(const char *s);

/*
 * 0 and *val, -ENOENT when key is absent, -EINVAL when its value has
 * another type (null included). A string stays owned by obj.
 */
int json_obj_get_str(const struct json_obj *obj, const char *key,
		     const char **val);
int json_obj_get_int(const struct json_obj *obj, const char *key, int64_t *val);
int json_obj_get_bool(const struct json_obj *obj, const char *key, bool *val);
/*
 * The first key of obj that is neither skip (NULL: none) nor in the
 * NULL-terminated list known (NULL: an empty list), or NULL.
 */
const char *json_obj_unknown_key(const struct json_obj *obj, const char *skip,
				 const char *const *known);

/*
 * A growable output buffer holding one object:
 *	json_out_begin(o); json_out_str(o, "k", "v"); ...; json_out_end(o);
 * Appends never fail halfway visibly: the first allocation failure is
 * kept in err (-ENOMEM) and later appends do nothing, so a caller checks
 * once at the end. buf is NUL-terminated whenever len > 0.
 */
struct json_out {
	char *buf;
	size_t len, cap;
	bool first;			/* no member yet since begin */
	int err;
};

void json_out_init(struct json_out *o);
/* Empty the buffer (keeping its memory) and forget an earlier error. */
void json_out_reset(struct json_out *o);
void json_out_free(struct json_out *o);
int json_out_begin(struct json_out *o);
int json_out_end(struct json_out *o);
/* A "key":value member. Invalid UTF-8 in val is written as U+FFFD. */
int json_out_str(struct json_out *o, const char *key, const char *val);
int json_out_int(struct json_out *o, const char *key, int64_t val);
int json_out_bool(struct json_out *o, const char *key, bool val);
int json_out_null(struct json_out *o, const char *key);
/* Raw bytes, for framing (a newline after the object). */
int json_out_raw(struct json_out *o, const char *data, size_t len);

#endif
