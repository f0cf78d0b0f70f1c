// SPDX-License-Identifier: GPL-2.0-only
/*
 * ACPI tables (ACPI 6.x; see acpi.h). Hardware-reduced: no SCI, PM timer
 * or fixed-event registers, so the guest needs none of the legacy PM
 * block; it powers off through SLEEP_CONTROL_REG with \_S5's type and
 * resets through RESET_REG.
 */
#include <errno.h>
#include <string.h>

#include <kvmini/mc146818.h>

#include "acpi.h"
#include "layout.h"

#define ACPI_OEM_ID		"KVMINI"
#define ACPI_OEM_TABLE_ID	"KVMINI  "
#define ACPI_HEADER_SIZE	36

/* Offsets in the tables (ACPI 6.x, 5.2.9 FADT; 5.2.12 MADT). */
#define FADT_SIZE		276
#define FADT_REVISION		6
#define FADT_DSDT		40
#define FADT_CENTURY		108
#define FADT_IAPC_BOOT_ARCH	109
#define FADT_FLAGS		112
#define FADT_RESET_REG		116
#define FADT_RESET_VALUE	128
#define FADT_MINOR_VERSION	131
#define FADT_X_DSDT		140
#define FADT_SLEEP_CONTROL	244
#define FADT_SLEEP_STATUS	256
#define FADT_HYPERVISOR_ID	268

#define FADT_F_PWR_BUTTON	(1u << 4)	/* no fixed power button */
#define FADT_F_SLP_BUTTON	(1u << 5)	/* no fixed sleep button */
#define FADT_F_RESET_REG_SUP	(1u << 10)
#define FADT_F_HW_REDUCED	(1u << 20)
#define IAPC_VGA_NOT_PRESENT	(1u << 2)

#define MADT_PCAT_COMPAT	1u	/* KVM's irqchip has the dual 8259s too */
#define MADT_LAPIC		0
#define MADT_IOAPIC		1

#define GAS_SYSTEM_IO		1
#define GAS_ACCESS_BYTE		1

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint32_t v) { put16(p, (uint16_t)v); put16(p + 2, (uint16_t)(v >> 16)); }
static void put64(uint8_t *p, uint64_t v) { put32(p, (uint32_t)v); put32(p + 4, (uint32_t)(v >> 32)); }

uint8_t x86_acpi_checksum(const uint8_t *p, size_t len)
{
	uint8_t sum = 0;

	while (len--)
		sum = (uint8_t)(sum + *p++);
	return (uint8_t)-sum;
}

/* A table's standard header; the checksum is set by acpi_finish(). */
static void acpi_header(uint8_t *t, const char sig[4], uint32_t len, uint8_t revision)
{
	memcpy(t, sig, 4);
	put32(t + 4, len);
	t[8] = revision;
	memcpy(t + 10, ACPI_OEM_ID, 6);
	memcpy(t + 16, ACPI_OEM_TABLE_ID, 8);
	put32(t + 24, 1);			/* OEM revision */
	memcpy(t + 28, "KVMI", 4);		/* creator ID */
	put32(t + 32, 1);			/* creator revision */
}

static void acpi_finish(uint8_t *t, uint32_t len)
{
	t[9] = 0;
	t[9] = x86_acpi_checksum(t, len);
}

/* A Generic Address Structure for an 8-bit I/O port. */
static void acpi_gas_port8(uint8_t *g, uint16_t port)
{
	g[0] = GAS_SYSTEM_IO;
	g[1] = 8;		/* bit width */
	g[2] = 0;		/* bit offset */
	g[3] = GAS_ACCESS_BYTE;
	put64(g + 4, port);
}

/*
 * Name (_S5, Package () { 5, 5, 0, 0 }): the sleep type the guest writes
 * to power off (kvmini powers off on any SLP_EN write; the value only has
 * to exist). AML: NameOp "_S5_" PackageOp PkgLength NumElements
 * BytePrefix 5 BytePrefix 5 ZeroOp ZeroOp.
 */
static const uint8_t aml_s5[] = {
	0x08, '_', 'S', '5', '_', 0x12, 0x08, 0x04, 0x0a, 0x05, 0x0a, 0x05, 0x00, 0x00,
};

