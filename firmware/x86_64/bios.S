/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kvmini's x86 BIOS: the 64 KiB at 0xf0000 (segment F000) every x86 guest
 * gets. It is small on purpose: what real-mode boot paths and bare-metal
 * real-mode test images call, as under kvmtool's BIOS.
 *
 *   int 10h, AH=0Eh   teletype output: AL to the serial port (COM1)
 *   int 15h, EAX=E820h the memory map, from the table kvmini writes at
 *                      BIOS_E820_TABLE (a count, then 20-byte entries)
 *   any other vector   returns at once (a real-mode IVT never faults)
 *   F000:FFF0          the reset vector: resets through the reset register
 *
 * The image starts with a header kvmini reads to fill the real-mode IVT:
 * a magic, then the offsets of the int 10h, int 15h and default handlers.
 */
#define COM1		0x3f8
#define COM1_LSR	(COM1 + 5)
#define LSR_THRE	0x20
#define RESET_PORT	0x0cf9
#define RESET_VALUE	0x06
#define SMAP		0x534d4150	/* "SMAP" */
#define E820_ENTRY	20
#define FLAGS_CF	0x0001
/* Where kvmini puts the e820 table, in this segment (bios.h: X86_BIOS_E820_TABLE). */
#define BIOS_E820_TABLE	0x8000

	.code16
	.text
	.globl	bios_start
bios_start:
	.ascii	"KVMB"
	.word	int10 - bios_start
	.word	int15 - bios_start
	.word	int_default - bios_start

int_default:
	iret

/* int 10h: only teletype output (AH=0Eh) does anything. */
int10:
	cmpb	$0x0e, %ah
	jne	1f
	push	%ax
	push	%dx
	mov	%al, %ah
	mov	$COM1_LSR, %dx
2:	inb	%dx, %al
	testb	$LSR_THRE, %al
	jz	2b
	mov	$COM1, %dx
	mov	%ah, %al
	outb	%al, %dx
	pop	%dx
	pop	%ax
1:	iret

/*
 * int 15h, EAX=E820h: entry EBX of the table into ES:DI, EBX the next
 * index (0 after the last), CF clear; CF set for anything else or an
 * index past the end. The caller's flags are on the stack at [BP+6].
 */
int15:
	push	%bp
	mov	%sp, %bp
	cmpl	$0xe820, %eax
	jne	9f
	cmpl	$SMAP, %edx
	jne	9f
	cmpl	$E820_ENTRY, %ecx
	jb	9f
	push	%si
	push	%ds
	push	%cx
	push	%di
	mov	%cs, %ax
	mov	%ax, %ds
	cmpl	%cs:BIOS_E820_TABLE, %ebx
	jae	8f
	/* SI = table + 4 + EBX * 20 */
	push	%dx
	mov	%bx, %ax
	mov	$E820_ENTRY, %cx
	mul	%cx			/* DX:AX; DX is the caller's "SMAP" */
	pop	%dx
	add	$BIOS_E820_TABLE + 4, %ax
	mov	%ax, %si
	mov	$E820_ENTRY, %cx
	cld
	rep movsb
	pop	%di
	pop	%cx
	pop	%ds
	pop	%si
	incl	%ebx
	cmpl	%cs:BIOS_E820_TABLE, %ebx
	jb	1f
	xorl	%ebx, %ebx		/* that was the last entry */
1:	movl	$SMAP, %eax
	movl	$E820_ENTRY, %ecx
	andw	$~FLAGS_CF, 6(%bp)
	pop	%bp
	iret
8:	pop	%di
	pop	%cx
	pop	%ds
	pop	%si
9:	orw	$FLAGS_CF, 6(%bp)
	pop	%bp
	iret

/* The reset vector, at the segment's last 16 bytes. */
	.org	0xfff0
reset_vector:
	cli
	movb	$RESET_VALUE, %al
	movw	$RESET_PORT, %dx
	outb	%al, %dx
1:	hlt
	jmp	1b
	.org	0x10000
	.section .note.GNU-stack, "", @progbits
