/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The x86 reset vector, at physical 0xffff0 (F000:FFF0 in real mode): the
 * first instruction a PC runs, and where Linux jumps when it reboots
 * through "the BIOS" (reboot=b, and the path a hardware-reduced ACPI
 * machine without EFI falls to). kvmini's firmware resets the machine
 * there through the reset register the FADT names, so a reboot is a
 * reboot and never a vCPU running through empty memory.
 */
#define X86_RESET_PORT	0x0cf9
#define X86_RESET_VALUE	0x06

	.code16
	.text
	.globl	reset_vector
reset_vector:
	cli
	movb	$X86_RESET_VALUE, %al
	movw	$X86_RESET_PORT, %dx
	outb	%al, %dx
1:	hlt
	jmp	1b
	.section .note.GNU-stack, "", @progbits
