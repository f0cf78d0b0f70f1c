// SPDX-License-Identifier: GPL-2.0-only
/*
 * Snapshots of x86_64 VMs are not implemented yet: every entry point
 * refuses, naming why, so a save never writes a file a restore would
 * misread. The vCPU state they will save is the one state.c moves.
 */
#include <errno.h>
#include <stdio.h>

#include <kvmini/log.h>
#include <kvmini/snapshot.h>

#define X86_NO_SNAPSHOTS "snapshots of x86_64 VMs are not implemented yet"

int arch_snapshot_savable(const struct vm *vm, char *why, size_t why_len)
{
	(void)vm;
	snprintf(why, why_len, X86_NO_SNAPSHOTS);
	return -EOPNOTSUPP;
}

int arch_snapshot_save(struct vm *vm, struct snapfile_writer *w)
{
	(void)vm; (void)w;
	log_err("snapshot", X86_NO_SNAPSHOTS);
	return -EOPNOTSUPP;
}

int arch_snapshot_flush(struct vm *vm)
{
	(void)vm;
	return -EOPNOTSUPP;
}

int arch_snapshot_check(struct vm *vm, const struct snapfile *f)
{
	(void)vm; (void)f;
	log_err("snapshot", X86_NO_SNAPSHOTS);
	return -EOPNOTSUPP;
}

bool arch_snapshot_memory_lazy(const struct vm *vm)
{
	(void)vm;
	return false;
}

int arch_snapshot_restore_memory(struct vm *vm, const struct snapfile *f)
{
	(void)vm; (void)f;
	return -EOPNOTSUPP;
}

int arch_snapshot_restore(struct vm *vm, const struct snapfile *f)
{
	(void)vm; (void)f;
	return -EOPNOTSUPP;
}
