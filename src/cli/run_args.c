// SPDX-License-Identifier: GPL-2.0-only
/*
 * `kvmini run` options. Option names follow kvmtool's `lkvm run` so
 * existing command lines keep working: -k/--kernel, -i/--initrd,
 * -p/--params, -c/--cpus, -m/--mem (MiB unless a suffix is given).
 * Only the syntax is checked here; what the host can give is checked when
 * the VM is created.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <kvmini/cli.h>
#include <kvmini/log.h>
#include <kvmini/options.h>
#include <kvmini/parse.h>

/* Upper bound for the syntax check; the host's own limit is checked later. */
#define RUN_MAX_CPUS 4096

enum { OPT_TIMEOUT = 256, OPT_KVM_DEV, OPT_STATS, OPT_DUMP_REGS, OPT_MEM_PATH, OPT_RNG,
       OPT_DEBUG, OPT_LOGLEVEL, OPT_NAME, OPT_NODEFAULTS, OPT_NO_REBOOT, OPT_DUMP_DTB, OPT_API_SOCK,
       OPT_CONSOLE, OPT_IO_POLL };

/* --name: what ps and the process's messages show; kept to what a file name could hold. */
#define RUN_NAME_MAX 64

/* The option groups beside the generic ones, in the order they are finished. */
static const struct run_option_group *const run_groups[] = {
	&arch_run_options,
	&test_run_options,
};

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
"  -k, --kernel FILE    guest kernel: an arm64 Linux Image (uncompressed) or an\n"
"                       x86_64 bzImage; a file without that header is loaded\n"
"                       as a raw binary as kvmtool does (arm64: at RAM +\n"
"                       0x80000; x86_64: in real mode at 1000:0000)\n"
"  -f, --firmware FILE  a firmware image instead of a kernel, as kvmtool loads\n"
"                       one (arm64: at the start of RAM, entered there with\n"
"                       x0 = the device tree; x86_64: a BIOS of 128 KiB at\n"
"                       most, ending at 1 MiB, in place of kvmini's, entered\n"
"                       in real mode at the reset vector F000:FFF0)\n"
"  -i, --initrd FILE    initial ramdisk for the kernel\n"
"  -p, --params TEXT    kernel command line, after what kvmini adds as kvmtool\n"
"                       does: console=ttyS0 (hvc0 with --console virtio) and,\n"
"                       with a disk and no root= given, root=/dev/vda rw. For\n"
"                       the embedded guest, its parameters (iterations=1000)\n"
"      --nodefaults     add nothing to the kernel command line\n"
"      --console serial|virtio\n"
"                       the guest's console: the 8250 UART (ttyS0, default)\n"
"                       or a virtio console (hvc0); stdin goes to it\n"
"  -c, --cpus N         number of vCPUs (default 1)\n"
"  -m, --mem SIZE       guest RAM; MiB unless a K/M/G suffix is given\n"
"                       (default 256M)\n"
"  -d, --disk FILE[,ro][,direct][,queues=N]\n"
"                       a raw disk image as a virtio-blk disk (vda, vdb... in\n"
"                       order; up to 8); ,ro: read-only for the guest;\n"
"                       ,direct: past the host's page cache (O_DIRECT) for\n"
"                       every request aligned as the file's filesystem needs;\n"
"                       ,queues=N: N request queues (1-8, default 1), for a\n"
"                       guest with as many CPUs, or with poll queues\n"
"                       (virtio_blk.poll_queues=1: no interrupts). The\n"
"                       image is locked: one writer at a time. I/O goes\n"
"                       through io_uring, or synchronously where the host\n"
"                       has none (or with KVMINI_BLK_SYNC=1 in the\n"
"                       environment); each disk's choice is logged\n"
"      --rng            a virtio-rng device (entropy from the host)\n"
"  -n, --network mode=tap[,tapif=NAME][,host_ip=A.B.C.D[/N]][,guest_mac=MAC]\n"
"                       a virtio-net device on a TAP interface kvmini creates\n"
"                       (or attaches to, if it exists) and brings up; with\n"
"                       host_ip= it gives the host side that address. Up to\n"
"                       4. mode=none: no network device (the default)\n"
"      --name NAME      the guest's name: kvmini's process name (default\n"
"                       guest-PID)\n"
"      --no-reboot      a guest reboot ends kvmini (exit 0; 1 after an x86\n"
"                       triple fault) instead of restarting the guest in the\n"
"                       same process. Without it, 5 resets in a row each\n"
"                       within 1 s of starting (a boot loop) end kvmini (1)\n"
"      --dump-dtb FILE  write the guest's device tree to FILE, then boot\n"
"      --api-sock PATH  serve the control socket at PATH (owner-only): status,\n"
"                       pause, resume, snapshot path=FILE, stop; drive it\n"
"                       with 'kvmini ctl PATH COMMAND'\n"
"      --mem-path FILE  back guest RAM with FILE (created or resized to\n"
"                       --mem; shared, so its contents are the guest's RAM);\n"
"                       with MTE it must be on tmpfs or hugetlbfs\n"
"      --timeout SECS   stop the guest and fail (exit 124) if it has not\n"
"                       finished after SECS seconds\n"
"      --io-poll USEC   after a disk or network transmit queue had work, the\n"
"                       I/O thread polls it for up to USEC microseconds before\n"
"                       it asks the guest for notifications again: a busy\n"
"                       guest then needs no exit to hand over requests, and\n"
"                       while it keeps them coming their interrupts wait for\n"
"                       it to pause (one for a batch), for some host CPU\n"
"                       time. A queue's window starts at %u (or USEC if less),\n"
"                       doubles while work comes back just after it ends and\n"
"                       halves after longer pauses (--stats shows it). 0 turns\n"
"                       polling off (default %u; by default off when kvmini\n"
"                       has no CPU beside the vCPUs', given it polls anyway:\n"
"                       for a guest whose other vCPUs idle)\n"
"      --kvm-dev PATH   KVM device to use (default /dev/kvm)\n"
"      --stats          at the end: exit counts and MMIO exit timing, each\n"
"                       virtio queue's requests, notifications, polls and\n"
"                       interrupts, and each thread's CPU time\n"
"      --dump-regs      print every register of every vCPU (KVM_GET_REG_LIST,\n"
"                       SVE Z/P/FFR included) when the guest stops\n"
"      --debug TOPICS   debug output for comma-separated topics, or 'all'\n"
"                       (%s)\n"
"      --loglevel LEVEL error, warning, info (default) or debug (all topics)\n"
"  -q, --quiet          no informational messages (--loglevel warning)\n"
"  -h, --help           this text\n"
"\n"
"Console: the guest's console (the 8250's ttyS0, or hvc0 with --console\n"
"virtio) prints to stdout and reads stdin: a terminal, a pipe or a file.\n"
"At a terminal, stdin is raw while the guest runs (^C and ^Z go to the\n"
"guest); Ctrl-A x quits, Ctrl-A Ctrl-A sends a Ctrl-A. kvmini puts the\n"
"terminal back however it ends.\n"
"\n", CONFIG_IO_POLL_START_US, CONFIG_DEFAULT_IO_POLL_US, log_topics());
	for (size_t i = 0; i < ARRAY_SIZE(run_groups); i++) {
		run_groups[i]->usage(f);
		fputc('\n', f);
	}
	fprintf(f,
"Exit status: the guest's status; 1 when kvmini or the guest failed; 2 for\n"
"bad options; 124 on --timeout; 128 + the signal's number when SIGINT or\n"
"SIGTERM stopped it; 0 when quit with Ctrl-A x.\n");
}

