// SPDX-License-Identifier: GPL-2.0-only
/*
 * `kvmini cpu`: CPU models, the ID registers a guest sees. dump writes
 * this host's as a model; check says field by field whether this host's
 * KVM can give a guest a model; diff and intersect work on model files
 * alone (for a pool of hosts: dump on each, intersect, check on each).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <kvmini/cli.h>
#include <kvmini/config.h>
#include <kvmini/cpu.h>
#include <kvmini/kvm.h>
#include <kvmini/log.h>

static void cpu_usage(FILE *f)
{
	fprintf(f,
"Usage: kvmini cpu dump [-o FILE] [MODEL OPTIONS] [--kvm-dev PATH]\n"
"       kvmini cpu check [-v] [--kvm-dev PATH] MODEL [MODEL OPTIONS]\n"
"       kvmini cpu diff MODEL_A MODEL_B\n"
"       kvmini cpu intersect [-o FILE] MODEL...\n"
"\n"
"  -o FILE          write the model to FILE instead of standard output\n"
"  -v, --verbose    check: list every field\n"
"  --kvm-dev PATH   KVM device to ask (default /dev/kvm)\n"
"  -d, --debug cpu  more of what is read and decided\n"
"  MODEL OPTIONS    --cpu-model FILE and the architecture's field options, as\n"
"                   kvmini run takes them\n"
"  -h, --help       this text\n"
"\n");
	cpu_usage_arch(f);
}

#define cpu_bad_usage(...) cli_usage_error("cpu", __VA_ARGS__)

/* Model files named "-" more than once: the second would read an empty stdin. */
static bool stdin_named_twice(char *const *paths, int n)
{
	int dashes = 0;

	for (int i = 0; i < n; i++)
		dashes += !strcmp(paths[i], "-");
	return dashes > 1;
}

/*
 * check and diff answer by their report on standard output and their
 * status: a report that could not be written is no answer (status 2).
 */
static int cpu_report_written(int ret)
{
	if (!fflush(stdout) && !ferror(stdout))
		return ret;
	fprintf(stderr, "kvmini cpu: cannot write the report to standard output: %s\n",
		strerror(errno ? errno : EIO));
	return 2;
}

int cmd_cpu(int argc, char **argv)
{
	enum { OPT_KVM_DEV = 256, OPT_CPU_MODEL, OPT_CPU_FEATURE, OPT_ID_REG };
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "debug", required_argument, NULL, 'd' },
		{ "kvm-dev", required_argument, NULL, OPT_KVM_DEV },
		{ "cpu-model", required_argument, NULL, OPT_CPU_MODEL },
		{ "cpu-feature", required_argument, NULL, OPT_CPU_FEATURE },
		{ "id-reg", required_argument, NULL, OPT_ID_REG },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = CONFIG_DEFAULT_KVM, *out = NULL, *sub;
	struct vm_config cfg;
	bool verbose = false, run_opts = false;
	int c, fd, ret, nargs;

	vm_config_init(&cfg);
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:o:vh", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			cpu_usage(stdout);
			return 0;
		default:
			return cpu_bad_usage("%s: give the command first (kvmini cpu dump ...)",
					     argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return cpu_bad_usage("%s", "no command: dump, check, diff or intersect");
	sub = argv[optind];
	if (strcmp(sub, "dump") && strcmp(sub, "check") && strcmp(sub, "diff") &&
	    strcmp(sub, "intersect"))
		return cpu_bad_usage("unknown command '%s' (dump, check, diff, intersect)", sub);
	/* The command's own options and arguments, in any order. */
	argc -= optind;
	argv += optind;
	optind = 0;
	ret = 0;
	while (!ret && (c = getopt_long(argc, argv, ":o:vd:h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			/* log_enable_debug() names the bad topic and lists all. */
			if (log_enable_debug(optarg))
				ret = -KVMINI_EUSAGE;
			break;
		case 'o':
			out = optarg;
			break;
		case 'v':
			verbose = true;
			break;
		case OPT_KVM_DEV:
			path = optarg;
			break;
		case OPT_CPU_MODEL:
		case OPT_CPU_FEATURE:
		case OPT_ID_REG:
			run_opts = true;
			ret = cpu_opt_add_cmd(&cfg, "cpu", c == OPT_CPU_MODEL ? CPU_OPT_MODEL :
					      c == OPT_CPU_FEATURE ? CPU_OPT_FEATURE :
					      CPU_OPT_ID_REG, optarg);
			break;
		case 'h':
			cpu_usage(stdout);
			vm_config_free(&cfg);
			return 0;
		case ':':
			ret = cpu_bad_usage("option '%s' needs a value", argv[optind - 1]);
			break;
		default:
			ret = cpu_bad_usage("unknown option '%s'", argv[optind - 1]);
		}
	}
	nargs = argc - optind;
	if (ret)
		goto out;
	if (stdin_named_twice(&argv[optind], nargs)) {
		ret = cpu_bad_usage("%s: '-' (standard input) is named twice; it can be read "
				    "once: give the other model as a file", sub);
	} else if (run_opts && (!strcmp(sub, "diff") || !strcmp(sub, "intersect"))) {
		ret = cpu_bad_usage("%s takes model files only; --cpu-model, --cpu-feature "
				    "and --id-reg are for dump and check", sub);
	} else if (!strcmp(sub, "diff")) {
		ret = nargs == 2 ? cpu_report_written(cpu_cmd_diff(argv[optind], argv[optind + 1])) :
		      cpu_bad_usage("%s", "diff takes two model files");
		goto out;
	} else if (!strcmp(sub, "intersect")) {
		ret = nargs >= 1 ? cpu_cmd_intersect((const char *const *)&argv[optind],
						     (unsigned int)nargs, out) :
		      cpu_bad_usage("%s", "intersect takes one or more model files");
		goto out;
	} else if (!strcmp(sub, "dump") && nargs) {
		ret = cpu_bad_usage("dump takes no file (-o FILE writes the model): '%s'",
				    argv[optind]);
	} else if (!strcmp(sub, "check") && nargs != 1 && !(nargs == 0 && run_opts)) {
		ret = cpu_bad_usage("%s", "check takes one model file, or model options "
				    "alone (kvmini cpu --help)");
	}
	if (ret)
		goto out;
	if (!strcmp(sub, "check") && nargs == 1)
		ret = cpu_opt_add_cmd(&cfg, "cpu check", CPU_OPT_MODEL_ARG, argv[optind]);
	if (!ret)
		ret = cpu_opts_finish(&cfg);
	if (ret)
		goto out;
	fd = kvm_open(path);
	if (fd < 0) {
		ret = fd;
		goto out;
	}
	if (!strcmp(sub, "dump"))
		ret = cpu_cmd_dump(fd, &cfg, out);
	else
		ret = cpu_report_written(cpu_cmd_check(fd, &cfg, verbose));
	close(fd);
out:
	vm_config_free(&cfg);
	return ret;
}
