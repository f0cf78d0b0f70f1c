// SPDX-License-Identifier: GPL-2.0-only
/*
 * CPU model text (kvmini/model-text.h): lines, comments, sources and
 * numbers, shared by every architecture's CPU models.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <kvmini/model-text.h>

/* A model file is small: refuse anything over this. */
#define MODEL_TEXT_MAX_FILE (1 << 20)

int model_err(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

int model_origin_add(struct model_origins *o, const char *name)
{
	for (unsigned int i = 0; i < o->n; i++)
		if (!strcmp(o->name[i], name))
			return (int)i;
	if (o->n >= MODEL_TEXT_MAX_ORIGINS)
		return -ENOSPC;
	o->name[o->n] = strdup(name);
	if (!o->name[o->n])
		return -ENOMEM;
	return (int)o->n++;
}

void model_origins_free(struct model_origins *o)
{
	for (unsigned int i = 0; i < o->n; i++)
		free(o->name[i]);
	o->n = 0;
}

void model_src_format(const struct model_origins *o, const struct model_src *src, char *buf,
		      size_t len)
{
	const char *name = src->origin < o->n ? o->name[src->origin] : "?";

	if (src->line)
		snprintf(buf, len, "%s:%u", name, src->line);
	else
		snprintf(buf, len, "%s", name);
}

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = 0;
	return s;
}

/* "NAME = VALUE" (comments gone) split and handed to assign. */
static int assignment(char *text, const char *expect, model_assign_fn assign, void *ctx,
		      struct model_src src, char *why, size_t whylen)
{
	char *eq = strchr(text, '='), *lhs, *rhs;

	if (!eq)
		return model_err(why, whylen, "'%s': expected %s", text, expect);
	*eq = 0;
	lhs = trim(text);
	rhs = trim(eq + 1);
	if (!*lhs)
		return model_err(why, whylen, "'= %s': no name before '='", rhs);
	if (!*rhs)
		return model_err(why, whylen, "%s: no value after '='", lhs);
	if (strchr(rhs, '=') || strchr(rhs, ' ') || strchr(rhs, '\t'))
		return model_err(why, whylen, "%s: '%s' is not one value (one field per line)", lhs,
				 rhs);
	return assign(ctx, lhs, rhs, src, why, whylen);
}

int model_text_parse(struct model_origins *o, const char *name, const char *text,
		     const char *expect, model_assign_fn assign, void *ctx, char *err,
		     size_t errlen)
{
	char line[MODEL_TEXT_MAX_LINE + 2], why[MODEL_TEXT_ERR_LEN];
	struct model_src src = { 0 };
	int origin = model_origin_add(o, name);
	const char *p = text;

	if (origin == -ENOMEM)
		return origin;
	if (origin < 0)
		return model_err(err, errlen, "%s: too many model sources", name);
	src.origin = (uint8_t)origin;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char *hash, *s;
		int ret;

		src.line++;
		if (len > MODEL_TEXT_MAX_LINE)
			return model_err(err, errlen, "%s:%u: line longer than %d characters",
					 name, src.line, MODEL_TEXT_MAX_LINE);
		memcpy(line, p, len);
		line[len] = 0;
		p += len + (nl ? 1 : 0);
		hash = strchr(line, '#');
		if (hash)
			*hash = 0;
		s = trim(line);
		if (!*s)
			continue;
		ret = assignment(s, expect, assign, ctx, src, why, sizeof(why));
		if (ret == -ENOMEM)
			return ret;
		if (ret)
			return model_err(err, errlen, "%s:%u: %s", name, src.line, why);
	}
	return 0;
}

int model_text_load(struct model_origins *o, const char *path, const char *expect,
		    model_assign_fn assign, void *ctx, char *err, size_t errlen)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	char *buf;
	size_t n;
	int ret;

	if (!f)
		return model_err(err, errlen, "%s: cannot open: %s", path, strerror(errno));
	buf = malloc(MODEL_TEXT_MAX_FILE + 1);
	if (!buf) {
		if (f != stdin)
			fclose(f);
		return -ENOMEM;
	}
	n = fread(buf, 1, MODEL_TEXT_MAX_FILE + 1, f);
	ret = ferror(f) ? model_err(err, errlen, "%s: cannot read: %s", path, strerror(errno)) :
	      n > MODEL_TEXT_MAX_FILE ? model_err(err, errlen, "%s: larger than %d bytes: "
						  "not a CPU model", path, MODEL_TEXT_MAX_FILE) : 0;
	if (f != stdin)
		fclose(f);
	if (!ret) {
		buf[n] = 0;
		if (strlen(buf) != n)
			ret = model_err(err, errlen, "%s: contains NUL bytes: not a text file", path);
		else
			ret = model_text_parse(o, path, buf, expect, assign, ctx, err, errlen);
	}
	free(buf);
	return ret;
}

