// SPDX-License-Identifier: GPL-2.0-only
/* `kvmini run` option parsing: kvmtool's names work, every mistake is named. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <kvmini/cli.h>

#include "../../src/arch/arm64/config.h"
#include "../../src/test/arm64/test.h"
#include "run_args_capture.h"
#include "tap.h"

static char errbuf[16384];

/* Each parse frees what the previous one of the same config allocated. */
static int parse(struct vm_config *cfg, const char **args)
{
	vm_config_free(cfg);
	return run_args_captured(args, cfg, errbuf, sizeof(errbuf));
}

/* The arm64 and test parts, as the VM will read them. */
#define A(cfg) arm64_config_get(&(cfg))
static const struct test_config no_test;
#define T(cfg) ((cfg).test ? (cfg).test : &no_test)

static void refused(const char **args, const char *needle, const char *what)
{
	struct vm_config cfg;
	int ret;

	vm_config_init(&cfg);
	ret = parse(&cfg, args);

	ok(ret == -KVMINI_EUSAGE && strstr(errbuf, needle) &&
	   strstr(errbuf, "--help"), "%s: refused naming '%s'", what, needle);
	if (ret != -KVMINI_EUSAGE || !strstr(errbuf, needle))
		printf("# ret %d, stderr: %s", ret, errbuf);
	vm_config_free(&cfg);
}