/* AML opcodes (ACPI 6.x, 20.2). */
#define AML_NAME		0x08
#define AML_SCOPE		0x10
#define AML_BUFFER		0x11
#define AML_STRING		0x0d
#define AML_BYTE		0x0a
#define AML_EXT_PREFIX		0x5b
#define AML_DEVICE		0x82
#define AML_ROOT		0x5c

/* Resource descriptors (ACPI 6.x, 6.4.3). */
#define RES_MEMORY32_FIXED	0x86
#define RES_EXT_IRQ		0x89
#define RES_END_TAG		0x79
#define RES_IO_PORT		0x47
#define RES_IO_DECODE16		0x01
#define RES_EXT_IRQ_LEVEL	0x01	/* consumer, level-triggered, active high, exclusive */
#define RES_EXT_IRQ_EDGE	0x03	/* consumer, edge-triggered, active high, exclusive */

/* An AML byte stream being written; overflow is remembered, not written. */
struct aml {
	uint8_t *p;
	size_t len, cap;
};

static void aml_bytes(struct aml *a, const void *src, size_t n)
{
	if (a->len + n <= a->cap)
		memcpy(a->p + a->len, src, n);
	a->len += n;
}

static void aml_byte(struct aml *a, uint8_t b)
{
	aml_bytes(a, &b, 1);
}

/*
 * A PkgLength for `body` bytes that follow it (it counts itself too):
 * one byte up to 63 in all, else two (12 bits), which is all kvmini needs.
 */
static void aml_pkglength(struct aml *a, size_t body)
{
	if (body + 1 <= 0x3f) {
		aml_byte(a, (uint8_t)(body + 1));
	} else {
		size_t len = body + 2;

		aml_byte(a, (uint8_t)(0x40 | (len & 0xf)));
		aml_byte(a, (uint8_t)(len >> 4));
	}
}

static void aml_name_string(struct aml *a, const char seg[4], const char *str)
{
	aml_byte(a, AML_NAME);
	aml_bytes(a, seg, 4);
	aml_byte(a, AML_STRING);
	aml_bytes(a, str, strlen(str) + 1);
}

static void aml_name_byte(struct aml *a, const char seg[4], uint8_t v)
{
	aml_byte(a, AML_NAME);
	aml_bytes(a, seg, 4);
	aml_byte(a, AML_BYTE);
	aml_byte(a, v);
}

/* Name (_CRS, ResourceTemplate () { ... }) from resource descriptors, end tag added. */
static void aml_crs(struct aml *a, const uint8_t *res, size_t len)
{
	size_t size = len + 2;

	aml_byte(a, AML_NAME);
	aml_bytes(a, "_CRS", 4);
	aml_byte(a, AML_BUFFER);
	aml_pkglength(a, 2 + size);
	aml_byte(a, AML_BYTE);
	aml_byte(a, (uint8_t)size);
	aml_bytes(a, res, len);
	aml_byte(a, RES_END_TAG);
	aml_byte(a, 0);			/* checksum 0: "treat as correct" */
}

/* An Extended Interrupt descriptor for one GSI. */
static void res_irq(uint8_t *r, uint8_t flags, uint32_t gsi)
{
	r[0] = RES_EXT_IRQ;
	put16(r + 1, 6);
	r[3] = flags;
	r[4] = 1;			/* one interrupt */
	put32(r + 5, gsi);
}

/* Device (seg) { _HID hid, _UID uid, _CRS res }, appended to a. */
static void aml_device(struct aml *a, const char seg[4], const char *hid, uint8_t uid,
		       const uint8_t *res, size_t res_len)
{
	uint8_t body[96];
	struct aml dev = { .p = body, .cap = sizeof(body) };

	aml_bytes(&dev, seg, 4);
	aml_name_string(&dev, "_HID", hid);
	aml_name_byte(&dev, "_UID", uid);
	aml_crs(&dev, res, res_len);
	aml_byte(a, AML_EXT_PREFIX);
	aml_byte(a, AML_DEVICE);
	aml_pkglength(a, dev.len);
	aml_bytes(a, body, dev.len);
}

/*
 * COM1: without the legacy PIC (hardware-reduced ACPI) Linux maps no ISA
 * interrupt by itself, so the 8250's IRQ 4 reaches it only through this
 * description (8250_pnp binds PNP0501).
 */
