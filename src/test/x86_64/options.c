// SPDX-License-Identifier: GPL-2.0-only
/*
 * `kvmini run` options of the x86_64 test machinery: the test device, the
 * host vector check and fault injection.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <kvmini/cli.h>
#include <kvmini/options.h>

#include "test.h"

enum {
	OPT_TEST_DEVICE = RUN_OPT_TEST_BASE,
	OPT_HOST_CHECK,
	OPT_NO_HOST_CHECK,
	OPT_INJECT_FAULT,
};

static const struct option test_options[] = {
	{ "test-device", no_argument, NULL, OPT_TEST_DEVICE },
	{ "host-check", no_argument, NULL, OPT_HOST_CHECK },
	{ "no-host-check", no_argument, NULL, OPT_NO_HOST_CHECK },
	{ "inject-fault", required_argument, NULL, OPT_INJECT_FAULT },
	{ NULL, 0, NULL, 0 },
};

static const struct fault_name {
	const char *name;
	enum fault_kind kind;
	bool needs_test_device;	/* it fires from a test device exit or request */
} fault_names[] = {
	{ "vec", FAULT_VEC, true },
	{ "regs-move", FAULT_REGS_MOVE, true },
	{ "host-vec", FAULT_HOST_VEC, false },
};

#define usage_error(...) cli_usage_error("run", __VA_ARGS__)

static struct test_config *test_config(struct vm_config *cfg)
{
	if (!cfg->test)
		cfg->test = calloc(1, sizeof(*cfg->test));
	return cfg->test;
}

static int test_parse(struct vm_config *cfg, int val, const char *arg)
{
	struct test_config *t = test_config(cfg);

	if (!t)
		return -ENOMEM;
	switch (val) {
	case OPT_TEST_DEVICE:
		t->asked.test_device = true;
		return 0;
	case OPT_HOST_CHECK:
		t->asked.host_check = true;
		return 0;
	case OPT_NO_HOST_CHECK:
		t->asked.no_host_check = true;
		return 0;
	case OPT_INJECT_FAULT:
		for (size_t i = 0; i < ARRAY_SIZE(fault_names); i++) {
			if (!strcmp(arg, fault_names[i].name)) {
				t->fault = fault_names[i].kind;
				return 0;
			}
		}
		return usage_error("--inject-fault %s: unknown fault (known on x86_64: vec "
				   "regs-move host-vec)", arg);
	}
	return -EINVAL;
}

static int test_finish(struct vm_config *cfg)
{
	struct test_config *t = cfg->test;
	bool host_fault;

	/* The embedded guest is a test guest: it always has the machinery. */
	if (!t && vm_config_user_image(cfg))
		return 0;
	t = test_config(cfg);
	if (!t)
		return -ENOMEM;
	host_fault = t->fault == FAULT_HOST_VEC;
	if (t->asked.no_host_check && (t->asked.host_check || host_fault))
		return usage_error("--no-host-check contradicts --host-check and "
				   "--inject-fault=host-vec");
	if (t->asked.no_host_check)
		t->host_check = FEATURE_OFF;
	else if (t->asked.host_check || host_fault || !vm_config_user_image(cfg))
		t->host_check = FEATURE_ON;	/* every x86_64 host has XMM registers */
	else
		t->host_check = FEATURE_OFF;
	t->test_device = t->asked.test_device || !vm_config_user_image(cfg);
	for (size_t i = 0; i < ARRAY_SIZE(fault_names); i++)
		if (fault_names[i].kind == t->fault && fault_names[i].needs_test_device &&
		    !t->test_device)
			return usage_error("--inject-fault %s fires from the test device's exits "
					   "and requests: run the embedded guest (no --kernel) "
					   "or add --test-device", fault_names[i].name);
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
"                       check must catch it). vec and regs-move need the test\n"
"                       device\n");
}

const struct run_option_group test_run_options = {
	.options = test_options,
	.parse = test_parse,
	.finish = test_finish,
	.usage = test_usage,
	.free = test_free,
};
