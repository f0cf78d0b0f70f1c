// SPDX-License-Identifier: GPL-2.0-only
/*
 * x86_64 CPU models (cpuid_model.h): reading and writing them, and the
 * operations on model files alone: diff and intersect.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cpuid_model.h"

#define X86_MODEL_EXPECT "NAME = VALUE (e.g. avx2 = off)"

struct x86_model *x86_model_new(void)
{
	return calloc(1, sizeof(struct x86_model));
}

void x86_model_free(struct x86_model *m)
{
	if (!m)
		return;
	model_origins_free(&m->origins);
	free(m);
}

/* A few names close to `name`, for "unknown field" messages. */
static void similar_names(const char *name, char *buf, size_t len)
{
	size_t n = 0, plen = strlen(name) < 3 ? strlen(name) : 3;

	buf[0] = 0;
	for (unsigned int i = 0; i < x86_nr_fields && n + 32 < len; i++)
		if (!strncmp(x86_fields[i].name, name, plen))
			n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? ", " : "",
					      x86_fields[i].name);
}

static int parse_value(const struct x86_field *f, const char *s, uint64_t *v, char *why,
		       size_t whylen)
{
	char inner[MODEL_TEXT_ERR_LEN];
	int vendor;

	if (f->rule == X86_RULE_FEATURE) {
		if (!strcmp(s, "on") || !strcmp(s, "off")) {
			*v = !strcmp(s, "on");
			return 0;
		}
		return model_err(why, whylen, "%s: '%s' is neither on nor off", f->name, s);
	}
	if (f->kind == X86_KIND_VENDOR) {
		vendor = x86_vendor_parse(s);
		if (vendor < 0)
			return model_err(why, whylen, "vendor: '%s' is not a vendor kvmini knows "
					 "(GenuineIntel, AuthenticAMD, HygonGenuine, CentaurHauls)",
					 s);
		*v = (uint64_t)vendor;
		return 0;
	}
	if (f->kind == X86_KIND_UNKNOWN) {
		if (model_parse_number(s, UINT32_MAX, v, inner, sizeof(inner)))
			return model_err(why, whylen, "%s: %s", f->name, inner);
		if (*v & ~x86_field_max(f))
			return model_err(why, whylen, "%s = %s sets bits that have names (mask of "
					 "the unnamed ones: 0x%llx); set those by name", f->name,
					 s, (unsigned long long)x86_field_max(f));
		return 0;
	}
	if (model_parse_number(s, x86_field_max(f), v, inner, sizeof(inner)))
		return model_err(why, whylen, "%s: %s", f->name, inner);
	return 0;
}

struct assign_ctx {
	struct x86_model *m;
	bool seen[X86_MAX_FIELDS];	/* set by this text: twice is an error */
};

static int assign(void *opaque, const char *lhs, const char *rhs, struct model_src src,
		  char *why, size_t whylen)
{
	struct assign_ctx *ctx = opaque;
	const struct x86_field *f = x86_field_find(lhs);
	char near[256], where[MODEL_TEXT_MAX_LINE];
	unsigned int i;
	uint64_t v;
	int ret;

	if (!f && (!strcmp(lhs, "apic") || !strcmp(lhs, "osxsave") || !strcmp(lhs, "ospke") ||
		   !strcmp(lhs, "hypervisor")))
		return model_err(why, whylen, "%s is not a model's to set: it follows the vCPU's "
				 "state (the APIC base MSR, CR4) or is kvmini's own (hypervisor)",
				 lhs);
	if (!f) {
		similar_names(lhs, near, sizeof(near));
		return model_err(why, whylen, "unknown field '%s'%s%s%s (kvmini cpu --help "
				 "lists them)", lhs, *near ? " (did you mean one of: " : "",
				 near, *near ? ")" : "");
	}
	ret = parse_value(f, rhs, &v, why, whylen);
	if (ret)
		return ret;
	i = x86_field_index(f);
	if (ctx->seen[i]) {
		model_src_format(&ctx->m->origins, &ctx->m->src[i], where, sizeof(where));
		return model_err(why, whylen, "%s is given twice (first at %s)", f->name, where);
	}
	ctx->seen[i] = true;
	ctx->m->val[i] = v;
	ctx->m->set[i] = true;
	ctx->m->src[i] = src;
	return 0;
}