#define usage_error(...) cli_usage_error("run", __VA_ARGS__)
#define usage_hint() cli_usage_hint("run")

int run_arg_timeout(const char *cmd, const char *arg, unsigned int *secs)
{
	uint64_t v;

	if (parse_uint(arg, 1, 86400 * 365, &v))
		return cli_usage_error(cmd, "--timeout %s: not a number of seconds (1 or more)", arg);
	*secs = (unsigned int)v;
	return 0;
}

int run_arg_io_poll(const char *cmd, const char *arg, unsigned int *usec)
{
	uint64_t v;

	if (parse_uint(arg, 0, CONFIG_MAX_IO_POLL_US, &v))
		return cli_usage_error(cmd, "--io-poll %s: not a number of microseconds from 0 "
				       "(no polling) to %u", arg, CONFIG_MAX_IO_POLL_US);
	*usec = (unsigned int)v;
	return 0;
}

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

/* The groups' options after the generic ones, in one getopt_long table. */
static int run_build_options(const struct option *generic, struct option **out)
{
	size_t n = 0, k = 0;
	struct option *all;

	while (generic[n].name)
		n++;
	for (size_t g = 0; g < ARRAY_SIZE(run_groups); g++)
		for (const struct option *o = run_groups[g]->options; o->name; o++)
			n++;
	all = calloc(n + 1, sizeof(*all));
	if (!all)
		return -ENOMEM;
	for (const struct option *o = generic; o->name; o++)
		all[k++] = *o;
	for (size_t g = 0; g < ARRAY_SIZE(run_groups); g++)
		for (const struct option *o = run_groups[g]->options; o->name; o++)
			all[k++] = *o;
	*out = all;
	return 0;
}

