// SPDX-License-Identifier: GPL-2.0-only
/* Every register of an arm64 vCPU through KVM_GET_REG_LIST and ONE_REG. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <kvmini/kvm.h>
#include <kvmini/log.h>
#include <kvmini/vcpu.h>

#include "regid.h"
#include "regs.h"

int arm64_regs_list(struct vcpu *vcpu, struct arm64_regs *r)
{
	struct kvm_reg_list probe = { .n = 0 };
	struct kvm_reg_list *list;
	int ret;

	memset(r, 0, sizeof(*r));
	/* The first call fails with E2BIG and says how many there are. */
	ret = kvm_ioctl_quiet(vcpu->fd, KVM_GET_REG_LIST, &probe);
	if (ret != -E2BIG) {
		log_err("vcpu", "vCPU %u: KVM_GET_REG_LIST did not report a count (%s)",
			vcpu->id, strerror(-ret));
		return ret ? ret : -EIO;
	}
	list = malloc(sizeof(*list) + probe.n * sizeof(list->reg[0]));
	if (!list)
		return -ENOMEM;
	list->n = probe.n;
	ret = kvm_ioctl(vcpu->fd, KVM_GET_REG_LIST, list);
	if (ret)
		goto out;
	r->n = (unsigned int)list->n;
	r->ids = malloc(r->n * sizeof(*r->ids));
	r->offsets = malloc(r->n * sizeof(*r->offsets));
	if (!r->ids || !r->offsets) {
		ret = -ENOMEM;
		goto out;
	}
	for (unsigned int i = 0; i < r->n; i++) {
		uint64_t id = list->reg[i];
		size_t size = arm64_reg_size(id);

		if (arm64_reg_family(id) == ARM64_REG_UNKNOWN || size > ARM64_REG_MAX_BYTES) {
			log_err("vcpu", "vCPU %u: KVM lists register 0x%016" PRIx64
				" (%zu bytes), of a family kvmini does not know; "
				"refusing to work with an incomplete state", vcpu->id,
				id, size);
			ret = -EPROTO;
			goto out;
		}
		r->ids[i] = id;
		r->offsets[i] = r->bytes;
		r->bytes += size;
	}
	r->vals = calloc(1, r->bytes);
	if (!r->vals)
		ret = -ENOMEM;
out:
	free(list);
	if (ret)
		arm64_regs_free(r);
	return ret;
}

int arm64_regs_list_once(struct vcpu *vcpu, struct arm64_regs *r)
{
	return r->n ? 0 : arm64_regs_list(vcpu, r);
}

int arm64_regs_verify(struct vcpu *from, const struct arm64_regs *r, const char *what)
{
	struct arm64_regs now = *r;
	int ret;

	now.vals = malloc(r->bytes);
	if (!now.vals)
		return -ENOMEM;
	ret = arm64_regs_get(from, &now);
	if (!ret)
		ret = arm64_regs_compare(from, r, &now, what);
	free(now.vals);
	return ret;
}

int arm64_regs_get(struct vcpu *vcpu, struct arm64_regs *r)
{
	for (unsigned int i = 0; i < r->n; i++) {
		int ret = kvm_get_one_reg(vcpu->fd, r->ids[i], r->vals + r->offsets[i]);

		if (ret)
			return ret;
	}
	return 0;
}

/* Is the register compared rather than written for this target? */
static bool arm64_regs_compare_only(uint64_t id, enum arm64_regs_target target)
{
	if (target == ARM64_REGS_SAME_VCPU)
		return arm64_reg_fixed_after_run(id);
	/* A fresh vCPU got its VL set before KVM_ARM_VCPU_FINALIZE. */
	return arm64_reg_family(id) == ARM64_REG_SVE && arm64_reg_fixed_after_run(id);
}

/* One pass over the registers: ID registers only, or all the others. */
static int arm64_regs_set_pass(struct vcpu *vcpu, const struct arm64_regs *r,
			       enum arm64_regs_target target, bool id_regs)
{
	uint8_t now[ARM64_REG_MAX_BYTES];
	char name[48];

	for (unsigned int i = 0; i < r->n; i++) {
		uint64_t id = r->ids[i];
		const uint8_t *val = r->vals + r->offsets[i];
		size_t size = arm64_reg_size(id);
		int ret;

		if (arm64_reg_is_id_reg(id) != id_regs)
			continue;
		if (target == ARM64_REGS_SAME_VCPU && arm64_reg_is_counter(id))
			continue;
		if (arm64_regs_compare_only(id, target)) {
			ret = kvm_get_one_reg(vcpu->fd, id, now);
			if (ret)
				return ret;
			if (memcmp(now, val, size)) {
				arm64_reg_name(id, name, sizeof(name));
				log_err("vcpu", "vCPU %u: %s changed while the vCPU ran, "
					"though KVM fixes it at the first run", vcpu->id, name);
				return -EIO;
			}
			continue;
		}
		ret = kvm_set_one_reg(vcpu->fd, id, val);
		if (ret) {
			arm64_reg_name(id, name, sizeof(name));
			log_err("vcpu", "vCPU %u: writing %s failed", vcpu->id, name);
			return ret;
		}
	}
	return 0;
}

int arm64_regs_set(struct vcpu *vcpu, const struct arm64_regs *r,
		   enum arm64_regs_target target)
{
	int ret = arm64_regs_set_pass(vcpu, r, target, true);

	return ret ? ret : arm64_regs_set_pass(vcpu, r, target, false);
}

int arm64_regs_compare(const struct vcpu *vcpu, const struct arm64_regs *a,
		       const struct arm64_regs *b, const char *what)
{
	char name[48];

	for (unsigned int i = 0; i < a->n; i++) {
		const uint8_t *x = a->vals + a->offsets[i], *y = b->vals + b->offsets[i];
		size_t size = arm64_reg_size(a->ids[i]);

		if (arm64_reg_is_counter(a->ids[i]) || !memcmp(x, y, size))
			continue;
		for (size_t byte = 0; byte < size; byte++) {
			uint8_t ignore = byte == 0 && arm64_reg_is_timer_ctl(a->ids[i]) ?
					 ARM64_TIMER_CTL_ISTATUS : 0;

			if (((x[byte] ^ y[byte]) & ~ignore) == 0)
				continue;
			arm64_reg_name(a->ids[i], name, sizeof(name));
			log_err("vcpu", "vCPU %u: %s: %s byte %zu was 0x%02x, is 0x%02x",
				vcpu->id, what, name, byte, x[byte], y[byte]);
			return -EIO;
		}
	}
	return 0;
}

void arm64_regs_print(const struct arm64_regs *r, FILE *f)
{
	char name[48];

	for (unsigned int i = 0; i < r->n; i++) {
		const uint8_t *v = r->vals + r->offsets[i];
		size_t size = arm64_reg_size(r->ids[i]);

		arm64_reg_name(r->ids[i], name, sizeof(name));
		fprintf(f, "  %-20s ", name);
		if (size <= 8) {
			uint64_t x = 0;

			memcpy(&x, v, size);
			fprintf(f, "0x%0*" PRIx64 "\n", (int)size * 2, x);
			continue;
		}
		/* Wide registers: most significant byte first, as a number. */
		fprintf(f, "0x");
		for (size_t b = size; b-- > 0;)
			fprintf(f, "%02x", v[b]);
		fputc('\n', f);
	}
}

void arm64_regs_free(struct arm64_regs *r)
{
	free(r->ids);
	free(r->offsets);
	free(r->vals);
	memset(r, 0, sizeof(*r));
}
