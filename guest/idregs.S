/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * uint64_t idreg_read(unsigned int index): MRS of S3_0_C0_C<index / 8>_<index % 8>,
 * the feature-ID register space. MRS takes its register as an immediate,
 * so this is a table of 64 two-instruction entries, entered by index.
 */
	.text
	.globl	idreg_read
	.type	idreg_read, %function
idreg_read:
	and	x0, x0, #63
	adr	x1, 1f
	add	x1, x1, x0, lsl #3
	br	x1
	.balign	8
1:
	.irp	crm, 0,1,2,3,4,5,6,7
	.irp	op2, 0,1,2,3,4,5,6,7
	mrs	x0, S3_0_C0_C\crm\()_\op2
	ret
	.endr
	.endr
	.size	idreg_read, . - idreg_read

	.section .note.GNU-stack, "", %progbits
