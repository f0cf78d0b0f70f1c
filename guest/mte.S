/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Every MTE instruction the guest executes. C is built for plain ARMv8.0-A,
 * and the assembler takes STG, ST2G, LDG and IRG only for ARMv8.5-A with
 * memtag, so they live here rather than in inline assembly (which would
 * switch the whole C file's assembly to ARMv8.5-A). Tags come and go as one
 * byte per 16-byte granule (lib/mte.h); none of these routines touch data.
 */
#include "lib/mte.h"

	.arch	armv8.5-a+memtag

	.text
/*
 * void mte_set_tags(uintptr_t base, const uint8_t *tags, size_t n)
 *
 * STG and ST2G take the tag from bits [59:56] of their source register, so
 * the tag is inserted into the address itself. An aligned pair of granules
 * (never split by a page boundary) that shares a tag gets one ST2G, so both
 * instructions are exercised; everything else gets STG.
 */
	.globl	mte_set_tags
mte_set_tags:
	cbz	x2, 3f
1:	ldrb	w3, [x1], #1
	bfi	x0, x3, #MTE_TAG_SHIFT, #4
	sub	x2, x2, #1
	tst	x0, #MTE_GRANULE	/* the second granule of a pair */
	b.ne	2f
	cbz	x2, 2f			/* the last granule: no pair */
	ldrb	w4, [x1]
	cmp	w3, w4
	b.ne	2f
	st2g	x0, [x0]
	add	x1, x1, #1
	sub	x2, x2, #1
	add	x0, x0, #2 * MTE_GRANULE
	cbnz	x2, 1b
	ret
2:	stg	x0, [x0]
	add	x0, x0, #MTE_GRANULE
	cbnz	x2, 1b
3:	ret

/*
 * void mte_get_tags(uintptr_t base, uint8_t *tags, size_t n)
 *
 * LDG replaces only bits [59:56] of its destination, so the tag is
 * extracted from there.
 */
	.globl	mte_get_tags
mte_get_tags:
	cbz	x2, 2f
1:	ldg	x3, [x0]
	ubfx	x3, x3, #MTE_TAG_SHIFT, #4
	strb	w3, [x1], #1
	add	x0, x0, #MTE_GRANULE
	subs	x2, x2, #1
	b.ne	1b
2:	ret

/* void mte_irg_tags(uint8_t *tags, size_t n) */
	.globl	mte_irg_tags
mte_irg_tags:
	cbz	x1, 2f
	mov	x2, #0
1:	irg	x3, x2			/* no Xm: only GCR_EL1's exclusions */
	ubfx	x3, x3, #MTE_TAG_SHIFT, #4
	strb	w3, [x0], #1
	subs	x1, x1, #1
	b.ne	1b
2:	ret

	.section .note.GNU-stack, "", %progbits
