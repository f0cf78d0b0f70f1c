/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What every architecture's test-machinery options share: --inject-fault's
 * names, and judging --test-device, --host-check and --no-host-check into
 * what the run gets. Each architecture keeps its own fault kinds and the
 * options only it has.
 */
#ifndef KVMINI_TEST_OPTIONS_COMMON_H
#define KVMINI_TEST_OPTIONS_COMMON_H

#include <kvmini/compiler.h>
#include <kvmini/config.h>
#include <kvmini/options.h>

/* The options every architecture's test machinery has; its own follow TEST_OPT_ARCH. */
enum {
	TEST_OPT_TEST_DEVICE = RUN_OPT_TEST_BASE,
	TEST_OPT_HOST_CHECK,
	TEST_OPT_NO_HOST_CHECK,
	TEST_OPT_INJECT_FAULT,
	TEST_OPT_ARCH,
};

/* Their entries of an architecture's option table. */
#define TEST_COMMON_OPTIONS \
	{ "test-device", no_argument, NULL, TEST_OPT_TEST_DEVICE }, \
	{ "host-check", no_argument, NULL, TEST_OPT_HOST_CHECK }, \
	{ "no-host-check", no_argument, NULL, TEST_OPT_NO_HOST_CHECK }, \
	{ "inject-fault", required_argument, NULL, TEST_OPT_INJECT_FAULT }

/* A --inject-fault kind as the user names it. */
struct test_fault_name {
	const char *name;
	int kind;
	bool needs_test_device;	/* it fires from a test device exit or request */
};

/* The options as given, before test_choose() judges them. */
struct test_asked {
	bool test_device, host_check, no_host_check;
};

/*
 * One of the common options (val) into asked and *fault: 0, -KVMINI_EUSAGE
 * for an unknown fault (naming the known ones), or -ENOENT for an option
 * of the architecture's own.
 */
int __must_check test_parse_common(int val, const char *arg, const struct test_fault_name *names,
				   size_t n, struct test_asked *asked, int *fault);

/*
 * Judge the options: --no-host-check against --host-check and the options
 * that need the check (`forced`, named by `forcing` for the message); the
 * host check on if asked or forced, else `dflt` for the embedded guest and
 * off for a user's image; the test device for the embedded guest or when
 * asked; a fault that fires from the device refused without it. 0 or
 * -KVMINI_EUSAGE (reported).
 */
int __must_check test_choose(const struct vm_config *cfg, const struct test_asked *asked,
			     bool forced, const char *forcing, enum feature_choice dflt,
			     const struct test_fault_name *names, size_t n, int fault,
			     enum feature_choice *host_check, bool *test_device);

#endif