static const struct run_option_group *run_group_of(int val)
{
	for (size_t g = 0; g < ARRAY_SIZE(run_groups); g++)
		for (const struct option *o = run_groups[g]->options; o->name; o++)
			if (o->val == val)
				return run_groups[g];
	return NULL;
}

/*
 * One of --disk's options (after the file), of len bytes at opt, into d.
 * *queues_given: an earlier queues=, so a second one (which would silently
 * win) is refused.
 */
static int parse_disk_option(const char *arg, const char *opt, size_t len,
			     struct disk_config *d, bool *queues_given)
{
	char value[24];
	uint64_t v;

	if (len == 2 && !strncmp(opt, "ro", 2)) {
		d->ro = true;
		return 0;
	}
	if (len == 6 && !strncmp(opt, "direct", 6)) {
		d->direct = true;
		return 0;
	}
	if (len >= 7 && !strncmp(opt, "queues=", 7)) {
		if (*queues_given)
			return usage_error("--disk %s: queues= given twice; give it once", arg);
		*queues_given = true;
		snprintf(value, sizeof(value), "%.*s", (int)(len - 7), opt + 7);
		if (len - 7 >= sizeof(value) || parse_uint(value, 1, DISK_MAX_QUEUES, &v))
			return usage_error("--disk %s: queues=%.*s is not a number of request "
					   "queues from 1 to %d", arg, (int)(len - 7), opt + 7,
					   DISK_MAX_QUEUES);
		d->queues = (unsigned int)v;
		return 0;
	}
	return usage_error("--disk %s: unknown disk option '%.*s' (known: ro, direct, queues=N)", arg,
			   (int)len, opt);
}

/* --disk FILE[,ro][,direct][,queues=N]: kvmtool's spelling, and QEMU's num-queues. */
static int parse_disk(struct vm_config *cfg, const char *arg)
{
	const char *comma = strchr(arg, ',');
	size_t len = comma ? (size_t)(comma - arg) : strlen(arg);
	struct disk_config d = { .queues = 1 };
	bool queues_given = false;

	if (cfg->nr_disks == VM_MAX_DISKS)
		return usage_error("--disk %s: more than %d disks", arg, VM_MAX_DISKS);
	if (!len)
		return usage_error("--disk '%s': no image file given", arg);
	while (comma) {
		const char *opt = comma + 1, *next = strchr(opt, ',');
		size_t opt_len = next ? (size_t)(next - opt) : strlen(opt);
		int ret = parse_disk_option(arg, opt, opt_len, &d, &queues_given);

		if (ret)
			return ret;
		comma = next;
	}
	d.path = strndup(arg, len);
	if (!d.path)
		return -ENOMEM;
	cfg->disks[cfg->nr_disks++] = d;
	return 0;
}

/*
 * One TAP interface cannot serve two devices (the second open would fail
 * as if another process held it), and two devices with one MAC confuse
 * the link: refused here, naming the earlier -n.
 */
