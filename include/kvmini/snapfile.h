/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The snapshot file: one file, so a snapshot is one thing to copy, written
 * to a temporary sibling and renamed over its name, so it is replaced
 * atomically: a reader sees the old snapshot or the new one, never half.
 *
 * Layout (all integers little-endian):
 *
 *   0      header, 64 bytes: "KVMINISN", u32 format_version, u32 arch,
 *          u64 table_offset, u32 nr_sections, u32 table_crc, u64 file_size,
 *          20 reserved zero bytes, u32 header_crc (crc32c of bytes 0..59)
 *   64     section data, in table order, each at the first offset after
 *          the previous one aligned to 8, or to SNAPFILE_ALIGN_PAGE for
 *          SNAPFILE_F_LAZY sections (guest memory, which the restorer
 *          mmaps); the padding between is zero
 *   table  at the first 8-aligned offset after the last section, up to the
 *          end of the file: nr_sections entries of 40 bytes: u32 type,
 *          u32 index, u32 flags, u32 crc (crc32c of the data), u64 offset,
 *          u64 length, u64 reserved zero
 *
 * LAZY sections (guest memory) are checked a chunk at a time, so a restorer
 * can check each part just before it first uses it: chunk i is bytes
 * [i * SNAPFILE_CHUNK, (i + 1) * SNAPFILE_CHUNK) of the section (the last
 * may be shorter); its crc32c is entry i (u32) of the section's chunk
 * table, a section of its own keyed (type | SNAPFILE_CHUNK_TABLE, index)
 * and checked at open like any other. The LAZY section's crc is the crc32c
 * of its chunk table (so the two entries carry the same value).
 *
 * The layout is canonical: there is one valid place for every byte, so a
 * reader checks every byte of the file. Every byte is under a checksum or
 * must be zero; LAZY sections' chunks are checked on request only.
 *
 * Section keys are (type, index), unique in a file; types are the callers'
 * (this module only knows them as numbers).
 */
#ifndef KVMINI_SNAPFILE_H
#define KVMINI_SNAPFILE_H

#include <inttypes.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

#include <kvmini/compiler.h>

#define SNAPFILE_MAGIC "KVMINISN"
#define SNAPFILE_VERSION 2
#define SNAPFILE_HEADER_SIZE 64
#define SNAPFILE_ENTRY_SIZE 40

#define SNAPFILE_ARCH_ARM64 1
#define SNAPFILE_ARCH_X86_64 2

/* 64 KiB: the largest page size of the hosts the restorer mmaps on. */
#define SNAPFILE_ALIGN_PAGE 65536
#define SNAPFILE_ALIGN 8

/* A LAZY section's checksum granule, and the type bit of its chunk table's key. */
#define SNAPFILE_CHUNK (1u << 20)
#define SNAPFILE_CHUNK_TABLE 0x80000000u

static inline uint64_t snapfile_chunks(uint64_t len)
{
	return len / SNAPFILE_CHUNK + !!(len % SNAPFILE_CHUNK);
}

/* The length of chunk i (< snapfile_chunks(len)) of len bytes: the last may be shorter. */
static inline size_t snapfile_chunk_len(uint64_t len, uint64_t i)
{
	uint64_t left = len - i * SNAPFILE_CHUNK;

	return left < SNAPFILE_CHUNK ? (size_t)left : SNAPFILE_CHUNK;
}

/* The checksum of n (<= SNAPFILE_CHUNK) zero bytes: a chunk that needs no reading. */
uint32_t snapfile_zeros_crc(size_t n);

/*
 * The section's crc is not checked by snapfile_open() (it would read all
 * of guest memory before a restore can start); snapfile_verify() checks it.
 * The section is aligned to SNAPFILE_ALIGN_PAGE.
 */
#define SNAPFILE_F_LAZY 1u
#define SNAPFILE_F_ALL SNAPFILE_F_LAZY

