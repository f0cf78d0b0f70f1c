// SPDX-License-Identifier: GPL-2.0-only
/* `kvmini caps` on arm64: the probe of host.c, as text or JSON. */
#include <kvmini/arch.h>
#include <kvmini/kvm.h>

#include "arm64.h"
#include "sve.h"

static const char *yes_no(bool b)
{
	return b ? "yes" : "no";
}

static void caps_json(const struct arm64_host *h, int api, FILE *f)
{
	bool first = true;

	fprintf(f, "{\"arch\":\"arm64\",\"api_version\":%d,\"nr_vcpus\":%d,"
		"\"max_vcpus\":%d,\"ipa_bits\":%d,\"sve\":{\"supported\":%s,"
		"\"vector_lengths\":[", api, h->nr_vcpus, h->max_vcpus,
		h->ipa_bits > 0 ? h->ipa_bits : 40, h->sve ? "true" : "false");
	for (unsigned int vq = 1; vq <= SVE_VQ_MAX && h->sve; vq++) {
		if (!sve_vls_has(h->sve_vls, vq))
			continue;
		fprintf(f, "%s%u", first ? "" : ",", vq * 128);
		first = false;
	}
	fprintf(f, "]},\"mte\":%s,\"ptrauth\":%s,\"pmu\":%s,\"writable_id_regs\":%s,"
		"\"counter_offset\":%s}\n", h->mte ? "true" : "false",
		h->ptrauth ? "true" : "false", h->pmu ? "true" : "false",
		h->writable_id_regs ? "true" : "false",
		h->counter_offset ? "true" : "false");
}

static void caps_text(const struct arm64_host *h, int api, const char *path, FILE *f)
{
	char vls[256];

	sve_vls_format(h->sve_vls, vls, sizeof(vls));
	fprintf(f, "What %s offers arm64 guests:\n", path);
	fprintf(f, "  KVM API version          %d\n", api);
	fprintf(f, "  vCPUs                    %d recommended, %d at most\n",
		h->nr_vcpus, h->max_vcpus);
	fprintf(f, "  guest physical address   %d bits%s\n",
		h->ipa_bits > 0 ? h->ipa_bits : 40,
		h->ipa_bits > 0 ? "" : " (fixed: no KVM_CAP_ARM_VM_IPA_SIZE)");
	fprintf(f, "  SVE                      %s%s%s\n", yes_no(h->sve),
		h->sve ? ", vector lengths (bits): " : "", h->sve ? vls : "");
	fprintf(f, "  MTE                      %s\n", yes_no(h->mte));
	fprintf(f, "  pointer authentication   %s\n", yes_no(h->ptrauth));
	fprintf(f, "  PMU                      %s\n", yes_no(h->pmu));
	fprintf(f, "  writable ID registers    %s\n", yes_no(h->writable_id_regs));
	fprintf(f, "  VM counter offset        %s\n", yes_no(h->counter_offset));
}

int arch_caps_print(int kvm_fd, const char *path, bool json, FILE *f)
{
	struct arm64_host h;
	int api = kvm_ioctl_val(kvm_fd, KVM_GET_API_VERSION, 0);
	int ret = arm64_host_probe(kvm_fd, &h);

	if (api < 0)
		return api;
	if (ret)
		return ret;
	if (json)
		caps_json(&h, api, f);
	else
		caps_text(&h, api, path, f);
	return 0;
}
