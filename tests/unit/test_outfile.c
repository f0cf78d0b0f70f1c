// SPDX-License-Identifier: GPL-2.0-only
/*
 * outfile: what a user-named output path means (outfile.h). A file is
 * replaced whole (mode kept), a symlink's target is replaced and the link
 * stays, a FIFO is written as a stream and stays a FIFO, a directory and a
 * dangling symlink are refused, and an abort leaves nothing behind.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <kvmini/outfile.h>

#include "tap.h"

static char dir[] = "/tmp/kvmini-test-outfile-XXXXXX";

static char *at(const char *name)
{
	static char buf[4][256];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", dir, name);
	return buf[i];
}

static int write_all(int fd, const char *s)
{
	size_t len = strlen(s);

	return write(fd, s, len) == (ssize_t)len ? 0 : -1;
}

static char *slurp(const char *path)
{
	static char buf[256];
	int fd = open(path, O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);

	if (fd >= 0)
		close(fd);
	buf[n < 0 ? 0 : n] = 0;
	return buf;
}

/* Entries in the test directory: no temporary file may be left. */
static int entries(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	while (d && (e = readdir(d)))
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	if (d)
		closedir(d);
	return n;
}

static int write_through(const char *path, const char *text, bool sync)
{
	struct outfile o;
	int ret = outfile_open(&o, path, 0644);

	if (ret)
		return ret;
	if (write_all(o.fd, text)) {
		outfile_abort(&o);
		return -EIO;
	}
	return outfile_commit(&o, sync);
}

static void *fifo_reader(void *arg)
{
	char *out = arg;
	int fd = open(at("fifo"), O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, out, 63);

	out[n < 0 ? 0 : n] = 0;
	if (fd >= 0)
		close(fd);
	return NULL;
}

int main(void)
{
	struct outfile o;
	struct stat st;
	char fifo_got[64] = "";
	pthread_t reader;
	int ret;

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	umask(022);

	ok(!write_through(at("new"), "one", true) && !strcmp(slurp(at("new")), "one") &&
	   !stat(at("new"), &st) && (st.st_mode & 07777) == 0644 && entries() == 1,
	   "a new file appears whole, mode 0644 under umask 022, nothing else left");

	chmod(at("new"), 0600);
	ok(!write_through(at("new"), "two", false) && !strcmp(slurp(at("new")), "two") &&
	   !stat(at("new"), &st) && (st.st_mode & 07777) == 0600 && entries() == 1,
	   "an existing file is replaced and keeps its mode (0600)");

	ok(!symlink("new", at("link")) && !write_through(at("link"), "three", true) &&
	   !lstat(at("link"), &st) && S_ISLNK(st.st_mode) &&
	   !strcmp(slurp(at("new")), "three") && entries() == 2,
	   "through a symlink: the target is replaced, the link stays a link");

	ok(!mkfifo(at("fifo"), 0600) &&
	   !pthread_create(&reader, NULL, fifo_reader, fifo_got) &&
	   !write_through(at("fifo"), "stream", true) && !pthread_join(reader, NULL) &&
	   !strcmp(fifo_got, "stream") && !lstat(at("fifo"), &st) && S_ISFIFO(st.st_mode) &&
	   entries() == 3,
	   "a FIFO is written as a stream and stays a FIFO (got \"%s\")", fifo_got);

	ret = outfile_open(&o, dir, 0644);
	ok(ret == -EISDIR && strstr(o.err, "is a directory") && entries() == 3,
	   "a directory is refused (%s)", o.err);

	ret = symlink("missing", at("dangling")) ? -errno : outfile_open(&o, at("dangling"), 0644);
	ok(ret == -ENOENT && strstr(o.err, "symlink to a file that does not exist") &&
	   lstat(at("missing"), &st) && entries() == 4,
	   "a symlink to nothing is refused, nothing created (%s)", o.err);

	ret = outfile_open(&o, at("new"), 0644);
	ok(!ret && o.tmp && entries() == 5 && !write_all(o.fd, "half"),
	   "an open file is written to a temporary file beside it");
	outfile_abort(&o);
	ok(entries() == 4 && !strcmp(slurp(at("new")), "three"),
	   "an abort removes the temporary file and leaves the old file as it was");

	ret = outfile_open(&o, at("nodir/x"), 0644);
	ok(ret == -ENOENT && strstr(o.err, "nodir/x") && entries() == 4,
	   "a file in a missing directory is refused, naming it (%s)", o.err);

	ret = outfile_open(&o, "", 0644);
	ok(ret == -EINVAL && strstr(o.err, "empty"), "an empty name is refused (%s)", o.err);

	ret = outfile_open(&o, "/dev/full", 0644);
	ok(!ret && !o.tmp && write(o.fd, "x", 1) < 0 && errno == ENOSPC,
	   "a device is written directly: /dev/full says ENOSPC at the write");
	outfile_abort(&o);
	ok(!stat("/dev/full", &st) && S_ISCHR(st.st_mode), "and stays a device");

	{
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		int lsock = socket(AF_UNIX, SOCK_STREAM, 0), pair[2];
		char name[64], got[16] = "";

		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", at("sock"));
		ret = lsock < 0 || bind(lsock, (struct sockaddr *)&sa, sizeof(sa)) ? -errno :
		      outfile_open(&o, at("sock"), 0644);
		ok(ret == -ENXIO && strstr(o.err, "a socket, which no program can open by name"),
		   "a socket named by its path: refused (%s)", o.err);
		if (lsock >= 0)
			close(lsock);
		unlink(at("sock"));
		/* stdout a socket (journald): named as a descriptor, written through a dup. */
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, pair))
			abort();
		snprintf(name, sizeof(name), "/proc/self/fd/%d", pair[0]);
		ret = outfile_open(&o, name, 0644);
		ok(!ret && o.fd != pair[0] && !write_all(o.fd, "sock") && !outfile_commit(&o, false) &&
		   read(pair[1], got, sizeof(got) - 1) == 4 && !strcmp(got, "sock"),
		   "a socket named as a descriptor: written through it (got \"%s\")", got);
		close(pair[0]);
		close(pair[1]);
	}

	unlink(at("dangling"));
	unlink(at("fifo"));
	unlink(at("link"));
	unlink(at("new"));
	rmdir(dir);
	return tap_done();
}
