// SPDX-License-Identifier: GPL-2.0-only
/*
 * The snapshot file: crc32c, round trips, atomic replacement, a reader
 * that refuses every damaged file (every byte flipped, every truncation),
 * and the configuration section read from it (section.c).
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef __aarch64__
#include <sys/auxv.h>
#endif

#include <kvmini/crc32c.h>
#include <kvmini/snapfile.h>
#include <kvmini/snapshot.h>

#include "capture.h"
#include "tap.h"

static char work[64], dir[96], snap[128];

/* ---- helpers ---- */

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = v >> (8 * i);
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

static uint32_t get32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
	return get32(p) | (uint64_t)get32(p + 4) << 32;
}

static uint8_t *slurp(const char *path, size_t *len)
{
	struct stat st;
	uint8_t *buf;
	int fd = open(path, O_RDONLY);

	if (fd < 0 || fstat(fd, &st))
		abort();
	buf = malloc(st.st_size + 1);
	if (!buf || read(fd, buf, st.st_size) != st.st_size)
		abort();
	close(fd);
	*len = st.st_size;
	return buf;
}

static void spit(const char *path, const void *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (fd < 0 || write(fd, buf, len) != (ssize_t)len)
		abort();
	close(fd);
}

/* stderr captured while the code under test logs (capture.h), until captured(). */
static struct capture cap;

static void capture(void)
{
	capture_begin(&cap, false);
}

static const char *captured(void)
{
	static char msg[8192];

	return capture_end(&cap, msg, sizeof(msg));
}

static int nr_entries(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static const char *base_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

static bool exists(const char *path)
{
	struct stat st;

	return !lstat(path, &st);
}

static void fill(uint8_t *p, size_t n, uint32_t seed)
{
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1103515245 + 12345;
		p[i] = seed >> 16;
	}
}

/* Recompute the table and header checksums after editing a file image of len bytes. */
static void reseal(uint8_t *img, size_t len)
{
	uint64_t table = get64(img + 16);
	uint64_t n = (uint64_t)get32(img + 24) * SNAPFILE_ENTRY_SIZE;

	if (table <= len)
		put32(img + 28, crc32c(0, img + table, n < len - table ? n : len - table));
	put32(img + 60, crc32c(0, img, 60));
}

/*
 * The small snapshot most tests use, under 128 KiB: A (type 1 index 0,
 * 100 bytes), B (type 2, empty), C (type 3 index 7, LAZY, 4099 bytes at
 * 64 KiB), D (type 1 index 1, 13 bytes, after C's odd end).
 */
static uint8_t data_a[100], data_c[4099], data_d[13];

static int make_small(const char *path, uint32_t arch, bool force)
{
	struct snapfile_writer w;
	int err;

	err = snapfile_create(&w, path, arch, force);
	if (err)
		return err;
	if (!(err = snapfile_add(&w, 1, 0, 0, data_a, sizeof(data_a))) &&
	    !(err = snapfile_add(&w, 2, 0, 0, NULL, 0)) &&
	    !(err = snapfile_add(&w, 3, 7, SNAPFILE_F_LAZY, data_c, sizeof(data_c))) &&
	    !(err = snapfile_add(&w, 1, 1, 0, data_d, sizeof(data_d))))
		err = snapfile_commit(&w);
	snapfile_writer_free(&w);
	return err;
}

/* What a restorer does before trusting a file: open, then verify every LAZY section. */
static int open_and_verify(const char *path, uint32_t arch)
{
	struct snapfile f;
	int err = snapfile_open(&f, path, arch);

	for (unsigned int i = 0; !err && i < f.nr; i++)
		if (f.secs[i].flags & SNAPFILE_F_LAZY)
			err = snapfile_verify(&f, &f.secs[i]);
	snapfile_close(&f);
	return err;
}

static int nr_fds(void)
{
	return nr_entries("/proc/self/fd");
}

/* ---- crc32c ---- */

static void test_crc32c(void)
{
	uint8_t buf[32], big[4096 + 8];
	bool same = true, split = true;

	ok(crc32c(0, "123456789", 9) == 0xE3069283, "crc32c(\"123456789\") = 0xE3069283");
	ok(crc32c_sw(0, "123456789", 9) == 0xE3069283, "portable crc32c(\"123456789\")");
	ok(crc32c(0, NULL, 0) == 0, "crc32c of nothing is 0");
	/* RFC 3720 B.4 (iSCSI) vectors. */
	memset(buf, 0, sizeof(buf));
	ok(crc32c(0, buf, 32) == 0x8A9136AA, "32 zero bytes: 0x8A9136AA");
	memset(buf, 0xff, sizeof(buf));
	ok(crc32c(0, buf, 32) == 0x62A8AB43, "32 0xff bytes: 0x62A8AB43");
	for (int i = 0; i < 32; i++)
		buf[i] = i;
	ok(crc32c(0, buf, 32) == 0x46DD794E, "bytes 0..31: 0x46DD794E");
	for (int i = 0; i < 32; i++)
		buf[i] = 31 - i;
	ok(crc32c(0, buf, 32) == 0x113FDB5C, "bytes 31..0: 0x113FDB5C");

#ifdef __aarch64__
	printf("# ARMv8 CRC32 instructions: %s\n", getauxval(AT_HWCAP) & HWCAP_CRC32 ?
	       "used, compared with the portable code" : "absent");
#endif
	fill(big, sizeof(big), 1);
	for (size_t off = 0; off < 8; off++)
		for (size_t n = 0; n <= 300; n++)
			if (crc32c(0, big + off, n) != crc32c_sw(0, big + off, n))
				same = false;
	if (crc32c(0, big, sizeof(big)) != crc32c_sw(0, big, sizeof(big)))
		same = false;
	ok(same, "crc32c equals the portable code at every alignment and length 0..300");
	for (size_t off = 0; off < 8; off++) {
		const uint8_t *p = big + off;
		uint32_t whole = crc32c(0, p, 1000);

		for (size_t cut = 0; cut <= 1000; cut++)
			if (crc32c(crc32c(0, p, cut), p + cut, 1000 - cut) != whole ||
			    crc32c_sw(crc32c_sw(0, p, cut), p + cut, 1000 - cut) != whole)
				split = false;
	}
	ok(split, "crc32c in two pieces equals one shot, at every cut");
}

/* ---- round trip ---- */

