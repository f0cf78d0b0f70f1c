// SPDX-License-Identifier: GPL-2.0-only
/*
 * The BIOS every x86 guest gets (firmware/x86_64/bios.S) and what uses it:
 * the real-mode interrupt vector table pointing at its handlers, its e820
 * table, raw real-mode binaries loaded the way kvmtool loads a -k file
 * that is not a bzImage (1000:0000, stack at 1000:8000), and --firmware,
 * a BIOS of the user's in place of kvmini's.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include <kvmini/kvm.h>
#include <kvmini/loader.h>
#include <kvmini/log.h>
#include <kvmini/vcpu.h>
#include <kvmini/vm.h>

#include "layout.h"
#include "x86_64.h"

#define BIOS_MAGIC		"KVMB"
/* The header bios.S starts with: the magic, then handler offsets. */
#define BIOS_HDR_INT10		4
#define BIOS_HDR_INT15		6
#define BIOS_HDR_DEFAULT	8
#define X86_IVT_VECTORS		256

static uint16_t bios_offset(unsigned int at)
{
	return (uint16_t)(kvmini_bios[at] | kvmini_bios[at + 1] << 8);
}

/* Far pointer F000:offset, as an IVT entry (offset, then segment). */
static void ivt_entry(uint8_t *ivt, unsigned int vector, uint16_t offset)
{
	uint16_t seg = (uint16_t)(X86_BIOS_BASE >> 4);

	memcpy(ivt + 4 * vector, &offset, 2);
	memcpy(ivt + 4 * vector + 2, &seg, 2);
}

int x86_bios_install(struct vm *vm)
{
	uint8_t *bios = guest_mem_ptr(&vm->mem, X86_BIOS_BASE, X86_BIOS_SIZE);
	uint8_t *ivt = guest_mem_ptr(&vm->mem, 0, 4 * X86_IVT_VECTORS);
	uint8_t *table;
	uint32_t n;

	if (kvmini_bios_size != X86_BIOS_SIZE || memcmp(kvmini_bios, BIOS_MAGIC, 4)) {
		log_err("loader", "the embedded BIOS is %zu bytes without its header; kvmini "
			"was built wrong", kvmini_bios_size);
		return -EINVAL;
	}
	if (!bios || !ivt)
		return -EFAULT;
	memcpy(bios, kvmini_bios, X86_BIOS_SIZE);
	table = bios + X86_BIOS_E820_TABLE;
	n = x86_e820(vm->cfg->ram_size, table + 4, X86_BIOS_E820_MAX);
	memcpy(table, &n, 4);
	for (unsigned int v = 0; v < X86_IVT_VECTORS; v++)
		ivt_entry(ivt, v, bios_offset(BIOS_HDR_DEFAULT));
	ivt_entry(ivt, 0x10, bios_offset(BIOS_HDR_INT10));
	ivt_entry(ivt, 0x15, bios_offset(BIOS_HDR_INT15));
	return 0;
}

static struct kvm_segment x86_real_segment(uint16_t selector, bool code)
{
	return (struct kvm_segment){
		.base = (uint64_t)selector << 4, .limit = 0xffff, .selector = selector,
		.type = code ? 11 : 3, .present = 1, .s = 1,
	};
}

/* The BSP in real mode, as after reset, with every segment at `segment`. */
static int x86_enter_real_mode(struct vcpu *bsp, uint16_t segment, uint16_t ip, uint16_t sp)
{
	struct kvm_regs regs = { .rip = ip, .rsp = sp, .rflags = 0x2 };
	struct kvm_sregs sregs;
	int ret = kvm_ioctl(bsp->fd, KVM_GET_SREGS, &sregs);

	if (ret)
		return ret;
	sregs.cs = x86_real_segment(segment, true);
	sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss = x86_real_segment(segment, false);
	sregs.idt.base = 0;
	sregs.idt.limit = 4 * X86_IVT_VECTORS - 1;
	sregs.cr0 &= ~UINT64_C(0x80000001);	/* PG, PE off */
	sregs.efer = 0;
	ret = kvm_ioctl(bsp->fd, KVM_SET_SREGS, &sregs);
	return ret ? ret : kvm_ioctl(bsp->fd, KVM_SET_REGS, &regs);
}

