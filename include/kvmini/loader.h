/* SPDX-License-Identifier: GPL-2.0-only */
/* Reading guest images (kernel, initrd) from files and writing what kvmini made, with errors that name them. */
#ifndef KVMINI_LOADER_H
#define KVMINI_LOADER_H

#include <kvmini/compiler.h>

/*
 * Read a whole regular file of at most max bytes into a new buffer.
 * what names the option for messages ("--kernel"). Free with free().
 */
int __must_check loader_read_file(const char *what, const char *path,
				  uint64_t max, void **buf, size_t *len);

/*
 * Write len bytes to path whole or not at all: a temporary file beside it,
 * fsynced, then renamed over it. what names the option for messages.
 */
int __must_check loader_write_file(const char *what, const char *path,
				   const void *buf, size_t len);

#endif
