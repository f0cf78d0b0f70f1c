// SPDX-License-Identifier: GPL-2.0-only
/* The host's ID-register limits, asked of KVM directly (see host_idregs.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <kvmini/kvm.h>
#include <kvmini/log.h>

#include "../../arch/arm64/arm64.h"
#include "../../arch/arm64/cpu_model.h"
#include "host_idregs.h"

struct probe {
	int vcpu_fd;
	unsigned int probed, accepted;
	bool inject;
};

static int write_reg(int vcpu_fd, const struct idreg_desc *d, uint64_t val)
{
	struct kvm_one_reg reg = { .id = idreg_reg_id(d), .addr = (uintptr_t)&val };

	return kvm_ioctl_quiet(vcpu_fd, KVM_SET_ONE_REG, &reg);
}

/* One field: the register at its limit but for a value the rule forbids. */
static int probe_field(struct probe *p, const struct idreg_desc *d, const struct idreg_field *f,
		       uint64_t limit_reg)
{
	uint64_t limit = idreg_field_get(f, limit_reg), bad;
	char want[24], lim[24];
	int ret;

	if (!idreg_rule_forbidden(f, limit, &bad))
		return 0;
	if (p->inject) {
		bad = limit;	/* allowed: KVM takes it, the check must call it wrong */
		p->inject = false;
	}
	p->probed++;
	ret = write_reg(p->vcpu_fd, d, idreg_field_set(f, limit_reg, bad));
	if (ret == -EINVAL || ret == -E2BIG || ret == -EPERM)
		return 0;
	if (ret) {
		log_err("cpu", "%s: KVM_SET_ONE_REG failed: %s", d->name, strerror(-ret));
		return ret;
	}
	idreg_value_format(f, bad, want, sizeof(want));
	idreg_value_format(f, limit, lim, sizeof(lim));
	log_err("cpu", "host KVM accepted %s.%s = %s beyond its limit %s: the rule "
		"(%s) allows %s", d->name, f->name, want, lim, idreg_rule_name(f->rule),
		idreg_rule_text(f->rule));
	p->accepted++;
	/* Back to the limit, so the next field is probed against it alone. */
	return write_reg(p->vcpu_fd, d, limit_reg);
}

int host_idregs_check(int kvm_fd, const struct arch_vm *a, bool inject)
{
	struct probe p = { .inject = inject };
	struct arm64_scratch s;
	struct idreg_host *h;
	int ret;

	if (!a->host.writable_id_regs)
		return 0;	/* nothing is writable: nothing to refuse */
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	ret = arm64_scratch_create(kvm_fd, &a->shape, 0, &s);
	if (ret) {
		free(h);
		return ret;
	}
	ret = arm64_idregs_read_host(s.vm_fd, s.vcpu_fd, true, h);
	p.vcpu_fd = s.vcpu_fd;
	for (unsigned int i = 0; i < IDREG_COUNT && !ret; i++) {
		const struct idreg_desc *d = &idreg_table()[i];

		if (!h->present[i] || (d->flags & (IDREG_UNALLOCATED | IDREG_PER_VCPU)))
			continue;
		for (unsigned int j = 0; j < d->nr_fields && !ret; j++) {
			const struct idreg_field *f = &d->fields[j];

			if ((h->writable[i] & idreg_field_mask(f)) == idreg_field_mask(f))
				ret = probe_field(&p, d, f, h->val[i]);
		}
	}
	arm64_scratch_destroy(&s);
	free(h);
	if (ret)
		return ret;
	if (p.accepted) {
		log_err("cpu", "this host's KVM accepted %u of %u ID register values "
			"its limits forbid: guests could be told of features the host lacks",
			p.accepted, p.probed);
		return -EIO;
	}
	log_debug("cpu", "ID registers: KVM refused all %u values beyond their limits",
		  p.probed);
	return 0;
}
