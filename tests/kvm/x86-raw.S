/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A bare-metal real-mode binary for x86 kvmini, loaded as kvmtool loads a
 * -k file that is no bzImage: at 1000:0000 with the stack at 1000:8000.
 * It prints through the BIOS (int 10h teletype), walks the BIOS memory map
 * (int 15h E820) and powers off through the ACPI sleep register. Built
 * linked at 0 and flat (tests/kvm/meson.build).
 */
#define SMAP		0x534d4150

	.code16
	.text
	.globl	_start
_start:
	mov	$hello, %si
	call	puts
	/* Walk the map: count the entries, find RAM from 1 MiB. */
	xor	%ebx, %ebx
	xor	%bp, %bp		/* entries */
	xor	%cx, %cx
	mov	%cx, found
next:
	mov	$SMAP, %edx
	mov	$0xe820, %eax
	mov	$20, %ecx
	mov	$entry, %di
	int	$0x15
	jc	done
	cmp	$SMAP, %eax
	jne	bad
	inc	%bp
	cmpl	$0x100000, entry	/* base, low dword */
	jne	1f
	cmpl	$1, entry + 16		/* type: usable RAM */
	jne	1f
	movw	$1, found
1:	test	%ebx, %ebx
	jnz	next
done:
	mov	$count, %si
	call	puts
	mov	%bp, %ax
	add	$'0', %al
	call	putc
	mov	$crlf, %si
	call	puts
	cmpw	$1, found
	jne	bad
	mov	$ram, %si
	call	puts
	jmp	off
bad:
	mov	$badmsg, %si
	call	puts
off:
	jmp	poweroff

/* AL through int 10h teletype. */
putc:
	mov	$0x0e, %ah
	int	$0x10
	ret

#include "x86-real.inc"

hello:	.asciz	"raw guest: real mode at 1000:0000, printing through int 10h\r\n"
count:	.asciz	"raw guest: int 15h e820 gave "
crlf:	.asciz	" entries\r\n"
ram:	.asciz	"raw guest: e820 has usable RAM from 1 MiB\r\n"
badmsg:	.asciz	"raw guest: e820 is wrong\r\n"
	.balign	4
found:	.word	0
entry:	.space	20
	.section .note.GNU-stack, "", @progbits
