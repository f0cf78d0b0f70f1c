// SPDX-License-Identifier: GPL-2.0-only
/* The guest's command line: kvmtool's implicit parts, --nodefaults, the length limit. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <kvmini/cmdline.h>
#include <kvmini/config.h>

#include "tap.h"

static char *built;

static int build(const struct vm_config *cfg, size_t max)
{
	free(built);
	built = NULL;
	return cmdline_build(cfg, max, &built);
}

int main(void)
{
	struct vm_config cfg;
	char *longp;

	vm_config_init(&cfg);
	cfg.params = "iterations=5";
	ok(build(&cfg, 2048) == 0 && !strcmp(built, "iterations=5"),
	   "the embedded guest: its parameters unchanged");
	cfg.kernel_path = "Image";
	cfg.params = "quiet";
	ok(build(&cfg, 2048) == 0 && !strcmp(built, "console=ttyS0 quiet"),
	   "a kernel: console=ttyS0 first, then --params");
	cfg.console = CONSOLE_VIRTIO;
	ok(build(&cfg, 2048) == 0 && !strcmp(built, "console=hvc0 quiet"),
	   "--console virtio: console=hvc0");
	cfg.console = CONSOLE_SERIAL;
	cfg.nr_disks = 1;
	ok(build(&cfg, 2048) == 0 && !strcmp(built, "console=ttyS0 root=/dev/vda rw quiet"),
	   "a disk and no root=: root=/dev/vda rw");
	cfg.params = "root=/dev/vdb";
	ok(build(&cfg, 2048) == 0 && !strcmp(built, "console=ttyS0 root=/dev/vdb"),
	   "root= given: kvmini adds none");
	cfg.params = "myroot=x";
	ok(build(&cfg, 2048) == 0 && strstr(built, "root=/dev/vda rw myroot=x"),
	   "a parameter merely ending in root= is not root=");
	cfg.params = "";
	cfg.nr_disks = 0;
	ok(build(&cfg, 2048) == 0 && !strcmp(built, "console=ttyS0"), "empty --params");
	cfg.nodefaults = true;
	cfg.params = "console=ttyAMA0";
	ok(build(&cfg, 2048) == 0 && !strcmp(built, "console=ttyAMA0"),
	   "--nodefaults: --params alone");
	cfg.kernel_path = NULL;
	cfg.firmware_path = "fw";
	cfg.nodefaults = false;
	ok(build(&cfg, 2048) == 0 && !strcmp(built, "console=ttyS0 console=ttyAMA0"),
	   "--firmware gets the defaults too (kvmtool)");

	longp = malloc(2049);
	memset(longp, 'a', 2048);
	longp[2048] = 0;
	cfg.params = longp;
	cfg.nodefaults = true;
	ok(build(&cfg, 2048) == -E2BIG && !built,
	   "2048 characters refused: the kernel keeps 2047 and would cut the rest");
	longp[2047] = 0;
	ok(build(&cfg, 2048) == 0 && strlen(built) == 2047, "2047 characters fit");
	cfg.nodefaults = false;
	longp[2047 - 14] = 0;
	ok(build(&cfg, 2048) == 0 && strlen(built) == 2047,
	   "2033 characters plus 'console=ttyS0 ' fit exactly");
	longp[2047 - 14] = 'a';
	longp[2047 - 13] = 0;
	ok(build(&cfg, 2048) == -E2BIG, "one more with the defaults refused");
	free(longp);
	free(built);
	return tap_done();
}
