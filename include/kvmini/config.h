/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the user asked for: filled by the CLI, read by the VM. Generic
 * fields only: the architecture's options live in its own struct
 * arch_config, the test machinery's in struct test_config (options.h).
 */
#ifndef KVMINI_CONFIG_H
#define KVMINI_CONFIG_H

#include <kvmini/compiler.h>
#include <kvmini/net.h>

#define CONFIG_DEFAULT_RAM (256ULL << 20)
#define CONFIG_DEFAULT_KVM "/dev/kvm"

/* A feature: on if the host has it, or required on, or off. */
enum feature_choice { FEATURE_AUTO, FEATURE_ON, FEATURE_OFF };

struct arch_config;
struct test_config;
struct test_hooks;

#define VM_MAX_DISKS 8
/* --io-poll's default, microseconds (see kvmini run --help). */
#define CONFIG_DEFAULT_IO_POLL_US 50
/* A queue's first polling window; it grows to --io-poll's while it pays (evloop.h). */
#define CONFIG_IO_POLL_START_US 50
#define CONFIG_MAX_IO_POLL_US 1000000
#define VM_MAX_NETS 4

/* A disk's request queues: 1 to this many (--disk FILE,queues=N). */
#define DISK_MAX_QUEUES 8

/* --disk FILE[,ro][,direct][,queues=N] */
struct disk_config {
	char *path;			/* owned */
	bool ro;
	bool direct;			/* O_DIRECT where a request allows (blk_set_direct) */
	unsigned int queues;		/* request queues, 1 to DISK_MAX_QUEUES */
};

/* --console: which device is the guest's console (kvmtool's names). */
enum console_kind { CONSOLE_SERIAL, CONSOLE_VIRTIO };

struct vm_config {
	const char *kernel_path;	/* NULL: the embedded test guest (or --firmware) */
	const char *firmware_path;	/* --firmware: loaded at the start of RAM instead */
	const char *initrd_path;	/* NULL: none */
	const char *params;		/* kernel command line / guest parameters */
	unsigned int nr_cpus;
	uint64_t ram_size;		/* bytes, page-aligned, non-zero */
	const char *kvm_path;
	unsigned int timeout_s;		/* 0: no limit */
	const char *mem_path;		/* back guest RAM with this file (NULL: anonymous) */
	bool stats;			/* print exit statistics at the end */
	unsigned int io_poll_us;	/* --io-poll: the I/O thread's polling window; 0 none */
	bool io_poll_given;		/* on the command line: kept with no CPU to spare */
	bool dump_regs;			/* print every vCPU's registers at the end */
	struct disk_config disks[VM_MAX_DISKS];	/* virtio-blk, in order: vda, vdb... */
	unsigned int nr_disks;
	bool rng;			/* --rng: a virtio-rng device */
	struct net_config nets[VM_MAX_NETS];	/* -n mode=tap: virtio-net, in order */
	unsigned int nr_nets;
	enum console_kind console;	/* stdin and the kernel's console= go there */
	const char *name;		/* --name; NULL: "guest-<pid>" */
	bool nodefaults;		/* --nodefaults: nothing added to the command line */
	bool no_reboot;			/* --no-reboot: a guest reset ends kvmini */
	const char *dump_dtb_path;	/* --dump-dtb: write the device tree there */
	const char *api_sock_path;	/* --api-sock: the control socket; NULL: none */
	/* The arguments parsed (not owned): a snapshot records them to make the machine again. */
	int argc;
	char **argv;
	struct arch_config *arch;	/* the architecture's options; NULL: defaults */
	struct test_config *test;	/* the test machinery's options; NULL: none */
	/* Installed when the test machinery is on; NULL: the plain VMM. */
	const struct test_hooks *test_hooks;
};

/* The guest is the user's (--kernel or --firmware), not the embedded test guest. */
static inline bool vm_config_user_image(const struct vm_config *cfg)
{
	return cfg->kernel_path || cfg->firmware_path;
}

void vm_config_init(struct vm_config *cfg);
/* Free what option parsing allocated (arch and test parts). */
void vm_config_free(struct vm_config *cfg);

#endif
