/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * x86_64 CPU models: what a guest's CPUID says, field by field, and
 * whether a host's KVM (KVM_GET_SUPPORTED_CPUID) can give it. Pure code,
 * no KVM and no <linux/kvm.h>: unit-tested on every build machine.
 *
 * The text format, one field per line (`kvmini cpu --help`):
 *
 *   vendor = AuthenticAMD        # must be the host's
 *   family = 25                  # family, model, stepping: any value
 *   max-leaf = 0xd               # at most the host's
 *   xcr0 = 0x7                   # XSAVE components, within the host's
 *   avx2 = off                   # features by Linux's names
 *   cpuid.7.0.ebx.unknown = 0    # bits no name covers, in place
 *
 * A field a model leaves out keeps the host's value, unless a field the
 * model sets takes it away (avx = off turns avx2 off and takes YMM out
 * of XCR0); the XSAVE leaf (0xd) always follows XCR0.
 */
#ifndef KVMINI_X86_CPUID_MODEL_H
#define KVMINI_X86_CPUID_MODEL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <kvmini/model-text.h>

enum x86_reg { X86_EAX, X86_EBX, X86_ECX, X86_EDX };

/* One CPUID leaf as KVM lists it (kvm_cpuid_entry2 without the kernel header). */
struct x86_leaf {
	uint32_t function, index;
	bool indexed;			/* KVM_CPUID_FLAG_SIGNIFCANT_INDEX */
	uint32_t r[4];			/* by enum x86_reg */
};

struct x86_leaves {
	struct x86_leaf *e;
	unsigned int n;
};

enum x86_rule {
	X86_RULE_FEATURE,	/* one bit: off always; on if the host has it */
	X86_RULE_LOWER,		/* a number: at most the host's */
	X86_RULE_SUBSET,	/* bits: within the host's */
	X86_RULE_EXACT,		/* the host's value only */
	X86_RULE_ANY,		/* any value (what the guest is told it runs on) */
};

enum x86_field_kind {
	X86_KIND_BITS,		/* shift/width of one register */
	X86_KIND_UNKNOWN,	/* a register's bits no feature names */
	X86_KIND_VENDOR,	/* leaf 0 EBX, EDX, ECX, as an index into the known vendors */
	X86_KIND_FAMILY,	/* leaf 1 EAX: base family + extended family */
	X86_KIND_MODEL,		/* leaf 1 EAX: model + extended model */
	X86_KIND_XCR0,		/* leaf 0xd.0 EDX:EAX */
};

struct x86_field {
	const char *name;
	enum x86_field_kind kind;
	enum x86_rule rule;
	uint32_t function, index;
	enum x86_reg reg;
	uint8_t shift, width;
	const char *needs, *needs2;	/* features: the features this one needs */
	uint64_t xcomp;			/* features: XCR0 bits it needs (and owns, if owns) */
	bool owns;			/* off takes xcomp out of XCR0 */
	/* x86-64 itself needs it: kvmini enters 64-bit mode, 64-bit kernels refuse without. */
	bool required;
};

extern const struct x86_field x86_fields[];
extern const unsigned int x86_nr_fields;
/* The fields before the features, at these indexes of x86_fields[] (unit-tested). */
enum x86_fixed_field {
	X86_F_VENDOR, X86_F_FAMILY, X86_F_MODEL, X86_F_STEPPING, X86_F_MAX_LEAF,
	X86_F_MAX_EXT_LEAF, X86_F_PHYS_BITS, X86_F_XCR0,
};
#define X86_MAX_FIELDS 320

/* A field by name; NULL if none. */
const struct x86_field *x86_field_find(const char *name);
static inline unsigned int x86_field_index(const struct x86_field *f)
{
	return (unsigned int)(f - x86_fields);
}
/* A field's value in a table; a leaf the table lacks reads as zeros. */
uint64_t x86_field_get(const struct x86_leaves *t, const struct x86_field *f);
/* The largest value a field holds. */
uint64_t x86_field_max(const struct x86_field *f);
/* "on", "0x7", "AuthenticAMD": a value as a model writes it. */
void x86_field_format(const struct x86_field *f, uint64_t v, char *buf, size_t len);
/* "CPUID.7.0:EBX bit 5": where a field lives, for messages. */
void x86_field_where(const struct x86_field *f, char *buf, size_t len);
struct x86_leaf *x86_leaf_find(const struct x86_leaves *t, uint32_t function, uint32_t index);
/* A field's value into the leaf that holds it (the value fits). */
void x86_field_put(struct x86_leaf *e, const struct x86_field *f, uint64_t v);
/* A vendor as a model names it ("AuthenticAMD"): its value, or -1. */
int x86_vendor_parse(const char *s);