int model_text_option(struct model_origins *o, const char *option, const char *arg,
		      const char *expect, model_assign_fn assign, void *ctx, char *err,
		      size_t errlen)
{
	char opt[MODEL_TEXT_MAX_LINE], text[MODEL_TEXT_MAX_LINE], why[MODEL_TEXT_ERR_LEN];
	struct model_src src = { 0 };
	int origin, ret;

	if (strlen(arg) >= sizeof(text) - 64)
		return model_err(err, errlen, "%s: value too long", option);
	snprintf(opt, sizeof(opt), "%s %s", option, arg);
	snprintf(text, sizeof(text), "%s", arg);
	origin = model_origin_add(o, opt);
	if (origin == -ENOMEM)
		return origin;
	if (origin < 0)
		return model_err(err, errlen, "%s: too many options", opt);
	src.origin = (uint8_t)origin;
	if (!strchr(text, '='))
		return model_err(err, errlen, "%s: expected %s", opt, expect);
	ret = assignment(text, expect, assign, ctx, src, why, sizeof(why));
	if (ret == -ENOMEM)
		return ret;
	return ret ? model_err(err, errlen, "%s: %s", opt, why) : 0;
}

/* The NAME of "NAME=VALUE" (all of it without '='), spaces around it left out. */
static const char *item_name(const char *item, size_t *len)
{
	const char *eq = strchr(item, '='), *end = eq ? eq : item + strlen(item);

	while (item < end && isspace((unsigned char)*item))
		item++;
	while (end > item && isspace((unsigned char)end[-1]))
		end--;
	*len = (size_t)(end - item);
	return item;
}

int model_text_items(const char *option, const char *arg, const char *expect,
		     model_item_fn one, void *ctx, char *err, size_t errlen)
{
	char buf[MODEL_TEXT_MAX_LINE], *items[MODEL_TEXT_MAX_LINE / 2], *p;
	size_t n = 0;
	int ret = 0;

	if (strlen(arg) >= sizeof(buf))
		return model_err(err, errlen, "%s: value too long", option);
	if (!*arg)
		return model_err(err, errlen, "%s '': expected %s", option, expect);
	snprintf(buf, sizeof(buf), "%s", arg);
	for (p = buf; p; n++) {
		items[n] = p;
		p = strchr(p, ',');
		if (p)
			*p++ = 0;
		if (!*items[n])
			return model_err(err, errlen, "%s %s: an empty item; separate %s items "
					 "with single commas", option, arg, expect);
		for (size_t i = 0; i < n; i++) {
			size_t len_i, len_n;
			const char *name_i = item_name(items[i], &len_i);
			const char *name_n = item_name(items[n], &len_n);

			if (len_i == len_n && !strncasecmp(name_i, name_n, len_n))
				return model_err(err, errlen, "%s %s: names %.*s twice; give "
						 "each once", option, arg, (int)len_n, name_n);
		}
	}
	for (size_t i = 0; i < n && !ret; i++)
		ret = one(ctx, items[i], err, errlen);
	return ret;
}

int model_parse_number(const char *s, uint64_t max, uint64_t *out, char *why, size_t whylen)
{
	unsigned int base = 10;
	const char *p = s;
	uint64_t v = 0;

	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	} else if (p[0] == '0' && (p[1] == 'b' || p[1] == 'B')) {
		base = 2;
		p += 2;
	}
	if (!*p)
		return model_err(why, whylen, "'%s' is not a number (decimal, 0x hex or 0b "
				 "binary)", s);
	for (; *p; p++) {
		unsigned int d;

		if (isdigit((unsigned char)*p))
			d = (unsigned int)(*p - '0');
		else if (isxdigit((unsigned char)*p))
			d = (unsigned int)(tolower((unsigned char)*p) - 'a' + 10);
		else
			d = 99;
		if (d >= base)
			return model_err(why, whylen, "'%s' is not a number (decimal, 0x hex "
					 "or 0b binary)", s);
		if (v > (UINT64_MAX - d) / base)
			return model_err(why, whylen, "'%s' is too large", s);
		v = v * base + d;
	}
	if (v > max)
		return model_err(why, whylen, "%s is larger than %llu (0x%llx)", s,
				 (unsigned long long)max, (unsigned long long)max);
	*out = v;
	return 0;
}