static void test_round_trip(void)
{
	const struct snapfile_section *a, *b, *c, *d;
	struct snapfile f;
	struct stat st;
	uint8_t *img;
	size_t len;
	void *p = NULL;
	int err;

	ok(make_small(snap, SNAPFILE_ARCH_ARM64, false) == 0, "write a snapshot of 4 sections");
	ok(!stat(snap, &st) && (st.st_mode & 0777) == 0600, "it has mode 0600 (guest memory)");
	ok(nr_entries(dir) == 1, "and no temporary file is left");

	err = snapfile_open(&f, snap, SNAPFILE_ARCH_ARM64);
	ok(err == 0, "open it (%d)", err);
	if (err)
		return;
	ok(f.nr == 5 && f.version == 2 && f.arch == SNAPFILE_ARCH_ARM64 &&
	   f.size == (uint64_t)st.st_size,
	   "5 sections (the LAZY one's chunk table too), version 2, arm64, size %lld",
	   (long long)st.st_size);
	a = snapfile_find(&f, 1, 0);
	b = snapfile_find(&f, 2, 0);
	c = snapfile_find(&f, 3, 7);
	d = snapfile_find(&f, 1, 1);
	ok(a && b && c && d, "each found by (type, index)");
	ok(!snapfile_find(&f, 3, 0) && !snapfile_find(&f, 0, 0) && !snapfile_find(&f, 9, 7),
	   "an absent key is NULL");
	ok(!snapfile_find(&f, 3 | SNAPFILE_CHUNK_TABLE, 7), "a chunk table is not a caller's section");
	if (!a || !b || !c || !d)
		goto out;
	ok(a->offset == 64 && c->offset == 65536 && c->flags == SNAPFILE_F_LAZY &&
	   d->offset == 65536 + 4112,
	   "layout: A at 64, C at 64 KiB, its chunk table and D 8-aligned after C");
	ok(snapfile_read(&f, a, 100, &p) == 0 && !memcmp(p, data_a, sizeof(data_a)),
	   "read A back");
	free(p);
	ok(snapfile_read(&f, b, 100, &p) == 0 && p && b->length == 0,
	   "read the empty B: a buffer to free, length 0");
	free(p);
	ok(snapfile_read(&f, d, 13, &p) == 0 && !memcmp(p, data_d, sizeof(data_d)),
	   "read D back (max_len == length is fine)");
	free(p);
	ok(snapfile_verify(&f, c) == 0, "verify the LAZY C");
	ok(snapfile_read(&f, c, 1 << 20, &p) == 0 && !memcmp(p, data_c, sizeof(data_c)),
	   "read C back");
	free(p);
	capture();
	err = snapfile_read(&f, a, 99, &p);
	ok(err == -EFBIG && !p &&
	   strstr(captured(), "section type 1 index 0: 100 bytes, more than the 99"),
	   "a section above max_len: -EFBIG (%d)", err);
out:
	snapfile_close(&f);
	snapfile_close(&f);
	ok(f.fd == -1 && !f.secs, "snapfile_close twice is harmless");

	/* The bytes, not only our own reader. */
	img = slurp(snap, &len);
	ok(!memcmp(img, "KVMINISN", 8) && get32(img + 8) == 2 && get32(img + 12) == 1 &&
	   get64(img + 32) == len && get32(img + 24) == 5 &&
	   get64(img + 16) + 5 * 40 == len && get32(img + 60) == crc32c(0, img, 60),
	   "header fields little-endian at their offsets");
	ok(get32(img + get64(img + 16)) == 1 && get64(img + get64(img + 16) + 16) == 64 &&
	   get64(img + get64(img + 16) + 24) == 100 &&
	   get32(img + get64(img + 16) + 12) == crc32c(0, data_a, sizeof(data_a)),
	   "first table entry: type 1, offset 64, length 100, crc of the data");
	free(img);
	unlink(snap);

	/* No sections at all. */
	{
		struct snapfile_writer w;

		ok(snapfile_create(&w, snap, SNAPFILE_ARCH_X86_64, false) == 0 &&
		   snapfile_commit(&w) == 0, "write an empty snapshot");
		snapfile_writer_free(&w);
		ok(snapfile_open(&f, snap, SNAPFILE_ARCH_X86_64) == 0 && f.nr == 0 &&
		   f.size == 64 && !snapfile_find(&f, 1, 0),
		   "it is the 64-byte header alone, and opens");
		snapfile_close(&f);
		unlink(snap);
	}
}

/* ---- writing: atomic, refusing to clobber, cleaning up ---- */

/*
 * Whether the test directory's filesystem has O_TMPFILE (not NFS, nor an
 * old overlayfs): else the unnamed way is skipped, and said.
 */
static bool tmpfile_supported(void)
{
	int fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);

	if (fd < 0) {
		printf("ok %d - unnamed snapshot files # SKIP %s has no O_TMPFILE: %s\n",
		       ++tap_count, dir, strerror(errno));
		return false;
	}
	close(fd);
	return true;
}