struct x86_model {
	uint64_t val[X86_MAX_FIELDS];
	bool set[X86_MAX_FIELDS];
	struct model_src src[X86_MAX_FIELDS];
	struct model_origins origins;
};

struct x86_model *x86_model_new(void);
void x86_model_free(struct x86_model *m);
/* A model file ("-": standard input); a field given twice in one file is an error. */
int __must_check x86_model_load(struct x86_model *m, const char *path, char *err, size_t errlen);
int __must_check x86_model_parse(struct x86_model *m, const char *name, const char *text,
				 char *err, size_t errlen);
/* --cpu-feature NAME=VALUE[,NAME=VALUE...]: over what a model file said. */
int __must_check x86_model_add_option(struct x86_model *m, const char *arg, char *err,
				      size_t errlen);
/* Every field `over` sets into m (the command line over a model file): 0, -ENOMEM, -ENOSPC. */
int __must_check x86_model_merge(struct x86_model *m, const struct x86_model *over);
/* What a model says of XCR0 and AMX, before the host is asked: false if it turns AMX off. */
bool x86_model_wants_amx(const struct x86_model *m);

/* Every field of a table, as a model (`kvmini cpu dump`). */
void x86_model_dump(const struct x86_leaves *t, const char *header, FILE *f);
/* The fields a model sets. */
void x86_model_write(const struct x86_model *m, const char *header, FILE *f);
/* `kvmini cpu diff`: the fields that differ or are in one only; returns how many. */
unsigned int x86_model_diff(const struct x86_model *a, const char *name_a,
			    const struct x86_model *b, const char *name_b, FILE *f);
/*
 * `kvmini cpu intersect`: the most capable model every input accepts. A
 * field not in every input, or an EXACT/ANY field that differs, is left
 * out and said so in notes. Returns how many were left out.
 */
unsigned int x86_model_intersect(struct x86_model *out, struct x86_model *const *in,
				 const char *const *names, unsigned int n, FILE *notes);

enum x86_verdict {
	X86_OK,			/* the host's value */
	X86_LOWERED,		/* lower than the host's, as the model asks */
	X86_CHANGED,		/* another value of a field that takes any */
	X86_DERIVED,		/* taken away because a field it needs is */
	X86_REFUSED,		/* this host's KVM cannot give it: no VM */
};

struct x86_check_item {
	const struct x86_field *field;
	enum x86_verdict verdict;
	uint64_t want, host;
	char why[256];			/* DERIVED and REFUSED: the reason */
	bool from_model;		/* the model sets this field (src is valid) */
	struct model_src src;
};

struct x86_check {
	struct x86_check_item *items;	/* every field not plainly OK */
	unsigned int nr_items, cap_items;
	unsigned int count[X86_REFUSED + 1];
	uint64_t target[X86_MAX_FIELDS];	/* what the guest will read */
};

/*
 * A model against a host's table (KVM_GET_SUPPORTED_CPUID as kvmini
 * offers it), field by field. Returns the number of refused fields, or
 * -ENOMEM. Free c with x86_check_free().
 */
int __must_check x86_model_check(const struct x86_model *m, const struct x86_leaves *host,
				 struct x86_check *c);
void x86_check_free(struct x86_check *c);
/* "avx2 = off: lowered (model.txt:3)" */
void x86_check_item_format(const struct x86_model *m, const struct x86_check_item *it,
			   char *buf, size_t len);
void x86_check_print(const struct x86_model *m, const struct x86_check *c, bool verbose,
		     FILE *f);
/*
 * The checked target into a copy of the host's table: every field, then
 * leaf 0xd made to agree with XCR0 (sizes, components), then leaves above
 * max-leaf and max-ext-leaf dropped. 0 or -ENOMEM.
 */
int __must_check x86_model_apply(const struct x86_check *c, struct x86_leaves *t);

#endif
