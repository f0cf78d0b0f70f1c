/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * CPU models: what the guest's CPU identification registers say. The
 * generic side of the options (`kvmini run --cpu-model ...`) and of the
 * `kvmini cpu` commands; each architecture implements these.
 */
#ifndef KVMINI_CPU_H
#define KVMINI_CPU_H

#include <stdio.h>

#include <kvmini/outfile.h>

#include <kvmini/compiler.h>

struct vm_config;

enum cpu_opt_kind {
	CPU_OPT_MODEL,		/* --cpu-model FILE */
	CPU_OPT_MODEL_ARG,	/* a model FILE as a command's argument (kvmini cpu check) */
	CPU_OPT_FEATURE,	/* --cpu-feature NAME=on|off[,...] */
	CPU_OPT_ID_REG,		/* --id-reg REG.FIELD=VALUE */
};

/* How messages name a model file: as the option it came with, or by its path alone. */
static inline const char *cpu_opt_model_label(enum cpu_opt_kind kind)
{
	return kind == CPU_OPT_MODEL ? "--cpu-model " : "";
}

/*
 * One option, syntax-checked now: 0, or -KVMINI_EUSAGE (reported on
 * stderr as "kvmini CMD: ..."; cpu_opt_add() is for `kvmini run`).
 */
int __must_check cpu_opt_add_cmd(struct vm_config *cfg, const char *cmd,
				 enum cpu_opt_kind kind, const char *arg);
static inline int __must_check cpu_opt_add(struct vm_config *cfg, enum cpu_opt_kind kind,
					   const char *arg)
{
	return cpu_opt_add_cmd(cfg, "run", kind, arg);
}
/*
 * After every option: read the model file, put the command line over it
 * and map features KVM gives through vCPU features or VM capabilities onto
 * the configuration (SVE, MTE), refusing contradictions with --no-sve,
 * --sve-vl, --mte and --no-mte. 0 or -KVMINI_EUSAGE (reported).
 */
int __must_check cpu_opts_finish(struct vm_config *cfg);
void cpu_opts_free(struct vm_config *cfg);
/* For --help: the --cpu-feature names. */
const char *cpu_feature_list(void);

/*
 * `kvmini cpu ...`: each returns an exit status or -errno (see cpu.c).
 * dump and check take the options of cfg (finished): dump writes what a
 * guest would see with them, check says field by field what this host's
 * KVM makes of them.
 */
int cpu_cmd_dump(int kvm_fd, const struct vm_config *cfg, const char *out_path);
int cpu_cmd_check(int kvm_fd, const struct vm_config *cfg, bool verbose);
int cpu_cmd_diff(const char *path_a, const char *path_b);
int cpu_cmd_intersect(const char *const *paths, unsigned int n, const char *out_path);

/*
 * An architecture's model files, for the commands that need no KVM
 * (diff and intersect, cli/cpu_files.c): its model type behind void *.
 */
struct cpu_model_files {
	void *(*create)(void);
	/* 0, -ENOMEM, or -EINVAL with "file:line: what" in err. */
	int (*load)(void *m, const char *path, char *err, size_t errlen);
	void (*destroy)(void *m);
	unsigned int (*diff)(const void *a, const char *name_a, const void *b,
			     const char *name_b, FILE *f);
	unsigned int (*intersect)(void *out, void *const *in, const char *const *names,
				  unsigned int n, FILE *notes);
	void (*write)(const void *m, const char *header, FILE *f);
};
extern const struct cpu_model_files arch_cpu_model_files;

/* arch_cpu_model_files from an architecture's typed functions, prefixed by `pfx`. */
#define CPU_MODEL_FILES(type, pfx)							\
static void *files_create(void) { return pfx##_new(); }				\
static int files_load(void *m, const char *path, char *err, size_t errlen)		\
{ return pfx##_load(m, path, err, errlen); }						\
static void files_destroy(void *m) { pfx##_free(m); }					\
static unsigned int files_diff(const void *a, const char *name_a, const void *b,	\
			       const char *name_b, FILE *f)				\
{ return pfx##_diff(a, name_a, b, name_b, f); }					\
static unsigned int files_intersect(void *out, void *const *in,			\
				    const char *const *names, unsigned int n, FILE *notes) \
{ return pfx##_intersect(out, (type *const *)in, names, n, notes); }			\
static void files_write(const void *m, const char *header, FILE *f)			\
{ pfx##_write(m, header, f); }								\
const struct cpu_model_files arch_cpu_model_files = {					\
	.create = files_create, .load = files_load, .destroy = files_destroy,		\
	.diff = files_diff, .intersect = files_intersect, .write = files_write,	\
}

/* `kvmini cpu --help`: the architecture's commands, model format and features. */
void cpu_usage_arch(FILE *f);

/*
 * Where a command writes a model: standard output, or -o FILE written
 * whole or not at all (outfile.h: a file replaced at close, a device or
 * pipe written to). open and close: 0, or 1 after saying why.
 */
struct cpu_output {
	FILE *f;
	const char *path;		/* NULL: standard output */
	struct outfile file;		/* with a path */
};
int __must_check cpu_output_open(struct cpu_output *o, const char *path);
int __must_check cpu_output_close(struct cpu_output *o);

#endif
