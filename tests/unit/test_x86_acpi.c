// SPDX-License-Identifier: GPL-2.0-only
/*
 * The x86_64 ACPI tables: every checksum right, the tables where the RSDP
 * and XSDT say, the FADT hardware-reduced with kvmini's ports, the MADT's
 * CPUs and IOAPIC, and a DSDT naming \_S5, COM1 and each virtio device.
 * With `--dump DIR` it also writes the DSDT there (tests/unit/meson.build
 * has iasl disassemble it).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../../src/arch/x86_64/acpi.h"
#include "../../src/arch/x86_64/layout.h"

#include "tap.h"

#define GPA 0xe0000

static uint8_t buf[X86_ACPI_SIZE];

static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t get32(const uint8_t *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }
static uint64_t get64(const uint8_t *p) { return get32(p) | (uint64_t)get32(p + 4) << 32; }

/* The table at guest address gpa, if it has this signature and a right checksum. */
static const uint8_t *table(uint64_t gpa, const char *sig)
{
	const uint8_t *t;
	uint32_t len;

	if (gpa < GPA || gpa + 36 > GPA + X86_ACPI_SIZE)
		return NULL;
	t = buf + (gpa - GPA);
	len = get32(t + 4);
	if (memcmp(t, sig, 4) || gpa + len > GPA + X86_ACPI_SIZE || x86_acpi_checksum(t, len))
		return NULL;
	return t;
}

static size_t count(const uint8_t *t, uint32_t len, const char *needle)
{
	size_t n = 0, k = strlen(needle);

	for (uint32_t i = 0; i + k <= len; i++)
		n += !memcmp(t + i, needle, k);
	return n;
}

int main(int argc, char **argv)
{
	const struct x86_acpi_virtio virtio[3] = {
		{ 0xd0100000, 0x200, 16 }, { 0xd0100200, 0x200, 17 }, { 0xd0100400, 0x200, 18 },
	};
	const uint8_t *xsdt, *fadt, *madt, *dsdt;
	uint32_t madt_len, dsdt_len;

	ok(x86_acpi_build(buf, GPA, 4, virtio, 3) == 0, "tables for 4 vCPUs and 3 devices");
	ok(!memcmp(buf, "RSD PTR ", 8) && buf[15] == 2 && !x86_acpi_checksum(buf, 20) &&
	   !x86_acpi_checksum(buf, 36), "RSDP 2.0 at the base, both checksums right");
	xsdt = table(get64(buf + 24), "XSDT");
	ok(xsdt && get32(xsdt + 4) == 36 + 16, "XSDT where the RSDP says, two entries");
	fadt = xsdt ? table(get64(xsdt + 36), "FACP") : NULL;
	madt = xsdt ? table(get64(xsdt + 44), "APIC") : NULL;
	ok(fadt && get32(fadt + 4) == 276 && fadt[8] == 6, "FADT revision 6, 276 bytes");
	ok(fadt && (get32(fadt + 112) & (1u << 20)) && (get32(fadt + 112) & (1u << 10)),
	   "FADT: hardware-reduced, reset register supported");
	ok(fadt && get64(fadt + 116 + 4) == X86_RESET_PORT && fadt[116] == 1 &&
	   fadt[128] == X86_RESET_VALUE, "FADT reset register: port 0xcf9, value 6");
	ok(fadt && get64(fadt + 244 + 4) == X86_SLEEP_CONTROL_PORT &&
	   get64(fadt + 256 + 4) == X86_SLEEP_STATUS_PORT,
	   "FADT sleep control and status registers on kvmini's ports");
	dsdt = fadt ? table(get64(fadt + 140), "DSDT") : NULL;
	ok(dsdt && get32(fadt + 40) == get64(fadt + 140), "DSDT where X_DSDT and DSDT say");
	dsdt_len = dsdt ? get32(dsdt + 4) : 0;
	ok(dsdt && count(dsdt, dsdt_len, "_S5_") == 1, "DSDT has \\_S5 (power-off)");
	ok(dsdt && count(dsdt, dsdt_len, "PNP0501") == 1, "DSDT describes COM1");
	ok(dsdt && count(dsdt, dsdt_len, "PNP0B00") == 1, "DSDT describes the CMOS RTC");
	ok(fadt && !(get16(fadt + 109) & (1u << 5)) && fadt[108] == 0x32,
	   "FADT: a CMOS RTC is present, its century register at 0x32");
	ok(dsdt && count(dsdt, dsdt_len, "LNRO0005") == 3, "DSDT: one LNRO0005 device per virtio");
	madt_len = madt ? get32(madt + 4) : 0;
	ok(madt && madt_len == 36 + 8 + 4 * 8 + 12 && get32(madt + 36) == X86_LAPIC_BASE,
	   "MADT: 4 local APICs and an IOAPIC");
	ok(madt && madt[44 + 3 * 8] == 0 && madt[44 + 3 * 8 + 3] == 3 &&
	   madt[44 + 4 * 8] == 1 && get32(madt + 44 + 4 * 8 + 4) == X86_IOAPIC_BASE,
	   "MADT: APIC IDs are the vCPU indexes, the IOAPIC at its address");

	ok(x86_acpi_build(buf, GPA, 0, virtio, 3) == -E2BIG, "0 vCPUs: refused");
	ok(x86_acpi_build(buf, GPA, X86_ACPI_MAX_CPUS + 1, virtio, 3) == -E2BIG,
	   "more vCPUs than 8-bit APIC IDs: refused");
	ok(x86_acpi_build(buf, GPA, X86_ACPI_MAX_CPUS, virtio, 3) == 0,
	   "the most vCPUs fit in the tables' room");
	ok(x86_acpi_build(buf, GPA, 1, virtio, X86_ACPI_MAX_VIRTIO + 1) == -E2BIG,
	   "more virtio devices than the DSDT's room: refused");

	if (argc == 3 && !strcmp(argv[1], "--dump")) {
		char path[4096];
		FILE *f;

		if (x86_acpi_build(buf, GPA, 4, virtio, 3))
			return 1;
		snprintf(path, sizeof(path), "%s/dsdt.dat", argv[2]);
		f = fopen(path, "wb");
		dsdt = table(get64(table(get64(table(get64(buf + 24), "XSDT") + 36), "FACP") + 140),
			     "DSDT");
		if (!f || fwrite(dsdt, 1, get32(dsdt + 4), f) != get32(dsdt + 4) || fclose(f))
			return 1;
	}
	return tap_done();
}
