// SPDX-License-Identifier: GPL-2.0-only
/* Put the kernel, initrd and DTB in guest RAM and point vCPU 0 at the kernel. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <libfdt.h>

#include <kvmini/arch.h>
#include <kvmini/device.h>
#include <kvmini/loader.h>
#include <kvmini/log.h>
#include <kvmini/uart8250.h>
#include <kvmini/vcpu.h>
#include <kvmini/vm.h>

#include "arm64.h"
#include "fdt.h"
#include "image.h"
#include "layout.h"

/* arch/arm64/include/uapi/asm/setup.h: COMMAND_LINE_SIZE. */
const size_t arch_cmdline_max = 2048;

static int arm64_copy_in(struct vm *vm, uint64_t gpa, const void *src, size_t len)
{
	void *dst = guest_mem_ptr(&vm->mem, gpa, len);

	if (!dst)
		return -EFAULT;	/* the boot plan keeps everything in RAM */
	memcpy(dst, src, len);
	return 0;
}

static int arm64_set_entry(struct vcpu *vcpu, uint64_t pc, uint64_t fdt)
{
	const uint64_t zero = 0, pstate = ARM64_PSTATE_BOOT;
	int ret;

	/* booting.rst: x0 = DTB, x1..x3 = 0, EL1h with DAIF masked. */
	ret = kvm_set_one_reg(vcpu->fd, ARM64_CORE_REG(regs.pstate), &pstate);
	if (!ret)
		ret = kvm_set_one_reg(vcpu->fd, ARM64_CORE_REG(regs.regs[0]), &fdt);
	for (int i = 1; i <= 3 && !ret; i++)
		ret = kvm_set_one_reg(vcpu->fd, ARM64_CORE_REG(regs.regs[i]), &zero);
	if (!ret)
		ret = kvm_set_one_reg(vcpu->fd, ARM64_CORE_REG(regs.pc), &pc);
	return ret;
}

/* What boots: the embedded test guest, or files read straight into guest RAM. */
struct arm64_boot_files {
	struct loader_file image;	/* fd -1: the embedded test guest */
	struct loader_file initrd;	/* fd -1: none */
	uint64_t image_size, initrd_size;
};

/* The kernel (or the embedded test guest, or --firmware) and its placement. */
static int arm64_load_plan(struct vm *vm, struct arm64_boot_files *bf,
			   struct arm64_boot_plan *plan)
{
	const struct vm_config *cfg = vm->cfg;
	unsigned char hdr[ARM64_IMAGE_HEADER_SIZE];
	const void *head = kvmini_guest_image;
	struct arm64_image img;
	int ret;

	bf->image_size = kvmini_guest_image_size;
	if (cfg->firmware_path) {
		ret = loader_open("--firmware", cfg->firmware_path, cfg->ram_size, &bf->image);
		if (ret)
			return ret;
		bf->image_size = bf->image.size;
		return arm64_firmware_plan(ARM64_RAM_BASE, cfg->ram_size, bf->image_size, plan);
	}
	if (cfg->kernel_path) {
		ret = loader_open("--kernel", cfg->kernel_path, cfg->ram_size, &bf->image);
		if (!ret) {
			bf->image_size = bf->image.size;
			/* The header only: the image itself goes straight into guest RAM. */
			ret = loader_read(&bf->image, 0, hdr, bf->image_size < sizeof(hdr) ?
					  (size_t)bf->image_size : sizeof(hdr));
		}
		if (ret)
			return ret;
		head = hdr;
	}
	ret = arm64_image_parse(head, bf->image_size, "--kernel",
				cfg->kernel_path ? cfg->kernel_path : "(embedded test guest)", &img);
	if (!ret && cfg->initrd_path) {
		ret = loader_open("--initrd", cfg->initrd_path, cfg->ram_size, &bf->initrd);
		bf->initrd_size = bf->initrd.size;
	}
	return ret ? ret : arm64_boot_plan(ARM64_RAM_BASE, cfg->ram_size, &img, bf->initrd_size,
					   plan);
}

/* All of f into guest RAM at gpa: one copy, from the page cache. */
static int arm64_load_file(struct vm *vm, uint64_t gpa, const struct loader_file *f)
{
	void *dst = guest_mem_ptr(&vm->mem, gpa, f->size);

	return dst ? loader_read(f, 0, dst, (size_t)f->size) : -EFAULT;
}

int arch_vm_boot(struct vm *vm)
{
	struct device *console = vm_find_device(vm, UART8250_TYPE);
	char stdout_path[64];
	const struct vm_config *cfg = vm->cfg;
	struct arm64_boot_files bf = { .image.fd = -1, .initrd.fd = -1 };
	void *fdt = NULL;
	struct arm64_boot_plan plan;
	struct arm64_machine m;
	int ret;

	ret = arm64_load_plan(vm, &bf, &plan);
	if (ret)
		goto out;
	if (console)
		uart8250_fdt_path(console, stdout_path, sizeof(stdout_path));
	m = (struct arm64_machine){
		.ram_base = ARM64_RAM_BASE, .ram_size = cfg->ram_size,
		.nr_cpus = vm->nr_vcpus, .mpidrs = vm->arch->mpidrs,
		.bootargs = vm->cmdline,
		.initrd_start = plan.initrd_addr, .initrd_size = bf.initrd_size,
		.stdout_path = console && cfg->console == CONSOLE_SERIAL ? stdout_path : NULL,
		.devices = vm->devices,
		.gic_dist_base = ARM64_GIC_DIST_BASE,
		.gic_dist_size = ARM64_GIC_DIST_SIZE,
		.gic_redist_base = arm64_gic_redist_base(vm->nr_vcpus),
		.gic_redist_size = vm->nr_vcpus * ARM64_GIC_REDIST_SIZE,
		.its_base = vm->arch->its_fd >= 0 ? arm64_gic_its_base(vm->nr_vcpus) : 0,
		.pmu = vm->arch->shape.pmu,
	};
	fdt = calloc(1, ARM64_FDT_MAX_SIZE);
	if (!fdt) {
		ret = -ENOMEM;
		goto out;
	}
	ret = arm64_fdt_build(&m, fdt, ARM64_FDT_MAX_SIZE);
	if (!ret && cfg->dump_dtb_path) {
		ret = loader_write_file("--dump-dtb", cfg->dump_dtb_path, fdt, fdt_totalsize(fdt));
		if (!ret)
			log_info("loader", "--dump-dtb: the device tree is in %s",
				 cfg->dump_dtb_path);
	}
	if (!ret)
		ret = bf.image.fd >= 0 ? arm64_load_file(vm, plan.kernel_addr, &bf.image) :
		      arm64_copy_in(vm, plan.kernel_addr, kvmini_guest_image, bf.image_size);
	if (!ret && bf.initrd_size)
		ret = arm64_load_file(vm, plan.initrd_addr, &bf.initrd);
	if (!ret)
		ret = arm64_copy_in(vm, plan.fdt_addr, fdt, ARM64_FDT_MAX_SIZE);
	if (!ret)
		ret = arm64_set_entry(vm->vcpus[0], plan.kernel_addr, plan.fdt_addr);
	log_debug("loader", "image at 0x%" PRIx64 ", initrd at 0x%" PRIx64
		  " (%zu bytes), DTB at 0x%" PRIx64, plan.kernel_addr,
		  plan.initrd_addr, (size_t)bf.initrd_size, plan.fdt_addr);
out:
	free(fdt);
	loader_close(&bf.initrd);
	loader_close(&bf.image);
	return ret;
}