/* Unnamed (O_TMPFILE) or named temporary file: both ways a save can be written. */
static void test_atomic(bool unnamed)
{
	static const char old[] = "an older snapshot";
	const char *how = unnamed ? "unnamed" : "named";
	struct snapfile_writer w, w2;
	char tmp[256];
	size_t len;
	uint8_t *img;
	struct stat st;
	int err;

	setenv("KVMINI_SNAPSHOT_TMPFILE", unnamed ? "1" : "0", 1);
	snprintf(tmp, sizeof(tmp), "%s/.snap.tmp-%d", dir, (int)getpid());
	ok(snapfile_create(&w, snap, SNAPFILE_ARCH_ARM64, false) == 0 && w.unnamed == unnamed,
	   "%s: create", how);
	ok(!exists(snap), "%s: the target does not exist before the commit", how);
	if (unnamed)
		ok(!fstat(w.fd, &st) && (st.st_mode & 0777) == 0600 && st.st_nlink == 0 &&
		   nr_entries(dir) == 0, "unnamed: mode 0600, no name, the directory empty: a "
		   "save killed now leaves nothing behind");
	else
		ok(!stat(tmp, &st) && (st.st_mode & 0777) == 0600,
		   "named: the temporary file is .snap.tmp-<pid>, mode 0600");
	ok(snapfile_add(&w, 1, 0, 0, data_a, sizeof(data_a)) == 0 && !exists(snap),
	   "%s: still no target after an add", how);
	capture();
	err = snapfile_create(&w2, snap, SNAPFILE_ARCH_ARM64, false);
	if (unnamed) {
		captured();
		ok(!err && snapfile_add(&w2, 1, 0, 0, data_d, sizeof(data_d)) == 0,
		   "unnamed: a second save to the same path meanwhile starts too (%d)", err);
		ok(snapfile_commit(&w) == 0 && exists(snap) && nr_entries(dir) == 1,
		   "unnamed: commit: linked into place");
		capture();
		err = snapfile_commit(&w2);
		ok(err == -EEXIST && strstr(captured(), "snap: already exists; not replacing it"),
		   "unnamed: the second one's commit finds it there, and does not replace it (%d)",
		   err);
		snapfile_writer_free(&w2);
		ok(open_and_verify(snap, SNAPFILE_ARCH_ARM64) == 0 && nr_entries(dir) == 1,
		   "unnamed: the first one's snapshot stands, nothing else is left");
	} else {
		ok(err == -EBUSY && strstr(captured(), "already exists (another save"),
		   "named: a second save to the same path meanwhile is refused (%d)", err);
		snapfile_writer_free(&w2);
		ok(exists(tmp), "named: and does not remove the first one's file");
		ok(snapfile_commit(&w) == 0 && exists(snap) && !exists(tmp),
		   "named: commit: renamed into place");
	}
	capture();
	ok(snapfile_commit(&w) == -EINVAL && snapfile_add(&w, 2, 0, 0, "x", 1) == -EINVAL,
	   "%s: commit or add after the commit: -EINVAL", how);
	captured();
	snapfile_writer_free(&w);
	snapfile_writer_free(&w);
	ok(exists(snap) && nr_entries(dir) == 1, "%s: free after commit leaves the snapshot alone",
	   how);

	/* With force the temporary name is used, unnamed or not: one left there is refused. */
	spit(tmp, old, sizeof(old));
	capture();
	err = snapfile_create(&w, snap, SNAPFILE_ARCH_ARM64, true);
	ok(err == -EBUSY && strstr(captured(), "remove it"),
	   "%s: with force, a temporary file left there: -EBUSY, say to remove it (%d)", how, err);
	snapfile_writer_free(&w);
	ok(exists(tmp), "%s: and it is not removed", how);
	unlink(tmp);

	/* An existing file, without and with force. */
	spit(snap, old, sizeof(old));
	capture();
	err = snapfile_create(&w, snap, SNAPFILE_ARCH_ARM64, false);
	ok(err == -EEXIST, "existing target without force: -EEXIST (%d)", err);
	ok(strstr(captured(), "snap: already exists; not replacing it") != NULL,
	   "the message says to pass --force");
	snapfile_writer_free(&w);
	img = slurp(snap, &len);
	ok(len == sizeof(old) && !memcmp(img, old, len) && nr_entries(dir) == 1,
	   "the target is untouched, no temporary file");
	free(img);

	ok(snapfile_create(&w, snap, SNAPFILE_ARCH_ARM64, true) == 0 &&
	   snapfile_add(&w, 1, 0, 0, data_a, sizeof(data_a)) == 0, "with force: create, add");
	img = slurp(snap, &len);
	ok(len == sizeof(old) && !memcmp(img, old, len), "the old file is intact before commit");
	free(img);
	ok(snapfile_commit(&w) == 0 && open_and_verify(snap, SNAPFILE_ARCH_ARM64) == 0 &&
	   nr_entries(dir) == 1, "commit replaced it with a valid snapshot");
	snapfile_writer_free(&w);
	unlink(snap);

	/* A file appearing at the target during a save without force is not replaced. */
	ok(snapfile_create(&w, snap, SNAPFILE_ARCH_ARM64, false) == 0, "create again");
	spit(snap, old, sizeof(old));
	capture();
	err = snapfile_commit(&w);
	ok(err == -EEXIST && strstr(captured(), "already exists; not replacing it"),
	   "a target that appeared meanwhile: commit -EEXIST (%d)", err);
	snapfile_writer_free(&w);
	img = slurp(snap, &len);
	ok(len == sizeof(old) && !memcmp(img, old, len) && nr_entries(dir) == 1,
	   "it is untouched, the temporary file removed");
	free(img);
	unlink(snap);

	/* Not a file name; a directory in the way, even with force. */
	capture();
	err = snapfile_create(&w, dir, SNAPFILE_ARCH_ARM64, true);
	ok(err == -EISDIR, "a directory at the target, with force: -EISDIR (%d)", err);
	ok(strstr(w.why, "exists and is a directory; a snapshot replaces only a regular file"),
	   "... and why says so, for the caller's reply (%s)", w.why);
	snapfile_writer_free(&w);
	err = snapfile_create(&w, dir, SNAPFILE_ARCH_ARM64, false);
	ok(err == -EISDIR && strstr(w.why, "is a directory"),
	   "without force too: not told that force would help (%d: %s)", err, w.why);
	snapfile_writer_free(&w);
	snprintf(tmp, sizeof(tmp), "%s/fifo", dir);
	if (mkfifo(tmp, 0600))
		abort();
	err = snapfile_create(&w, tmp, SNAPFILE_ARCH_ARM64, true);
	ok(err == -EINVAL && strstr(w.why, "exists and is a FIFO"),
	   "a FIFO, with force: refused, named (%d: %s)", err, w.why);
	snapfile_writer_free(&w);
	unlink(tmp);
	/* The longest name a directory takes: the temporary sibling's name is shortened. */
	{
		char longest[PATH_MAX];

		snprintf(longest, sizeof(longest), "%s/%0*d", dir, NAME_MAX, 7);
		err = snapfile_create(&w, longest, SNAPFILE_ARCH_ARM64, false);
		ok(!err && !snapfile_add(&w, 1, 0, 0, data_a, sizeof(data_a)) &&
		   !snapfile_commit(&w) && exists(longest) && nr_entries(dir) == 1 &&
		   strlen(base_of(longest)) == NAME_MAX, "a %d-byte file name: saved (%d)",
		   NAME_MAX, err);
		snapfile_writer_free(&w);
		unlink(longest);
	}
	snprintf(tmp, sizeof(tmp), "%s/", dir);
	err = snapfile_create(&w, tmp, SNAPFILE_ARCH_ARM64, true);
	ok(err == -EINVAL, "a path ending in /: -EINVAL (%d)", err);
	err = snapfile_create(&w, snap, 77, true);
	ok(err == -EINVAL, "an unknown arch: -EINVAL (%d)", err);
	snprintf(tmp, sizeof(tmp), "%s/nodir/snap", dir);
	err = snapfile_create(&w, tmp, SNAPFILE_ARCH_ARM64, true);
	ok(err == -ENOENT, "a missing directory: -ENOENT (%d)", err);
	captured();
	snapfile_writer_free(&w);
	ok(nr_entries(dir) == 0, "nothing created by the refused saves");
}

