/* SPDX-License-Identifier: GPL-2.0-only */
/* For the disk tests: whether this host lets a test have an io_uring. */
#ifndef KVMINI_TEST_URING_PROBE_H
#define KVMINI_TEST_URING_PROBE_H

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <kvmini/blk.h>

#include "tap.h"

/* Whether an io_uring can be had; if not, a TAP SKIP of what (the tests skipped) saying why. */
static inline bool uring_usable(const char *what)
{
	char path[] = "/tmp/kvmini-probe-XXXXXX";
	int fd = mkstemp(path), ret = -EIO;
	struct blk_backend *be = NULL;
	struct blk_uring *u;

	if (fd >= 0 && !ftruncate(fd, 512) && !blk_open(path, false, &be))
		ret = blk_uring_init(be, 8, &u);
	if (!ret)
		blk_uring_free(u);
	blk_close(be);
	if (fd >= 0)
		close(fd);
	unlink(path);
	if (ret)
		ok(true, "%s # SKIP io_uring unavailable here: %s", what, strerror(-ret));
	return !ret;
}

#endif
