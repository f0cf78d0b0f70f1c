// SPDX-License-Identifier: GPL-2.0-only
/* `kvmini caps`: what this host's KVM offers guests, for people or scripts. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <kvmini/arch.h>
#include <kvmini/cli.h>
#include <kvmini/kvm.h>

static void caps_usage(FILE *f)
{
	fprintf(f,
"Usage: kvmini caps [--json] [--kvm-dev PATH]\n"
"\n"
"Print what this host's KVM offers guests: vector lengths, memory tagging,\n"
"pointer authentication, PMU, guest physical address bits, vCPU limits and\n"
"writable ID registers.\n"
"\n"
"  --json           one JSON object instead of text\n"
"  --kvm-dev PATH   KVM device to ask (default /dev/kvm)\n"
"  -h, --help       this text\n");
}

int cmd_caps(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "kvm-dev", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = CONFIG_DEFAULT_KVM;
	bool json = false;
	int c, fd, ret;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'k':
			path = optarg;
			break;
		case 'h':
			caps_usage(stdout);
			return 0;
		default:
			return cli_usage_error("caps", "%s '%s'", c == ':' ?
					       "option needs a value:" : "unknown option",
					       argv[optind - 1]);
		}
	}
	if (optind < argc) {
		return cli_usage_error("caps", "unexpected argument '%s'", argv[optind]);
	}
	fd = kvm_open(path);
	if (fd < 0)
		return fd;
	ret = arch_caps_print(fd, path, json, stdout);
	close(fd);
	return ret;
}