static void test_failed_save(bool unnamed)
{
	struct snapfile_writer w;
	char tmp[256];
	int err;

	setenv("KVMINI_SNAPSHOT_TMPFILE", unnamed ? "1" : "0", 1);
	snprintf(tmp, sizeof(tmp), "%s/.snap.tmp-%d", dir, (int)getpid());
	ok(snapfile_create(&w, snap, SNAPFILE_ARCH_ARM64, false) == 0 && w.unnamed == unnamed &&
	   snapfile_add(&w, 1, 0, 0, data_a, sizeof(data_a)) == 0, "%s: create, add (1, 0)",
	   unnamed ? "unnamed" : "named");
	capture();
	err = snapfile_add(&w, 1, 0, 0, data_d, sizeof(data_d));
	ok(err == -EINVAL && strstr(captured(), "section type 1 index 0 added twice"),
	   "the same key again: -EINVAL, named (%d)", err);
	ok(snapfile_add(&w, 2, 0, 0, data_d, sizeof(data_d)) == -EINVAL &&
	   snapfile_commit(&w) == -EINVAL, "the error is latched: add and commit return it");
	ok(exists(tmp) != unnamed && !exists(snap), "the target was never created");
	snapfile_writer_free(&w);
	ok(!exists(tmp) && nr_entries(dir) == 0, "writer_free removed the temporary file");

	ok(snapfile_create(&w, snap, SNAPFILE_ARCH_ARM64, false) == 0, "create");
	capture();
	err = snapfile_add(&w, 1, 0, 2, data_a, 1);
	ok(err == -EINVAL && strstr(captured(), "unknown flags 0x2"), "unknown flag: -EINVAL");
	snapfile_writer_free(&w);
	ok(nr_entries(dir) == 0, "nothing left");
}

/* A full disk, played by RLIMIT_FSIZE: writes past it fail with EFBIG. */
static void test_disk_full(void)
{
	struct rlimit old, lim;
	struct snapfile_writer w;
	uint8_t *big = malloc(1 << 20);
	int err;

	/* Not zeros: a zero chunk of RAM is a hole, never written. */
	if (!big)
		abort();
	memset(big, 0x5a, 1 << 20);
	signal(SIGXFSZ, SIG_IGN);
	if (getrlimit(RLIMIT_FSIZE, &old))
		abort();
	lim = old;
	lim.rlim_cur = 256 << 10;
	if (setrlimit(RLIMIT_FSIZE, &lim))
		abort();
	ok(snapfile_create(&w, snap, SNAPFILE_ARCH_ARM64, false) == 0 &&
	   snapfile_add(&w, 1, 0, 0, data_a, sizeof(data_a)) == 0, "create, add a small section");
	capture();
	err = snapfile_add(&w, 3, 0, SNAPFILE_F_LAZY, big, 1 << 20);
	ok(err == -EFBIG && strstr(captured(), "cannot write section type 3 index 0"),
	   "1 MiB past a 256 KiB limit: -EFBIG, logged (%d)", err);
	ok(snapfile_commit(&w) == -EFBIG && !exists(snap), "commit fails; no target");
	snapfile_writer_free(&w);
	ok(nr_entries(dir) == 0, "the temporary file is gone");
	if (setrlimit(RLIMIT_FSIZE, &old))
		abort();
	signal(SIGXFSZ, SIG_DFL);
	free(big);
}

static unsigned int progress_calls;
static uint64_t progress_last;

static int progress(void *opaque, uint64_t done, uint64_t len)
{
	progress_calls++;
	progress_last = done;
	return len == done || !opaque ? 0 : -ECANCELED;
}

static void test_progress(void)
{
	size_t len = SNAPFILE_PROGRESS_STEP + 5;
	uint8_t *big = calloc(1, len);
	struct snapfile_writer w;
	int err;

	ok(snapfile_create(&w, snap, SNAPFILE_ARCH_ARM64, false) == 0, "create");
	snapfile_set_progress(&w, progress, NULL);
	ok(snapfile_add(&w, 1, 0, 0, data_a, sizeof(data_a)) == 0 && progress_calls == 0,
	   "no progress calls for a small section");
	ok(snapfile_add(&w, 3, 0, SNAPFILE_F_LAZY, big, len) == 0 && progress_calls == 2 &&
	   progress_last == len, "64 MiB + 5: called at 64 MiB and at the end (%u calls)",
	   progress_calls);
	ok(snapfile_commit(&w) == 0 && open_and_verify(snap, SNAPFILE_ARCH_ARM64) == 0,
	   "the snapshot verifies");
	snapfile_writer_free(&w);
	unlink(snap);

	progress_calls = 0;
	ok(snapfile_create(&w, snap, SNAPFILE_ARCH_ARM64, false) == 0, "create");
	snapfile_set_progress(&w, progress, &w);
	err = snapfile_add(&w, 3, 0, SNAPFILE_F_LAZY, big, len);
	ok(err == -ECANCELED && progress_calls == 1 && snapfile_commit(&w) == -ECANCELED,
	   "a callback returning -ECANCELED stops the save (%d)", err);
	snapfile_writer_free(&w);
	ok(nr_entries(dir) == 0, "nothing left");
	free(big);
}

/* ---- reading damaged files ---- */

