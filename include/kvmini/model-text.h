/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The text of a CPU model, whatever the architecture: one "NAME = VALUE"
 * per line, '#' comments, blank lines, errors as "file:line: what". Each
 * architecture gives the meaning of NAME and VALUE; this reads the lines,
 * remembers where each value came from, and reads numbers.
 */
#ifndef KVMINI_MODEL_TEXT_H
#define KVMINI_MODEL_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include <kvmini/compiler.h>

#define MODEL_TEXT_MAX_ORIGINS 64
/* Lines longer than this are refused (a model file is small). */
#define MODEL_TEXT_MAX_LINE 1024
#define MODEL_TEXT_ERR_LEN 512

/* Where a value came from: an origin ("model.txt", "--cpu-feature") and a line (0: none). */
struct model_src {
	uint8_t origin;
	uint32_t line;
};

/* The names of a model's origins, interned. */
struct model_origins {
	char *name[MODEL_TEXT_MAX_ORIGINS];
	unsigned int n;
};

/* The index of `name` (added if new); -ENOSPC when there are too many, -ENOMEM. */
int __must_check model_origin_add(struct model_origins *o, const char *name);
void model_origins_free(struct model_origins *o);
/* "model.txt:12", or the origin alone for a command-line option. */
void model_src_format(const struct model_origins *o, const struct model_src *src, char *buf,
		      size_t len);

/*
 * One assignment: lhs and rhs trimmed, rhs one word and not empty. Returns
 * 0, or -EINVAL with the reason (without file:line) in why, or -ENOMEM.
 */
typedef int (*model_assign_fn)(void *ctx, const char *lhs, const char *rhs,
			       struct model_src src, char *why, size_t whylen);

/*
 * Every line of `text` (from origin `name`) through assign; on error,
 * "name:line: why" in err. `expect` names the line's form for messages
 * ("REGISTER.FIELD = VALUE").
 */
int __must_check model_text_parse(struct model_origins *o, const char *name, const char *text,
				  const char *expect, model_assign_fn assign, void *ctx,
				  char *err, size_t errlen);
/* The same from a file ("-" reads standard input); a file over 1 MiB is refused. */
int __must_check model_text_load(struct model_origins *o, const char *path, const char *expect,
				 model_assign_fn assign, void *ctx, char *err, size_t errlen);

/* "NAME = VALUE" without the spaces, as one command-line option gives it. */
int __must_check model_text_option(struct model_origins *o, const char *option,
				   const char *arg, const char *expect, model_assign_fn assign,
				   void *ctx, char *err, size_t errlen);

/*
 * A comma-separated list of NAME=VALUE items, as --cpu-feature takes: each
 * through one(); an empty item or a NAME given twice is refused (err names
 * the option and the item), since either is a typo rather than a wish.
 */
typedef int (*model_item_fn)(void *ctx, const char *item, char *err, size_t errlen);
int __must_check model_text_items(const char *option, const char *arg, const char *expect,
				  model_item_fn one, void *ctx, char *err, size_t errlen);

/*
 * An unsigned number: decimal, 0x hex or 0b binary, at most max. -EINVAL
 * with the reason in why.
 */
int __must_check model_parse_number(const char *s, uint64_t max, uint64_t *out, char *why,
				    size_t whylen);

/* snprintf into err; returns -EINVAL (for "return model_err(...)"). */
int __printf(3, 4) model_err(char *err, size_t len, const char *fmt, ...);

#endif