static int network_clashes(const struct vm_config *cfg, const struct net_config *net,
			   const char *arg)
{
	uint8_t mac[NET_MAC_LEN], other[NET_MAC_LEN];

	net_guest_mac(net, cfg->nr_nets, mac);
	for (unsigned int i = 0; i < cfg->nr_nets; i++) {
		const struct net_config *earlier = &cfg->nets[i];

		/* A pattern (kv%d) is the kernel's to number: each open gets its own. */
		if (net->tapif[0] && !strchr(net->tapif, '%') && !strcmp(net->tapif, earlier->tapif))
			return usage_error("-n/--network %s: tapif=%s is already network %u's; "
					   "give each network its own TAP interface", arg,
					   net->tapif, i);
		net_guest_mac(earlier, i, other);
		if (!memcmp(mac, other, NET_MAC_LEN))
			return usage_error("-n/--network %s: guest MAC %02x:%02x:%02x:%02x:%02x:%02x "
					   "is already network %u's; give each network its own "
					   "guest_mac=", arg, mac[0], mac[1], mac[2], mac[3],
					   mac[4], mac[5], i);
	}
	return 0;
}

/* -n/--network, kvmtool's spelling (net.h); mode=none adds nothing. */
static int parse_network(struct vm_config *cfg, const char *arg)
{
	struct net_config net;
	int ret = net_parse_option(arg, &net);

	if (ret || net.mode == NET_MODE_NONE)
		return ret;
	if (cfg->nr_nets == VM_MAX_NETS)
		return usage_error("-n/--network %s: more than %d network devices", arg,
				   VM_MAX_NETS);
	ret = network_clashes(cfg, &net, arg);
	if (ret)
		return ret;
	cfg->nets[cfg->nr_nets++] = net;
	return 0;
}

static int parse_name(struct vm_config *cfg, const char *arg)
{
	size_t len = strlen(arg);

	if (!len || len > RUN_NAME_MAX)
		return usage_error("--name '%s': give 1 to %d characters", arg, RUN_NAME_MAX);
	for (const char *p = arg; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("._-", *p))
			return usage_error("--name %s: '%c' is not allowed; use letters, "
					   "digits, '.', '_' and '-'", arg, *p);
	cfg->name = arg;
	return 0;
}

static int run_parse_one(struct vm_config *cfg, int c, char **argv)
{
	const struct run_option_group *group;
	uint64_t v;
	int ret;

	switch (c) {
	case 'k':
		cfg->kernel_path = optarg;
		return 0;
	case 'i':
		cfg->initrd_path = optarg;
		return 0;
	case 'p':
		cfg->params = optarg;
		return 0;
	case 'c':
		ret = parse_uint(optarg, 1, RUN_MAX_CPUS, &v);
		if (ret)
			return usage_error("--cpus %s: not a vCPU count from 1 to %d",
					   optarg, RUN_MAX_CPUS);
		cfg->nr_cpus = (unsigned int)v;
		return 0;
	case 'm':
		return parse_mem(optarg, &cfg->ram_size);
	case OPT_DEBUG:
		/* log_enable_debug() names the bad topic and lists all. */
		return log_enable_debug(optarg) ? usage_hint() : 0;
	case 'q':
		log_set_level(LOG_WARN);
		return 0;
	case OPT_LOGLEVEL:
		return log_set_level_name(optarg) ? usage_hint() : 0;
	case 'f':
		cfg->firmware_path = optarg;
		return 0;
	case OPT_NAME:
		return parse_name(cfg, optarg);
	case OPT_NODEFAULTS:
		cfg->nodefaults = true;
		return 0;
	case OPT_NO_REBOOT:
		cfg->no_reboot = true;
		return 0;
	case OPT_DUMP_DTB:
		if (!*optarg)
			return usage_error("--dump-dtb '': give a file name");
		cfg->dump_dtb_path = optarg;
		return 0;
	case OPT_API_SOCK:
		if (!*optarg)
			return usage_error("--api-sock '': give the socket's path");
		cfg->api_sock_path = optarg;
		return 0;
	case OPT_CONSOLE:
		if (!strcmp(optarg, "serial"))
			cfg->console = CONSOLE_SERIAL;
		else if (!strcmp(optarg, "virtio"))
			cfg->console = CONSOLE_VIRTIO;
		else
			return usage_error("--console %s: unknown console; give serial (the "
					   "8250, ttyS0) or virtio (hvc0)", optarg);
		return 0;
	case OPT_TIMEOUT:
		return run_arg_timeout("run", optarg, &cfg->timeout_s);
	case OPT_IO_POLL:
		cfg->io_poll_given = true;
		return run_arg_io_poll("run", optarg, &cfg->io_poll_us);
	case OPT_KVM_DEV:
		cfg->kvm_path = optarg;
		return 0;
	case OPT_STATS:
		cfg->stats = true;
		return 0;
	case OPT_DUMP_REGS:
		cfg->dump_regs = true;
		return 0;
	case OPT_MEM_PATH:
		cfg->mem_path = optarg;
		return 0;
	case OPT_RNG:
		cfg->rng = true;
		return 0;
	case 'd':
		return parse_disk(cfg, optarg);
	case 'n':
		return parse_network(cfg, optarg);
	case ':':
		return usage_error("option '%s' needs a value", argv[optind - 1]);
	}
	group = run_group_of(c);
	if (!group)
		return usage_error("unknown option '%s'", argv[optind - 1]);
	return group->parse(cfg, c, optarg);
}