/* Flip bits of every byte, one byte at a time: every file must be refused. */
static void test_bit_flips(void)
{
	int fds = nr_fds(), fd, missed = 0;
	size_t len, tried = 0;
	uint8_t *img;
	uint64_t table;

	if (make_small(snap, SNAPFILE_ARCH_ARM64, false)) {
		ok(false, "write the snapshot");
		return;
	}
	img = slurp(snap, &len);
	table = get64(img + 16);
	ok(len < 128 << 10 && open_and_verify(snap, SNAPFILE_ARCH_ARM64) == 0,
	   "a %zu-byte snapshot with a LAZY section verifies", len);
	fd = open(snap, O_WRONLY);
	capture();
	for (size_t i = 0; i < len; i++) {
		/* All 8 bits in the header and table, one (rotating) elsewhere. */
		bool all = i < 64 || i >= table;

		for (int bit = all ? 0 : i % 8; bit < 8; bit += all ? 1 : 8) {
			uint8_t b = img[i] ^ (1u << bit);

			tried++;
			if (pwrite(fd, &b, 1, i) != 1)
				abort();
			if (open_and_verify(snap, SNAPFILE_ARCH_ARM64) != -EBADMSG && missed++ < 5)
				printf("# accepted: bit %d of byte %zu flipped\n", bit, i);
			if (pwrite(fd, &img[i], 1, i) != 1)
				abort();
		}
	}
	captured();
	close(fd);
	ok(missed == 0, "all %zu single-bit flips, in each of the %zu bytes, refused with "
	   "-EBADMSG (%d accepted)", tried, len, missed);
	ok(open_and_verify(snap, SNAPFILE_ARCH_ARM64) == 0, "restored, it verifies again");
	ok(nr_fds() == fds, "no file descriptor left open by the refusals");
	free(img);
	unlink(snap);
}

static void test_truncate_extend(void)
{
	int fds = nr_fds(), fd, missed = 0;
	uint8_t zeros[4096] = { 0 };
	static const size_t extra[] = { 1, 7, 8, 40, 4096 };
	size_t len;
	uint8_t *img;
	int err;

	if (make_small(snap, SNAPFILE_ARCH_ARM64, false)) {
		ok(false, "write the snapshot");
		return;
	}
	img = slurp(snap, &len);
	fd = open(snap, O_WRONLY);
	capture();
	/* Every length, shortest last: each ftruncate cuts one more byte. */
	for (size_t l = len; l-- > 0;) {
		if (ftruncate(fd, l))
			abort();
		if (snapfile_open(&(struct snapfile){ 0 }, snap, SNAPFILE_ARCH_ARM64) != -EBADMSG &&
		    missed++ < 5)
			printf("# accepted: truncated to %zu bytes\n", l);
	}
	captured();
	ok(missed == 0, "truncated to each of the %zu shorter lengths: refused", len);
	for (size_t i = 0; i < sizeof(extra) / sizeof(extra[0]); i++) {
		if (ftruncate(fd, 0) || pwrite(fd, img, len, 0) != (ssize_t)len ||
		    pwrite(fd, zeros, extra[i], len) != (ssize_t)extra[i])
			abort();
		capture();
		err = snapfile_open(&(struct snapfile){ 0 }, snap, SNAPFILE_ARCH_ARM64);
		ok(err == -EBADMSG && strstr(captured(), "was extended"),
		   "%zu bytes appended: refused, the message says extended", extra[i]);
	}
	close(fd);
	ok(nr_fds() == fds, "no file descriptor left open");
	free(img);
	unlink(snap);
}

/* An edited copy of the small snapshot must be refused with a message naming the fault. */
static void expect_refused(const uint8_t *img, size_t len, const char *what, const char *msg)
{
	struct snapfile f;
	const char *got;
	int err;

	spit(snap, img, len);
	capture();
	err = snapfile_open(&f, snap, SNAPFILE_ARCH_ARM64);
	got = captured();
	ok(err == -EBADMSG && strstr(got, msg) && strstr(got, snap) && f.fd == -1,
	   "%s: refused, \"...%s...\" (%d)", what, msg, err);
	if (!strstr(got, msg))
		printf("# got: %.*s\n", (int)strcspn(got, "\n"), got);
	snapfile_close(&f);
}