int main(void)
{
	struct vm_config cfg;
	int ret;

	vm_config_init(&cfg);
	ret = parse(&cfg, (const char *[]){ NULL });
	ok(ret == 0 && cfg.nr_cpus == 1 && cfg.ram_size == 256ULL << 20 &&
	   !cfg.kernel_path && !strcmp(cfg.kvm_path, "/dev/kvm") && !cfg.timeout_s,
	   "defaults: 1 vCPU, 256 MiB, embedded guest, /dev/kvm, no timeout");

	ret = parse(&cfg, ARGS("-k", "Image", "-i", "initrd", "-p", "console=ttyS0",
			       "-c", "4", "-m", "512"));
	ok(ret == 0 && !strcmp(cfg.kernel_path, "Image") &&
	   !strcmp(cfg.initrd_path, "initrd") && !strcmp(cfg.params, "console=ttyS0") &&
	   cfg.nr_cpus == 4 && cfg.ram_size == 512ULL << 20,
	   "kvmtool short options; -m in MiB");
	ret = parse(&cfg, ARGS("--kernel=Image", "--cpus=2", "--mem=1G", "--timeout", "30",
			       "--kvm-dev", "/tmp/kvm"));
	ok(ret == 0 && cfg.nr_cpus == 2 && cfg.ram_size == 1ULL << 30 &&
	   cfg.timeout_s == 30 && !strcmp(cfg.kvm_path, "/tmp/kvm"),
	   "long options with = and with a separate value");
	ok(cfg.io_poll_us == CONFIG_DEFAULT_IO_POLL_US, "--io-poll defaults to %u us",
	   CONFIG_DEFAULT_IO_POLL_US);
	ret = parse(&cfg, ARGS("--io-poll", "0"));
	ok(ret == 0 && cfg.io_poll_us == 0, "--io-poll 0: no polling");
	ret = parse(&cfg, ARGS("--io-poll=250"));
	ok(ret == 0 && cfg.io_poll_us == 250, "--io-poll=250");
	{
		/* The checks restore applies before it passes them on, refusals naming it. */
		unsigned int v = 7;

		ok(run_arg_io_poll("restore", "abc", &v) && run_arg_io_poll("restore", "1000001", &v) &&
		   v == 7, "restore: --io-poll abc and 1000001 refused, nothing set");
		ok(!run_arg_io_poll("restore", "0", &v) && v == 0, "restore: --io-poll 0 taken");
		ok(run_arg_timeout("restore", "0", &v) && !run_arg_timeout("restore", "30", &v) &&
		   v == 30, "restore: --timeout 0 refused, 30 taken");
	}
	ret = parse(&cfg, ARGS("--inject-fault", "fpsimd", "--stats"));
	ok(ret == 0 && T(cfg)->fault == FAULT_FPSIMD && cfg.stats,
	   "--inject-fault fpsimd and --stats");
	ret = parse(&cfg, ARGS("--inject-fault=sve", "--dump-regs"));
	ok(ret == 0 && T(cfg)->fault == FAULT_SVE && cfg.dump_regs,
	   "--inject-fault=sve and --dump-regs");
	ret = parse(&cfg, (const char *[]){ NULL });
	ok(ret == 0 && A(cfg)->sve == FEATURE_AUTO && A(cfg)->sve_max_vl == 0,
	   "SVE: host's choice by default");
	ret = parse(&cfg, ARGS("--sve-vl", "512"));
	ok(ret == 0 && A(cfg)->sve == FEATURE_ON && A(cfg)->sve_max_vl == 512, "--sve-vl 512");
	ret = parse(&cfg, ARGS("--sve-max-vl=2048"));
	ok(ret == 0 && A(cfg)->sve == FEATURE_ON && A(cfg)->sve_max_vl == 2048,
	   "--sve-max-vl is kvmtool's alias");
	ret = parse(&cfg, ARGS("--no-sve"));
	ok(ret == 0 && A(cfg)->sve == FEATURE_OFF, "--no-sve");
	ret = parse(&cfg, ARGS("--disable-sve"));
	ok(ret == 0 && A(cfg)->sve == FEATURE_OFF, "--disable-sve is kvmtool's alias");
	ret = parse(&cfg, (const char *[]){ NULL });
	ok(ret == 0 && T(cfg)->host_check == FEATURE_AUTO && !T(cfg)->host_sve_vl &&
	   T(cfg)->test_device && T(cfg)->enabled,
	   "embedded guest: test device on, host check automatic, test machinery on");
	ret = parse(&cfg, ARGS("--host-sve-vl", "256"));
	ok(ret == 0 && T(cfg)->host_check == FEATURE_ON && T(cfg)->host_sve_vl == 256,
	   "--host-sve-vl turns the host check on");
	ret = parse(&cfg, ARGS("--inject-fault", "host-sve"));
	ok(ret == 0 && T(cfg)->host_check == FEATURE_ON && T(cfg)->fault == FAULT_HOST_SVE,
	   "--inject-fault=host-sve needs and turns on the host check");
	ret = parse(&cfg, ARGS("--no-host-check"));
	ok(ret == 0 && T(cfg)->host_check == FEATURE_OFF, "--no-host-check");
	ret = parse(&cfg, (const char *[]){ NULL });
	ok(ret == 0 && A(cfg)->mte == FEATURE_AUTO && !cfg.mem_path, "MTE: the host's choice by default");
	ret = parse(&cfg, ARGS("--mte", "--mem-path", "/dev/shm/ram"));
	ok(ret == 0 && A(cfg)->mte == FEATURE_ON && !strcmp(cfg.mem_path, "/dev/shm/ram"),
	   "--mte and --mem-path");
	ret = parse(&cfg, ARGS("--disable-mte"));
	ok(ret == 0 && A(cfg)->mte == FEATURE_OFF, "--disable-mte is kvmtool's alias of --no-mte");
	ret = parse(&cfg, ARGS("--inject-fault", "mte-tag"));
	ok(ret == 0 && T(cfg)->fault == FAULT_MTE_TAG, "--inject-fault mte-tag");
	ret = parse(&cfg, ARGS("--inject-fault=host-mte"));
	ok(ret == 0 && T(cfg)->fault == FAULT_HOST_MTE && T(cfg)->host_check == FEATURE_ON,
	   "--inject-fault host-mte turns on the host check");
	ret = parse(&cfg, ARGS("--help"));
	ok(ret == CLI_HELP_SHOWN && strstr(errbuf, "Usage: kvmini run") &&
	   strstr(errbuf, "arm64 options:") && strstr(errbuf, "--sve-vl BITS") &&
	   strstr(errbuf, "Test VMM options") && strstr(errbuf, "--inject-fault KIND"),
	   "--help shows the generic, arm64 and test options");
	ret = parse(&cfg, ARGS("-d", "a.img", "--disk=b.img,ro", "--rng", "--debug", "mmio"));
	ok(ret == 0 && cfg.nr_disks == 2 && !strcmp(cfg.disks[0].path, "a.img") &&
	   !cfg.disks[0].ro && !strcmp(cfg.disks[1].path, "b.img") && cfg.disks[1].ro && cfg.rng,
	   "kvmtool's -d/--disk FILE[,ro] (repeatable) and --rng; --debug stays long");
	ok(cfg.disks[0].queues == 1 && cfg.disks[1].queues == 1, "a disk has 1 request queue");
	ret = parse(&cfg, ARGS("-d", "a.img,queues=4,ro", "-d", "b.img,queues=8"));
	ok(ret == 0 && cfg.disks[0].queues == 4 && cfg.disks[0].ro &&
	   !strcmp(cfg.disks[0].path, "a.img") && cfg.disks[1].queues == 8 && !cfg.disks[1].ro,
	   "--disk FILE,queues=N,ro: options in any order");
	ok(!cfg.disks[0].direct && !cfg.disks[1].direct, "a disk goes through the page cache");
	ret = parse(&cfg, ARGS("-d", "a.img,direct", "-d", "b.img,ro,direct,queues=2"));
	ok(ret == 0 && cfg.disks[0].direct && !cfg.disks[0].ro && cfg.disks[1].direct &&
	   cfg.disks[1].ro && cfg.disks[1].queues == 2 && !strcmp(cfg.disks[1].path, "b.img"),
	   "kvmtool's --disk FILE,direct, with the other options in any order");
	ret = parse(&cfg, ARGS("-k", "Image"));
	ok(ret == 0 && !T(cfg)->enabled && !T(cfg)->test_device &&
	   T(cfg)->host_check != FEATURE_ON,
	   "--kernel: no test device, no host check, test machinery off");
	ret = parse(&cfg, ARGS("-k", "Image", "--test-device"));
	ok(ret == 0 && T(cfg)->enabled && T(cfg)->test_device,
	   "--kernel with --test-device: the test device is mapped");
	ret = parse(&cfg, ARGS("-k", "Image", "--host-check"));
	ok(ret == 0 && T(cfg)->enabled && !T(cfg)->test_device &&
	   T(cfg)->host_check == FEATURE_ON, "--kernel with --host-check: no test device");
	ret = parse(&cfg, ARGS("-k", "Image", "--inject-fault", "host-mte"));
	ok(ret == 0 && T(cfg)->enabled && !T(cfg)->test_device,
	   "--kernel: a host-side fault needs no test device");
	ret = parse(&cfg, ARGS("--inject-fault", "idreg"));
	ok(ret == 0 && A(cfg)->verify_idregs, "--inject-fault idreg makes the ID registers checked");

	refused(ARGS("--frobnicate"), "unknown option '--frobnicate'", "unknown long option");
	refused(ARGS("-z"), "unknown option", "unknown short option");
	refused(ARGS("--kernel"), "needs a value", "missing value");
	refused(ARGS("-c"), "needs a value", "missing value for -c");
	refused(ARGS("-c", "0"), "--cpus 0", "zero vCPUs");
	refused(ARGS("-c", "two"), "--cpus two", "vCPU count not a number");
	refused(ARGS("-c", "99999"), "--cpus 99999", "absurd vCPU count");
	refused(ARGS("-m", "0"), "cannot be empty", "zero memory");
	refused(ARGS("-m", "lots"), "--mem lots: not a size", "memory not a size");
	refused(ARGS("-m", "1001K"), "not a multiple of the page size", "unaligned memory");
	refused(ARGS("-m", "99999999999999999999"), "too large", "overflowing memory");
	refused(ARGS("-m", "20000000T"), "too large", "memory overflowing with a suffix");
	refused(ARGS("--timeout", "0"), "--timeout 0", "zero timeout");
	refused(ARGS("--io-poll", "-1"), "--io-poll -1: not a number of microseconds",
		"negative polling window");
	refused(ARGS("--io-poll", "1000001"), "to 1000000", "polling window over a second");
	refused(ARGS("--debug", "nosuchtopic"), "unknown topic 'nosuchtopic'", "bad debug topic");
	refused(ARGS("--inject-fault", "cosmic-ray"), "unknown fault", "unknown fault kind");
	refused(ARGS("--sve-vl", "100"), "--sve-vl 100: not a multiple of 128", "VL not a multiple of 128");
	refused(ARGS("--sve-vl", "0"), "--sve-vl 0: out of range", "VL 0");
	refused(ARGS("--sve-vl", "4096"), "--sve-vl 4096: out of range", "VL above 2048");
	refused(ARGS("--sve-vl", "wide"), "--sve-vl wide: not a number", "VL not a number");
	refused(ARGS("--sve-vl", "512", "--no-sve"), "contradict", "--sve-vl with --no-sve");
	refused(ARGS("--no-sve", "--sve-max-vl", "256"), "contradict", "--no-sve then --sve-max-vl");
	refused(ARGS("--host-sve-vl", "300"), "--host-sve-vl 300: not a multiple of 128",
		"host VL not a multiple of 128");
	refused(ARGS("--no-host-check", "--host-check"), "contradicts", "host check on and off");
	refused(ARGS("--no-host-check", "--inject-fault=host-sve"), "contradicts",
		"host fault injection without the host check");
	refused(ARGS("--mte", "--no-mte"), "--mte and --no-mte contradict", "--mte with --no-mte");
	refused(ARGS("--no-mte", "--inject-fault=mte-tag"), "needs MTE", "MTE fault without MTE");
	refused(ARGS("stray"), "unexpected argument 'stray'", "positional argument");
	refused(ARGS("-i", "initrd"), "needs --kernel", "initrd without kernel");
	refused(ARGS("-d", "a.img,rw"), "--disk a.img,rw: unknown disk option 'rw' (known: ro, "
		"direct, queues=N)", "an unknown disk option");
	refused(ARGS("-d", "a.img,directx"), "unknown disk option 'directx'", "direct misspelt");
	refused(ARGS("-d", "a.img,ro,rw"), "unknown disk option 'rw'", "an unknown second option");
	refused(ARGS("-d", "a.img,queues=0"), "--disk a.img,queues=0: queues=0 is not a number "
		"of request queues from 1 to 8", "0 queues");
	refused(ARGS("-d", "a.img,queues=9"), "queues=9 is not a number", "9 queues");
	refused(ARGS("-d", "a.img,queues=2x"), "queues=2x is not a number", "queues=2x");
	refused(ARGS("-d", "a.img,queues="), "queues= is not a number", "queues= empty");
	refused(ARGS("-d", "a.img,queues=3,ro,queues=5"), "--disk a.img,queues=3,ro,queues=5: "
		"queues= given twice; give it once", "queues given twice");
	refused(ARGS("-d", "a.img,queues=99999999999999999999999999"), "is not a number",
		"a queue count too long for any buffer");
	refused(ARGS("-d", ",ro"), "--disk ',ro': no image file given", "a disk without a file");
	refused(ARGS("-d", "1", "-d", "2", "-d", "3", "-d", "4", "-d", "5", "-d", "6", "-d", "7",
		     "-d", "8", "-d", "9"), "--disk 9: more than 8 disks", "a ninth disk");
	refused(ARGS("-k", "Image", "--inject-fault", "fpsimd"), "--inject-fault fpsimd fires "
		"from the test device", "a test device fault without the test device");
	refused(ARGS("-k", "Image", "--inject-fault=mte-tag"), "add --test-device",
		"mte-tag fault without the test device");

	/* kvmtool's options for Linux guests. */
	ret = parse(&cfg, ARGS("-f", "fw.bin", "--name", "vm-1.test", "--nodefaults", "--no-reboot",
			       "--dump-dtb", "out.dtb", "--console", "virtio", "--pmu",
			       "--irqchip", "gicv3-its", "--loglevel", "info"));
	ok(ret == 0 && !strcmp(cfg.firmware_path, "fw.bin") && !cfg.kernel_path &&
	   !strcmp(cfg.name, "vm-1.test") && cfg.nodefaults && cfg.no_reboot &&
	   !strcmp(cfg.dump_dtb_path, "out.dtb") && cfg.console == CONSOLE_VIRTIO &&
	   A(cfg)->pmu && A(cfg)->irqchip == ARM64_IRQCHIP_GICV3_ITS,
	   "--firmware --name --nodefaults --no-reboot --dump-dtb --console --pmu --irqchip");
	ok(!T(cfg)->enabled && !T(cfg)->test_device,
	   "--firmware is the user's guest: no test machinery by default");
	ret = parse(&cfg, ARGS("-f", "fw.bin", "-i", "initrd"));
	ok(ret == 0 && !cfg.initrd_path && strstr(errbuf, "--initrd initrd: ignored with --firmware"),
	   "--initrd with --firmware: ignored with a warning, as kvmtool does");
	ret = parse(&cfg, ARGS("-k", "Image"));
	ok(ret == 0 && cfg.console == CONSOLE_SERIAL && !A(cfg)->pmu &&
	   A(cfg)->irqchip == ARM64_IRQCHIP_GICV3 && !cfg.nodefaults && !cfg.no_reboot,
	   "defaults: serial console, GICv3 without ITS, no PMU, kvmini's command line");
	refused(ARGS("-k", "Image", "-f", "fw.bin"), "--kernel Image and --firmware fw.bin: give one",
		"kernel and firmware");
	refused(ARGS("--irqchip", "gicv2"), "--irqchip gicv2: kvmini emulates only GICv3",
		"a GICv2");
	refused(ARGS("--irqchip", "apic"), "--irqchip apic: unknown; give gicv3 or gicv3-its",
		"an unknown irqchip");
	refused(ARGS("--console", "hv"), "--console hv: unknown console", "an unknown console");
	refused(ARGS("--name", "a b"), "--name a b: ' ' is not allowed", "a name with a space");
	refused(ARGS("--name", ""), "--name '': give 1 to 64 characters", "an empty name");
	refused(ARGS("--loglevel", "loud"), "--loglevel loud: not a level", "an unknown log level");
	refused(ARGS("--dump-dtb", ""), "--dump-dtb '': give a file name", "an empty --dump-dtb");

	/* -n/--network, kvmtool's spelling. */
	ret = parse(&cfg, ARGS("-n", "mode=tap,tapif=tap7,host_ip=192.168.33.1/28,"
			       "guest_mac=02:00:00:00:00:09", "--network", "mode=tap", "-n", "mode=none"));
	ok(ret == 0 && cfg.nr_nets == 2 && cfg.nets[0].mode == NET_MODE_TAP &&
	   !strcmp(cfg.nets[0].tapif, "tap7") && cfg.nets[0].has_host_ip &&
	   cfg.nets[0].host_ip == htonl(0xc0a82101) && cfg.nets[0].host_prefix == 28 &&
	   cfg.nets[0].has_guest_mac && cfg.nets[0].guest_mac[5] == 9 &&
	   !cfg.nets[1].tapif[0] && !cfg.nets[1].has_host_ip && cfg.nets[1].host_prefix == 24,
	   "-n mode=tap with every key, a bare mode=tap, and mode=none adding nothing");
	{
		uint8_t mac0[NET_MAC_LEN], mac1[NET_MAC_LEN];

		net_guest_mac(&cfg.nets[1], 0, mac0);
		net_guest_mac(&cfg.nets[1], 1, mac1);
		ok(!(mac0[0] & 1) && (mac0[0] & 2) && memcmp(mac0, mac1, NET_MAC_LEN),
		   "default MACs: locally administered unicast, one per device");
	}
	refused(ARGS("-n", "mode=user"), "mode=user) is not supported by kvmini; use mode=tap",
		"kvmtool's user-mode network");
	refused(ARGS("-n", "mode=bridge"), "unknown mode 'bridge' (modes: tap, none)",
		"an unknown network mode");
	refused(ARGS("-n", "mode=tap,tapif=averyveryverylongname"),
		"interface names have at most 15 characters", "a TAP name too long");
	refused(ARGS("-n", "mode=tap,tapif=a/b"), "cannot contain '/'", "a TAP name with a slash");
	refused(ARGS("-n", "mode=tap,guest_mac=01:00:00:00:00:01"), "a multicast address",
		"a multicast MAC");
	refused(ARGS("-n", "mode=tap,guest_mac=02:00:00:00:01"), "not a MAC address", "a short MAC");
	refused(ARGS("-n", "mode=tap,host_ip=300.1.1.1"), "host_ip '300.1.1.1': not an IPv4",
		"a bad host_ip");
	refused(ARGS("-n", "mode=tap,host_ip=10.0.0.1/33"), "not an IPv4 address with an optional",
		"a prefix over 32");
	refused(ARGS("-n", "mode=tap,tapif=a,tapif=b"), "key 'tapif' given twice", "a key twice");
	refused(ARGS("-n", "mode=tap,vhost=1"), "kvmtool's key 'vhost' is not supported",
		"kvmtool's vhost");
	refused(ARGS("-n", "mode=none,tapif=tap0"), "mode=none means no network device",
		"mode=none with a TAP");
	refused(ARGS("-n", "mode=tap,,tapif=x"), "an empty item", "an empty item");
	refused(ARGS("-n", "mode=tap,tapif=tap0", "-n", "mode=tap,tapif=tap0"),
		"tapif=tap0 is already network 0's; give each network its own TAP interface",
		"one TAP interface for two networks");
	ret = parse(&cfg, ARGS("-n", "mode=tap,tapif=kv%d", "-n", "mode=tap,tapif=kv%d"));
	ok(ret == 0 && cfg.nr_nets == 2, "two networks on one name pattern (kv%%d): the kernel "
	   "numbers each");
	refused(ARGS("-n", "mode=tap,guest_mac=02:00:00:00:00:05", "-n", "mode=tap",
		     "-n", "mode=tap,guest_mac=02:00:00:00:00:05"),
		"guest MAC 02:00:00:00:00:05 is already network 0's; give each network its own "
		"guest_mac=", "one MAC for two networks");
	refused(ARGS("-n", "mode=tap,guest_mac=02:6b:76:6d:69:01", "-n", "mode=tap"),
		"guest MAC 02:6b:76:6d:69:01 is already network 0's",
		"a given MAC that is another network's default");
	refused(ARGS("-n", "mode=tap", "-n", "mode=tap", "-n", "mode=tap", "-n", "mode=tap",
		     "-n", "mode=tap"), "more than 4 network devices", "a fifth network device");
	vm_config_free(&cfg);
	return tap_done();
}
