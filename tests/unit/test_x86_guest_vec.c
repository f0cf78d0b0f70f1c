// SPDX-License-Identifier: GPL-2.0-only
/*
 * The x86 test guest's register loads and stores (guest/x86_64/vec.S), run
 * natively on this machine's CPU: what the guest's checks rely on - every
 * register loaded from and stored to its own slot, VPADDQ computing the
 * sums, k0-7 at their width, MXCSR carried - and that a register changed
 * between load and store is what the store finds. The emulated x86 host
 * (QEMU TCG) has no AVX-512, so this is where the AVX-512 code runs here;
 * a machine without it says so in a TAP skip.
 */
#include <cpuid.h>
#include <stdint.h>
#include <string.h>

#include "../../guest/x86_64/vec.h"

#include "tap.h"

#define MXCSR_TEST	0xbfc0u	/* FTZ, RC toward -inf, DAZ, all exceptions masked */

static struct avx512_state augend, addend, found;
static struct vec_state v_augend, v_addend, v_found;

static uint64_t mix(uint64_t x)
{
	x ^= x >> 31;
	x *= 0x7fb5d329728ea185ULL;
	x ^= x >> 27;
	x *= 0x81dadef4bc2dd44dULL;
	return x ^ (x >> 33);
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

static void put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

static uint64_t xgetbv0(void)
{
	uint32_t lo, hi;

	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return (uint64_t)hi << 32 | lo;
}

static void set_mxcsr(uint32_t v)
{
	__asm__ volatile("ldmxcsr %0" : : "m"(v));
}

/* CPUID and the kernel's XCR0 both: the kernel may withhold state. */
static bool os_allows(uint32_t leaf7_ebx_bit, uint64_t xcr0_bits, const char **why)
{
	unsigned int a, b, c, d;

	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_OSXSAVE)) {
		*why = "no OSXSAVE";
		return false;
	}
	if (!__get_cpuid_count(7, 0, &a, &b, &c, &d) || !(b & leaf7_ebx_bit)) {
		*why = "CPUID.(7,0):EBX lacks the feature";
		return false;
	}
	if ((xgetbv0() & xcr0_bits) != xcr0_bits) {
		*why = "the kernel's XCR0 does not enable its state";
		return false;
	}
	return true;
}

static void fill_avx512(uint64_t seed)
{
	for (unsigned int n = 0; n < ZMM_NREGS; n++)
		for (unsigned int w = 0; w < ZMM_BYTES / 8; w++) {
			put64(augend.zmm[n] + 8 * w, mix(seed + 2 * (8 * n + w)));
			put64(addend.zmm[n] + 8 * w, mix(seed + 2 * (8 * n + w) + 1));
		}
	for (unsigned int k = 0; k < OPMASK_NREGS; k++)
		put64(augend.k[k], mix(seed + 1000 + k));
	augend.mxcsr = MXCSR_TEST;
	memset(&found, 0xa5, sizeof(found));
}

/* Which ZMM registers hold augend + addend (bit n: ZMMn does not). */
static uint32_t zmm_wrong(void)
{
	uint32_t bad = 0;

	for (unsigned int n = 0; n < ZMM_NREGS; n++)
		for (unsigned int w = 0; w < ZMM_BYTES / 8; w++)
			if (get64(found.zmm[n] + 8 * w) !=
			    get64(augend.zmm[n] + 8 * w) + get64(addend.zmm[n] + 8 * w))
				bad |= 1U << n;
	return bad;
}

/* Which k registers hold what was loaded, at @bytes wide, zero above. */
static uint32_t k_wrong(unsigned int bytes)
{
	uint64_t keep = bytes == 8 ? ~0ULL : (1ULL << (8 * bytes)) - 1;
	uint32_t bad = 0;

	for (unsigned int k = 0; k < OPMASK_NREGS; k++)
		if (get64(found.k[k]) != (get64(augend.k[k]) & keep))
			bad |= 1U << k;
	return bad;
}

static void test_avx512(void)
{
	const char *why;
	bool bw;

	if (!os_allows(bit_AVX512F, 0xe6, &why)) {
		printf("# AVX-512F: not on this machine (%s)\n", why);
		ok(true, "# SKIP AVX-512 loads and stores: %s", why);
		return;
	}
	bw = os_allows(bit_AVX512BW, 0xe6, &why);

	fill_avx512(1);
	avx512_load_sum(&augend, &addend, bw);
	avx512_store(&found, bw);
	set_mxcsr(0x1f80);
	ok(zmm_wrong() == 0, "ZMM0-31 hold augend + addend (wrong: 0x%08x)", zmm_wrong());
	ok(k_wrong(bw ? 8 : 2) == 0, "k0-7 come back at %u bits (wrong: 0x%02x)", bw ? 64 : 16,
	   k_wrong(bw ? 8 : 2));
	ok(found.mxcsr == MXCSR_TEST, "MXCSR carried (0x%x)", found.mxcsr);

	/* KMOVW: the low 16 bits only, the rest of each slot stored as zero. */
	fill_avx512(2);
	avx512_load_sum(&augend, &addend, false);
	avx512_store(&found, false);
	set_mxcsr(0x1f80);
	ok(k_wrong(2) == 0, "16-bit k0-7 (AVX-512F without BW): low bits back, zero above");

	/* A change between load and store is what the store finds. */
	fill_avx512(3);
	avx512_load_sum(&augend, &addend, bw);
	/* No clobbers named: built without -mavx512f, the compiler never uses them. */
	__asm__ volatile("vpxorq %%zmm17, %%zmm17, %%zmm17" ::: "memory");
	__asm__ volatile("kxorw %%k5, %%k5, %%k5" ::: "memory");
	avx512_store(&found, bw);
	set_mxcsr(0x1f80);
	ok(zmm_wrong() == 1U << 17 && get64(found.zmm[17]) == 0 && get64(found.zmm[17] + 56) == 0,
	   "ZMM17 zeroed in between: the store sees it, and only it (wrong: 0x%08x)", zmm_wrong());
	ok(k_wrong(bw ? 8 : 2) == 1U << 5 && get64(found.k[5]) == 0,
	   "k5 zeroed in between: the store sees it, and only it");
}

static void test_avx2(void)
{
	const char *why;
	bool sums = true;

	if (!os_allows(bit_AVX2, 0x6, &why)) {
		ok(true, "# SKIP AVX2 loads and stores: %s", why);
		return;
	}
	for (unsigned int n = 0; n < VEC_NREGS; n++)
		for (unsigned int w = 0; w < YMM_BYTES / 8; w++) {
			put64(&v_augend.reg[n][8 * w], mix(5000 + 2 * (4 * n + w)));
			put64(&v_addend.reg[n][8 * w], mix(5001 + 2 * (4 * n + w)));
		}
	v_augend.mxcsr = MXCSR_TEST;
	memset(&v_found, 0xa5, sizeof(v_found));
	avx2_load_sum(&v_augend, &v_addend);
	avx_store(&v_found);
	set_mxcsr(0x1f80);
	for (unsigned int n = 0; n < VEC_NREGS; n++)
		for (unsigned int w = 0; w < YMM_BYTES / 8; w++)
			sums &= get64(&v_found.reg[n][8 * w]) ==
				get64(&v_augend.reg[n][8 * w]) + get64(&v_addend.reg[n][8 * w]);
	ok(sums && v_found.mxcsr == MXCSR_TEST, "YMM0-15 hold augend + addend, MXCSR carried");
}

int main(void)
{
	test_avx512();
	test_avx2();
	return tap_done();
}