static void test_refusals(void)
{
	uint8_t *img, *e;
	size_t len;
	uint64_t table;
	struct snapfile f;
	const char *msg;
	int err;

	if (make_small(snap, SNAPFILE_ARCH_ARM64, false)) {
		ok(false, "write the snapshot");
		return;
	}
	capture();
	err = snapfile_open(&f, snap, SNAPFILE_ARCH_X86_64);
	msg = captured();
	ok(err == -EBADMSG && strstr(msg, "snapshot of an arm64 VM") &&
	   strstr(msg, "restores x86_64 VMs"), "another arch: refused, both named");
	img = slurp(snap, &len);
	table = get64(img + 16);
	/* Entries in file order: A, B, C, C's chunk table, D. */
	e = img + table;

	put32(img + 8, 3);
	reseal(img, len);
	expect_refused(img, len, "format version 3",
		       "format version 3 is newer than this kvmini reads (2); use a newer kvmini");
	put32(img + 8, 0);
	reseal(img, len);
	expect_refused(img, len, "format version 0", "format version 0 was never written");
	put32(img + 8, 1);
	reseal(img, len);
	expect_refused(img, len, "format version 1",
		       "format version 1, older than this kvmini reads (2); restore it with the "
		       "kvmini that took it, or take the snapshot again");
	put32(img + 8, 2);
	img[45] = 1;
	reseal(img, len);
	expect_refused(img, len, "a reserved header byte", "reserved header byte 45 is 0x01");
	img[45] = 0;
	memcpy(img, "KVMINISM", 8);
	expect_refused(img, len, "wrong magic", "not a kvmini snapshot");
	memcpy(img, "KVMINISN", 8);
	img[33] ^= 1;
	expect_refused(img, len, "header damaged", "header checksum");
	img[33] ^= 1;
	put32(img + 24, 6);
	reseal(img, len);
	expect_refused(img, len, "one entry too many", "does not fill the end of the file");
	put32(img + 24, 5);
	reseal(img, len);
	{
		/* 8 more zero bytes before the table: consistent, but not canonical. */
		uint8_t *moved = calloc(1, len + 8);

		memcpy(moved, img, table);
		memcpy(moved + table + 8, img + table, len - table);
		put64(moved + 16, table + 8);
		put64(moved + 32, len + 8);
		reseal(moved, len + 8);
		expect_refused(moved, len + 8, "table moved", "not right after the last section");
		free(moved);
	}
	e[0] ^= 1;
	expect_refused(img, len, "table damaged", "section table checksum");
	e[0] ^= 1;

	put32(e + 4 * 40, 1);
	put32(e + 4 * 40 + 4, 0);
	reseal(img, len);
	expect_refused(img, len, "two sections (1, 0)", "section type 1 index 0 appears twice");
	put32(e + 4 * 40, 1);
	put32(e + 4 * 40 + 4, 1);
	put64(e + 2 * 40 + 16, 65536 + 8);
	reseal(img, len);
	expect_refused(img, len, "LAZY section not 64 KiB aligned",
		       "section type 3 index 7: offset 65544 is not a multiple of 65536");
	put64(e + 2 * 40 + 16, 65536);
	put64(e + 4 * 40 + 16, 65536 + 4096);
	reseal(img, len);
	expect_refused(img, len, "D overlapping C",
		       "section type 1 index 1: offset 69632 overlaps");
	put64(e + 4 * 40 + 16, 65536 + 4112);
	put64(e + 16, 72);
	reseal(img, len);
	expect_refused(img, len, "a gap before A",
		       "section type 1 index 0: offset 72 leaves a gap");
	put64(e + 16, 32);
	reseal(img, len);
	expect_refused(img, len, "A over the header", "offset 32 overlaps the header");
	put64(e + 16, 64);
	put64(e + 4 * 40 + 24, 17);
	reseal(img, len);
	expect_refused(img, len, "D running into the table", "run into the section table");
	put64(e + 4 * 40 + 24, 13);
	put32(e + 2 * 40 + 12, get32(e + 2 * 40 + 12) ^ 1);
	reseal(img, len);
	expect_refused(img, len, "a LAZY section's crc not its chunk table's",
		       "section type 2147483651 index 7 is not the chunk table of a lazily read "
		       "section (its size or checksum does not fit)");
	put32(e + 2 * 40 + 12, get32(e + 2 * 40 + 12) ^ 1);
	put32(e + 3 * 40 + 4, 8);
	reseal(img, len);
	expect_refused(img, len, "a chunk table without its section",
		       "section type 2147483651 index 8 is not the chunk table of a lazily read "
		       "section (there is none)");
	put32(e + 3 * 40 + 4, 7);
	put32(e + 8, 4);
	reseal(img, len);
	expect_refused(img, len, "unknown flag", "section type 1 index 0: unknown flags 0x4");
	put32(e + 8, 0);
	put64(e + 40 + 32, 1ULL << 40);
	reseal(img, len);
	expect_refused(img, len, "entry reserved field", "reserved field is 0x10000000000");
	put64(e + 40 + 32, 0);
	reseal(img, len);
	img[1000] = 0x20;
	expect_refused(img, len, "non-zero padding (under no checksum)",
		       "byte at offset 1000 is 0x20, not the zero padding");
	img[1000] = 0;
	img[70] ^= 0x80;
	expect_refused(img, len, "a non-LAZY section damaged",
		       "section type 1 index 0: checksum");
	img[70] ^= 0x80;

	/* A LAZY section's damage shows in snapfile_verify() only. */
	img[65536 + 4000] ^= 4;
	spit(snap, img, len);
	err = snapfile_open(&f, snap, SNAPFILE_ARCH_ARM64);
	ok(err == 0, "damage in a LAZY section: open succeeds (%d)", err);
	if (!err) {
		void *p = NULL;

		capture();
		err = snapfile_verify(&f, snapfile_find(&f, 3, 7));
		ok(err == -EBADMSG && strstr(captured(), "section type 3 index 7, chunk 0 "
					     "(4099 bytes at file offset 65536): checksum"),
		   "snapfile_verify refuses it, naming the section and chunk (%d)", err);
		capture();
		ok(snapfile_read(&f, snapfile_find(&f, 3, 7), 1 << 20, &p) == -EBADMSG && !p,
		   "snapfile_read refuses it too");
		captured();
		ok(snapfile_verify(&f, snapfile_find(&f, 1, 0)) == 0,
		   "the other sections verify");
	}
	snapfile_close(&f);
	free(img);

	/* Not snapshots at all. */
	capture();
	ok(snapfile_open(&f, dir, SNAPFILE_ARCH_ARM64) == -EBADMSG, "a directory: -EBADMSG");
	spit(snap, "", 0);
	ok(snapfile_open(&f, snap, SNAPFILE_ARCH_ARM64) == -EBADMSG, "an empty file: -EBADMSG");
	unlink(snap);
	ok(snapfile_open(&f, snap, SNAPFILE_ARCH_ARM64) == -ENOENT, "no file: -ENOENT");
	msg = captured();
	ok(strstr(msg, "too short for a snapshot") && strstr(msg, "cannot open"),
	   "each says why");
}

/* Sparse sections: the chunks absent() names are holes, read back as zeros, checksummed so. */
static bool absent_second_mib(void *opaque, const void *p, size_t n)
{
	const uint8_t *base = opaque;

	(void)n;
	return (const uint8_t *)p - base == (1 << 20);
}