static void aml_com1(struct aml *a)
{
	uint8_t res[8 + 9] = {
		RES_IO_PORT, RES_IO_DECODE16,
		X86_COM1_PORT & 0xff, X86_COM1_PORT >> 8,	/* minimum */
		X86_COM1_PORT & 0xff, X86_COM1_PORT >> 8,	/* maximum */
		1, 8,						/* alignment, length */
	};

	res_irq(res + 8, RES_EXT_IRQ_EDGE, X86_COM1_IRQ);
	aml_device(a, "COM1", "PNP0501", 0, res, sizeof(res));
}

/* The CMOS RTC (PNP0B00): rtc-cmos takes its interrupt, IRQ 8, from here, as COM1's. */
static void aml_rtc(struct aml *a)
{
	uint8_t res[8 + 9] = {
		RES_IO_PORT, RES_IO_DECODE16,
		X86_RTC_PORT & 0xff, X86_RTC_PORT >> 8,		/* minimum */
		X86_RTC_PORT & 0xff, X86_RTC_PORT >> 8,		/* maximum */
		1, MC146818_PORTS,				/* alignment, length */
	};

	res_irq(res + 8, RES_EXT_IRQ_EDGE, X86_RTC_IRQ);
	aml_device(a, "RTC_", "PNP0B00", 0, res, sizeof(res));
}

/* Device (VRnn) { _HID "LNRO0005", _UID n, _CRS: the registers and the interrupt }. */
static void aml_virtio_device(struct aml *a, unsigned int n, const struct x86_acpi_virtio *v)
{
	const char seg[4] = { 'V', 'R', (char)('0' + n / 10), (char)('0' + n % 10) };
	uint8_t res[12 + 9];

	res[0] = RES_MEMORY32_FIXED;
	put16(res + 1, 9);
	res[3] = 1;			/* read/write */
	put32(res + 4, v->base);
	put32(res + 8, v->size);
	res_irq(res + 12, RES_EXT_IRQ_LEVEL, v->gsi);
	aml_device(a, seg, "LNRO0005", (uint8_t)n, res, sizeof(res));
}

/* \_S5 and Scope (\_SB) { COM1, the RTC, the virtio-mmio devices }; -E2BIG if it does not fit. */
static int acpi_dsdt(uint8_t *t, size_t cap, const struct x86_acpi_virtio *virtio,
		     unsigned int nr_virtio, uint32_t *out_len)
{
	uint8_t scope_body[(X86_ACPI_MAX_VIRTIO + 2) * 80];
	struct aml scope = { .p = scope_body, .cap = sizeof(scope_body) };
	struct aml a = { .p = t + ACPI_HEADER_SIZE, .cap = cap - ACPI_HEADER_SIZE };

	aml_bytes(&a, aml_s5, sizeof(aml_s5));
	aml_byte(&scope, AML_ROOT);
	aml_bytes(&scope, "_SB_", 4);
	aml_com1(&scope);
	aml_rtc(&scope);
	for (unsigned int i = 0; i < nr_virtio; i++)
		aml_virtio_device(&scope, i, &virtio[i]);
	if (scope.len > scope.cap)
		return -E2BIG;
	aml_byte(&a, AML_SCOPE);
	aml_pkglength(&a, scope.len);
	aml_bytes(&a, scope_body, scope.len);
	if (a.len > a.cap)
		return -E2BIG;
	*out_len = (uint32_t)(ACPI_HEADER_SIZE + a.len);
	acpi_header(t, "DSDT", *out_len, 2);
	acpi_finish(t, *out_len);
	return 0;
}

static uint32_t acpi_fadt(uint8_t *t, uint64_t dsdt)
{
	acpi_header(t, "FACP", FADT_SIZE, FADT_REVISION);
	put32(t + FADT_DSDT, (uint32_t)dsdt);
	t[FADT_CENTURY] = MC146818_CENTURY;
	put16(t + FADT_IAPC_BOOT_ARCH, IAPC_VGA_NOT_PRESENT);
	put32(t + FADT_FLAGS, FADT_F_PWR_BUTTON | FADT_F_SLP_BUTTON | FADT_F_RESET_REG_SUP |
			      FADT_F_HW_REDUCED);
	acpi_gas_port8(t + FADT_RESET_REG, X86_RESET_PORT);
	t[FADT_RESET_VALUE] = X86_RESET_VALUE;
	t[FADT_MINOR_VERSION] = 0;
	put64(t + FADT_X_DSDT, dsdt);
	acpi_gas_port8(t + FADT_SLEEP_CONTROL, X86_SLEEP_CONTROL_PORT);
	acpi_gas_port8(t + FADT_SLEEP_STATUS, X86_SLEEP_STATUS_PORT);
	memcpy(t + FADT_HYPERVISOR_ID, "KVMINI\0\0", 8);
	acpi_finish(t, FADT_SIZE);
	return FADT_SIZE;
}

