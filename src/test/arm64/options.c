// SPDX-License-Identifier: GPL-2.0-only
/*
 * `kvmini run` options of the test machinery: the test device, the host
 * check and fault injection. Finished after the architecture's options,
 * whose SVE and MTE choices they depend on.
 */
#include <errno.h>
#include <stdlib.h>

#include <kvmini/cli.h>
#include <kvmini/options.h>

#include "../../arch/arm64/config.h"
#include "../options_common.h"
#include "test.h"

/* The arm64 machinery's own option, after the common ones. */
enum {
	OPT_HOST_SVE_VL = TEST_OPT_ARCH,
};

static const struct option test_options[] = {
	TEST_COMMON_OPTIONS,
	{ "host-sve-vl", required_argument, NULL, OPT_HOST_SVE_VL },
	{ NULL, 0, NULL, 0 },
};

static const struct test_fault_name fault_names[] = {
	{ "fpsimd", FAULT_FPSIMD, true },
	{ "sve", FAULT_SVE, true },
	{ "host-sve", FAULT_HOST_SVE, false },
	{ "regs-move", FAULT_REGS_MOVE, true },
	{ "mte-tag", FAULT_MTE_TAG, true },
	{ "host-mte", FAULT_HOST_MTE, false },
	{ "idreg", FAULT_IDREG, false },
	{ "restore", FAULT_RESTORE, true },
	{ "host-idreg", FAULT_HOST_IDREG, false },
	{ "timer", FAULT_TIMER, true },
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
	int fault, ret;

	if (!t)
		return -ENOMEM;
	fault = t->fault;
	if (val == OPT_HOST_SVE_VL)
		return arm64_parse_sve_vl("--host-sve-vl", arg, &t->host_sve_vl);
	ret = test_parse_common(val, arg, fault_names, ARRAY_SIZE(fault_names), &t->asked, &fault);
	t->fault = (enum fault_kind)fault;
	return ret == -ENOENT ? -EINVAL : ret;
}

static int test_finish(struct vm_config *cfg)
{
	const struct arch_config *a = arm64_config_get(cfg);
	struct test_config *t = cfg->test;
	bool host_fault;
	int ret;

	/* The embedded guest is a test guest: it always has the machinery. */
	if (!t && vm_config_user_image(cfg))
		return 0;
	t = test_config(cfg);
	if (!t)
		return -ENOMEM;
	host_fault = t->fault == FAULT_HOST_SVE || t->fault == FAULT_HOST_MTE ||
		     t->fault == FAULT_HOST_IDREG;
	if (t->fault == FAULT_MTE_TAG && a->mte == FEATURE_OFF)
		return usage_error("--inject-fault=mte-tag needs MTE; drop --no-mte");
	/* The host check: on for the embedded guest where the host has SVE or MTE. */
	ret = test_choose(cfg, &t->asked, t->host_sve_vl || host_fault,
			  "--host-sve-vl and --inject-fault=host-sve/host-mte/host-idreg",
			  FEATURE_AUTO, fault_names, ARRAY_SIZE(fault_names), t->fault,
			  &t->host_check, &t->test_device);
	if (ret)
		return ret;
	if (t->fault == FAULT_IDREG) {
		struct arch_config *ac = arm64_config(cfg);

		if (!ac)
			return -ENOMEM;
		ac->verify_idregs = true;
	}
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
"      --test-device    map kvmini's test device (0x1020000, in the device tree)\n"
"                       for a --kernel guest too: guests built for kvmini's test\n"
"                       ABI report through it and set the exit status\n"
"      --host-check     each vCPU thread keeps SVE state of its own live across\n"
"                       every KVM_RUN, with timer signals hitting it, and fails\n"
"                       the run if the host corrupts it; and, before the VM,\n"
"                       KVM must refuse each writable ID register field one\n"
"                       step beyond its limit (default: on for the embedded\n"
"                       guest when the host has SVE)\n"
"      --no-host-check  do not\n"
"      --host-sve-vl BITS  the vCPU threads' own vector length (default: the\n"
"                       smallest the host has that differs from the guest's)\n"
"      --inject-fault KIND\n"
"                       test the tester: corrupt state on purpose so a checker\n"
"                       must fail and name it. KIND: fpsimd (a bit of V7 at\n"
"                       the third PING exit), sve (the top bit of Z7 at the\n"
"                       guest's vector length, at its first SVE exit with a VL\n"
"                       of 512 or more), host-sve (a bit of a vCPU thread's own\n"
"                       V3/Z3, through a signal frame; the host check must catch\n"
"                       it), regs-move (a bit of Z5 in the new VM's vCPU after a\n"
"                       register move; the read-back compare must catch it),\n"
"                       mte-tag (one granule's allocation tag, through\n"
"                       KVM_ARM_MTE_COPY_TAGS, at the guest's first MTE exit),\n"
"                       host-mte (a tag of a vCPU thread's own tagged page;\n"
"                       the host check must catch it), idreg (bit 4 of the\n"
"                       ID_AA64ISAR0_EL1 value kvmini expects after the run;\n"
"                       its compare must catch it), restore (for kvmini\n"
"                       restore: a bit of V7 of the restored guest at its\n"
"                       first FP/SIMD or SVE check exit; the guest's checks\n"
"                       must catch it), host-idreg (the ID-register probe\n"
"                       expects KVM to refuse a field's own limit; it must\n"
"                       report the acceptance), timer (bit 12 of the guest's\n"
"                       CNTV_CVAL_EL0 at its first timer check exit; the\n"
"                       guest's check must catch it). fpsimd, sve, regs-move,\n"
"                       mte-tag, restore and timer need the test device\n");
}

const struct run_option_group test_run_options = {
	.options = test_options,
	.parse = test_parse,
	.finish = test_finish,
	.usage = test_usage,
	.free = test_free,
};