static void test_sparse(void)
{
	size_t len = 3u << 20;
	uint8_t *mem = malloc(len);
	const struct snapfile_section *sec;
	struct snapfile_writer w;
	struct snapfile f;
	struct stat st;
	uint8_t *back = NULL;
	bool zeros = true, same = true;

	if (!mem)
		return;
	fill(mem, len, 9);
	/* What absent() calls zeros must be zeros: the writer does not look. */
	memset(mem + (1 << 20), 0, 1 << 20);
	ok(snapfile_create(&w, snap, SNAPFILE_ARCH_ARM64, false) == 0 &&
	   snapfile_add_sparse(&w, 2, 0, SNAPFILE_F_LAZY, mem, len, absent_second_mib, mem) == 0 &&
	   snapfile_commit(&w) == 0, "a sparse section written");
	snapfile_writer_free(&w);
	/* Before ok(): its arguments are evaluated in no set order. */
	if (stat(snap, &st))
		memset(&st, 0xff, sizeof(st));
	ok((uint64_t)st.st_blocks * 512 < len,
	   "its hole takes no disk space (%lld of %zu bytes allocated)",
	   (long long)st.st_blocks * 512, len);
	ok(snapfile_open(&f, snap, SNAPFILE_ARCH_ARM64) == 0, "it opens");
	sec = snapfile_find(&f, 2, 0);
	ok(sec && snapfile_verify(&f, sec) == 0, "its checksum covers the hole as zeros");
	if (sec && snapfile_read(&f, sec, len, (void **)&back) == 0) {
		for (size_t i = 0; i < len; i++) {
			if (i >= (1u << 20) && i < (2u << 20))
				zeros &= !back[i];
			else
				same &= back[i] == mem[i];
		}
	}
	ok(back && zeros && same, "read back: the data around it, zeros in it");
	free(back);
	{
		uint32_t *crcs = NULL;
		uint8_t *chunk = malloc(SNAPFILE_CHUNK);
		size_t n = 0;
		int err;

		ok(sec && chunk && snapfile_chunk_crcs(&f, sec, &crcs) == 0 &&
		   crcs[1] == crc32c(0, mem + (1 << 20), 1 << 20),
		   "3 chunk checksums, the hole's that of 1 MiB of zeros");
		ok(crcs && snapfile_read_chunk(&f, sec, crcs, 2, chunk, &n) == 0 &&
		   n == SNAPFILE_CHUNK && !memcmp(chunk, mem + (2 << 20), n),
		   "chunk 2 read alone and checked");
		ok(sec && snapfile_chunk_is_hole(&f, sec, 1) && !snapfile_chunk_is_hole(&f, sec, 0) &&
		   !snapfile_chunk_is_hole(&f, sec, 2) && !snapfile_chunk_is_hole(&f, sec, 3),
		   "chunk 1 is a hole (zeros unread), chunks 0 and 2 data, chunk 3 none at all");
		if (crcs) {
			int fd = open(snap, O_WRONLY);
			uint8_t b = mem[(2 << 20) + 5] ^ 0x10;

			if (fd < 0 || pwrite(fd, &b, 1, (off_t)(sec->offset + (2 << 20) + 5)) != 1)
				abort();
			close(fd);
			capture();
			err = snapfile_read_chunk(&f, sec, crcs, 2, chunk, &n);
			ok(err == -EBADMSG && strstr(captured(), "section type 2 index 0, chunk 2 "
						     "(1048576 bytes at file offset"),
			   "a damaged chunk 2: refused, named (%d)", err);
			ok(snapfile_read_chunk(&f, sec, crcs, 0, chunk, &n) == 0,
			   "chunk 0 still reads");
		}
		free(crcs);
		free(chunk);
	}
	snapfile_close(&f);
	{
		struct snapfile_writer w2;

		capture();
		ok(snapfile_create(&w2, snap, SNAPFILE_ARCH_ARM64, true) == 0 &&
		   snapfile_add(&w2, 5 | SNAPFILE_CHUNK_TABLE, 0, 0, mem, 8) == -EINVAL &&
		   strstr(captured(), "types with bit 31 are the file's own"),
		   "a caller's type with bit 31: refused");
		snapfile_writer_free(&w2);
	}
	unlink(snap);

	/*
	 * Zeros no absent() vouched for (RAM read back from a snapshot): the
	 * writer finds them, and they are a hole all the same.
	 */
	fill(mem, len, 11);
	memset(mem + (2 << 20), 0, 1 << 20);
	ok(snapfile_create(&w, snap, SNAPFILE_ARCH_ARM64, false) == 0 &&
	   snapfile_add(&w, 2, 0, SNAPFILE_F_LAZY, mem, len) == 0 && snapfile_commit(&w) == 0,
	   "a chunked section with a zero chunk, no absent(): written");
	snapfile_writer_free(&w);
	if (stat(snap, &st))
		memset(&st, 0xff, sizeof(st));
	ok((uint64_t)st.st_blocks * 512 < len, "the zero chunk takes no disk space (%lld of %zu "
	   "bytes allocated)", (long long)st.st_blocks * 512, len);
	ok(snapfile_open(&f, snap, SNAPFILE_ARCH_ARM64) == 0, "it opens");
	sec = snapfile_find(&f, 2, 0);
	back = NULL;
	ok(sec && snapfile_chunk_is_hole(&f, sec, 2) && !snapfile_chunk_is_hole(&f, sec, 1) &&
	   snapfile_verify(&f, sec) == 0 && snapfile_read(&f, sec, len, (void **)&back) == 0 &&
	   !memcmp(back, mem, len), "chunk 2 a hole, the rest data, all of it read back as written");
	free(back);
	snapfile_close(&f);
	unlink(snap);
	free(mem);
}

/* ---- the configuration section (section.c) ---- */

/* A snapshot at snap whose configuration section holds these bytes. */
static void make_config(const void *payload, size_t len)
{
	struct snapfile_writer w;

	if (snapfile_create(&w, snap, SNAPFILE_ARCH_ARM64, true) ||
	    snapfile_add(&w, SNAP_SEC_CONFIG, 0, 0, payload, len) || snapfile_commit(&w))
		abort();
	snapfile_writer_free(&w);
}

/* The working directory the last read_config() found (NULL: none). */
static char *read_cwd;

/* snapshot_read_config() on snap; the first line of its message when refused. */
static int read_config(int *argc, char ***argv, const char **msg)
{
	static char line[512];
	struct snapfile f;
	const char *logged;
	int err;

	capture();
	err = snapfile_open(&f, snap, SNAPFILE_ARCH_ARM64);
	free(read_cwd);
	read_cwd = NULL;
	if (!err)
		err = snapshot_read_config(&f, argc, argv, &read_cwd);
	snapfile_close(&f);
	logged = captured();
	snprintf(line, sizeof(line), "%.*s", (int)strcspn(logged, "\n"), logged);
	*msg = line;
	return err;
}

/* Bytes the allocator has handed out and not had back. */
static size_t heap_in_use(void)
{
	struct mallinfo2 mi = mallinfo2();

	return mi.uordblks + mi.hblkhd;
}