static uint32_t acpi_madt(uint8_t *t, unsigned int nr_cpus)
{
	uint32_t len = ACPI_HEADER_SIZE + 8;

	put32(t + ACPI_HEADER_SIZE, (uint32_t)X86_LAPIC_BASE);
	put32(t + ACPI_HEADER_SIZE + 4, MADT_PCAT_COMPAT);
	for (unsigned int i = 0; i < nr_cpus; i++, len += 8) {
		t[len] = MADT_LAPIC;
		t[len + 1] = 8;
		t[len + 2] = (uint8_t)i;	/* ACPI processor UID */
		t[len + 3] = (uint8_t)i;	/* APIC ID: the vCPU index (cpuid.c) */
		put32(t + len + 4, 1);		/* enabled */
	}
	t[len] = MADT_IOAPIC;
	t[len + 1] = 12;
	t[len + 2] = (uint8_t)nr_cpus;		/* an ID no local APIC has */
	t[len + 3] = 0;
	put32(t + len + 4, (uint32_t)X86_IOAPIC_BASE);
	put32(t + len + 8, 0);			/* its pins are GSIs 0-23 */
	len += 12;
	acpi_header(t, "APIC", len, 5);
	acpi_finish(t, len);
	return len;
}

static uint64_t align8(uint64_t v)
{
	return (v + 7) & ~UINT64_C(7);
}

int x86_acpi_build(uint8_t *buf, uint64_t gpa, unsigned int nr_cpus,
		   const struct x86_acpi_virtio *virtio, unsigned int nr_virtio)
{
	/* RSDP, then the XSDT with its two entries, then the tables it names. */
	const uint64_t rsdp = 0, xsdt = 64, xsdt_len = ACPI_HEADER_SIZE + 2 * 8;
	uint64_t fadt = align8(xsdt + xsdt_len), dsdt = align8(fadt + FADT_SIZE), madt;
	uint32_t dsdt_len;

	if (nr_cpus == 0 || nr_cpus > X86_ACPI_MAX_CPUS || nr_virtio > X86_ACPI_MAX_VIRTIO)
		return -E2BIG;
	memset(buf, 0, X86_ACPI_SIZE);
	if (acpi_dsdt(buf + dsdt, X86_ACPI_SIZE - dsdt, virtio, nr_virtio, &dsdt_len))
		return -E2BIG;
	madt = align8(dsdt + dsdt_len);
	if (madt + ACPI_HEADER_SIZE + 8 + 8 * nr_cpus + 12 > X86_ACPI_SIZE)
		return -E2BIG;
	acpi_fadt(buf + fadt, gpa + dsdt);
	acpi_madt(buf + madt, nr_cpus);

	acpi_header(buf + xsdt, "XSDT", (uint32_t)xsdt_len, 1);
	put64(buf + xsdt + ACPI_HEADER_SIZE, gpa + fadt);
	put64(buf + xsdt + ACPI_HEADER_SIZE + 8, gpa + madt);
	acpi_finish(buf + xsdt, (uint32_t)xsdt_len);

	/* RSDP 2.0: the first 20 bytes have a checksum, all 36 an extended one. */
	memcpy(buf + rsdp, "RSD PTR ", 8);
	memcpy(buf + rsdp + 9, ACPI_OEM_ID, 6);
	buf[rsdp + 15] = 2;				/* revision: XSDT present */
	put32(buf + rsdp + 20, 36);			/* length */
	put64(buf + rsdp + 24, gpa + xsdt);
	buf[rsdp + 8] = x86_acpi_checksum(buf + rsdp, 20);
	buf[rsdp + 32] = x86_acpi_checksum(buf + rsdp, 36);
	return 0;
}