/*
 * More sections than any VM has, few enough that a damaged count cannot
 * make a reader allocate much (the table is at most 2.5 MiB).
 */
#define SNAPFILE_MAX_SECTIONS 65536

/* snapfile_set_progress() callbacks come after each this many bytes. */
#define SNAPFILE_PROGRESS_STEP (64ULL << 20)

/* "section type 3 index 0": the module does not know type names. */
#define SNAPFILE_SEC_FMT "section type %" PRIu32 " index %" PRIu32

struct snapfile_section {
	uint32_t type, index, flags, crc;
	uint64_t offset, length;
};

/*
 * A progress callback: done of len bytes of the section being added are
 * written. A negative return (-errno) stops the save with that error, so
 * a user can cancel a long one.
 */
typedef int (*snapfile_progress_fn)(void *opaque, uint64_t done, uint64_t len);

struct snapfile_writer {
	int fd;			/* the temporary file; -1 once closed */
	int dir_fd;		/* its directory, fsynced after the rename */
	char *path;		/* the snapshot's name */
	/*
	 * "<dir>/.<base>.tmp-<pid>", a file of ours to remove unless unnamed;
	 * NULL once the snapshot is at path (renamed, or linked there).
	 */
	char *tmp_path;
	bool unnamed;		/* no name of ours (O_TMPFILE not yet linked): nothing to remove */
	bool linked_in_place;	/* the commit linked it at path itself: no rename */
	uint64_t pos;		/* end of the data written so far */
	struct snapfile_section *secs;
	unsigned int nr, cap;
	uint32_t arch;
	int err;		/* first error: later calls return it */
	bool force;		/* replace an existing snapshot at path */
	char why[256];		/* snapfile_create()'s refusal, as logged, without the path */
	snapfile_progress_fn progress;
	void *progress_opaque;
};

/*
 * Start a snapshot at path, written into a file without a name in its
 * directory (O_TMPFILE, mode 0600: it holds guest memory), which the
 * commit links into place: a save killed midway leaves nothing. Where that
 * cannot be (no O_TMPFILE, no /proc, KVMINI_SNAPSHOT_TMPFILE=0), into the
 * temporary sibling "<dir>/.<base>.tmp-<pid>" (O_EXCL; a base too long for
 * that is shortened). With force the unnamed file, too, passes through
 * that name before its rename over the old snapshot. Refuses -EEXIST
 * (logged "<path>: already exists; not replacing it"; the caller says how
 * to force it) when a regular file is at path and !force; anything else at
 * path, with or without force: -EISDIR for a directory, -EINVAL otherwise;
 * -EBUSY when the temporary sibling it would use is already there. Nothing
 * at path changes until snapfile_commit(). On failure w->why holds the
 * reason (as logged, without the path) and w needs no
 * snapfile_writer_free() (calling it is harmless).
 */
int __must_check snapfile_create(struct snapfile_writer *w, const char *path,
				 uint32_t arch, bool force);
/* Call fn while big sections are written (NULL: no callback). */
void snapfile_set_progress(struct snapfile_writer *w, snapfile_progress_fn fn,
			   void *opaque);
/*
 * Append a section: len bytes at data, checksummed while written (in
 * chunks, through short writes and EINTR). Flags: SNAPFILE_F_*. Errors
 * (-EINVAL for a duplicate key or unknown flag, -errno from the write, e.g.
 * -ENOSPC) are logged and latched: later adds and the commit return them.
 */
int __must_check snapfile_add(struct snapfile_writer *w, uint32_t type,
			      uint32_t index, uint32_t flags, const void *data,
			      uint64_t len);
/*
 * The same for data that is mostly never-touched memory: each chunk (up to
 * 1 MiB, in order) for which absent(opaque, p, n) says "these bytes are
 * zeros" is not read and becomes a hole in the file (checksummed as the
 * zeros it reads as). absent must be certain: a chunk it calls absent is
 * lost if it held anything else. A chunk that is read and found all zeros
 * (SNAPFILE_F_LAZY sections, which have a chunk table) is a hole as well.
 */