static void test_config(void)
{
	static char *const args[] = { "run", "-k", "Image", "--disk", "a.img,ro", "" };
	static const struct {
		const char *what;
		size_t len;
		uint8_t bytes[24];
	} bad[] = {
		{ "no arguments", 4, { 0, 0, 0, 0 } },
		{ "more arguments than the section has room for", 8, { 3, 0, 0, 0, 0, 0, 0, 0 } },
		{ "a NUL inside an argument", 11, { 1, 0, 0, 0, 3, 0, 0, 0, 'a', 0, 'b' } },
		{ "an argument longer than the bytes left", 13,
		  { 2, 0, 0, 0, 1, 0, 0, 0, 'a', 100, 0, 0, 0 } },
		{ "bytes after the last argument", 10, { 1, 0, 0, 0, 1, 0, 0, 0, 'a', 'b' } },
		{ "a section too short for its count", 2, { 1, 0 } },
	};
	struct snapfile_writer w;
	const char *msg;
	char **argv = NULL;
	int argc = 0, err;
	bool same;
	uint8_t *big;
	size_t before, grown;

	if (snapfile_create(&w, snap, SNAPFILE_ARCH_ARM64, false))
		abort();
	err = snapshot_write_config(&w, 6, args, "/srv/vms/a");
	ok(!err && !snapfile_commit(&w), "write a configuration of 6 arguments (%d)", err);
	snapfile_writer_free(&w);
	err = read_config(&argc, &argv, &msg);
	same = !err && argc == 6 && !argv[6];
	for (int i = 0; same && i < 6; i++)
		same = !strcmp(argv[i], args[i]);
	ok(same, "they read back the same, the empty one too, argv[argc] NULL (%d)", err);
	ok(!err && read_cwd && !strcmp(read_cwd, "/srv/vms/a"),
	   "the directory they were given in reads back (%s)", read_cwd ? read_cwd : "none");
	if (!err)
		snapshot_free_config(argc, argv);

	/* An older snapshot has no directory: none, not an error. */
	make_config((const uint8_t[]){ 1, 0, 0, 0, 3, 0, 0, 0, 'r', 'u', 'n' }, 11);
	err = read_config(&argc, &argv, &msg);
	ok(!err && argc == 1 && !read_cwd, "no directory section (an older kvmini's): none (%d)",
	   err);
	if (!err)
		snapshot_free_config(argc, argv);
	/* A relative directory, or bytes after it: damaged. */
	for (int i = 0; i < 2; i++) {
		static const char *const dirs[] = { "vms/a", "/vms" };
		uint8_t sec[16];
		size_t len = strlen(dirs[i]);

		put32(sec, (uint32_t)len);
		memcpy(sec + 4, dirs[i], len);
		sec[4 + len] = 'x';
		if (snapfile_create(&w, snap, SNAPFILE_ARCH_ARM64, true) ||
		    snapfile_add(&w, SNAP_SEC_CONFIG, 0, 0,
				 (const uint8_t[]){ 1, 0, 0, 0, 3, 0, 0, 0, 'r', 'u', 'n' }, 11) ||
		    snapfile_add(&w, SNAP_SEC_CONFIG, 1, 0, sec, 4 + len + (size_t)i) ||
		    snapfile_commit(&w))
			abort();
		snapfile_writer_free(&w);
		err = read_config(&argc, &argv, &msg);
		ok(err == -EBADMSG && strstr(msg, "the working directory section is malformed"),
		   "refused: %s (%d: %s)", i ? "bytes after the directory" :
		   "a relative directory", err, msg);
	}

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		make_config(bad[i].bytes, bad[i].len);
		err = read_config(&argc, &argv, &msg);
		ok(err == -EBADMSG && strstr(msg, "snap: the configuration section is malformed"),
		   "refused: %s (%d: %s)", bad[i].what, err, msg);
	}

	/* The longest argument is SNAPSHOT_ARG_MAX - 1 bytes; one more is refused. */
	big = malloc(8 + SNAPSHOT_ARG_MAX);
	if (!big)
		abort();
	for (uint32_t len = SNAPSHOT_ARG_MAX - 1; len <= SNAPSHOT_ARG_MAX; len++) {
		put32(big, 1);
		put32(big + 4, len);
		memset(big + 8, 'x', len);
		make_config(big, 8 + len);
		err = read_config(&argc, &argv, &msg);
		ok(len < SNAPSHOT_ARG_MAX ? !err && argc == 1 && strlen(argv[0]) == len :
		   err == -EBADMSG, "an argument of %u bytes is %s (%d)", len,
		   len < SNAPSHOT_ARG_MAX ? "read" : "refused", err);
		if (!err)
			snapshot_free_config(argc, argv);
	}
	free(big);

	/*
	 * What the file claims costs no more memory than the bytes it holds:
	 * 64 Ki empty arguments (256 KiB) once took 4 KiB each, 256 MiB, so a
	 * 64 MiB section could ask for 64 GiB.
	 */
	big = calloc(1, 4 + 4 * 65536);
	if (!big)
		abort();
	put32(big, 65536);
	make_config(big, 4 + 4 * 65536);
	free(big);
	before = heap_in_use();
	err = read_config(&argc, &argv, &msg);
	grown = heap_in_use() - before;
	ok(!err && argc == 65536 && grown < (8u << 20),
	   "64 Ki empty arguments read with %zu KiB of heap, under 8 MiB (%d)", grown >> 10, err);
	if (!err)
		snapshot_free_config(argc, argv);

	/* A file without the section: named. */
	{
		struct snapfile_writer w2;

		if (snapfile_create(&w2, snap, SNAPFILE_ARCH_ARM64, true) ||
		    snapfile_add(&w2, SNAP_SEC_MEMORY, 0, 0, NULL, 0) || snapfile_commit(&w2))
			abort();
		snapfile_writer_free(&w2);
	}
	err = read_config(&argc, &argv, &msg);
	ok(err == -EBADMSG && strstr(msg, "snap: no configuration section in the snapshot"),
	   "a snapshot without one: refused, named (%d: %s)", err, msg);
	free(read_cwd);
	read_cwd = NULL;
	unlink(snap);
}

int main(void)
{
	char *t = getenv("TMPDIR");

	snprintf(work, sizeof(work), "%s/kvmini-snapfile-XXXXXX", t && *t ? t : "/tmp");
	if (!mkdtemp(work))
		return 1;
	snprintf(dir, sizeof(dir), "%s/d", work);
	snprintf(snap, sizeof(snap), "%s/snap", dir);
	if (mkdir(dir, 0700))
		return 1;
	fill(data_a, sizeof(data_a), 2);
	fill(data_c, sizeof(data_c), 3);
	fill(data_d, sizeof(data_d), 4);

	test_crc32c();
	test_round_trip();
	test_atomic(false);
	if (tmpfile_supported())
		test_atomic(true);
	test_failed_save(false);
	if (tmpfile_supported())
		test_failed_save(true);
	/* The rest as kvmini runs: unnamed where the filesystem can. */
	unsetenv("KVMINI_SNAPSHOT_TMPFILE");
	test_disk_full();
	test_progress();
	test_bit_flips();
	test_truncate_extend();
	test_refusals();
	test_sparse();
	test_config();

	unlink(snap);
	ok(nr_entries(dir) == 0, "the test directory is empty at the end");
	rmdir(dir);
	rmdir(work);
	return tap_done();
}
