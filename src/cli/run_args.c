// SPDX-License-Identifier: GPL-2.0-only
/*
 * `kvmini run` options. Option names follow kvmtool's `lkvm run` so
 * existing command lines keep working: -k/--kernel, -i/--initrd,
 * -p/--params, -c/--cpus, -m/--mem (MiB unless a suffix is given).
 * Only the syntax is checked here; what the host can give is checked when
 * the VM is created.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <kvmini/cli.h>
#include <kvmini/cpu.h>
#include <kvmini/log.h>
#include <kvmini/parse.h>

/* Upper bound for the syntax check; the host's own limit is checked later. */
#define RUN_MAX_CPUS 4096

static void run_usage(FILE *f)
{
	fprintf(f,
"Usage: kvmini run [OPTIONS]\n"
"\n"
"Boot a guest. Without --kernel, kvmini runs its embedded bare-metal test\n"
"guest, which checks that guest FP/SIMD state survives every kind of VM\n"
"exit on every vCPU, prints its results as TAP and makes kvmini exit with\n"
"its status (0: all checks passed, 77: skipped).\n"
"\n"
"Options (the short names are kvmtool's):\n"
"  -k, --kernel FILE    guest kernel: an arm64 Linux Image (uncompressed)\n"
"  -i, --initrd FILE    initial ramdisk for the kernel\n"
"  -p, --params TEXT    kernel command line; for the embedded guest, its\n"
"                       parameters, e.g. -p \"iterations=1000\"\n"
"  -c, --cpus N         number of vCPUs (default 1)\n"
"  -m, --mem SIZE       guest RAM; MiB unless a K/M/G suffix is given\n"
"                       (default 256M)\n"
"      --timeout SECS   stop the guest and fail (exit 124) if it has not\n"
"                       finished after SECS seconds\n"
"      --kvm-dev PATH   KVM device to use (default /dev/kvm)\n"
"      --sve-vl BITS    largest SVE vector length for the guest (a multiple\n"
"                       of 128 the host supports; alias --sve-max-vl).\n"
"                       Default: SVE on at the host's largest when KVM has it\n"
"      --no-sve         no SVE for the guest (alias --disable-sve)\n"
"      --host-check     each vCPU thread keeps SVE state of its own live across\n"
"                       every KVM_RUN, with timer signals hitting it, and fails\n"
"                       the run if the host corrupts it (default: on for the\n"
"                       embedded guest when the host has SVE)\n"
"      --no-host-check  do not\n"
"      --host-sve-vl BITS  the vCPU threads' own vector length (default: the\n"
"                       smallest the host has that differs from the guest's)\n"
"      --mte            require the Memory Tagging Extension for the guest\n"
"      --no-mte         no MTE (alias --disable-mte). Default: MTE on when the\n"
"                       host's KVM has it and the guest memory can hold tags\n"
"      --mem-path FILE  back guest RAM with FILE (created or resized to\n"
"                       --mem; shared, so its contents are the guest's RAM);\n"
"                       with MTE it must be on tmpfs or hugetlbfs\n"
"      --cpu-model FILE the guest's ID registers from a CPU model (see\n"
"                       'kvmini cpu --help'); fields it does not list keep the\n"
"                       host's values. Checked field by field against what\n"
"                       this host's KVM accepts before the VM is created\n"
"      --cpu-feature NAME=on|off[,NAME=on|off...]\n"
"                       a feature by name, over the model: sve sve2 mte pauth\n"
"                       pmu bti lse aes sha2 ... ('kvmini cpu --help' lists all)\n"
"      --id-reg REG.FIELD=VALUE\n"
"                       one ID register field, over the model, e.g.\n"
"                       --id-reg ID_AA64ISAR0_EL1.AES=0\n"
"      --stats          print exit counts and MMIO exit timing at the end\n"
"      --dump-regs      print every register of every vCPU (KVM_GET_REG_LIST,\n"
"                       SVE Z/P/FFR included) when the guest stops\n"
"      --inject-fault KIND\n"
"                       test the tester: corrupt guest state through\n"
"                       KVM_SET_ONE_REG mid-run so the test guest must fail.\n"
"                       KIND: fpsimd (a bit of V7 at the third PING exit),\n"
"                       sve (the top bit of Z7 at the guest's vector length,\n"
"                       at its first SVE exit with a VL of 512 or more),\n"
"                       host-sve (a bit of a vCPU thread's own V3/Z3, through\n"
"                       a signal frame; the host check must catch it),\n"
"                       regs-move (a bit of Z5 in the new VM's vCPU after a\n"
"                       register move; the read-back compare must catch it),\n"
"                       mte-tag (one granule's allocation tag, through\n"
"                       KVM_ARM_MTE_COPY_TAGS, at the guest's first MTE exit),\n"
"                       host-mte (a tag of a vCPU thread's own tagged page;\n"
"                       the host check must catch it),\n"
"                       idreg (bit 4 of the ID_AA64ISAR0_EL1 value kvmini\n"
"                       expects after the run; its compare must catch it)\n"
"  -d, --debug TOPICS   debug output for comma-separated topics, or 'all'\n"
"                       (%s)\n"
"  -q, --quiet          no informational messages\n"
"  -h, --help           this text\n"
"\n"
"Exit status: the guest's status; 1 when kvmini or the guest failed; 2 for\n"
"bad options; 124 on --timeout.\n", log_topics());
}

