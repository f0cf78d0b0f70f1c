// SPDX-License-Identifier: GPL-2.0-only
/* The test-machinery options every architecture shares (see options_common.h). */
#include <errno.h>
#include <string.h>

#include <kvmini/cli.h>

#include "options_common.h"

#define usage_error(...) cli_usage_error("run", __VA_ARGS__)

static int test_fault_parse(const struct test_fault_name *names, size_t n, const char *arg,
			    int *kind)
{
	char known[256] = "";

	for (size_t i = 0; i < n; i++) {
		if (!strcmp(arg, names[i].name)) {
			*kind = names[i].kind;
			return 0;
		}
		strncat(known, " ", sizeof(known) - strlen(known) - 1);
		strncat(known, names[i].name, sizeof(known) - strlen(known) - 1);
	}
	return usage_error("--inject-fault %s: unknown fault (known:%s)", arg, known);
}

int test_parse_common(int val, const char *arg, const struct test_fault_name *names, size_t n,
		      struct test_asked *asked, int *fault)
{
	switch (val) {
	case TEST_OPT_TEST_DEVICE:
		asked->test_device = true;
		return 0;
	case TEST_OPT_HOST_CHECK:
		asked->host_check = true;
		return 0;
	case TEST_OPT_NO_HOST_CHECK:
		asked->no_host_check = true;
		return 0;
	case TEST_OPT_INJECT_FAULT:
		return test_fault_parse(names, n, arg, fault);
	}
	return -ENOENT;
}

int test_choose(const struct vm_config *cfg, const struct test_asked *asked, bool forced,
		const char *forcing, enum feature_choice dflt,
		const struct test_fault_name *names, size_t n, int fault,
		enum feature_choice *host_check, bool *test_device)
{
	if (asked->no_host_check && (asked->host_check || forced))
		return usage_error("--no-host-check contradicts --host-check and %s", forcing);
	if (asked->no_host_check)
		*host_check = FEATURE_OFF;
	else if (asked->host_check || forced)
		*host_check = FEATURE_ON;
	else
		*host_check = vm_config_user_image(cfg) ? FEATURE_OFF : dflt;
	*test_device = asked->test_device || !vm_config_user_image(cfg);
	for (size_t i = 0; i < n; i++)
		if (names[i].kind == fault && names[i].needs_test_device && !*test_device)
			return usage_error("--inject-fault %s fires from the test device's exits "
					   "and requests: run the embedded guest (no --kernel) or "
					   "add --test-device", names[i].name);
	return 0;
}
