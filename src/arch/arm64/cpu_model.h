/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * arm64 CPU models: what a guest's ID registers say, field by field, and
 * whether a host's KVM can make them say it (pure code, no KVM needed).
 *
 * The text format, one field per line (README.md, `kvmini cpu --help`):
 *
 *   # comment; blank lines are ignored
 *   ID_AA64ISAR1_EL1.APA = 0
 *   ID_AA64MMFR0_EL1.TGRAN4 = 0xf       # decimal, 0x hex or 0b binary
 *   ID_AA64PFR1_EL1.unknown = 0         # bits no field covers, in place
 *
 * A field a model does not list keeps the host's value.
 */
#ifndef KVMINI_ARM64_CPU_MODEL_H
#define KVMINI_ARM64_CPU_MODEL_H

#include <stdio.h>

#include <kvmini/config.h>
#include <kvmini/model-text.h>

#include "idreg_table.h"

#define CPU_MODEL_ERR_LEN MODEL_TEXT_ERR_LEN
#define CPU_MODEL_MAX_LINE MODEL_TEXT_MAX_LINE

struct cpu_model_reg {
	uint64_t mask;			/* bits the model sets: fields or unknown bits */
	uint64_t val;			/* their values, in place */
	uint64_t host;			/* fields that take the host's value (feature on) */
	struct model_src src[64];	/* per field, by its lowest bit */
	struct model_src unknown_src;
};

/* Features KVM gives through vCPU features or VM capabilities, not ID registers. */
enum cpu_feature_link {
	CPU_LINK_NONE,
	CPU_LINK_SVE,			/* KVM_ARM_VCPU_SVE (--no-sve) */
	CPU_LINK_PTRAUTH,		/* KVM_ARM_VCPU_PTRAUTH_ADDRESS + _GENERIC */
	CPU_LINK_MTE,			/* KVM_CAP_ARM_MTE on the VM */
	CPU_LINK_PMU,			/* KVM_ARM_VCPU_PMU_V3 */
	CPU_LINK_COUNT,
};

struct cpu_model {
	struct cpu_model_reg regs[IDREG_COUNT];
	struct model_origins origins;
	/* What the model asks of each linked feature, and where it says so. */
	enum feature_choice link[CPU_LINK_COUNT];
	const struct idreg_desc *link_reg[CPU_LINK_COUNT];
	const struct idreg_field *link_field[CPU_LINK_COUNT];
};

/* The run options (config.h's cpu): the layers and, once finished, the model. */
struct cpu_opts {
	const char *cmd;		/* for messages: "run", "cpu" */
	const char *model_path;		/* --cpu-model, or kvmini cpu check's argument */
	const char *model_label;	/* cpu_opt_model_label() of how it came */
	struct cpu_model *cli;		/* --cpu-feature and --id-reg */
	struct cpu_model *model;	/* both merged: set by cpu_opts_finish() */
};

struct cpu_model *cpu_model_new(void);
void cpu_model_free(struct cpu_model *m);

/*
 * Parse model text; `name` is used in messages (the file name). Fields
 * already set by another origin are replaced; a field listed twice in one
 * text is an error. On error, -EINVAL and "name:line: what" in err.
 */
int __must_check cpu_model_parse(struct cpu_model *m, const char *name, const char *text,
				 char *err, size_t errlen);
/* The same, from a file ("-" reads standard input). */
int __must_check cpu_model_load(struct cpu_model *m, const char *path, char *err,
				size_t errlen);

/*
 * Command-line layer: --id-reg REG.FIELD=VALUE and --cpu-feature
 * NAME=on|off (NAME=on|off,NAME=on|off... too). A field set twice with
 * different values on the command line is an error naming both options.
 */
int __must_check cpu_model_add_id_reg(struct cpu_model *m, const char *arg, char *err,
				      size_t errlen);
int __must_check cpu_model_add_feature(struct cpu_model *m, const char *arg, char *err,
				       size_t errlen);
/* Copy every field `over` sets into `m` (the command line over a model file). */
int __must_check cpu_model_merge(struct cpu_model *m, const struct cpu_model *over,
				 char *err, size_t errlen);
/*
 * Work out m->link[] from the fields: ID_AA64PFR0_EL1.SVE = 0 means no SVE
 * for the vCPUs, and so on. Called after every layer is in.
 */
void cpu_model_derive_links(struct cpu_model *m);

/* "model.txt:12", "--id-reg ID_AA64PFR0_EL1.SVE=0" */
void cpu_model_src_format(const struct cpu_model *m, const struct model_src *src,
			  char *buf, size_t len);