#define usage_error(...) cli_usage_error("run", __VA_ARGS__)
#define usage_hint() cli_usage_hint("run")

static int parse_mem(const char *arg, uint64_t *out)
{
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	uint64_t size;
	int ret = parse_size(arg, 1ULL << 20, &size);

	if (ret == -ERANGE)
		return usage_error("--mem %s: too large", arg);
	if (ret)
		return usage_error("--mem %s: not a size; give MiB (256) or a "
				   "size with a suffix (512M, 2G)", arg);
	if (size == 0)
		return usage_error("--mem %s: guest RAM cannot be empty", arg);
	if (!IS_ALIGNED(size, page))
		return usage_error("--mem %s: not a multiple of the page size "
				   "(%" PRIu64 " bytes)", arg, page);
	*out = size;
	return 0;
}

/* Syntax only; whether the host offers this VL is checked before the VM exists. */
static int parse_sve_vl(const char *opt, const char *arg, unsigned int *vl)
{
	uint64_t v;
	int ret = parse_uint(arg, 0, UINT32_MAX, &v);

	if (ret == -EINVAL)
		return usage_error("%s %s: not a number of bits (e.g. 512)", opt, arg);
	if (!ret && v % 128)
		return usage_error("%s %s: not a multiple of 128 bits", opt, arg);
	if (ret || v < 128 || v > 2048)
		return usage_error("%s %s: out of range; SVE vector lengths are "
				   "128 to 2048 bits", opt, arg);
	*vl = (unsigned int)v;
	return 0;
}

