/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Disk images behind virtio-blk: a raw file opened once, checked and
 * locked (flock: shared for ,ro, exclusive otherwise) so two VMs cannot
 * write one disk, then read and written at byte offsets. Synchronous for
 * now, on the I/O thread.
 */
#ifndef KVMINI_BLK_H
#define KVMINI_BLK_H

#include <sys/uio.h>

#include <kvmini/compiler.h>

#define BLK_SECTOR 512

struct blk_backend {
	char *path;
	int fd;
	bool ro;
	uint64_t size;		/* bytes, a whole number of sectors */
};

/*
 * Open the image for --disk: refuses (-errno, with a message naming the
 * option, the file and what to do) a missing file, a directory, an empty
 * one, a read-only file without ,ro, and one another process has locked.
 */
int __must_check blk_open(const char *path, bool ro, struct blk_backend **out);
/* All of it or -errno: the iovecs' bytes at offset. */
int __must_check blk_read(struct blk_backend *b, const struct iovec *iov, int n, uint64_t offset);
int __must_check blk_write(struct blk_backend *b, const struct iovec *iov, int n, uint64_t offset);
int __must_check blk_flush(struct blk_backend *b);
void blk_close(struct blk_backend *b);

#endif
