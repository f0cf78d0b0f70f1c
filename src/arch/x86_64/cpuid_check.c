// SPDX-License-Identifier: GPL-2.0-only
/*
 * An x86_64 CPU model against a host (cpuid_model.h): field by field as
 * KVM_GET_SUPPORTED_CPUID bounds it, the features a model takes away
 * taking what needs them with them, and the result written into the CPUID
 * table the vCPUs get, with the XSAVE leaf agreeing with XCR0.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <kvmini/compiler.h>

#include "cpuid_model.h"
#include "xsave.h"

/* Why a feature cannot be on with these targets, or NULL. */
static const char *blocker(const struct x86_field *f, const uint64_t *target, char *buf,
			   size_t len)
{
	uint64_t max_leaf = target[X86_F_MAX_LEAF], max_ext = target[X86_F_MAX_EXT_LEAF];
	uint64_t xcr0 = target[X86_F_XCR0];
	const struct x86_field *need = f->needs ? x86_field_find(f->needs) : NULL;
	const struct x86_field *need2 = f->needs2 ? x86_field_find(f->needs2) : NULL;

	if (need2 && !target[x86_field_index(need2)])
		need = need2;
	else if (need && target[x86_field_index(need)])
		need = NULL;
	if (need)
		snprintf(buf, len, "needs %s, which is off", need->name);
	else if (f->function < 0x80000000 && f->function > max_leaf)
		snprintf(buf, len, "its leaf 0x%x is above max-leaf 0x%llx", f->function,
			 (unsigned long long)max_leaf);
	else if (f->function >= 0x80000000 && f->function > max_ext)
		snprintf(buf, len, "its leaf 0x%x is above max-ext-leaf 0x%llx", f->function,
			 (unsigned long long)max_ext);
	else if (!strcmp(f->name, "xsave") && max_leaf < 0xd)
		snprintf(buf, len, "XSAVE's leaf 0xd is above max-leaf 0x%llx",
			 (unsigned long long)max_leaf);
	else if (f->xcomp & ~xcr0)
		snprintf(buf, len, "needs XCR0 bits 0x%llx, and xcr0 is 0x%llx",
			 (unsigned long long)f->xcomp, (unsigned long long)xcr0);
	else
		return NULL;
	return buf;
}

/* XCR0 without the components of the features the model takes away. */
static uint64_t xcr0_following_features(const uint64_t *host, const uint64_t *target)
{
	uint64_t x = host[X86_F_XCR0];

	for (unsigned int i = 0; i < x86_nr_fields; i++)
		if (x86_fields[i].owns && host[i] && !target[i])
			x &= ~x86_fields[i].xcomp;
	return x;
}

/*
 * What is wrong with an XCR0 a model gives, or NULL: bits of a feature the
 * model takes away (the host has it), bits the host lacks, or a broken group.
 */
static const char *xcr0_refusal(uint64_t x, uint64_t host, const uint64_t *host_v,
				const uint64_t *target, char *buf, size_t len)
{
	static const uint64_t groups[] = { XCR0_MPX, XCR0_AVX512, XCR0_AMX };

	for (unsigned int i = 0; i < x86_nr_fields; i++) {
		const struct x86_field *f = &x86_fields[i];

		if (f->owns && (x & f->xcomp) && host_v[i] && !target[i]) {
			snprintf(buf, len, "bits 0x%llx are %s's state, and %s is off",
				 (unsigned long long)(x & f->xcomp), f->name, f->name);
			return buf;
		}
	}
	if (x & ~host) {
		snprintf(buf, len, "bits 0x%llx are not offered by this host's KVM (it offers "
			 "0x%llx)", (unsigned long long)(x & ~host), (unsigned long long)host);
		return buf;
	}
	if ((x & XCR0_BOOT) != XCR0_BOOT) {
		snprintf(buf, len, "x87 and SSE state (bits 0 and 1) cannot be left out");
		return buf;
	}
	for (size_t g = 0; g < ARRAY_SIZE(groups); g++)
		if ((x & groups[g]) && (x & groups[g]) != groups[g]) {
			snprintf(buf, len, "bits 0x%llx go together: all or none",
				 (unsigned long long)groups[g]);
			return buf;
		}
	if ((x & XCR0_AVX512) && !(x & XFEATURE_MASK(XFEATURE_YMM))) {
		snprintf(buf, len, "AVX-512 state (bits 5-7) needs YMM state (bit 2)");
		return buf;
	}
	return NULL;
}