int run_parse_args(int argc, char **argv, struct vm_config *cfg)
{
	enum { OPT_TIMEOUT = 256, OPT_KVM_DEV, OPT_STATS, OPT_INJECT_FAULT,
	       OPT_SVE_VL, OPT_NO_SVE, OPT_DUMP_REGS, OPT_HOST_CHECK,
	       OPT_NO_HOST_CHECK, OPT_HOST_SVE_VL, OPT_MTE, OPT_NO_MTE, OPT_MEM_PATH };
	enum { OPT_CPU_MODEL = 512, OPT_CPU_FEATURE, OPT_ID_REG };
	static const struct option opts[] = {
		{ "kernel", required_argument, NULL, 'k' },
		{ "initrd", required_argument, NULL, 'i' },
		{ "params", required_argument, NULL, 'p' },
		{ "cpus", required_argument, NULL, 'c' },
		{ "mem", required_argument, NULL, 'm' },
		{ "debug", required_argument, NULL, 'd' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "kvm-dev", required_argument, NULL, OPT_KVM_DEV },
		{ "stats", no_argument, NULL, OPT_STATS },
		{ "dump-regs", no_argument, NULL, OPT_DUMP_REGS },
		{ "host-check", no_argument, NULL, OPT_HOST_CHECK },
		{ "no-host-check", no_argument, NULL, OPT_NO_HOST_CHECK },
		{ "host-sve-vl", required_argument, NULL, OPT_HOST_SVE_VL },
		{ "mte", no_argument, NULL, OPT_MTE },
		{ "no-mte", no_argument, NULL, OPT_NO_MTE },
		{ "disable-mte", no_argument, NULL, OPT_NO_MTE },
		{ "mem-path", required_argument, NULL, OPT_MEM_PATH },
		{ "inject-fault", required_argument, NULL, OPT_INJECT_FAULT },
		{ "sve-vl", required_argument, NULL, OPT_SVE_VL },
		{ "sve-max-vl", required_argument, NULL, OPT_SVE_VL },
		{ "no-sve", no_argument, NULL, OPT_NO_SVE },
		{ "disable-sve", no_argument, NULL, OPT_NO_SVE },
		{ "cpu-model", required_argument, NULL, OPT_CPU_MODEL },
		{ "cpu-feature", required_argument, NULL, OPT_CPU_FEATURE },
		{ "id-reg", required_argument, NULL, OPT_ID_REG },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	enum feature_choice host_check = FEATURE_AUTO;
	bool no_sve = false, no_host_check = false, mte_on = false, mte_off = false;
	uint64_t v;
	int c, ret;

	vm_config_init(cfg);
	optind = 0;	/* full reset: the parser may run more than once (tests) */
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":k:i:p:c:m:d:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'k':
			cfg->kernel_path = optarg;
			break;
		case 'i':
			cfg->initrd_path = optarg;
			break;
		case 'p':
			cfg->params = optarg;
			break;
		case 'c':
			ret = parse_uint(optarg, 1, RUN_MAX_CPUS, &v);
			if (ret)
				return usage_error("--cpus %s: not a vCPU count from 1 to %d",
						   optarg, RUN_MAX_CPUS);
			cfg->nr_cpus = (unsigned int)v;
			break;
		case 'm':
			ret = parse_mem(optarg, &cfg->ram_size);
			if (ret)
				return ret;
			break;
		case 'd':
			/* log_enable_debug() names the bad topic and lists all. */
			if (log_enable_debug(optarg))
				return usage_hint();
			break;
		case 'q':
			log_set_quiet(true);
			break;
		case OPT_TIMEOUT:
			ret = parse_uint(optarg, 1, 86400 * 365, &v);
			if (ret)
				return usage_error("--timeout %s: not a number of seconds "
						   "(1 or more)", optarg);
			cfg->timeout_s = (unsigned int)v;
			break;
		case OPT_KVM_DEV:
			cfg->kvm_path = optarg;
			break;
		case OPT_SVE_VL:
			ret = parse_sve_vl("--sve-vl", optarg, &cfg->sve_max_vl);
			if (ret)
				return ret;
			break;
		case OPT_NO_SVE:
			no_sve = true;
			break;
		case OPT_STATS:
			cfg->stats = true;
			break;
		case OPT_INJECT_FAULT:
			if (!strcmp(optarg, "fpsimd"))
				cfg->inject_fault = FAULT_FPSIMD;
			else if (!strcmp(optarg, "sve"))
				cfg->inject_fault = FAULT_SVE;
			else if (!strcmp(optarg, "host-sve"))
				cfg->inject_fault = FAULT_HOST_SVE;
			else if (!strcmp(optarg, "regs-move"))
				cfg->inject_fault = FAULT_REGS_MOVE;
			else if (!strcmp(optarg, "mte-tag"))
				cfg->inject_fault = FAULT_MTE_TAG;
			else if (!strcmp(optarg, "host-mte"))
				cfg->inject_fault = FAULT_HOST_MTE;
			else if (!strcmp(optarg, "idreg"))
				cfg->inject_fault = FAULT_IDREG;
			else
				return usage_error("--inject-fault %s: unknown fault (known: fpsimd "
						   "sve host-sve regs-move mte-tag host-mte idreg)",
						   optarg);
			break;
		case OPT_DUMP_REGS:
			cfg->dump_regs = true;
			break;
		case OPT_HOST_CHECK:
			host_check = FEATURE_ON;
			break;
		case OPT_NO_HOST_CHECK:
			no_host_check = true;
			break;
		case OPT_MTE:
			mte_on = true;
			break;
		case OPT_NO_MTE:
			mte_off = true;
			break;
		case OPT_MEM_PATH:
			cfg->mem_path = optarg;
			break;
		case OPT_HOST_SVE_VL:
			ret = parse_sve_vl("--host-sve-vl", optarg, &cfg->host_sve_vl);
			if (ret)
				return ret;
			break;
		case OPT_CPU_MODEL:
		case OPT_CPU_FEATURE:
		case OPT_ID_REG:
			ret = cpu_opt_add(cfg, c == OPT_CPU_MODEL ? CPU_OPT_MODEL :
					  c == OPT_CPU_FEATURE ? CPU_OPT_FEATURE : CPU_OPT_ID_REG,
					  optarg);
			if (ret)
				return ret;
			break;
		case 'h':
			run_usage(stdout);
			return CLI_HELP_SHOWN;
		case ':':
			return usage_error("option '%s' needs a value",
					   argv[optind - 1]);
		default:
			return usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s' (options take the "
				   "form --name VALUE)", argv[optind]);
	if (no_sve && cfg->sve_max_vl)
		return usage_error("--sve-vl %u and --no-sve contradict each other; "
				   "give one", cfg->sve_max_vl);
	if (no_sve)
		cfg->sve = FEATURE_OFF;
	else if (cfg->sve_max_vl)
		cfg->sve = FEATURE_ON;
	if (mte_on && mte_off)
		return usage_error("--mte and --no-mte contradict each other; give one");
	cfg->mte = mte_on ? FEATURE_ON : mte_off ? FEATURE_OFF : FEATURE_AUTO;
	if (cfg->inject_fault == FAULT_MTE_TAG && mte_off)
		return usage_error("--inject-fault=mte-tag needs MTE; drop --no-mte");
	if (no_host_check && (host_check == FEATURE_ON || cfg->host_sve_vl ||
			      cfg->inject_fault == FAULT_HOST_SVE ||
			      cfg->inject_fault == FAULT_HOST_MTE))
		return usage_error("--no-host-check contradicts --host-check, "
				   "--host-sve-vl and --inject-fault=host-sve/host-mte");
	if (no_host_check)
		host_check = FEATURE_OFF;
	else if (cfg->host_sve_vl || cfg->inject_fault == FAULT_HOST_SVE ||
		 cfg->inject_fault == FAULT_HOST_MTE)
		host_check = FEATURE_ON;
	cfg->host_check = host_check;
	if (cfg->initrd_path && !cfg->kernel_path)
		return usage_error("--initrd %s needs --kernel: the embedded test "
				   "guest takes no initrd", cfg->initrd_path);
	/* Last: a CPU model may turn SVE or MTE off, against the options above. */
	ret = cpu_opts_finish(cfg);
	if (ret)
		return ret;
	return 0;
}