int x86_model_parse(struct x86_model *m, const char *name, const char *text, char *err,
		    size_t errlen)
{
	struct assign_ctx *ctx = calloc(1, sizeof(*ctx));
	int ret;

	if (!ctx)
		return -ENOMEM;
	ctx->m = m;
	ret = model_text_parse(&m->origins, name, text, X86_MODEL_EXPECT, assign, ctx, err,
			       errlen);
	free(ctx);
	return ret;
}

int x86_model_load(struct x86_model *m, const char *path, char *err, size_t errlen)
{
	struct assign_ctx *ctx = calloc(1, sizeof(*ctx));
	int ret;

	if (!ctx)
		return -ENOMEM;
	ctx->m = m;
	ret = model_text_load(&m->origins, path, X86_MODEL_EXPECT, assign, ctx, err, errlen);
	free(ctx);
	return ret;
}

static int add_one_option(void *m, const char *item, char *err, size_t errlen)
{
	struct assign_ctx *ctx = calloc(1, sizeof(*ctx));
	int ret;

	if (!ctx)
		return -ENOMEM;
	ctx->m = m;
	ret = model_text_option(&ctx->m->origins, "--cpu-feature", item,
				"NAME=VALUE (e.g. avx2=off)", assign, ctx, err, errlen);
	free(ctx);
	return ret;
}

/* Each option stands alone: a later --cpu-feature overrides an earlier one. */
int x86_model_add_option(struct x86_model *m, const char *arg, char *err, size_t errlen)
{
	return model_text_items("--cpu-feature", arg, "NAME=VALUE (e.g. avx2=off)", add_one_option,
				m, err, errlen);
}

int x86_model_merge(struct x86_model *m, const struct x86_model *over)
{
	for (unsigned int i = 0; i < x86_nr_fields; i++) {
		char where[MODEL_TEXT_MAX_LINE];
		struct model_src src = over->src[i];
		int origin;

		if (!over->set[i])
			continue;
		model_src_format(&over->origins, &(struct model_src){ .origin = src.origin },
				 where, sizeof(where));
		origin = model_origin_add(&m->origins, where);
		if (origin < 0)
			return origin;
		src.origin = (uint8_t)origin;
		m->val[i] = over->val[i];
		m->set[i] = true;
		m->src[i] = src;
	}
	return 0;
}

bool x86_model_wants_amx(const struct x86_model *m)
{
	const struct x86_field *tile = x86_field_find("amx_tile");
	unsigned int t = x86_field_index(tile), x = X86_F_XCR0;

	if (m->set[t] && !m->val[t])
		return false;
	return !m->set[x] || (m->val[x] & tile->xcomp) == tile->xcomp;
}

static void write_header(const char *header, FILE *f)
{
	const char *p = header;

	while (p && *p) {
		const char *nl = strchr(p, '\n');
		int len = nl ? (int)(nl - p) : (int)strlen(p);

		fprintf(f, "# %.*s\n", len, p);
		p += len + (nl ? 1 : 0);
	}
}

static void write_field(const struct x86_field *f, uint64_t v, FILE *out)
{
	char val[64];

	x86_field_format(f, v, val, sizeof(val));
	fprintf(out, "%s = %s\n", f->name, val);
}

void x86_model_dump(const struct x86_leaves *t, const char *header, FILE *out)
{
	write_header(header, out);
	for (unsigned int i = 0; i < x86_nr_fields; i++) {
		const struct x86_field *f = &x86_fields[i];
		uint64_t v = x86_field_get(t, f);

		/*
		 * A vendor kvmini cannot name, unknown bits that are all clear, and
		 * numbers in a leaf the table lacks say nothing (features there are off).
		 */
		if ((f->kind == X86_KIND_VENDOR || f->kind == X86_KIND_UNKNOWN) && !v)
			continue;
		if (f->rule != X86_RULE_FEATURE && f->kind != X86_KIND_VENDOR &&
		    !x86_leaf_find(t, f->function, f->index))
			continue;
		write_field(f, v, out);
	}
}