int run_parse_args(int argc, char **argv, struct vm_config *cfg)
{
	static const struct option generic[] = {
		{ "kernel", required_argument, NULL, 'k' },
		{ "initrd", required_argument, NULL, 'i' },
		{ "params", required_argument, NULL, 'p' },
		{ "cpus", required_argument, NULL, 'c' },
		{ "mem", required_argument, NULL, 'm' },
		{ "debug", required_argument, NULL, OPT_DEBUG },
		{ "quiet", no_argument, NULL, 'q' },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "kvm-dev", required_argument, NULL, OPT_KVM_DEV },
		{ "stats", no_argument, NULL, OPT_STATS },
		{ "io-poll", required_argument, NULL, OPT_IO_POLL },
		{ "dump-regs", no_argument, NULL, OPT_DUMP_REGS },
		{ "mem-path", required_argument, NULL, OPT_MEM_PATH },
		{ "disk", required_argument, NULL, 'd' },
		{ "rng", no_argument, NULL, OPT_RNG },
		{ "network", required_argument, NULL, 'n' },
		{ "firmware", required_argument, NULL, 'f' },
		{ "loglevel", required_argument, NULL, OPT_LOGLEVEL },
		{ "name", required_argument, NULL, OPT_NAME },
		{ "nodefaults", no_argument, NULL, OPT_NODEFAULTS },
		{ "no-reboot", no_argument, NULL, OPT_NO_REBOOT },
		{ "dump-dtb", required_argument, NULL, OPT_DUMP_DTB },
		{ "api-sock", required_argument, NULL, OPT_API_SOCK },
		{ "console", required_argument, NULL, OPT_CONSOLE },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct option *opts;
	int c, ret;

	vm_config_init(cfg);
	/* What a snapshot records to make the same machine again. */
	cfg->argc = argc;
	cfg->argv = argv;
	ret = run_build_options(generic, &opts);
	if (ret)
		return ret;
	optind = 0;	/* full reset: the parser may run more than once (tests) */
	opterr = 0;
	while (!ret && (c = getopt_long(argc, argv, ":k:f:i:p:c:m:d:n:qh", opts, NULL)) != -1) {
		if (c == 'h') {
			run_usage(stdout);
			ret = CLI_HELP_SHOWN;
			break;
		}
		ret = run_parse_one(cfg, c, argv);
	}
	free(opts);
	if (ret)
		return ret;
	if (optind < argc)
		return usage_error("unexpected argument '%s' (options take the "
				   "form --name VALUE)", argv[optind]);
	if (cfg->kernel_path && cfg->firmware_path)
		return usage_error("--kernel %s and --firmware %s: give one (the firmware "
				   "loads the kernel itself)", cfg->kernel_path, cfg->firmware_path);
	if (cfg->initrd_path && cfg->firmware_path) {
		/* kvmtool's behaviour, so its command lines keep working. */
		log_warn("cli", "--initrd %s: ignored with --firmware (the firmware loads "
			 "what it needs)", cfg->initrd_path);
		cfg->initrd_path = NULL;
	} else if (cfg->initrd_path && !cfg->kernel_path) {
		return usage_error("--initrd %s needs --kernel: the embedded test "
				   "guest takes no initrd", cfg->initrd_path);
	}
	/* The architecture first: the test machinery's choices depend on its. */
	for (size_t g = 0; g < ARRAY_SIZE(run_groups) && !ret; g++)
		ret = run_groups[g]->finish(cfg);
	return ret;
}