/* What a set field asks against the host: its verdict, and why when refused. */
static enum x86_verdict judge(const struct x86_field *f, uint64_t v, uint64_t host,
			      const uint64_t *host_v, const uint64_t *target, char *why,
			      size_t len)
{
	char val[64], hv[64], where[64];

	x86_field_format(f, v, val, sizeof(val));
	x86_field_format(f, host, hv, sizeof(hv));
	switch (f->rule) {
	case X86_RULE_FEATURE:
		if (!v && f->required) {
			snprintf(why, len, "x86-64 needs it: kvmini starts guests in 64-bit "
				 "mode, and 64-bit kernels refuse to boot without it");
			return X86_REFUSED;
		}
		if (v && !host) {
			x86_field_where(f, where, sizeof(where));
			snprintf(why, len, "this host's KVM does not offer it (%s)", where);
			return X86_REFUSED;
		}
		if (v && blocker(f, target, why, len))
			return X86_REFUSED;
		return v == host ? X86_OK : X86_LOWERED;
	case X86_RULE_LOWER:
		if (v > host) {
			snprintf(why, len, "above this host's %s", hv);
			return X86_REFUSED;
		}
		if (x86_field_index(f) == X86_F_PHYS_BITS && v < 32) {
			snprintf(why, len, "a guest needs at least 32 physical address bits");
			return X86_REFUSED;
		}
		if (x86_field_index(f) == X86_F_MAX_EXT_LEAF && v < 0x80000001) {
			snprintf(why, len, "leaf 0x80000001 holds long mode, which x86-64 needs");
			return X86_REFUSED;
		}
		return v == host ? X86_OK : X86_LOWERED;
	case X86_RULE_SUBSET:
		if (f->kind == X86_KIND_XCR0 && xcr0_refusal(v, host, host_v, target, why, len))
			return X86_REFUSED;
		if (v & ~host) {
			snprintf(why, len, "bits 0x%llx are not set on this host (%s)",
				 (unsigned long long)(v & ~host), hv);
			return X86_REFUSED;
		}
		return v == host ? X86_OK : X86_LOWERED;
	case X86_RULE_EXACT:
		if (v != host) {
			snprintf(why, len, "this host is %s: KVM emulates instructions as the "
				 "host's vendor does, so a guest cannot be told another", hv);
			return X86_REFUSED;
		}
		return X86_OK;
	case X86_RULE_ANY:
		if (f->kind == X86_KIND_MODEL && v > 0xf) {
			uint64_t family = target[X86_F_FAMILY];

			if (family != 6 && family < 0xf) {
				snprintf(why, len, "models above 15 need family 6 or 15 and up "
					 "(family is %llu)", (unsigned long long)family);
				return X86_REFUSED;
			}
		}
		return v == host ? X86_OK : X86_CHANGED;
	}
	return X86_OK;
}

