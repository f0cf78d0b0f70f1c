// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <kvmini/loader.h>
#include <kvmini/log.h>
#include <kvmini/outfile.h>

int loader_open(const char *what, const char *path, uint64_t max, struct loader_file *f)
{
	struct stat st;
	int ret;

	*f = (struct loader_file){ .what = what, .path = path, .fd = -1 };
	f->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (f->fd < 0) {
		ret = -errno;
		log_err("loader", "%s %s: cannot open: %s", what, path, strerror(errno));
		return ret;
	}
	if (fstat(f->fd, &st) < 0) {
		ret = -errno;
		log_err("loader", "%s %s: cannot stat: %s", what, path, strerror(errno));
		return ret;
	}
	if (!S_ISREG(st.st_mode)) {
		log_err("loader", "%s %s: not a regular file", what, path);
		return -EINVAL;
	}
	if (st.st_size == 0) {
		log_err("loader", "%s %s: the file is empty", what, path);
		return -EINVAL;
	}
	if ((uint64_t)st.st_size > max) {
		log_err("loader", "%s %s: %" PRIu64 " bytes do not fit in the %" PRIu64
			" bytes of guest RAM available for it (raise --mem)", what,
			path, (uint64_t)st.st_size, max);
		return -EFBIG;
	}
	f->size = (uint64_t)st.st_size;
	return 0;
}

int loader_read(const struct loader_file *f, uint64_t offset, void *dst, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = pread(f->fd, (char *)dst + done, len - done, (off_t)(offset + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int ret = n < 0 ? -errno : -EIO;

			log_err("loader", "%s %s: read failed: %s", f->what, f->path,
				n < 0 ? strerror(errno) : "the file shrank while it was read");
			return ret;
		}
		done += (size_t)n;
	}
	return 0;
}

void loader_close(struct loader_file *f)
{
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
}

int loader_write_file(const char *what, const char *path, const void *buf, size_t len)
{
	struct outfile o;
	size_t done = 0;
	int ret;

	ret = outfile_open(&o, path, 0666);
	if (ret) {
		log_err("loader", "%s %s", what, o.err);
		return ret;
	}
	while (done < len && !ret) {
		ssize_t n = write(o.fd, (const char *)buf + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			ret = n < 0 ? -errno : -EIO;
		else
			done += (size_t)n;
	}
	if (ret) {
		log_err("loader", "%s %s: cannot write it: %s", what, path, strerror(-ret));
		outfile_abort(&o);
		return ret;
	}
	ret = outfile_commit(&o, true);
	if (ret)
		log_err("loader", "%s %s", what, o.err);
	return ret;
}
