// SPDX-License-Identifier: GPL-2.0-only
/*
 * A vCPU's MSRs as part of its state. KVM lists the MSRs a VMM should
 * save and restore (KVM_GET_MSR_INDEX_LIST: those the host supports plus
 * those KVM emulates, kvmclock's among them); a vCPU may still refuse some
 * of them for its CPUID, so the first vCPU probes each and the VM keeps
 * the ones it reads. KVM_GET/SET_MSRS return how many they did, which
 * must be all of them (api.rst 4.18, 4.19): anything less is an error
 * naming the MSR.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <kvmini/kvm.h>
#include <kvmini/log.h>

#include "x86_64.h"

/* More than KVM lists (about 150 on 6.12): one retry at most. */
#define X86_MSR_LIST_GUESS	512
/*
 * Hyper-V's synthetic MSRs: KVM lists them whether or not a guest has the
 * enlightenments, and kvmini gives none (no Hyper-V CPUID leaves), so they
 * are no part of its guests' state (some of them count time, too).
 */
#define HV_MSR_FIRST		0x40000000
#define HV_MSR_LAST		0x400000ff

void x86_msr_list_free(struct x86_msr_list *list)
{
	free(list->index);
	list->index = NULL;
	list->n = 0;
}

static int x86_msr_index_list(int kvm_fd, struct kvm_msr_list **out)
{
	for (uint32_t n = X86_MSR_LIST_GUESS;; n *= 2) {
		struct kvm_msr_list *l = calloc(1, sizeof(*l) + n * sizeof(l->indices[0]));
		int ret;

		if (!l)
			return -ENOMEM;
		l->nmsrs = n;
		ret = kvm_ioctl_quiet(kvm_fd, KVM_GET_MSR_INDEX_LIST, l);
		if (!ret) {
			*out = l;
			return 0;
		}
		free(l);
		if (ret != -E2BIG || n > 65536) {
			log_err("kvm", "KVM_GET_MSR_INDEX_LIST failed: %s", strerror(-ret));
			return ret;
		}
	}
}

/* One MSR through KVM_GET_MSRS: 1 read, 0 refused, -errno failed. */
static int x86_msr_readable(int vcpu_fd, uint32_t index)
{
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e;
	} one = { .hdr.nmsrs = 1, .e.index = index };

	return __kvm_ioctl(vcpu_fd, KVM_GET_MSRS, "KVM_GET_MSRS", (unsigned long)&one, true);
}

int x86_msr_list_choose(int kvm_fd, int vcpu_fd, struct x86_msr_list *list)
{
	struct kvm_msr_list *all;
	int ret = x86_msr_index_list(kvm_fd, &all);

	if (ret)
		return ret;
	list->index = calloc(all->nmsrs ? all->nmsrs : 1, sizeof(*list->index));
	list->n = 0;
	if (!list->index)
		ret = -ENOMEM;
	for (uint32_t i = 0; i < all->nmsrs && !ret; i++) {
		int got;

		if (all->indices[i] >= HV_MSR_FIRST && all->indices[i] <= HV_MSR_LAST)
			continue;
		got = x86_msr_readable(vcpu_fd, all->indices[i]);

		if (got == 1)
			list->index[list->n++] = all->indices[i];
		else if (got < 0)
			ret = got;
		else
			log_debug("kvm", "MSR 0x%x: listed by KVM, refused by this vCPU; "
				  "not part of its state", all->indices[i]);
	}
	log_debug("kvm", "%u of %u MSRs KVM lists are part of a vCPU's state", list->n,
		  all->nmsrs);
	free(all);
	if (ret)
		x86_msr_list_free(list);
	return ret;
}

struct kvm_msrs *x86_msrs_alloc(const struct x86_msr_list *list)
{
	struct kvm_msrs *m = calloc(1, sizeof(*m) + list->n * sizeof(m->entries[0]));

	if (!m)
		return NULL;
	m->nmsrs = list->n;
	for (uint32_t i = 0; i < list->n; i++)
		m->entries[i].index = list->index[i];
	return m;
}

int x86_msrs_get(int vcpu_fd, struct kvm_msrs *msrs)
{
	int ret = kvm_ioctl(vcpu_fd, KVM_GET_MSRS, msrs);

	if (ret >= 0 && (uint32_t)ret != msrs->nmsrs) {
		log_err("kvm", "KVM_GET_MSRS read %d of %u MSRs: MSR 0x%x refused", ret,
			msrs->nmsrs, msrs->entries[ret].index);
		return -EIO;
	}
	return ret < 0 ? ret : 0;
}

/* All of them, or all but the TSC (x86_msr_is_clock()). */
int x86_msrs_set(int vcpu_fd, const struct kvm_msrs *msrs, bool with_clocks)
{
	size_t bytes = sizeof(*msrs) + msrs->nmsrs * sizeof(msrs->entries[0]);
	/* Zeroed: KVM_SET_MSRS must see pad and each entry's reserved word as 0. */
	struct kvm_msrs *m = calloc(1, bytes);
	uint32_t n = 0;
	int ret;

	if (!m)
		return -ENOMEM;
	for (uint32_t i = 0; i < msrs->nmsrs; i++)
		if (with_clocks || !x86_msr_is_clock(msrs->entries[i].index))
			m->entries[n++] = msrs->entries[i];
	m->nmsrs = n;
	ret = kvm_ioctl(vcpu_fd, KVM_SET_MSRS, m);
	if (ret >= 0 && (uint32_t)ret != n) {
		log_err("kvm", "KVM_SET_MSRS wrote %d of %u MSRs: MSR 0x%x refused the value "
			"0x%llx", ret, n, m->entries[ret].index,
			(unsigned long long)m->entries[ret].data);
		ret = -EIO;
	}
	free(m);
	return ret < 0 ? ret : 0;
}
