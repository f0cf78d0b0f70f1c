/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Snapshots: a paused VM written to one file (snapfile.h: the container,
 * its checksums and atomic replacement) and a new VM made from it.
 *
 * Sections, keyed (type, index):
 *   CONFIG      the `kvmini run` arguments the VM was made from: restore
 *               parses them again, so the new VM has the same machine
 *   MEMORY      guest RAM, one section per region, checked in 1 MiB chunks
 *               (snapfile.h) as restore reads each in at its first touch
 *   MEMORY_MAP  where each MEMORY section goes (gpa, size)
 *   DEVICE      one per device, in the machine's order: its name, then
 *               what its save hook wrote
 *   0x100...    the architecture's own (vCPUs, interrupt controller, ...)
 */
#ifndef KVMINI_SNAPSHOT_H
#define KVMINI_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <kvmini/compiler.h>

struct vm;
struct snapfile;
struct snapfile_writer;
struct state_buf;

enum snapshot_section {
	SNAP_SEC_CONFIG = 1,
	SNAP_SEC_MEMORY = 2,
	SNAP_SEC_MEMORY_MAP = 3,
	SNAP_SEC_DEVICE = 4,
	SNAP_SEC_ARCH = 0x100,		/* first of the architecture's types */
};

/* The biggest non-memory section restore reads (a vCPU with every SVE slice is ~10 KiB). */
#define SNAPSHOT_SECTION_MAX (64u << 20)

/* The longest argument a snapshot's configuration may hold, with its NUL. */
#define SNAPSHOT_ARG_MAX 4096

/* SNAPFILE_ARCH_* of the architecture this kvmini runs. */
uint32_t snapshot_arch(void);

/* Strings in sections: a u32 length and the bytes; get refuses >= max bytes and NULs. */
void snapshot_put_str(struct state_buf *s, const char *str);
int __must_check snapshot_get_str(struct state_buf *s, char *buf, size_t max);

/* A section from what state puts wrote (then freed, written or not). */
int __must_check snapshot_add_state(struct snapfile_writer *w, uint32_t type, uint32_t index,
				    struct state_buf *s);
/*
 * A small section read whole (at most SNAPSHOT_SECTION_MAX; what names it
 * for messages) and s set to read it; free *data after. A missing one is
 * -EBADMSG, logged.
 */
int __must_check snapshot_read_section(const struct snapfile *f, uint32_t type,
				       uint32_t index, const char *what, void **data,
				       struct state_buf *s);

/*
 * The configuration sections: the `kvmini run` arguments (argv[0] is
 * "run"), index 0, and the directory their relative paths are relative to
 * (the process's working directory when saved), index 1 - left out when
 * cwd is NULL (the directory is gone).
 */
int __must_check snapshot_write_config(struct snapfile_writer *w, int argc,
				       char *const *argv, const char *cwd);
/*
 * The `kvmini run` arguments a snapshot was taken with (argv[0] is "run"),
 * checked and copied out; free with snapshot_free_config(). *cwd: the
 * directory they were given in (malloc'd), or NULL when the snapshot does
 * not say (one of an older kvmini).
 */
int __must_check snapshot_read_config(const struct snapfile *f, int *argc, char ***argv,
				      char **cwd);
void snapshot_free_config(int argc, char **argv);

/*
 * Save the VM to path (force: replace an existing file). The caller holds
 * the VM paused (every vCPU parked). Refuses, naming it, a device that
 * cannot save its state. Nothing is at path unless the whole snapshot is.
 * Every failure is logged; why gets a one-line reason for the caller's
 * reply when there is one more telling than the error code (else "").
 */
int __must_check snapshot_save(struct vm *vm, const char *path, bool force,
			       char *why, size_t why_len);

/*
 * Restore, in vm_create()'s order: the memory map's check and the
 * snapshot's RAM mapped over the VM's (before the memslots), then after
 * the vCPUs, the interrupt controller and the devices exist, all their
 * state instead of a boot.
 */
int __must_check snapshot_restore_memory(struct vm *vm);
int __must_check snapshot_restore_state(struct vm *vm);

/*
 * The RAM loader (lazy.c): guest RAM registered with userfaultfd and a
 * thread that fills each 1 MiB chunk at its first touch from the snapshot,
 * checked (crcs: each region's chunk checksums, taken over on success), and
 * checks the untouched chunks in the background; damage stops the VM
 * before the guest runs on it. Fails (-errno, crcs kept) where userfaultfd
 * is not available; snapshot_lazy_stop() before the RAM is unmapped.
 */
struct snapshot_lazy;
int __must_check snapshot_lazy_start(struct vm *vm, const struct snapfile *f, uint32_t **crcs,
				     struct snapshot_lazy **out);
void snapshot_lazy_stop(struct snapshot_lazy *l);
/* --stats: how much RAM the loader read in, mapped as zeros and checked unread. */
void snapshot_lazy_print_stats(struct snapshot_lazy *l, FILE *f);
/* Damage was found (the VM is stopping): RAM read since holds zeros there. */
bool snapshot_lazy_failed(struct snapshot_lazy *l);

/* The architecture's part (arch/<arch>/snapshot.c). */
int __must_check arch_snapshot_save(struct vm *vm, struct snapfile_writer *w);
/*
 * Before anything is written: -EOPNOTSUPP when the machine has something
 * the architecture cannot save, with the reason in why (for the client).
 */
int __must_check arch_snapshot_savable(const struct vm *vm, char *why, size_t why_len);
/*
 * With the vCPUs paused, before RAM is saved: state the architecture keeps
 * in guest RAM (arm64: the ITS's tables, pending LPIs) written there.
 */
int __must_check arch_snapshot_flush(struct vm *vm);
/* Before any VM exists: can this host run the snapshot's vCPUs? (-EINVAL, reported). */
int __must_check arch_snapshot_check(struct vm *vm, const struct snapfile *f);
/* May the VM's RAM be read in as it is first touched? (arm64: not with MTE.) */
bool arch_snapshot_memory_lazy(const struct vm *vm);
/* After the VM's RAM holds the snapshot's contents: tags and the like. */
int __must_check arch_snapshot_restore_memory(struct vm *vm, const struct snapfile *f);
/* vCPUs and the interrupt controller, instead of a boot. */
int __must_check arch_snapshot_restore(struct vm *vm, const struct snapfile *f);

#endif
