// SPDX-License-Identifier: GPL-2.0-only
/* `kvmini caps` on x86_64: what the host's KVM offers, as text or JSON. */
#include <kvmini/arch.h>
#include <kvmini/kvm.h>

#include "x86_64.h"

int arch_caps_print(int kvm_fd, const char *path, bool json, FILE *f)
{
	struct x86_host h = { 0 };
	struct x86_cpuid cpuid = { 0 };
	int api = kvm_ioctl_val(kvm_fd, KVM_GET_API_VERSION, 0);
	int ret = api < 0 ? api : x86_host_probe(kvm_fd, &h, &cpuid, true);
	/* Whether a snapshot of a host with another TSC rate can run here at its rate. */
	bool tsc_scaling;

	if (ret)
		return ret;
	tsc_scaling = kvm_check_cap(kvm_fd, KVM_CAP_TSC_CONTROL) > 0;
	if (json)
		fprintf(f, "{\"arch\":\"x86_64\",\"api_version\":%d,\"max_vcpus\":%d,"
			"\"cpuid_leaves\":%u,\"xsave\":%s,\"xcr0_supported\":%llu,"
			"\"xsave2_size\":%d,\"amx_permitted\":%s,\"tsc_scaling\":%s}\n", api,
			h.max_vcpus, cpuid.table->nent, h.xsave ? "true" : "false",
			(unsigned long long)h.supported_xcr0, h.xsave_size,
			h.amx_permitted ? "true" : "false", tsc_scaling ? "true" : "false");
	else
		fprintf(f, "What %s offers x86_64 guests:\n"
			"  KVM API version          %d\n"
			"  vCPUs                    %d at most\n"
			"  CPUID leaves             %u\n"
			"  XSAVE                    %s, XCR0 may hold 0x%llx\n"
			"  KVM_GET_XSAVE2 size      %d bytes%s\n"
			"  AMX tile data            %s\n"
			"  TSC rate scaling         %s\n",
			path, api, h.max_vcpus, cpuid.table->nent, h.xsave ? "yes" : "no",
			(unsigned long long)h.supported_xcr0, h.xsave_size,
			h.xsave_size > 0 ? "" : " (no KVM_CAP_XSAVE2: 4096 with KVM_GET_XSAVE)",
			h.amx_permitted ? "yes, guest permission granted" : "no",
			tsc_scaling ? "yes (KVM_CAP_TSC_CONTROL)" :
			"no: snapshots of a slower TSC are refused here");
	x86_cpuid_free(&cpuid);
	return 0;
}