int x86_boot_raw(struct vm *vm, const struct loader_file *image)
{
	void *dst;
	int ret;

	if (image->size > X86_RAW_MAX) {
		log_err("loader", "--kernel %s: %" PRIu64 " bytes, neither a bzImage nor a raw "
			"real-mode binary that fits below 640 KiB from 0x%" PRIx64 " (at most %"
			PRIu64 " bytes)", image->path, image->size, X86_RAW_BASE, X86_RAW_MAX);
		return -EFBIG;
	}
	log_info("loader", "--kernel %s: no bzImage header; loaded as a raw real-mode binary at "
		 "%04x:0000, as kvmtool does", image->path, X86_RAW_SEGMENT);
	if (vm->cfg->initrd_path)
		log_warn("loader", "--initrd %s: ignored with a raw binary (nothing would find it)",
			 vm->cfg->initrd_path);
	if (vm->cfg->params && *vm->cfg->params)
		log_warn("loader", "--params '%s': ignored with a raw binary (it has no command "
			 "line to read)", vm->cfg->params);
	dst = guest_mem_ptr(&vm->mem, X86_RAW_BASE, image->size);
	ret = dst ? loader_read(image, 0, dst, (size_t)image->size) : -EFAULT;
	return ret ? ret : x86_enter_real_mode(vm->vcpus[0], X86_RAW_SEGMENT, 0, X86_RAW_SP);
}

/*
 * --firmware: the user's BIOS in place of kvmini's, placed as a PC's BIOS
 * is, ending at 1 MiB so its last 16 bytes are the reset vector, up to the
 * 128 KiB from 0xe0000 that kvmtool gives one (a 128 KiB image lands where
 * kvmtool puts it). Entered at F000:FFF0 with every segment at F000 and the
 * stack at F000:8000, as kvmtool enters one. kvmini's ACPI tables (at
 * 0xe0000) stay unless the image covers them; the memory map and the
 * interrupt vectors are the firmware's to set up.
 */
int x86_boot_firmware(struct vm *vm)
{
	const char *path = vm->cfg->firmware_path;
	struct loader_file fw = { .fd = -1 };
	void *dst;
	int ret = loader_open("--firmware", path, vm->cfg->ram_size, &fw);

	if (!ret && vm->cfg->params && *vm->cfg->params)
		log_warn("loader", "--params '%s': ignored with --firmware on x86_64 (no boot "
			 "protocol hands a BIOS a command line)", vm->cfg->params);
	if (!ret && fw.size > X86_FIRMWARE_MAX) {
		log_err("loader", "--firmware %s: %" PRIu64 " bytes; x86 firmware ends at 1 MiB "
			"and starts at 0x%" PRIx64 " at the lowest: %" PRIu64 " KiB at most (as "
			"kvmtool)", path, fw.size, X86_FIRMWARE_END - X86_FIRMWARE_MAX,
			X86_FIRMWARE_MAX >> 10);
		ret = -EFBIG;
	}
	if (!ret && fw.size < X86_FIRMWARE_END - X86_BIOS_BASE - X86_RESET_IP) {
		log_err("loader", "--firmware %s: %" PRIu64 " bytes; the CPU starts at the reset "
			"vector F000:FFF0, the image's last 16 bytes, so it needs 16 bytes at "
			"least", path, fw.size);
		ret = -EINVAL;
	}
	if (!ret) {
		dst = guest_mem_ptr(&vm->mem, X86_FIRMWARE_END - fw.size, fw.size);
		ret = dst ? loader_read(&fw, 0, dst, (size_t)fw.size) : -EFAULT;
	}
	if (!ret && X86_FIRMWARE_END - fw.size <= X86_ACPI_BASE)
		log_info("loader", "--firmware %s: covers 0x%" PRIx64 ", where kvmini's ACPI "
			 "tables were; the firmware gives its own", path, X86_ACPI_BASE);
	if (!ret)
		ret = x86_enter_real_mode(vm->vcpus[0], X86_BIOS_BASE >> 4, X86_RESET_IP,
					  X86_FIRMWARE_SP);
	loader_close(&fw);
	return ret;
}
