// SPDX-License-Identifier: GPL-2.0-only
/*
 * kvmini: a minimal VMM on Linux KVM. The only place that exits: commands
 * return a status or -errno, mapped here to an exit code.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <kvmini/cli.h>
#include "version.h"

static void usage(FILE *f)
{
	fprintf(f,
"Usage: kvmini COMMAND [OPTIONS]\n"
"\n"
"A minimal VMM on Linux KVM (arm64, x86_64) and a test VMM for KVM hosts.\n"
"\n"
"Commands:\n"
"  run        boot a guest; without --kernel, the embedded test guest\n"
"  caps       what this host's KVM offers guests (--json for scripts)\n"
"  cpu        CPU models: dump, check, diff and intersect what guests see\n"
"             (arm64: ID registers; x86_64: CPUID)\n"
"  ctl        control a running kvmini through its --api-sock socket\n"
"  restore    continue a VM from a snapshot\n"
"  help       this text; 'kvmini COMMAND --help' for a command's options\n"
"  version    print the version\n"
"\n"
"Example: kvmini run -c 2          (the test guest on two vCPUs)\n"
"         kvmini run -k Image -m 512 -p \"console=ttyS0\"\n");
}

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
};

static const struct command commands[] = {
	{ "run", cmd_run },
	{ "caps", cmd_caps },
	{ "cpu", cmd_cpu },
	{ "ctl", cmd_ctl },
	{ "restore", cmd_restore },
};

/* Exit codes: see `kvmini run --help`. */
static int exit_code(int ret)
{
	if (ret >= 0)
		return ret;
	if (ret == -KVMINI_EUSAGE)
		return 2;
	if (ret == -KVMINI_ETIMEOUT)
		return 124;
	return 1;
}

int main(int argc, char **argv)
{
	const char *name = argc > 1 ? argv[1] : NULL;

	if (!name) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(name, "help") || !strcmp(name, "--help") || !strcmp(name, "-h")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(name, "version") || !strcmp(name, "--version")) {
		printf("kvmini %s\n", KVMINI_VERSION);
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(name, commands[i].name))
			return exit_code(commands[i].fn(argc - 1, argv + 1));
	fprintf(stderr, "kvmini: unknown command '%s'\n"
		"Try 'kvmini help' for the commands.\n", name);
	return 2;
}
