// SPDX-License-Identifier: GPL-2.0-only
/*
 * Booting Linux on x86_64 through the 64-bit boot protocol
 * (Documentation/arch/x86/boot.rst): the protected-mode kernel of a bzImage
 * at 1 MiB, the initrd at the top of low RAM, the zero page (boot_params)
 * with the setup header, the e820 memory map, the command line and the
 * RSDP's address (the ACPI tables announce the devices); the boot
 * vCPU enters at the 64-bit entry with RSI pointing at the zero page. The
 * other vCPUs wait for the kernel's INIT/SIPI in the in-kernel APIC. A
 * -k file that is no bzImage at all is loaded raw (bios.c), as kvmtool does.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include <kvmini/arch.h>
#include <kvmini/loader.h>
#include <kvmini/log.h>
#include <kvmini/vcpu.h>
#include <kvmini/vm.h>

#include "bzimage.h"
#include "layout.h"
#include "x86_64.h"

/* boot_params offsets (arch/x86/include/uapi/asm/bootparam.h). */
#define BP_ACPI_RSDP_ADDR	0x070
#define BP_EXT_RAMDISK_IMAGE	0x0c0
#define BP_EXT_RAMDISK_SIZE	0x0c4
#define BP_E820_ENTRIES		0x1e8
#define BP_TYPE_OF_LOADER	0x210
#define BP_RAMDISK_IMAGE	0x218
#define BP_RAMDISK_SIZE		0x21c
#define BP_CMD_LINE_PTR		0x228
#define BP_E820_TABLE		0x2d0
#define BP_E820_MAX		128
#define E820_ENTRY_SIZE		20
#define E820_RAM		1
#define E820_RESERVED		2

#define LOADER_UNDEFINED	0xff	/* type_of_loader: a boot loader without an ID */
/* The top of conventional memory, where PCs keep their extended BIOS data. */
#define X86_EBDA_START		UINT64_C(0x9fc00)

static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }	/* x86: little-endian */
static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

static unsigned int e820_add(uint8_t *out, unsigned int n, unsigned int max, uint64_t addr,
			     uint64_t size, uint32_t type)
{
	uint8_t *e = out + n * E820_ENTRY_SIZE;

	if (n >= max)
		return n;
	put64(e, addr);
	put64(e + 8, size);
	put32(e + 16, type);
	return n + 1;
}

/* RAM as arch_vm_add_memory laid it out, less what firmware keeps (EBDA, ACPI, BIOS). */
unsigned int x86_e820(uint64_t ram_size, uint8_t *out, unsigned int max)
{
	uint64_t low_end = ram_size < X86_MMIO_GAP_START ? ram_size : X86_MMIO_GAP_START;
	unsigned int n = 0;

	n = e820_add(out, n, max, 0, X86_EBDA_START, E820_RAM);
	n = e820_add(out, n, max, X86_EBDA_START, 0xa0000 - X86_EBDA_START, E820_RESERVED);
	n = e820_add(out, n, max, X86_ACPI_BASE, X86_IMAGE_BASE - X86_ACPI_BASE, E820_RESERVED);
	n = e820_add(out, n, max, X86_IMAGE_BASE, low_end - X86_IMAGE_BASE, E820_RAM);
	if (ram_size > low_end)
		n = e820_add(out, n, max, X86_MMIO_GAP_END, ram_size - low_end, E820_RAM);
	return n;
}

/* The command line at X86_CMDLINE; -E2BIG beyond what this kernel takes. */
static int x86_linux_cmdline(struct vm *vm, const struct x86_bzimage *img)
{
	size_t len = strlen(vm->cmdline);

	if (img->cmdline_size && len > img->cmdline_size) {
		log_err("vm", "--params: the kernel command line is %zu characters; this "
			"kernel takes at most %u. Shorten it", len, img->cmdline_size);
		return -E2BIG;
	}
	return x86_write(vm, X86_CMDLINE, vm->cmdline, len + 1);
}

