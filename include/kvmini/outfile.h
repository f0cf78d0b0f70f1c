/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A file the user names for kvmini to write (cpu dump -o, --dump-dtb),
 * written whole or not at all, with the meaning the path has in a shell:
 *  - a regular file, or a new one: written to a temporary file beside it,
 *    then renamed over it (an existing file keeps its permissions);
 *  - a symlink to a regular file: the same, for the file it points to (the
 *    link stays a link);
 *  - a character device or FIFO (/dev/null, /dev/stdout, a pipe from
 *    `>(cmd)`): written directly, as a stream is; never replaced;
 *  - a socket: written directly when named as one of kvmini's descriptors
 *    (/dev/stdout, /dev/stderr, /dev/fd/N, /proc/self/fd/N: stdout under
 *    journald), which is then duplicated, since no socket opens by name;
 *  - a directory, a symlink to nothing or another socket: refused.
 * Snapshots are not written this way: they must be regular files
 * (snapfile.c refuses anything else).
 */
#ifndef KVMINI_OUTFILE_H
#define KVMINI_OUTFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <kvmini/compiler.h>

#define OUTFILE_ERR_LEN 512

struct outfile {
	int fd;			/* write here; a caller whose stdio stream took it sets -1 */
	char *path;		/* what is written: a symlink resolved, a stream as given */
	char *tmp;		/* the temporary file; NULL for a stream */
	char err[OUTFILE_ERR_LEN];	/* why the last call failed */
};

/*
 * Open path for writing; mode for a file that does not exist yet (the
 * umask applies). 0, or -errno with o->err saying why (path named).
 */
int __must_check outfile_open(struct outfile *o, const char *path, mode_t mode);
/*
 * The data is all written (o->fd is closed here, fsynced first when sync,
 * unless the caller closed it): make it appear. 0, or -errno with o->err
 * set; either way o is released.
 */
int __must_check outfile_commit(struct outfile *o, bool sync);
/* Give up: nothing appears at the path (a direct write is already out). */
void outfile_abort(struct outfile *o);

#endif
