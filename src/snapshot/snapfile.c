// SPDX-License-Identifier: GPL-2.0-only
/* The snapshot file format: write atomically, open only what checks out (snapfile.h). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <kvmini/crc32c.h>
#include <kvmini/log.h>
#include <kvmini/snapfile.h>

#define TOPIC "snapshot"
/*
 * I/O unit: big enough for few syscalls, small enough to stay in cache
 * between crc and write; also the LAZY sections' checksum chunk.
 */
#define CHUNK SNAPFILE_CHUNK
/* Where section data must end for the whole file to stay within off_t. */
#define FILE_LIMIT ((uint64_t)INT64_MAX - (uint64_t)SNAPFILE_MAX_SECTIONS * \
		    SNAPFILE_ENTRY_SIZE - SNAPFILE_ALIGN_PAGE)

/* Header field offsets. */
#define H_MAGIC 0
#define H_VERSION 8
#define H_ARCH 12
#define H_TABLE_OFFSET 16
#define H_NR_SECTIONS 24
#define H_TABLE_CRC 28
#define H_FILE_SIZE 32
#define H_RESERVED 40
#define H_CRC 60

/* Table entry field offsets. */
#define E_TYPE 0
#define E_INDEX 4
#define E_FLAGS 8
#define E_CRC 12
#define E_OFFSET 16
#define E_LENGTH 24
#define E_RESERVED 32

static void put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = v >> (8 * i);
}

static void put_le64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = v >> (8 * i);
}

