// SPDX-License-Identifier: GPL-2.0-only
/*
 * `kvmini run` options of the x86_64 test machinery: the test device, the
 * host vector check and fault injection.
 */
#include <errno.h>
#include <stdlib.h>

#include <kvmini/options.h>

#include "../options_common.h"
#include "test.h"

static const struct option test_options[] = {
	TEST_COMMON_OPTIONS,
	{ NULL, 0, NULL, 0 },
};

static const struct test_fault_name fault_names[] = {
	{ "vec", FAULT_VEC, true },
	{ "regs-move", FAULT_REGS_MOVE, true },
	{ "host-vec", FAULT_HOST_VEC, false },
	{ "restore", FAULT_RESTORE, true },
};

static struct test_config *test_config(struct vm_config *cfg)
{
	if (!cfg->test)
		cfg->test = calloc(1, sizeof(*cfg->test));
	return cfg->test;
}

static int test_parse(struct vm_config *cfg, int val, const char *arg)
{
	struct test_config *t = test_config(cfg);
	int fault, ret;

	if (!t)
		return -ENOMEM;
	fault = t->fault;
	ret = test_parse_common(val, arg, fault_names, ARRAY_SIZE(fault_names), &t->asked, &fault);
	t->fault = (enum fault_kind)fault;
	return ret == -ENOENT ? -EINVAL : ret;
}

static int test_finish(struct vm_config *cfg)
{
	struct test_config *t = cfg->test;
	int ret;

	/* The embedded guest is a test guest: it always has the machinery. */
	if (!t && vm_config_user_image(cfg))
		return 0;
	t = test_config(cfg);
	if (!t)
		return -ENOMEM;
	/* The host check: on for the embedded guest (every x86_64 host has XMM registers). */
	ret = test_choose(cfg, &t->asked, t->fault == FAULT_HOST_VEC, "--inject-fault=host-vec",
			  FEATURE_ON, fault_names, ARRAY_SIZE(fault_names), t->fault,
			  &t->host_check, &t->test_device);
	if (ret)
		return ret;
	t->enabled = t->test_device || t->host_check != FEATURE_OFF || t->fault != FAULT_NONE;
	return 0;
}

static void test_free(struct vm_config *cfg)
{
	free(cfg->test);
	cfg->test = NULL;
}

static void test_usage(FILE *f)
{
	fprintf(f,
"Test VMM options (the embedded guest has the test device and the host check):\n"
"      --test-device    map kvmini's test device (MMIO 0xd0000000, PING port\n"
"                       0xe00) for a --kernel guest too\n"
"      --host-check     each vCPU thread keeps XMM/YMM registers and MXCSR of its\n"
"                       own live across every KVM_RUN, with timer signals\n"
"                       hitting it, and fails the run if the host corrupts them\n"
"                       (default: on for the embedded guest)\n"
"      --no-host-check  do not\n"
"      --inject-fault KIND\n"
"                       test the tester: corrupt state on purpose so a checker\n"
"                       must fail and name it. KIND: vec (a bit of the guest's\n"
"                       YMM7, or XMM7 without AVX, through KVM_SET_XSAVE at its\n"
"                       third vector PING exit), regs-move (a bit of YMM5/XMM5\n"
"                       in the new VM's vCPU after a register move; the\n"
"                       read-back compare must catch it), host-vec (a bit of a\n"
"                       vCPU thread's own XMM3, through a signal frame; the host\n"
"                       check must catch it), restore (kvmini restore: a bit of\n"
"                       YMM7/XMM7 at the restored guest's first vector PING\n"
"                       exit). vec, regs-move and restore need the test device\n");
}

const struct run_option_group test_run_options = {
	.options = test_options,
	.parse = test_parse,
	.finish = test_finish,
	.usage = test_usage,
	.free = test_free,
};