static int add_item(struct x86_check *c, const struct x86_check_item *it)
{
	if (c->nr_items == c->cap_items) {
		unsigned int cap = c->cap_items ? 2 * c->cap_items : 32;
		struct x86_check_item *n = realloc(c->items, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		c->items = n;
		c->cap_items = cap;
	}
	c->items[c->nr_items++] = *it;
	return 0;
}

int x86_model_check(const struct x86_model *m, const struct x86_leaves *host,
		    struct x86_check *c)
{
	uint64_t host_v[X86_MAX_FIELDS];
	char (*reason)[256];
	bool changed = true;
	int ret = 0;

	memset(c, 0, sizeof(*c));	/* first: x86_check_free() works on any return */
	reason = calloc(X86_MAX_FIELDS, sizeof(*reason));
	if (!reason)
		return -ENOMEM;
	for (unsigned int i = 0; i < x86_nr_fields; i++) {
		host_v[i] = x86_field_get(host, &x86_fields[i]);
		c->target[i] = m->set[i] ? m->val[i] : host_v[i];
	}
	/* What the model takes away takes what needs it, until nothing changes. */
	while (changed) {
		changed = false;
		for (unsigned int i = 0; i < x86_nr_fields; i++) {
			const struct x86_field *f = &x86_fields[i];

			if (f->rule != X86_RULE_FEATURE || m->set[i] || !c->target[i] ||
			    !blocker(f, c->target, reason[i], sizeof(reason[i])))
				continue;
			c->target[i] = 0;
			changed = true;
		}
		if (!m->set[X86_F_XCR0]) {
			uint64_t x = xcr0_following_features(host_v, c->target);

			if (x != c->target[X86_F_XCR0]) {
				snprintf(reason[X86_F_XCR0], sizeof(reason[X86_F_XCR0]), "follows the features "
					 "that are off");
				c->target[X86_F_XCR0] = x;
				changed = true;
			}
		}
	}
	for (unsigned int i = 0; i < x86_nr_fields && !ret; i++) {
		const struct x86_field *f = &x86_fields[i];
		struct x86_check_item it = {
			.field = f, .want = c->target[i], .host = host_v[i],
			.from_model = m->set[i], .src = m->src[i],
		};

		/* The host's model number may not fit a family the model sets: judged too. */
		if (m->set[i] || f->kind == X86_KIND_MODEL)
			it.verdict = judge(f, c->target[i], host_v[i], host_v, c->target, it.why,
					   sizeof(it.why));
		else if (c->target[i] != host_v[i])
			it.verdict = X86_DERIVED;
		else
			it.verdict = X86_OK;
		if (it.verdict == X86_DERIVED && f->required) {
			/* Taken away by what the model set: the model is what cannot be. */
			it.verdict = X86_REFUSED;
			snprintf(it.why, sizeof(it.why), "x86-64 needs it, and the model takes it "
				 "away (%s)", reason[i]);
		} else if (it.verdict == X86_DERIVED) {
			snprintf(it.why, sizeof(it.why), "%s", reason[i]);
		}
		c->count[it.verdict]++;
		if (it.verdict != X86_OK)
			ret = add_item(c, &it);
	}
	free(reason);
	if (ret) {
		x86_check_free(c);
		return ret;
	}
	return (int)c->count[X86_REFUSED];
}

void x86_check_free(struct x86_check *c)
{
	free(c->items);
	c->items = NULL;
	c->nr_items = c->cap_items = 0;
}

static const char *verdict_name(enum x86_verdict v)
{
	static const char *const names[] = {
		[X86_OK] = "ok", [X86_LOWERED] = "lowered", [X86_CHANGED] = "changed",
		[X86_DERIVED] = "taken away", [X86_REFUSED] = "REFUSED",
	};

	return names[v];
}

void x86_check_item_format(const struct x86_model *m, const struct x86_check_item *it,
			   char *buf, size_t len)
{
	char want[64], host[64], src[MODEL_TEXT_MAX_LINE] = "";

	x86_field_format(it->field, it->want, want, sizeof(want));
	x86_field_format(it->field, it->host, host, sizeof(host));
	if (it->from_model)
		model_src_format(&m->origins, &it->src, src, sizeof(src));
	snprintf(buf, len, "%s = %s: %s%s%s (host: %s)%s%s%s", it->field->name, want,
		 verdict_name(it->verdict), *it->why ? ": " : "", it->why, host,
		 *src ? " [" : "", src, *src ? "]" : "");
}

void x86_check_print(const struct x86_model *m, const struct x86_check *c, bool verbose,
		     FILE *f)
{
	char line[2 * MODEL_TEXT_MAX_LINE];

	for (unsigned int i = 0; i < c->nr_items; i++) {
		x86_check_item_format(m, &c->items[i], line, sizeof(line));
		fprintf(f, "%s\n", line);
	}
	if (verbose)
		for (unsigned int i = 0; i < x86_nr_fields; i++) {
			char v[64];
			bool listed = false;

			for (unsigned int k = 0; k < c->nr_items; k++)
				listed |= c->items[k].field == &x86_fields[i];
			if (listed)
				continue;
			x86_field_format(&x86_fields[i], c->target[i], v, sizeof(v));
			fprintf(f, "%s = %s: ok\n", x86_fields[i].name, v);
		}
	fprintf(f, "%u fields: %u as the host has them, %u lowered, %u changed, %u taken away "
		"with what they need, %u refused\n", x86_nr_fields, c->count[X86_OK],
		c->count[X86_LOWERED], c->count[X86_CHANGED], c->count[X86_DERIVED],
		c->count[X86_REFUSED]);
}

/* Leaf 0xd as XCR0 says: its bits, the largest size, components it leaves out zeroed. */
static void xsave_leaf_follow(struct x86_leaves *t, uint64_t xcr0)
{
	struct x86_leaf *e0 = x86_leaf_find(t, 0xd, 0), *e1 = x86_leaf_find(t, 0xd, 1);
	uint64_t xss = e1 ? e1->r[X86_ECX] | (uint64_t)e1->r[X86_EDX] << 32 : 0;
	uint32_t size = XSAVE_LEGACY_SIZE;

	if (!e0)
		return;
	for (unsigned int i = 2; i < 64; i++) {
		struct x86_leaf *ei = x86_leaf_find(t, 0xd, i);

		if (!ei || ei->index != i)
			continue;
		if (xcr0 & (UINT64_C(1) << i)) {
			if (ei->r[X86_EAX] + ei->r[X86_EBX] > size)
				size = ei->r[X86_EAX] + ei->r[X86_EBX];
		} else if (!(xss & (UINT64_C(1) << i))) {
			memset(ei->r, 0, sizeof(ei->r));
		}
	}
	e0->r[X86_EAX] = (uint32_t)xcr0;
	e0->r[X86_EDX] = (uint32_t)(xcr0 >> 32);
	e0->r[X86_EBX] = XSAVE_LEGACY_SIZE;	/* for XCR0 at reset; KVM keeps it current */
	e0->r[X86_ECX] = size;
}

/*
 * CPUID.80000008:EAX[23:16], GuestPhysAddrSize (what KVM sets with
 * nested paging), no larger than the physical address size the guest is given.
 */
static void guest_phys_bits_follow(struct x86_leaves *t, uint32_t phys_bits)
{
	struct x86_leaf *e = x86_leaf_find(t, 0x80000008, 0);
	uint32_t gpa_bits = e ? (e->r[X86_EAX] >> 16) & 0xff : 0;

	if (gpa_bits > phys_bits)
		e->r[X86_EAX] = (e->r[X86_EAX] & ~(0xffu << 16)) | phys_bits << 16;
}

/* Drop the leaves in (max, end]: above what leaf `range` now says. */
static void drop_leaves_above(struct x86_leaves *t, uint32_t max, uint32_t end)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < t->n; i++)
		if (t->e[i].function <= max || t->e[i].function > end)
			t->e[n++] = t->e[i];
	t->n = n;
}

int x86_model_apply(const struct x86_check *c, struct x86_leaves *t)
{

	if (c->count[X86_REFUSED])
		return -EINVAL;
	for (unsigned int i = 0; i < x86_nr_fields; i++) {
		const struct x86_field *f = &x86_fields[i];
		struct x86_leaf *e = x86_leaf_find(t, f->function, f->index);

		if (e && x86_field_get(t, f) != c->target[i])
			x86_field_put(e, f, c->target[i]);
	}
	xsave_leaf_follow(t, c->target[X86_F_XCR0]);
	guest_phys_bits_follow(t, (uint32_t)c->target[X86_F_PHYS_BITS]);
	drop_leaves_above(t, (uint32_t)c->target[X86_F_MAX_LEAF], 0x3fffffff);
	drop_leaves_above(t, (uint32_t)c->target[X86_F_MAX_EXT_LEAF], 0x8fffffff);
	return 0;
}