bool cpu_model_field_set(const struct cpu_model *m, const struct idreg_desc *d,
			 const struct idreg_field *f);
/* How a linked feature is spoken of: "SVE", "pointer authentication", ... */
const char *cpu_link_name(enum cpu_feature_link link);
/* The feature a field belongs to (ID_AA64ZFR0_EL1's fields: SVE). */
enum cpu_feature_link cpu_field_link(const struct idreg_desc *d, const struct idreg_field *f);

/* The friendly feature names, for help text: "sve sve2 mte pauth ..." */
void cpu_feature_names(char *buf, size_t len);

/* What a host's KVM gives a new vCPU, and what userspace may change. */
struct idreg_host {
	uint64_t val[IDREG_COUNT];	/* what a new vCPU reads: KVM's limits */
	uint64_t writable[IDREG_COUNT];	/* KVM_ARM_GET_REG_WRITABLE_MASKS */
	bool present[IDREG_COUNT];	/* ONE_REG knows the register */
	bool masks;			/* the kernel reported writable masks (6.7+) */
	bool on[CPU_LINK_COUNT];	/* the vCPU the values were read from had it */
	bool avail[CPU_LINK_COUNT];	/* the host's KVM offers it */
	bool dflt[CPU_LINK_COUNT];	/* kvmini turns it on when nothing says otherwise */
};

/*
 * Write a model of the host's values, every field of every register
 * (unknown bits too when set). `header` lines (may be NULL) are written
 * first as comments.
 */
void cpu_model_dump(const struct idreg_host *h, const char *header, FILE *f);
/* Write a model as text (only the fields it sets). */
void cpu_model_write(const struct cpu_model *m, const char *header, FILE *f);

/* `kvmini cpu diff`: the fields that differ; returns how many. */
unsigned int cpu_model_diff(const struct cpu_model *a, const char *name_a,
			    const struct cpu_model *b, const char *name_b, FILE *f);

/*
 * `kvmini cpu intersect`: the most capable model every input accepts,
 * field by field under each field's rule. A field not in every input, or a
 * FIXED field whose values differ, is left out and said so in `notes`
 * (one line each, written to notes if not NULL). Returns the number of
 * fields left out.
 */
unsigned int cpu_model_intersect(struct cpu_model *out, struct cpu_model *const *in,
				 const char *const *names, unsigned int n, FILE *notes);

enum cpu_verdict {
	CPU_OK,			/* the host's value */
	CPU_LOWERED,		/* changed within the rule; KVM will accept it */
	CPU_LINKED,		/* changed through a vCPU feature or VM capability */
	CPU_REFUSED,		/* KVM would refuse it: the run must not start */
	CPU_UNKNOWN,		/* bits no field covers are set on the host */
};

struct cpu_check_item {
	const struct idreg_desc *reg;
	const struct idreg_field *field;	/* NULL: the register's unknown bits */
	enum cpu_verdict verdict;
	uint64_t want, limit;			/* field values (unknown bits: in place) */
	const char *why;			/* for REFUSED */
	enum cpu_feature_link link;		/* decided by this feature being off */
	bool link_avail;			/* ... which the host's KVM offers */
	bool host;				/* the model asks for the host's value */
	struct model_src src;
};

struct cpu_check {
	struct cpu_check_item *items;		/* every field that is not plainly OK */
	unsigned int nr_items, cap_items;
	unsigned int count[CPU_UNKNOWN + 1];	/* fields by verdict */
	uint64_t target[IDREG_COUNT];		/* what the guest will read */
	uint64_t write[IDREG_COUNT];		/* registers to write: bits that change */
};

/*
 * Check a model against a host, field by field, as KVM would (but before
 * anything is written, and naming each field). Fills `c` (free with
 * cpu_check_free()); returns the number of refused fields, or -ENOMEM.
 */
int __must_check cpu_model_check(const struct cpu_model *m, const struct idreg_host *h,
				 struct cpu_check *c);
void cpu_check_free(struct cpu_check *c);
/* One line per item: "ID_AA64ISAR0_EL1.AES = 0: lowered from 2 (LOWER_SAFE)". */
void cpu_check_item_format(const struct cpu_model *m, const struct cpu_check_item *it,
			   char *buf, size_t len);
/* `kvmini cpu check`: every item (verbose: every field), then a summary. */
void cpu_check_print(const struct cpu_model *m, const struct idreg_host *h,
		     const struct cpu_check *c, bool verbose, FILE *f);

#endif
