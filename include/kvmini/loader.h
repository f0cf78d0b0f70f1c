/* SPDX-License-Identifier: GPL-2.0-only */
/* Reading guest images (kernel, initrd) from files and writing what kvmini made, with errors that name them. */
#ifndef KVMINI_LOADER_H
#define KVMINI_LOADER_H

#include <kvmini/compiler.h>

/* A guest image being loaded: open, checked, read straight into guest RAM. */
struct loader_file {
	const char *what;	/* the option, for messages: "--kernel" */
	const char *path;
	int fd;			/* -1: not open */
	uint64_t size;
};

/*
 * Open a regular, non-empty file of at most max bytes: refusals name what,
 * the path and the reason. Close it with loader_close() whether or not
 * this succeeded.
 */
int __must_check loader_open(const char *what, const char *path, uint64_t max,
			     struct loader_file *f);
/* Exactly len bytes at offset into dst (guest RAM: no copy in between), or -errno. */
int __must_check loader_read(const struct loader_file *f, uint64_t offset, void *dst,
			     size_t len);
void loader_close(struct loader_file *f);

/*
 * Write len bytes to path whole or not at all (outfile.h: a file is
 * written beside and renamed over, fsynced; a device or pipe is written
 * to). what names the option for messages.
 */
int __must_check loader_write_file(const char *what, const char *path,
				   const void *buf, size_t len);

#endif