typedef bool (*snapfile_absent_fn)(void *opaque, const void *p, size_t n);
int __must_check snapfile_add_sparse(struct snapfile_writer *w, uint32_t type,
				     uint32_t index, uint32_t flags, const void *data,
				     uint64_t len, snapfile_absent_fn absent, void *opaque);
/*
 * Write the table and header, fsync the file, give it its name (an
 * unnamed file: linked at path, or with force at its temporary name),
 * close it, rename it over path (unless linked there), fsync the
 * directory. Once it is at path the snapshot is saved (an error after
 * that, from the directory fsync, means it may not be durable yet);
 * before, nothing at path changed (a close that fails after the link at
 * path takes the file away again).
 */
int __must_check snapfile_commit(struct snapfile_writer *w);
/*
 * Remove the temporary file (if not renamed) and free everything; safe
 * after a failure at any step, after a commit, and twice.
 */
void snapfile_writer_free(struct snapfile_writer *w);

struct snapfile {
	int fd;
	char *path;
	uint64_t size;
	uint32_t arch, version;
	struct snapfile_section *secs;	/* sorted by (type, index) */
	unsigned int nr;
};

/*
 * Open and validate a snapshot for a restorer of expect_arch: every field
 * of the header and table, the layout (each section inside the file,
 * aligned, in order, not overlapping the header, the table or another, no
 * duplicate keys), zero reserved fields and padding, the header and table
 * checksums and those of every non-LAZY section. Refuses with -EBADMSG
 * (-errno for I/O errors), logged with the path, what is wrong and the
 * value found; nothing stays open then, and snapfile_close() is harmless.
 */
int __must_check snapfile_open(struct snapfile *f, const char *path,
			       uint32_t expect_arch);
/* The section with this key, or NULL. */
const struct snapfile_section *snapfile_find(const struct snapfile *f,
					     uint32_t type, uint32_t index);
/*
 * Read a section into a malloc()ed buffer (*data, the caller frees it;
 * never NULL on success, even for an empty section), checking its crc
 * again on the bytes returned (the file may have changed since the open).
 * Meant for device state, not guest memory: a section longer than max_len
 * is refused with -EFBIG (logged).
 */
int __must_check snapfile_read(const struct snapfile *f,
			       const struct snapfile_section *s,
			       uint64_t max_len, void **data);
/* Check a section by reading it (a LAZY one chunk by chunk): -EBADMSG naming it if wrong. */
int __must_check snapfile_verify(const struct snapfile *f,
				 const struct snapfile_section *s);
/*
 * A LAZY section's chunk checksums, read from its chunk table and checked
 * again: *crcs (malloc()ed, the caller frees it) holds snapfile_chunks(s->length).
 */
int __must_check snapfile_chunk_crcs(const struct snapfile *f,
				     const struct snapfile_section *s, uint32_t **crcs);
/*
 * Read chunk i of a LAZY section into buf (room for SNAPFILE_CHUNK bytes;
 * *len says how many it has) and check it against crcs[i]: -EBADMSG logged
 * with the file, section, chunk and offset when it does not match.
 */
int __must_check snapfile_read_chunk(const struct snapfile *f,
				     const struct snapfile_section *s, const uint32_t *crcs,
				     uint64_t i, void *buf, size_t *len);
/*
 * Whether chunk i of a section is a hole in the file, which reads as zeros
 * whatever its checksum says: only a hole may be mapped as zeros without
 * reading it (a written chunk whose CRC merely equals that of zeros is
 * data). false when unsure (the filesystem reports no holes).
 */
bool snapfile_chunk_is_hole(const struct snapfile *f, const struct snapfile_section *s,
			    uint64_t i);
/* Safe after a failed open and twice. */
void snapfile_close(struct snapfile *f);

/* "arm64", "x86_64" or "unknown", for messages. */
const char *snapfile_arch_name(uint32_t arch);

#endif
