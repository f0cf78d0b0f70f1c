/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * `kvmini run` options owned by a part of kvmini other than the generic
 * VMM - the architecture, the test machinery - so that generic code and
 * its configuration carry none of their fields. run_args.c merges the
 * groups into one getopt_long table; each getopt `val` belongs to exactly
 * one group (generic options use values below 0x1000).
 */
#ifndef KVMINI_OPTIONS_H
#define KVMINI_OPTIONS_H

#include <getopt.h>
#include <stdio.h>

#include <kvmini/compiler.h>

struct vm_config;

#define RUN_OPT_ARCH_BASE 0x1000	/* the architecture's option values */
#define RUN_OPT_TEST_BASE 0x2000	/* the test machinery's */

struct run_option_group {
	const struct option *options;	/* terminated by a zeroed entry */
	/* One option (val from options[]): 0 or -KVMINI_EUSAGE (reported). */
	int (*parse)(struct vm_config *cfg, int val, const char *arg);
	/*
	 * After every option, in group order (the architecture first):
	 * defaults and contradictions. 0 or -KVMINI_EUSAGE (reported).
	 */
	int (*finish)(struct vm_config *cfg);
	/* The group's part of `kvmini run --help`. */
	void (*usage)(FILE *f);
	/* Free what parse and finish allocated. */
	void (*free)(struct vm_config *cfg);
};

/* The architecture's options (--sve-vl, --mte, --cpu-model ...). */
extern const struct run_option_group arch_run_options;
/* The test machinery's (--test-device, --inject-fault, --host-check ...). */
extern const struct run_option_group test_run_options;

#endif
