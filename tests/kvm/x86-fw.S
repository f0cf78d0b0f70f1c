/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A 64 KiB firmware image for x86 kvmini's --firmware, as kvmtool loads
 * one: at 0xf0000, entered in real mode at the reset vector F000:FFF0.
 * With no BIOS under it, it writes to COM1's ports itself, says where it
 * started, finds kvmini's ACPI RSDP in the BIOS area below it, and powers
 * off through the ACPI sleep register. Built linked at 0 and flat
 * (tests/kvm/x86-linux.sh).
 */
#define COM1		0x3f8
#define COM1_LSR	(COM1 + 5)
#define LSR_THRE	0x20

	.code16
	.text
	.globl	_start
_start:
	cli
	/* The stack kvmtool gives a firmware: F000:8000, inside the image. */
	mov	%cs, %ax
	mov	%ax, %ds
	cmp	$0xf000, %ax
	jne	bad
	cmpw	$0x8000, %sp
	jne	bad
	mov	$hello, %si
	call	puts
	/* "RSD PTR " on a 16-byte boundary in 0xe0000-0xfffff (ACPI 5.2.5.1). */
	mov	$0xe000, %ax
	mov	%ax, %es
	xor	%di, %di
scan:
	cmpl	$0x20445352, %es:(%di)		/* "RSD " */
	jne	1f
	cmpl	$0x20525450, %es:4(%di)		/* "PTR " */
	je	found
1:	add	$16, %di
	jnz	scan
	mov	$norsdp, %si
	call	puts
	jmp	off
found:
	mov	$rsdp, %si
	call	puts
	jmp	off
bad:
	mov	%cs, %ax
	mov	%ax, %ds
	mov	$badmsg, %si
	call	puts
off:
	jmp	poweroff

/* AL to COM1, once it can take a byte. */
putc:
	push	%ax
	mov	$COM1_LSR, %dx
1:	inb	%dx, %al
	test	$LSR_THRE, %al
	jz	1b
	pop	%ax
	mov	$COM1, %dx
	outb	%al, %dx
	ret

#include "x86-real.inc"

hello:	.asciz	"firmware: real mode at F000, reset vector F000:FFF0, stack F000:8000\r\n"
rsdp:	.asciz	"firmware: found the ACPI RSDP in 0xe0000-0xeffff\r\n"
norsdp:	.asciz	"firmware: no ACPI RSDP in 0xe0000-0xeffff\r\n"
badmsg:	.asciz	"firmware: not entered as kvmtool enters a firmware\r\n"

	/* The reset vector, 16 bytes below the top of the 64 KiB image. */
	.org	0xfff0
	ljmp	$0xf000, $_start
	.org	0x10000
	.section .note.GNU-stack, "", @progbits
