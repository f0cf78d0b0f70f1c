// SPDX-License-Identifier: GPL-2.0-only
/*
 * MTE for the guest: the choice (on when the host has it and the memory
 * can hold tags), and reading and writing guest allocation tags through
 * KVM_ARM_MTE_COPY_TAGS, one byte per 16-byte granule.
 */
#include <errno.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <kvmini/log.h>
#include <kvmini/vm.h>

#include "arm64.h"
#include "config.h"
#include "mte_range.h"

#define TMPFS_MAGIC_ 0x01021994
#define HUGETLBFS_MAGIC_ 0x958458f6

/*
 * KVM maps guest memory for an MTE VM only from VMAs that can carry tags:
 * anonymous, shmem (tmpfs, memfd) and hugetlbfs. A file on any other
 * filesystem is refused (KVM_SET_USER_MEMORY_REGION: EINVAL); say so first.
 */
static bool arm64_mem_path_holds_tags(const char *path, long *fs_type)
{
	struct statfs st;
	char *copy;
	int ret = statfs(path, &st);

	if (ret < 0 && errno == ENOENT) {	/* not created yet: its directory */
		copy = strdup(path);
		ret = copy ? statfs(dirname(copy), &st) : -1;
		free(copy);
	}
	if (ret < 0)
		return true;	/* the open will fail with a clearer message */
	*fs_type = (long)st.f_type;
	return st.f_type == TMPFS_MAGIC_ || st.f_type == HUGETLBFS_MAGIC_;
}

int arm64_choose_mte(struct arch_vm *a, const struct vm_config *cfg)
{
	enum feature_choice mte = arm64_config_get(cfg)->mte;
	long fs_type = 0;

	if (mte == FEATURE_OFF)
		return 0;
	if (!a->host.mte) {
		if (mte == FEATURE_ON) {
			log_err("vm", "--mte: this host's KVM offers no MTE "
				"(KVM_CAP_ARM_MTE is 0); drop --mte");
			return -EINVAL;
		}
		return 0;
	}
	if (cfg->mem_path && !arm64_mem_path_holds_tags(cfg->mem_path, &fs_type)) {
		if (mte == FEATURE_ON) {
			log_err("vm", "--mte with --mem-path %s: that file is on a "
				"filesystem (type 0x%lx) whose pages cannot hold MTE tags, "
				"and KVM refuses it for an MTE VM; put it on tmpfs or "
				"hugetlbfs, or use --no-mte", cfg->mem_path, fs_type);
			return -EINVAL;
		}
		log_info("vm", "MTE off: --mem-path %s is on a filesystem (type 0x%lx) "
			 "that cannot hold tags", cfg->mem_path, fs_type);
		return 0;
	}
	a->shape.mte = true;
	return 0;
}

int arm64_mte_copy_tags(struct vm *vm, uint64_t ipa, uint64_t len, uint8_t *tags,
			bool to_guest)
{
	char err[160];
	int ret;

	if (!vm->arch->shape.mte)
		return -EOPNOTSUPP;
	ret = arm64_mte_range_check(&vm->mem, ipa, len, (uint64_t)sysconf(_SC_PAGESIZE),
				    err, sizeof(err));
	if (ret) {
		/* Guests choose these ranges: rate-limited. */
		static struct ratelimit rl;

		log_ratelimited(&rl, LOG_ERR, "vm", "MTE tags %s guest memory: %s",
				to_guest ? "into" : "from", err);
		return ret;
	}
	/* KVM may stop part way; it returns the bytes of memory covered so far. */
	while (len) {
		struct kvm_arm_copy_mte_tags copy = {
			.guest_ipa = ipa, .length = len, .addr = tags,
			.flags = to_guest ? KVM_ARM_TAGS_TO_GUEST : KVM_ARM_TAGS_FROM_GUEST,
		};

		ret = kvm_ioctl(vm->vm_fd, KVM_ARM_MTE_COPY_TAGS, &copy);
		if (ret < 0)
			return ret;
		if (ret == 0 || (uint64_t)ret > len || ret % MTE_GRANULE)
			return -EIO;
		ipa += (uint64_t)ret;
		len -= (uint64_t)ret;
		tags += ret / MTE_GRANULE;
	}
	return 0;
}
