/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The guest kernel's command line: --params after what kvmtool adds
 * implicitly (console=ttyS0 or console=hvc0 for --console virtio, and
 * root=/dev/vda rw when there is a disk and --params names no root=),
 * unless --nodefaults. The embedded test guest gets --params unchanged.
 */
#ifndef KVMINI_CMDLINE_H
#define KVMINI_CMDLINE_H

#include <stddef.h>

#include <kvmini/compiler.h>

struct vm_config;

/*
 * The command line into *out (malloc'd). -E2BIG (reported, with the
 * length and the limit) when it has max bytes or more: the kernel keeps
 * max - 1 characters and would silently drop the rest.
 */
int __must_check cmdline_build(const struct vm_config *cfg, size_t max, char **out);

#endif