static int x86_zero_page(struct vm *vm, const uint8_t *head, const struct x86_bzimage *img,
			 const struct x86_boot_plan *plan, uint64_t initrd_size)
{
	uint8_t *zp = guest_mem_ptr(&vm->mem, X86_ZERO_PAGE, 4096);

	if (!zp)
		return -EFAULT;
	memset(zp, 0, 4096);
	memcpy(zp + X86_SETUP_HDR_OFFSET, head + X86_SETUP_HDR_OFFSET, img->hdr_len);
	zp[BP_TYPE_OF_LOADER] = LOADER_UNDEFINED;
	put32(zp + BP_CMD_LINE_PTR, (uint32_t)X86_CMDLINE);
	put32(zp + BP_RAMDISK_IMAGE, (uint32_t)plan->initrd_addr);
	put32(zp + BP_RAMDISK_SIZE, (uint32_t)initrd_size);
	put32(zp + BP_EXT_RAMDISK_IMAGE, (uint32_t)(plan->initrd_addr >> 32));
	put32(zp + BP_EXT_RAMDISK_SIZE, (uint32_t)(initrd_size >> 32));
	/* Protocol 2.14 reads it here; older kernels find the RSDP by scanning 0xe0000. */
	put64(zp + BP_ACPI_RSDP_ADDR, X86_ACPI_BASE);
	zp[BP_E820_ENTRIES] = (uint8_t)x86_e820(vm->cfg->ram_size, zp + BP_E820_TABLE, BP_E820_MAX);
	return 0;
}

static int x86_load(struct vm *vm, uint64_t gpa, const struct loader_file *f, uint64_t offset,
		    uint64_t len)
{
	void *dst = guest_mem_ptr(&vm->mem, gpa, len);

	return dst ? loader_read(f, offset, dst, (size_t)len) : -EFAULT;
}

int x86_boot_linux(struct vm *vm)
{
	const struct vm_config *cfg = vm->cfg;
	uint64_t low_end = cfg->ram_size < X86_MMIO_GAP_START ? cfg->ram_size : X86_MMIO_GAP_START;
	struct loader_file kernel = { .fd = -1 }, initrd = { .fd = -1 };
	uint8_t head[X86_BZIMAGE_HEAD_SIZE] = { 0 };
	struct x86_bzimage img;
	struct x86_boot_plan plan = { 0 };
	struct kvm_regs regs = { .rflags = 0x2, .rsi = X86_ZERO_PAGE };
	/*
	 * No size limit here: what fits depends on what the file is, and the
	 * raw-binary and boot-plan checks name the limit that applies to it.
	 */
	int ret = loader_open("--kernel", cfg->kernel_path, UINT64_MAX, &kernel);

	if (!ret)
		ret = loader_read(&kernel, 0, head, kernel.size < sizeof(head) ?
				  (size_t)kernel.size : sizeof(head));
	if (!ret)
		ret = x86_bzimage_parse(head, kernel.size < sizeof(head) ? (size_t)kernel.size :
					sizeof(head), kernel.size, "--kernel", cfg->kernel_path, &img);
	if (ret == -ENOEXEC) {
		ret = x86_boot_raw(vm, &kernel);
		loader_close(&kernel);
		return ret;
	}
	if (!ret && cfg->initrd_path)
		ret = loader_open("--initrd", cfg->initrd_path, UINT64_MAX, &initrd);
	if (!ret)
		ret = x86_boot_plan(low_end, &img, cfg->initrd_path ? initrd.size : 0, &plan);
	if (!ret)
		ret = x86_linux_cmdline(vm, &img);
	if (!ret)
		ret = x86_load(vm, plan.kernel_addr, &kernel, img.setup_bytes, img.kernel_size);
	if (!ret && plan.initrd_addr)
		ret = x86_load(vm, plan.initrd_addr, &initrd, 0, initrd.size);
	if (!ret)
		ret = x86_zero_page(vm, head, &img, &plan, plan.initrd_addr ? initrd.size : 0);
	regs.rip = plan.entry;
	if (!ret)
		ret = x86_vcpu_enter_long_mode(vm->vcpus[0], &regs);
	if (!ret)
		log_debug("loader", "bzImage protocol %u.%02u: kernel at 0x%" PRIx64 " (%" PRIu64
			  " bytes), entry 0x%" PRIx64 ", initrd at 0x%" PRIx64, img.version >> 8,
			  img.version & 0xff, plan.kernel_addr, img.kernel_size, plan.entry,
			  plan.initrd_addr);
	loader_close(&initrd);
	loader_close(&kernel);
	return ret;
}