static uint32_t get_le32(const uint8_t *p)
{
	uint32_t v = 0;

	for (int i = 3; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static uint64_t get_le64(const uint8_t *p)
{
	return get_le32(p) | (uint64_t)get_le32(p + 4) << 32;
}

static uint64_t sec_align(uint32_t flags)
{
	return flags & SNAPFILE_F_LAZY ? SNAPFILE_ALIGN_PAGE : SNAPFILE_ALIGN;
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

const char *snapfile_arch_name(uint32_t arch)
{
	switch (arch) {
	case SNAPFILE_ARCH_ARM64:
		return "arm64";
	case SNAPFILE_ARCH_X86_64:
		return "x86_64";
	default:
		return "unknown";
	}
}

/* 0 or -errno; a write that makes no progress is -EIO rather than a spin. */
static int pwrite_all(int fd, const uint8_t *p, size_t len, uint64_t off)
{
	while (len) {
		ssize_t n = pwrite(fd, p, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

/* Bytes read (fewer than len only at the end of the file), or -errno. */
static ssize_t pread_all(int fd, uint8_t *p, size_t len, uint64_t off)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = pread(fd, p + done, len - done, (off_t)(off + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		done += (size_t)n;
	}
	return (ssize_t)done;
}

/* ---- writing ---- */

/* What st is, for a refusal: "a directory", "a FIFO", ... */
static const char *file_kind(mode_t mode)
{
	return S_ISDIR(mode) ? "a directory" : S_ISLNK(mode) ? "a symlink" :
	       S_ISFIFO(mode) ? "a FIFO" : S_ISSOCK(mode) ? "a socket" :
	       S_ISCHR(mode) ? "a character device" : S_ISBLK(mode) ? "a block device" :
	       "not a regular file";
}

/* Log "<path>: why" and keep why for the caller's reply; returns err. */
static int __printf(3, 4) writer_refuse(struct snapfile_writer *w, int err, const char *fmt,
					...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(w->why, sizeof(w->why), fmt, ap);
	va_end(ap);
	log_err(TOPIC, "%s: %s", w->path ? w->path : "snapshot", w->why);
	return err;
}

/*
 * The snapshot written into a file with no name yet (O_TMPFILE), which
 * the commit links into place: a save killed midway (SIGKILL, a host
 * crash) leaves nothing behind, where a named temporary file would stay
 * as a hidden file as large as the guest's RAM. Linked through
 * /proc/self/fd, so without /proc, on a filesystem without O_TMPFILE, or
 * with KVMINI_SNAPSHOT_TMPFILE=0 (for tests), it is -1 and the save
 * writes a named temporary file instead.
 */
static int writer_open_unnamed(int dir_fd)
{
	const char *knob = getenv("KVMINI_SNAPSHOT_TMPFILE");

	if ((knob && !strcmp(knob, "0")) || access("/proc/self/fd", X_OK))
		return -1;
	return openat(dir_fd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
}

/* The longest base kept whole in "<dir>/.<base>.tmp-<pid>" (a name is 255 bytes at most). */
#define TMP_BASE_MAX	(NAME_MAX - 24)

int snapfile_create(struct snapfile_writer *w, const char *path, uint32_t arch,
		    bool force)
{
	char why[sizeof(w->why)];
	const char *base = base_name(path);
	char *dir = NULL, *tmp = NULL;
	struct stat st;
	int err;

	*w = (struct snapfile_writer){ .fd = -1, .dir_fd = -1, .arch = arch,
				       .force = force, .pos = SNAPFILE_HEADER_SIZE };
	w->path = strdup(path);
	if (!w->path)
		return -ENOMEM;
	if (arch != SNAPFILE_ARCH_ARM64 && arch != SNAPFILE_ARCH_X86_64) {
		err = writer_refuse(w, -EINVAL, "unknown architecture %" PRIu32 " for a snapshot",
				    arch);
		goto fail;
	}
	if (!*base || !strcmp(base, ".") || !strcmp(base, "..")) {
		err = writer_refuse(w, -EINVAL, "not a file name; name the snapshot file to "
				    "write");
		goto fail;
	}
	/* "x" lives in ".", "/x" in "/". */
	dir = base == path ? strdup(".") : base == path + 1 ? strdup("/") :
	      strndup(path, (size_t)(base - path - 1));
	/* A sibling, so the rename is atomic (one filesystem); hidden, named for its owner. */
	if (!dir || asprintf(&tmp, "%.*s.%.*s.tmp-%d", (int)(base - path), path, TMP_BASE_MAX,
			     base, (int)getpid()) < 0) {
		tmp = NULL;
		err = -ENOMEM;
		goto fail;
	}
	w->dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (w->dir_fd < 0) {
		err = -errno;
		writer_refuse(w, err, "cannot open its directory %s: %s", dir, strerror(-err));
		goto fail;
	}
	if (!fstatat(w->dir_fd, base, &st, AT_SYMLINK_NOFOLLOW)) {
		/* Even with force: force replaces a snapshot, not what a symlink points to. */
		if (!S_ISREG(st.st_mode)) {
			err = writer_refuse(w, S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL,
					    "exists and is %s; a snapshot replaces only a "
					    "regular file: name another path",
					    file_kind(st.st_mode));
			goto fail;
		}
		if (!force) {
			err = writer_refuse(w, -EEXIST, "already exists; not replacing it");
			goto fail;
		}
	} else if (errno != ENOENT) {
		err = -errno;
		writer_refuse(w, err, "%s", strerror(-err));
		goto fail;
	}
	if (force && !fstatat(w->dir_fd, base_name(tmp), &st, AT_SYMLINK_NOFOLLOW)) {
		err = writer_refuse(w, -EBUSY, "temporary file %s already exists (another save "
				    "to it, or left by one that crashed); remove it", tmp);
		goto fail;
	}
	/* 0600: the file holds guest memory, which is the guest's business only. */
	w->fd = writer_open_unnamed(w->dir_fd);
	if (w->fd >= 0) {
		w->unnamed = true;
		w->tmp_path = tmp;
		free(dir);
		return 0;
	}
	w->fd = openat(w->dir_fd, base_name(tmp), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (w->fd < 0) {
		err = -errno;
		/* -EBUSY, not -EEXIST: that one means the snapshot itself is there. */
		if (err == -EEXIST)
			err = writer_refuse(w, -EBUSY, "temporary file %s already exists "
					    "(another save to it, or left by one that crashed); "
					    "remove it", tmp);
		else
			writer_refuse(w, err, "cannot create %s: %s", tmp, strerror(-err));
		goto fail;
	}
	/* Set only now: a non-NULL tmp_path (named, not unnamed) is a file of ours to remove. */
	w->tmp_path = tmp;
	free(dir);
	return 0;
fail:
	free(tmp);
	free(dir);
	memcpy(why, w->why, sizeof(why));
	snapfile_writer_free(w);
	memcpy(w->why, why, sizeof(why));
	return err;
}

void snapfile_set_progress(struct snapfile_writer *w, snapfile_progress_fn fn,
			   void *opaque)
{
	w->progress = fn;
	w->progress_opaque = opaque;
}

static int writer_check_add(struct snapfile_writer *w, uint32_t type, uint32_t index,
			    uint32_t flags, const void *data, uint64_t len, uint64_t off)
{
	if (w->fd < 0) {
		log_err(TOPIC, "%s: no snapshot being written (committed already?)",
			w->path ? w->path : "snapshot");
		return -EINVAL;
	}
	if (flags & ~SNAPFILE_F_ALL) {
		log_err(TOPIC, "%s: " SNAPFILE_SEC_FMT ": unknown flags 0x%" PRIx32,
			w->path, type, index, flags);
		return -EINVAL;
	}
	if (!data && len) {
		log_err(TOPIC, "%s: " SNAPFILE_SEC_FMT ": no data", w->path, type, index);
		return -EINVAL;
	}
	for (unsigned int i = 0; i < w->nr; i++) {
		if (w->secs[i].type == type && w->secs[i].index == index) {
			log_err(TOPIC, "%s: " SNAPFILE_SEC_FMT " added twice", w->path, type,
				index);
			return -EINVAL;
		}
	}
	if (w->nr == SNAPFILE_MAX_SECTIONS) {
		log_err(TOPIC, "%s: more than %u sections", w->path, SNAPFILE_MAX_SECTIONS);
		return -E2BIG;
	}
	/* Room for the data, the padding and the largest table, within off_t. */
	if (off > FILE_LIMIT || len > FILE_LIMIT - off) {
		log_err(TOPIC, "%s: " SNAPFILE_SEC_FMT ": %" PRIu64 " bytes make the file too big",
			w->path, type, index, len);
		return -EFBIG;
	}
	return 0;
}

uint32_t snapfile_zeros_crc(size_t n)
{
	static uint32_t full;	/* never 0 for a chunk of zeros: 0 means not yet */
	uint32_t crc;

	if (n != CHUNK)
		return crc32c_zeros(0, n);
	crc = __atomic_load_n(&full, __ATOMIC_RELAXED);
	if (!crc) {
		crc = crc32c_zeros(0, CHUNK);
		__atomic_store_n(&full, crc, __ATOMIC_RELAXED);
	}
	return crc;
}

/*
 * Write len bytes at off, checksumming each chunk just before it is
 * written: into *crc, or with table set (LAZY sections) each chunk on its
 * own into the chunk table. A chunk absent() calls zeros is neither read
 * nor written: the file keeps a hole there, which reads as zeros.
 */
/* n bytes of zeros at p (n > 0): each byte equals the one before, the first is 0. */
static bool chunk_is_zeros(const uint8_t *p, size_t n)
{
	return !p[0] && !memcmp(p, p + 1, n - 1);
}

static int writer_put(struct snapfile_writer *w, const struct snapfile_section *s,
		      const uint8_t *data, uint32_t *crc, uint8_t *table,
		      snapfile_absent_fn absent, void *opaque)
{
	uint64_t done = 0, reported = 0;
	int err;

	while (done < s->length) {
		size_t n = s->length - done < CHUNK ? (size_t)(s->length - done) : CHUNK;
		/*
		 * A chunked section's zero chunk is a hole too, whatever absent()
		 * knows: RAM read back from a snapshot (or zeroed by its guest)
		 * stays as sparse as the guest left it.
		 */
		bool zeros = (absent && absent(opaque, data + done, n)) ||
			     (table && chunk_is_zeros(data + done, n));

		if (table)
			put_le32(table + done / CHUNK * 4,
				 zeros ? snapfile_zeros_crc(n) : crc32c(0, data + done, n));
		else
			*crc = zeros ? crc32c_zeros(*crc, n) : crc32c(*crc, data + done, n);
		err = zeros ? 0 : pwrite_all(w->fd, data + done, n, s->offset + done);
		if (err) {
			log_err(TOPIC, "%s: cannot write " SNAPFILE_SEC_FMT " to %s: %s",
				w->path, s->type, s->index, w->tmp_path, strerror(-err));
			return err;
		}
		done += n;
		if (w->progress && s->length >= SNAPFILE_PROGRESS_STEP &&
		    (done - reported >= SNAPFILE_PROGRESS_STEP || done == s->length)) {
			reported = done;
			err = w->progress(w->progress_opaque, done, s->length);
			if (err < 0)
				return err;
		}
	}
	return 0;
}

int snapfile_add(struct snapfile_writer *w, uint32_t type, uint32_t index,
		 uint32_t flags, const void *data, uint64_t len)
{
	return snapfile_add_sparse(w, type, index, flags, data, len, NULL, NULL);
}

static int writer_add(struct snapfile_writer *w, uint32_t type, uint32_t index,
		      uint32_t flags, const void *data, uint64_t len,
		      snapfile_absent_fn absent, void *opaque);

int snapfile_add_sparse(struct snapfile_writer *w, uint32_t type, uint32_t index,
			uint32_t flags, const void *data, uint64_t len,
			snapfile_absent_fn absent, void *opaque)
{
	if (!w->err && (type & SNAPFILE_CHUNK_TABLE)) {
		log_err(TOPIC, "%s: " SNAPFILE_SEC_FMT ": types with bit 31 are the file's own",
			w->path ? w->path : "snapshot", type, index);
		w->err = -EINVAL;
	}
	return w->err ? w->err : writer_add(w, type, index, flags, data, len, absent, opaque);
}

static int writer_add(struct snapfile_writer *w, uint32_t type, uint32_t index,
		      uint32_t flags, const void *data, uint64_t len,
		      snapfile_absent_fn absent, void *opaque)
{
	struct snapfile_section s = { .type = type, .index = index, .flags = flags,
				      .length = len };
	uint8_t *table = NULL;
	uint64_t table_len = 0;
	int err;

	s.offset = ALIGN_UP(w->pos, sec_align(flags));
	err = writer_check_add(w, type, index, flags, data, len, s.offset);
	if (err)
		goto fail;
	if (flags & SNAPFILE_F_LAZY) {
		table_len = snapfile_chunks(len) * 4;
		table = malloc(table_len ? table_len : 1);
		if (!table) {
			err = -ENOMEM;
			goto fail;
		}
	}
	if (w->nr == w->cap) {
		unsigned int cap = w->cap ? 2 * w->cap : 16;
		struct snapfile_section *secs = reallocarray(w->secs, cap, sizeof(*secs));

		if (!secs) {
			err = -ENOMEM;
			goto fail;
		}
		w->secs = secs;
		w->cap = cap;
	}
	/* The padding before it is left as a hole, which reads as zeroes. */
	err = writer_put(w, &s, data, &s.crc, table, absent, opaque);
	if (err)
		goto fail;
	if (table)
		s.crc = crc32c(0, table, table_len);
	w->secs[w->nr++] = s;
	w->pos = s.offset + len;
	if (table)
		err = writer_add(w, type | SNAPFILE_CHUNK_TABLE, index, 0, table, table_len,
				 NULL, NULL);
	free(table);
	return err;
fail:
	free(table);
	w->err = err;
	return err;
}

static void fill_header(const struct snapfile_writer *w, uint8_t *h, uint64_t table_off,
			uint32_t table_crc, uint64_t size)
{
	memset(h, 0, SNAPFILE_HEADER_SIZE);
	memcpy(h + H_MAGIC, SNAPFILE_MAGIC, 8);
	put_le32(h + H_VERSION, SNAPFILE_VERSION);
	put_le32(h + H_ARCH, w->arch);
	put_le64(h + H_TABLE_OFFSET, table_off);
	put_le32(h + H_NR_SECTIONS, w->nr);
	put_le32(h + H_TABLE_CRC, table_crc);
	put_le64(h + H_FILE_SIZE, size);
	put_le32(h + H_CRC, crc32c(0, h, H_CRC));
}

/* The file being written, for messages. */
static const char *writer_file_name(const struct snapfile_writer *w)
{
	return w->unnamed ? "its file (not yet named)" :
	       w->linked_in_place ? "it" : w->tmp_path;
}

/*
 * Name the unnamed file: the snapshot's own name when nothing may be
 * replaced (a link never replaces: -EEXIST when a file appeared since
 * snapfile_create()), else the temporary name, which the rename then
 * moves over the old snapshot. Either way it is named, so ours to remove
 * on a later failure, until the commit ends.
 */
static int writer_link(struct snapfile_writer *w)
{
	const char *name = base_name(w->force ? w->tmp_path : w->path);
	char proc[64];

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", w->fd);
	if (linkat(AT_FDCWD, proc, w->dir_fd, name, AT_SYMLINK_FOLLOW)) {
		int err = -errno;

		if (err == -EEXIST && !w->force)
			log_err(TOPIC, "%s: already exists; not replacing it", w->path);
		else if (err == -EEXIST)
			log_err(TOPIC, "%s: temporary file %s appeared while saving (another "
				"save to it?); the snapshot is not saved", w->path, w->tmp_path);
		else
			log_err(TOPIC, "%s: cannot give the written snapshot its name %s: %s; the "
				"snapshot is not saved", w->path, w->force ? w->tmp_path : w->path,
				strerror(-err));
		return err;
	}
	w->unnamed = false;
	w->linked_in_place = !w->force;
	return 0;
}

/* Table and header into the temporary file, then to disk. */
static int writer_finish(struct snapfile_writer *w)
{
	uint64_t table_off = ALIGN_UP(w->pos, SNAPFILE_ALIGN);
	size_t table_len = (size_t)w->nr * SNAPFILE_ENTRY_SIZE;
	uint8_t hdr[SNAPFILE_HEADER_SIZE], *table;
	const char *what = "write";
	struct stat mine, there;
	int err, linked = 0;

	table = calloc(1, table_len + 1);
	if (!table)
		return -ENOMEM;
	for (unsigned int i = 0; i < w->nr; i++) {
		uint8_t *e = table + (size_t)i * SNAPFILE_ENTRY_SIZE;

		put_le32(e + E_TYPE, w->secs[i].type);
		put_le32(e + E_INDEX, w->secs[i].index);
		put_le32(e + E_FLAGS, w->secs[i].flags);
		put_le32(e + E_CRC, w->secs[i].crc);
		put_le64(e + E_OFFSET, w->secs[i].offset);
		put_le64(e + E_LENGTH, w->secs[i].length);
	}
	fill_header(w, hdr, table_off, crc32c(0, table, table_len), table_off + table_len);
	/* The file was created empty: the table's end is its end. */
	err = pwrite_all(w->fd, table, table_len, table_off);
	if (!err)
		err = pwrite_all(w->fd, hdr, sizeof(hdr), 0);
	free(table);
	if (!err && fsync(w->fd)) {
		err = -errno;
		what = "sync";
	}
	if (err)
		log_err(TOPIC, "%s: cannot %s %s: %s", w->path, what, writer_file_name(w),
			strerror(-err));
	/* An unnamed file gets its name first: it is gone once closed (logged). */
	else if (w->unnamed)
		linked = writer_link(w);
	if (w->linked_in_place && fstat(w->fd, &mine))
		memset(&mine, 0, sizeof(mine));
	/* Some filesystems (NFS) report write errors only here. */
	if (close(w->fd) && !err && !linked) {
		err = -errno;
		log_err(TOPIC, "%s: cannot close %s: %s", w->path, writer_file_name(w),
			strerror(-err));
		/* Linked at path already: taken away at once, if it is still this file. */
		if (w->linked_in_place) {
			if (!fstatat(w->dir_fd, base_name(w->path), &there, AT_SYMLINK_NOFOLLOW) &&
			    there.st_dev == mine.st_dev && there.st_ino == mine.st_ino &&
			    unlinkat(w->dir_fd, base_name(w->path), 0))
				log_warn(TOPIC, "%s: cannot remove it: %s", w->path, strerror(errno));
			w->linked_in_place = false;
			w->unnamed = true;	/* nothing of ours has a name now */
		}
	}
	w->fd = -1;
	return err ? err : linked;
}

/* Without force, never replace a file that appeared since snapfile_create(). */
static int writer_rename(struct snapfile_writer *w)
{
	const char *from = base_name(w->tmp_path), *to = base_name(w->path);
	struct stat st;
	int err = 0;

	if (w->force) {
		if (renameat(w->dir_fd, from, w->dir_fd, to))
			err = -errno;
	} else if (renameat2(w->dir_fd, from, w->dir_fd, to, RENAME_NOREPLACE)) {
		err = -errno;
		/* Filesystems without RENAME_NOREPLACE: check, then rename. */
		if (err == -EINVAL || err == -ENOSYS) {
			err = 0;
			if (!fstatat(w->dir_fd, to, &st, AT_SYMLINK_NOFOLLOW))
				err = -EEXIST;
			else if (renameat(w->dir_fd, from, w->dir_fd, to))
				err = -errno;
		}
	}
	if (err == -EEXIST)
		log_err(TOPIC, "%s: already exists; not replacing it", w->path);
	else if (err)
		log_err(TOPIC, "%s: cannot rename %s to it: %s", w->path, w->tmp_path,
			strerror(-err));
	return err;
}

int snapfile_commit(struct snapfile_writer *w)
{
	int err;

	if (w->err)
		return w->err;
	if (w->fd < 0) {
		log_err(TOPIC, "%s: snapshot committed twice", w->path);
		return -EINVAL;
	}
	err = writer_finish(w);
	if (!err && !w->linked_in_place)
		err = writer_rename(w);
	if (err)
		goto fail;
	free(w->tmp_path);
	w->tmp_path = NULL;
	/*
	 * The rename is durable only once the directory is. EINVAL: the
	 * filesystem cannot sync directories, there is nothing more to do.
	 */
	if (fsync(w->dir_fd) && errno != EINVAL) {
		err = -errno;
		log_err(TOPIC, "%s: saved, but cannot sync its directory: %s; the snapshot "
			"may be lost if the host crashes now", w->path, strerror(-err));
		goto fail;
	}
	return 0;
fail:
	w->err = err;
	return err;
}

void snapfile_writer_free(struct snapfile_writer *w)
{
	if (w->fd >= 0)
		close(w->fd);
	if (w->tmp_path && !w->unnamed && unlinkat(w->dir_fd, base_name(w->tmp_path), 0) &&
	    errno != ENOENT)
		log_warn(TOPIC, "%s: cannot remove %s: %s", w->path, w->tmp_path, strerror(errno));
	if (w->dir_fd >= 0)
		close(w->dir_fd);
	free(w->path);
	free(w->tmp_path);
	free(w->secs);
	*w = (struct snapfile_writer){ .fd = -1, .dir_fd = -1 };
}

/* ---- reading ---- */

static bool all_zero(const uint8_t *p, size_t n)
{
	static const uint8_t zeros[4096];

	/* memcmp() against zeroes: libc's vector loop, not a byte at a time. */
	for (size_t k; n; p += k, n -= k) {
		k = n < sizeof(zeros) ? n : sizeof(zeros);
		if (memcmp(p, zeros, k))
			return false;
	}
	return true;
}

static int padding_error(const struct snapfile *f, const uint8_t *p, uint64_t off)
{
	size_t i = 0;

	while (!p[i])
		i++;
	log_err(TOPIC, "%s: byte at offset %" PRIu64 " is 0x%02x, not the zero padding "
		"between sections; the file is damaged", f->path, off + i, p[i]);
	return -EBADMSG;
}

/* Checksum [off, off + len) of the file into *crc (or, with crc NULL, check it is zero). */
static int read_range(const struct snapfile *f, uint8_t *buf, uint64_t off, uint64_t len,
		      uint32_t *crc)
{
	uint64_t done = 0;

	while (done < len) {
		size_t n = len - done < CHUNK ? (size_t)(len - done) : CHUNK;
		ssize_t got = pread_all(f->fd, buf, n, off + done);

		if (got < 0) {
			log_err(TOPIC, "%s: cannot read at offset %" PRIu64 ": %s", f->path,
				off + done, strerror((int)-got));
			return (int)got;
		}
		if ((size_t)got < n) {
			log_err(TOPIC, "%s: ends at offset %" PRIu64 ", in the middle of its data "
				"(changed while being read?)", f->path, off + done + (uint64_t)got);
			return -EBADMSG;
		}
		if (crc)
			*crc = crc32c(*crc, buf, n);
		else if (!all_zero(buf, n))
			return padding_error(f, buf, off + done);
		done += n;
	}
	return 0;
}

static int check_crc(const struct snapfile *f, const struct snapfile_section *s, uint8_t *buf)
{
	uint32_t crc = 0;
	int err = read_range(f, buf, s->offset, s->length, &crc);

	if (err)
		return err;
	if (crc != s->crc) {
		log_err(TOPIC, "%s: " SNAPFILE_SEC_FMT ": checksum 0x%08" PRIx32 " does not match "
			"its data (0x%08" PRIx32 "); the file is damaged", f->path, s->type,
			s->index, s->crc, crc);
		return -EBADMSG;
	}
	return 0;
}

/* The fields a reader needs from the header, each checked. */
struct header {
	uint64_t table_off;
	uint32_t nr, table_crc;
};

static int check_header(struct snapfile *f, uint32_t expect_arch, struct header *hd)
{
	uint8_t h[SNAPFILE_HEADER_SIZE];
	uint32_t stored, computed;
	uint64_t size;
	ssize_t got;

	got = pread_all(f->fd, h, sizeof(h), 0);
	if (got < 0) {
		log_err(TOPIC, "%s: cannot read: %s", f->path, strerror((int)-got));
		return (int)got;
	}
	if (got < (ssize_t)sizeof(h)) {
		log_err(TOPIC, "%s: %zd bytes, too short for a snapshot (the header alone is %d); "
			"the file is truncated or not a snapshot", f->path, got,
			SNAPFILE_HEADER_SIZE);
		return -EBADMSG;
	}
	if (memcmp(h + H_MAGIC, SNAPFILE_MAGIC, 8)) {
		log_err(TOPIC, "%s: not a kvmini snapshot (it starts with %02x %02x %02x %02x "
			"%02x %02x %02x %02x, not \"%s\")", f->path, h[0], h[1], h[2], h[3], h[4],
			h[5], h[6], h[7], SNAPFILE_MAGIC);
		return -EBADMSG;
	}
	/* Before the checksum: a newer version may lay out the rest differently. */
	f->version = get_le32(h + H_VERSION);
	if (f->version > SNAPFILE_VERSION) {
		log_err(TOPIC, "%s: format version %" PRIu32 " is newer than this kvmini reads "
			"(%d); use a newer kvmini", f->path, f->version, SNAPFILE_VERSION);
		return -EBADMSG;
	}
	stored = get_le32(h + H_CRC);
	computed = crc32c(0, h, H_CRC);
	if (stored != computed) {
		log_err(TOPIC, "%s: header checksum 0x%08" PRIx32 " does not match the header "
			"(0x%08" PRIx32 "); the file is damaged", f->path, stored, computed);
		return -EBADMSG;
	}
	/* 1: RAM under one checksum, which a restore that reads RAM lazily cannot check. */
	if (f->version == 1) {
		log_err(TOPIC, "%s: format version 1, older than this kvmini reads (%d); "
			"restore it with the kvmini that took it, or take the snapshot again",
			f->path, SNAPFILE_VERSION);
		return -EBADMSG;
	}
	if (f->version != SNAPFILE_VERSION) {
		log_err(TOPIC, "%s: format version %" PRIu32 " was never written by kvmini; "
			"the file is damaged", f->path, f->version);
		return -EBADMSG;
	}
	for (int i = H_RESERVED; i < H_CRC; i++) {
		if (h[i]) {
			log_err(TOPIC, "%s: reserved header byte %d is 0x%02x, not 0; the file "
				"is damaged", f->path, i, h[i]);
			return -EBADMSG;
		}
	}
	f->arch = get_le32(h + H_ARCH);
	if (f->arch != expect_arch) {
		log_err(TOPIC, "%s: a snapshot of an %s VM (architecture %" PRIu32 "); this "
			"kvmini restores %s VMs", f->path, snapfile_arch_name(f->arch), f->arch,
			snapfile_arch_name(expect_arch));
		return -EBADMSG;
	}
	size = get_le64(h + H_FILE_SIZE);
	if (size != f->size) {
		log_err(TOPIC, "%s: %" PRIu64 " bytes, but its header says %" PRIu64 "; the file "
			"was %s (an incomplete copy?)", f->path, f->size, size,
			f->size < size ? "truncated" : "extended");
		return -EBADMSG;
	}
	hd->table_off = get_le64(h + H_TABLE_OFFSET);
	hd->nr = get_le32(h + H_NR_SECTIONS);
	hd->table_crc = get_le32(h + H_TABLE_CRC);
	if (hd->nr > SNAPFILE_MAX_SECTIONS) {
		log_err(TOPIC, "%s: %" PRIu32 " sections, more than the %d a snapshot may have; "
			"the file is damaged", f->path, hd->nr, SNAPFILE_MAX_SECTIONS);
		return -EBADMSG;
	}
	if (hd->table_off < SNAPFILE_HEADER_SIZE || hd->table_off > size ||
	    size - hd->table_off != (uint64_t)hd->nr * SNAPFILE_ENTRY_SIZE ||
	    !IS_ALIGNED(hd->table_off, SNAPFILE_ALIGN)) {
		log_err(TOPIC, "%s: section table at offset %" PRIu64 " with %" PRIu32 " entries "
			"does not fill the end of the file (%" PRIu64 " bytes) from an 8-aligned "
			"offset; the file is damaged", f->path, hd->table_off, hd->nr, size);
		return -EBADMSG;
	}
	return 0;
}

static int load_table(struct snapfile *f, const struct header *hd, uint8_t *buf)
{
	size_t len = (size_t)hd->nr * SNAPFILE_ENTRY_SIZE;
	uint8_t *table = buf;
	uint32_t crc;
	ssize_t got;
	int err = -EBADMSG;

	/* Usually fits the chunk buffer; the largest (65536 entries) is 2.5 MiB. */
	if (len > CHUNK && !(table = malloc(len)))
		return -ENOMEM;
	got = pread_all(f->fd, table, len, hd->table_off);
	if (got != (ssize_t)len) {
		log_err(TOPIC, "%s: cannot read the section table: %s", f->path,
			got < 0 ? strerror((int)-got) : "the file shrank");
		err = got < 0 ? (int)got : -EBADMSG;
		goto out;
	}
	crc = crc32c(0, table, len);
	if (crc != hd->table_crc) {
		log_err(TOPIC, "%s: section table checksum 0x%08" PRIx32 " does not match the "
			"table (0x%08" PRIx32 "); the file is damaged", f->path, hd->table_crc,
			crc);
		goto out;
	}
	f->secs = calloc(hd->nr + 1, sizeof(*f->secs));
	if (!f->secs) {
		err = -ENOMEM;
		goto out;
	}
	for (f->nr = 0; f->nr < hd->nr; f->nr++) {
		const uint8_t *e = table + (size_t)f->nr * SNAPFILE_ENTRY_SIZE;
		struct snapfile_section *s = &f->secs[f->nr];
		uint64_t reserved = get_le64(e + E_RESERVED);

		*s = (struct snapfile_section){
			.type = get_le32(e + E_TYPE), .index = get_le32(e + E_INDEX),
			.flags = get_le32(e + E_FLAGS), .crc = get_le32(e + E_CRC),
			.offset = get_le64(e + E_OFFSET), .length = get_le64(e + E_LENGTH),
		};
		if (reserved || (s->flags & ~SNAPFILE_F_ALL)) {
			log_err(TOPIC, "%s: " SNAPFILE_SEC_FMT ": %s 0x%" PRIx64 "; the file is "
				"damaged or from a newer kvmini", f->path, s->type, s->index,
				reserved ? "reserved field is" : "unknown flags",
				reserved ? reserved : (uint64_t)s->flags);
			goto out;
		}
	}
	err = 0;
out:
	if (table != buf)
		free(table);
	return err;
}

/*
 * Sections in table order, each where the writer puts it: aligned, right
 * after the previous one, the padding between zero. One valid layout, so
 * no byte of the file escapes a check.
 */
static int check_layout(const struct snapfile *f, const struct header *hd, uint8_t *buf)
{
	uint64_t end = SNAPFILE_HEADER_SIZE;
	int err;

	for (unsigned int i = 0; i < f->nr; i++) {
		const struct snapfile_section *s = &f->secs[i];
		uint64_t align = sec_align(s->flags);

		if (!IS_ALIGNED(s->offset, align)) {
			log_err(TOPIC, "%s: " SNAPFILE_SEC_FMT ": offset %" PRIu64 " is not a "
				"multiple of %" PRIu64 "; the file is damaged", f->path, s->type,
				s->index, s->offset, align);
			return -EBADMSG;
		}
		if (s->offset < end) {
			log_err(TOPIC, "%s: " SNAPFILE_SEC_FMT ": offset %" PRIu64 " overlaps %s "
				"(which ends at %" PRIu64 "); the file is damaged", f->path,
				s->type, s->index, s->offset,
				i ? "the previous section" : "the header", end);
			return -EBADMSG;
		}
		if (s->offset > hd->table_off || s->length > hd->table_off - s->offset) {
			log_err(TOPIC, "%s: " SNAPFILE_SEC_FMT ": %" PRIu64 " bytes at offset %"
				PRIu64 " run into the section table at %" PRIu64 "; the file is "
				"damaged", f->path, s->type, s->index, s->length, s->offset,
				hd->table_off);
			return -EBADMSG;
		}
		if (s->offset != ALIGN_UP(end, align)) {
			log_err(TOPIC, "%s: " SNAPFILE_SEC_FMT ": offset %" PRIu64 " leaves a gap "
				"after offset %" PRIu64 " (expected %" PRIu64 "); the file is "
				"damaged",
				f->path, s->type, s->index, s->offset, end, ALIGN_UP(end, align));
			return -EBADMSG;
		}
		err = read_range(f, buf, end, s->offset - end, NULL);
		if (err)
			return err;
		end = s->offset + s->length;
	}
	if (hd->table_off != ALIGN_UP(end, SNAPFILE_ALIGN)) {
		log_err(TOPIC, "%s: section table at offset %" PRIu64 ", not right after the last "
			"section (expected %" PRIu64 "); the file is damaged", f->path,
			hd->table_off, ALIGN_UP(end, SNAPFILE_ALIGN));
		return -EBADMSG;
	}
	return read_range(f, buf, end, hd->table_off - end, NULL);
}

static int sec_cmp(const void *a, const void *b)
{
	const struct snapfile_section *x = a, *y = b;

	if (x->type != y->type)
		return x->type < y->type ? -1 : 1;
	if (x->index != y->index)
		return x->index < y->index ? -1 : 1;
	return 0;
}

static const struct snapfile_section *find(const struct snapfile *f, uint32_t type,
					   uint32_t index);

/* Each LAZY section has its chunk table, sized for it and carrying its crc; no other table exists. */
static int check_chunk_tables(const struct snapfile *f)
{
	unsigned int lazy = 0, tables = 0;

	for (unsigned int i = 0; i < f->nr; i++) {
		const struct snapfile_section *t = &f->secs[i], *s;

		if (t->flags & SNAPFILE_F_LAZY)
			lazy++;
		if (!(t->type & SNAPFILE_CHUNK_TABLE))
			continue;
		tables++;
		s = find(f, t->type & ~SNAPFILE_CHUNK_TABLE, t->index);
		if (!s || !(s->flags & SNAPFILE_F_LAZY) || t->flags ||
		    t->length != snapfile_chunks(s->length) * 4 || t->crc != s->crc) {
			log_err(TOPIC, "%s: " SNAPFILE_SEC_FMT " is not the chunk table of a "
				"lazily read section (%s); the file is damaged", f->path, t->type,
				t->index, !s ? "there is none" : !(s->flags & SNAPFILE_F_LAZY) ?
				"that section is not lazy" : "its size or checksum does not fit");
			return -EBADMSG;
		}
	}
	if (lazy != tables) {
		log_err(TOPIC, "%s: %u lazily read sections but %u chunk tables; the file is "
			"damaged", f->path, lazy, tables);
		return -EBADMSG;
	}
	return 0;
}

int snapfile_open(struct snapfile *f, const char *path, uint32_t expect_arch)
{
	struct header hd = { 0 };
	uint8_t *buf = NULL;
	struct stat st;
	int err;

	*f = (struct snapfile){ .fd = -1 };
	f->path = strdup(path);
	if (!f->path)
		return -ENOMEM;
	/* O_NONBLOCK: a FIFO given by mistake must not hang here (refused below). */
	f->fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (f->fd < 0) {
		err = -errno;
		log_err(TOPIC, "%s: cannot open: %s", path, strerror(-err));
		goto fail;
	}
	if (fstat(f->fd, &st)) {
		err = -errno;
		log_err(TOPIC, "%s: cannot stat: %s", path, strerror(-err));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		log_err(TOPIC, "%s: not a regular file, so not a snapshot", path);
		err = -EBADMSG;
		goto fail;
	}
	f->size = (uint64_t)st.st_size;
	buf = malloc(CHUNK);
	if (!buf) {
		err = -ENOMEM;
		goto fail;
	}
	err = check_header(f, expect_arch, &hd);
	if (!err)
		err = load_table(f, &hd, buf);
	if (!err)
		err = check_layout(f, &hd, buf);
	for (unsigned int i = 0; !err && i < f->nr; i++)
		if (!(f->secs[i].flags & SNAPFILE_F_LAZY))
			err = check_crc(f, &f->secs[i], buf);
	if (err)
		goto fail;
	qsort(f->secs, f->nr, sizeof(*f->secs), sec_cmp);
	for (unsigned int i = 1; i < f->nr; i++) {
		if (!sec_cmp(&f->secs[i - 1], &f->secs[i])) {
			log_err(TOPIC, "%s: " SNAPFILE_SEC_FMT " appears twice; the file is "
				"damaged",
				path, f->secs[i].type, f->secs[i].index);
			err = -EBADMSG;
			goto fail;
		}
	}
	err = check_chunk_tables(f);
	if (err)
		goto fail;
	free(buf);
	return 0;
fail:
	free(buf);
	snapfile_close(f);
	return err;
}

static const struct snapfile_section *find(const struct snapfile *f, uint32_t type,
					   uint32_t index)
{
	struct snapfile_section key = { .type = type, .index = index };

	if (!f->nr)
		return NULL;
	return bsearch(&key, f->secs, f->nr, sizeof(*f->secs), sec_cmp);
}

const struct snapfile_section *snapfile_find(const struct snapfile *f, uint32_t type,
					     uint32_t index)
{
	/* Chunk tables are the file's own: callers reach them through snapfile_chunk_crcs(). */
	return type & SNAPFILE_CHUNK_TABLE ? NULL : find(f, type, index);
}

static int chunk_mismatch(const struct snapfile *f, const struct snapfile_section *s,
			  uint64_t i, size_t n, uint32_t want, uint32_t crc)
{
	log_err(TOPIC, "%s: " SNAPFILE_SEC_FMT ", chunk %" PRIu64 " (%zu bytes at file offset %"
		PRIu64 "): checksum 0x%08" PRIx32 " does not match its data (0x%08" PRIx32 "); "
		"the file is damaged", f->path, s->type, s->index, i, n,
		s->offset + i * CHUNK, want, crc);
	return -EBADMSG;
}

/* A LAZY section read whole into buf: each chunk against its table entry. */
static int check_chunks(const struct snapfile *f, const struct snapfile_section *s,
			const uint8_t *buf)
{
	uint32_t *crcs;
	int err = snapfile_chunk_crcs(f, s, &crcs);

	for (uint64_t i = 0; !err && i < snapfile_chunks(s->length); i++) {
		size_t n = snapfile_chunk_len(s->length, i);
		uint32_t crc = crc32c(0, buf + i * CHUNK, n);

		if (crc != crcs[i])
			err = chunk_mismatch(f, s, i, n, crcs[i], crc);
	}
	free(crcs);
	return err;
}

int snapfile_read(const struct snapfile *f, const struct snapfile_section *s,
		  uint64_t max_len, void **data)
{
	uint8_t *buf;
	uint32_t crc;
	ssize_t got;

	*data = NULL;
	if (s->length > max_len || s->length > PTRDIFF_MAX) {
		log_err(TOPIC, "%s: " SNAPFILE_SEC_FMT ": %" PRIu64 " bytes, more than the %"
			PRIu64 " it may have", f->path, s->type, s->index, s->length, max_len);
		return -EFBIG;
	}
	buf = malloc(s->length ? s->length : 1);
	if (!buf)
		return -ENOMEM;
	got = pread_all(f->fd, buf, s->length, s->offset);
	if (got != (ssize_t)s->length) {
		log_err(TOPIC, "%s: cannot read " SNAPFILE_SEC_FMT ": %s", f->path, s->type,
			s->index, got < 0 ? strerror((int)-got) : "the file shrank");
		free(buf);
		return got < 0 ? (int)got : -EBADMSG;
	}
	if (s->flags & SNAPFILE_F_LAZY) {
		int err = check_chunks(f, s, buf);

		if (err) {
			free(buf);
			return err;
		}
		*data = buf;
		return 0;
	}
	crc = crc32c(0, buf, s->length);
	if (crc != s->crc) {
		log_err(TOPIC, "%s: " SNAPFILE_SEC_FMT ": checksum 0x%08" PRIx32 " does not match "
			"its data (0x%08" PRIx32 "); the file is damaged", f->path, s->type,
			s->index, s->crc, crc);
		free(buf);
		return -EBADMSG;
	}
	*data = buf;
	return 0;
}

int snapfile_chunk_crcs(const struct snapfile *f, const struct snapfile_section *s,
			uint32_t **crcs)
{
	const struct snapfile_section *t = find(f, s->type | SNAPFILE_CHUNK_TABLE, s->index);
	uint64_t n = snapfile_chunks(s->length);
	uint8_t *table;
	int err;

	*crcs = NULL;
	if (!(s->flags & SNAPFILE_F_LAZY) || !t)
		return -EINVAL;	/* snapfile_open() made sure a LAZY section has one */
	err = snapfile_read(f, t, n * 4, (void **)&table);
	if (err)
		return err;
	*crcs = malloc(n ? n * sizeof(**crcs) : 1);
	for (uint64_t i = 0; *crcs && i < n; i++)
		(*crcs)[i] = get_le32(table + i * 4);
	free(table);
	return *crcs ? 0 : -ENOMEM;
}

int snapfile_read_chunk(const struct snapfile *f, const struct snapfile_section *s,
			const uint32_t *crcs, uint64_t i, void *buf, size_t *len)
{
	uint64_t off = i * CHUNK;
	size_t n;
	ssize_t got;
	uint32_t crc;

	if (i >= snapfile_chunks(s->length))
		return -EINVAL;
	n = snapfile_chunk_len(s->length, i);
	got = pread_all(f->fd, buf, n, s->offset + off);
	if (got != (ssize_t)n) {
		log_err(TOPIC, "%s: cannot read " SNAPFILE_SEC_FMT " chunk %" PRIu64 ": %s",
			f->path, s->type, s->index, i,
			got < 0 ? strerror((int)-got) : "the file shrank");
		return got < 0 ? (int)got : -EBADMSG;
	}
	crc = crc32c(0, buf, n);
	if (crc != crcs[i])
		return chunk_mismatch(f, s, i, n, crcs[i], crc);
	*len = n;
	return 0;
}

bool snapfile_chunk_is_hole(const struct snapfile *f, const struct snapfile_section *s,
			    uint64_t i)
{
	off_t start = (off_t)(s->offset + i * CHUNK), data;

	if (i >= snapfile_chunks(s->length))
		return false;
	data = lseek(f->fd, start, SEEK_DATA);
	/* ENXIO: no data from here to the end of the file. */
	if (data < 0)
		return errno == ENXIO;
	return (uint64_t)data >= (uint64_t)start + snapfile_chunk_len(s->length, i);
}

int snapfile_verify(const struct snapfile *f, const struct snapfile_section *s)
{
	uint8_t *buf = malloc(CHUNK);
	uint32_t *crcs = NULL;
	size_t len;
	int err;

	if (!buf)
		return -ENOMEM;
	/* Read once, front to back: let the kernel read ahead further. */
	posix_fadvise(f->fd, (off_t)s->offset, (off_t)s->length, POSIX_FADV_SEQUENTIAL);
	if (!(s->flags & SNAPFILE_F_LAZY)) {
		err = check_crc(f, s, buf);
	} else {
		err = snapfile_chunk_crcs(f, s, &crcs);
		for (uint64_t i = 0; !err && i < snapfile_chunks(s->length); i++)
			err = snapfile_read_chunk(f, s, crcs, i, buf, &len);
	}
	free(crcs);
	free(buf);
	return err;
}

void snapfile_close(struct snapfile *f)
{
	if (f->fd >= 0)
		close(f->fd);
	free(f->path);
	free(f->secs);
	*f = (struct snapfile){ .fd = -1 };
}