void x86_model_write(const struct x86_model *m, const char *header, FILE *out)
{
	write_header(header, out);
	for (unsigned int i = 0; i < x86_nr_fields; i++)
		if (m->set[i])
			write_field(&x86_fields[i], m->val[i], out);
}

unsigned int x86_model_diff(const struct x86_model *a, const char *name_a,
			    const struct x86_model *b, const char *name_b, FILE *out)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < x86_nr_fields; i++) {
		const struct x86_field *f = &x86_fields[i];
		char va[64] = "(not set)", vb[64] = "(not set)";

		if (!a->set[i] && !b->set[i])
			continue;
		if (a->set[i] && b->set[i] && a->val[i] == b->val[i])
			continue;
		if (a->set[i])
			x86_field_format(f, a->val[i], va, sizeof(va));
		if (b->set[i])
			x86_field_format(f, b->val[i], vb, sizeof(vb));
		fprintf(out, "%s: %s in %s, %s in %s\n", f->name, va, name_a, vb, name_b);
		n++;
	}
	return n;
}

unsigned int x86_model_intersect(struct x86_model *out, struct x86_model *const *in,
				 const char *const *names, unsigned int n, FILE *notes)
{
	unsigned int left_out = 0;

	for (unsigned int i = 0; i < x86_nr_fields; i++) {
		const struct x86_field *f = &x86_fields[i];
		uint64_t v = 0;
		bool all = true, differ = false, any = false;

		for (unsigned int k = 0; k < n; k++)
			any |= in[k]->set[i];
		if (!any)
			continue;
		/* A dump leaves out unknown bits that are clear: there, absent is 0. */
		if (f->kind == X86_KIND_UNKNOWN) {
			unsigned int lacking = n;

			out->val[i] = UINT64_MAX;
			out->set[i] = true;
			for (unsigned int k = 0; k < n; k++) {
				out->val[i] &= in[k]->set[i] ? in[k]->val[i] : 0;
				if (!in[k]->set[i] && lacking == n)
					lacking = k;
			}
			if (lacking < n && notes)
				fprintf(notes, "%s: 0, as %s does not list it (a dump lists these "
					"bits only when some are set)\n", f->name, names[lacking]);
			continue;
		}
		for (unsigned int k = 0; k < n; k++) {
			if (!in[k]->set[i]) {
				all = false;
				if (notes)
					fprintf(notes, "%s: left out: not in %s\n", f->name,
						names[k]);
				break;
			}
			if (!k) {
				v = in[k]->val[i];
				continue;
			}
			differ |= in[k]->val[i] != v;
			if (f->rule == X86_RULE_SUBSET)
				v &= in[k]->val[i];
			else if (in[k]->val[i] < v)
				v = in[k]->val[i];	/* FEATURE and LOWER: the least */
		}
		if (all && differ && (f->rule == X86_RULE_EXACT || f->rule == X86_RULE_ANY)) {
			if (notes) {
				char va[64], vb[64];
				unsigned int k = 1;

				while (in[k]->val[i] == in[0]->val[i])
					k++;
				x86_field_format(f, in[0]->val[i], va, sizeof(va));
				x86_field_format(f, in[k]->val[i], vb, sizeof(vb));
				fprintf(notes, "%s: left out: %s in %s, %s in %s (each host keeps "
					"its own%s)\n", f->name, va, names[0], vb, names[k],
					f->rule == X86_RULE_EXACT ? "; check refuses a model "
					"naming another host's" : "");
			}
			all = false;
		}
		if (!all) {
			left_out++;
			continue;
		}
		out->val[i] = v;
		out->set[i] = true;
	}
	return left_out;
}
