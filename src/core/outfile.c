// SPDX-License-Identifier: GPL-2.0-only
/* A user-named output file, written whole or not at all (outfile.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <kvmini/log.h>
#include <kvmini/outfile.h>

static int outfile_fail(struct outfile *o, int err, const char *fmt, ...) __printf(3, 4);

static int outfile_fail(struct outfile *o, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(o->err, sizeof(o->err), fmt, ap);
	va_end(ap);
	return err;
}

static void outfile_release(struct outfile *o)
{
	if (o->fd >= 0)
		close(o->fd);
	o->fd = -1;
	free(o->path);
	free(o->tmp);
	o->path = NULL;
	o->tmp = NULL;
}

/* A temporary file beside o->path, with mode (and the old file's owner when st). */
static int outfile_open_tmp(struct outfile *o, const char *given, mode_t mode,
			    const struct stat *st)
{
	int err;

	if (asprintf(&o->tmp, "%s.XXXXXX", o->path) < 0) {
		o->tmp = NULL;
		return outfile_fail(o, -ENOMEM, "%s: out of memory", given);
	}
	o->fd = mkostemp(o->tmp, O_CLOEXEC);
	if (o->fd < 0) {
		err = -errno;
		outfile_fail(o, err, "%s: cannot create a file beside it to write first (%s): %s",
			     given, o->tmp, strerror(-err));
		free(o->tmp);
		o->tmp = NULL;
		return err;
	}
	/* An owner we may not give (not root): the file becomes ours, as with any editor. */
	if (st && fchown(o->fd, st->st_uid, st->st_gid))
		log_debug("outfile", "%s: keeping %s's owner: %s", given, o->path, strerror(errno));
	if (fchmod(o->fd, mode)) {
		err = -errno;
		return outfile_fail(o, err, "%s: cannot set the mode of %s: %s", given, o->tmp,
				    strerror(-err));
	}
	return 0;
}

/* The descriptor path names, if it names one of ours (/dev/stdout, /dev/fd/N, ...); else -1. */
static int outfile_named_fd(const char *path)
{
	int fd, end = 0;

	if (!strcmp(path, "/dev/stdout"))
		return 1;
	if (!strcmp(path, "/dev/stderr"))
		return 2;
	if ((sscanf(path, "/dev/fd/%d%n", &fd, &end) == 1 ||
	     sscanf(path, "/proc/self/fd/%d%n", &fd, &end) == 1) && !path[end] && fd >= 0)
		return fd;
	return -1;
}

int outfile_open(struct outfile *o, const char *path, mode_t mode)
{
	struct stat st, lst;
	mode_t mask;
	int err;

	*o = (struct outfile){ .fd = -1 };
	if (!*path)
		return outfile_fail(o, -EINVAL, "an empty file name; name the file to write");
	if (!stat(path, &st)) {
		if (S_ISDIR(st.st_mode))
			return outfile_fail(o, -EISDIR, "%s: is a directory; name a file in it",
					    path);
		if (S_ISSOCK(st.st_mode) && outfile_named_fd(path) < 0)
			return outfile_fail(o, -ENXIO, "%s: a socket, which no program can open "
					    "by name; write to a file, or to standard output",
					    path);
		if (!S_ISREG(st.st_mode)) {
			/* A device, FIFO or socket: a stream, written as it is. */
			o->path = strdup(path);
			if (!o->path)
				return outfile_fail(o, -ENOMEM, "%s: out of memory", path);
			o->fd = S_ISSOCK(st.st_mode) ?
				fcntl(outfile_named_fd(path), F_DUPFD_CLOEXEC, 3) :
				open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
			if (o->fd < 0) {
				err = -errno;
				outfile_release(o);
				return outfile_fail(o, err, "%s: cannot open it for writing: %s",
						    path, strerror(-err));
			}
			return 0;
		}
		/* Through any symlinks: the file is replaced, the links stay. */
		o->path = realpath(path, NULL);
		if (!o->path) {
			err = -errno;
			return outfile_fail(o, err, "%s: cannot resolve it: %s", path,
					    strerror(-err));
		}
		err = outfile_open_tmp(o, path, st.st_mode & 07777, &st);
	} else if (errno != ENOENT) {
		err = -errno;
		return outfile_fail(o, err, "%s: %s", path, strerror(-err));
	} else if (!lstat(path, &lst)) {
		return outfile_fail(o, -ENOENT, "%s: a symlink to a file that does not exist; "
				    "give the path of the file to write", path);
	} else {
		o->path = strdup(path);
		if (!o->path)
			return outfile_fail(o, -ENOMEM, "%s: out of memory", path);
		mask = umask(0);
		umask(mask);
		err = outfile_open_tmp(o, path, mode & ~mask, NULL);
	}
	if (err)
		outfile_abort(o);
	return err;
}

int outfile_commit(struct outfile *o, bool sync)
{
	int err = 0;

	if (o->fd >= 0) {
		if (o->tmp && sync && fsync(o->fd))
			err = -errno;
		if (close(o->fd) && !err)
			err = -errno;
		o->fd = -1;
	}
	if (!err && o->tmp && rename(o->tmp, o->path))
		err = -errno;
	if (err) {
		outfile_fail(o, err, "%s: cannot write it: %s", o->path, strerror(-err));
		outfile_abort(o);
		return err;
	}
	outfile_release(o);
	return 0;
}

void outfile_abort(struct outfile *o)
{
	if (o->tmp && unlink(o->tmp) && errno != ENOENT)
		log_warn("loader", "cannot remove %s: %s", o->tmp, strerror(errno));
	outfile_release(o);
}
