/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A bare-metal test kernel in kvmtool's raw-binary form (no Image header):
 * position-independent, so the same bytes run as -k FILE (loaded at RAM +
 * 0x80000) and as --firmware FILE (at the start of RAM). It prints where it
 * runs from and whether x0 points at a device tree through the 8250, then
 * powers off through PSCI. Built by tests/kvm/linux-boot.sh, a second time
 * with -DSPIN: it then spins after printing, never exiting to kvmini, so
 * its output shows only if the I/O thread flushes coalesced writes.
 *
 * Before it powers off it writes the 8250's divisor latch and reads it
 * straight back, with no other access between: the read comes from the
 * UART's register mirror (reg-mirror.h), so the write must have reached it
 * at once - not queued in a coalesced ring that only a later exit drains.
 */
#define UART_THR	0x01000000
#define UART_LCR	0x01000003
#define LCR_DLAB_8N1	0x83
#define LCR_8N1		0x03
#define TEST_DLL	0x5a
#define PSCI_SYSTEM_OFF	0x84000008
#define FDT_MAGIC_LE	0xedfe0dd0	/* 0xd00dfeed, big-endian in memory */

	.text
start:
	mov	x19, x0			/* the device tree, per the boot protocol */
	adr	x1, msg_hello
	bl	puts
	adr	x0, start		/* where we run: RAM or RAM + 0x80000 */
	bl	puthex
	ldr	w2, [x19]
	ldr	w3, =FDT_MAGIC_LE
	adr	x1, msg_dtb
	cmp	w2, w3
	b.eq	1f
	adr	x1, msg_nodtb
1:	bl	puts
#ifdef SPIN
	b	.			/* no exit: not even wfi, which traps */
#endif
	ldr	x2, =UART_THR
	ldr	x3, =UART_LCR
	mov	w4, #LCR_DLAB_8N1
	strb	w4, [x3]
	mov	w4, #TEST_DLL
	strb	w4, [x2]		/* DLL, under DLAB */
	ldrb	w5, [x2]		/* and back at once */
	mov	w4, #LCR_8N1
	strb	w4, [x3]
	adr	x1, msg_dll_ok
	cmp	w5, #TEST_DLL
	b.eq	7f
	adr	x1, msg_dll_bad
7:	bl	puts
	ldr	x0, =PSCI_SYSTEM_OFF
	hvc	#0
2:	wfi
	b	2b

/* puts(x1): a NUL-terminated string to the 8250. Clobbers x1, x2, x3. */
puts:
	ldr	x2, =UART_THR
3:	ldrb	w3, [x1], #1
	cbz	w3, 4f
	strb	w3, [x2]
	b	3b
4:	ret

/* puthex(x0): 16 hex digits and a newline. Clobbers x0-x5. */
puthex:
	ldr	x2, =UART_THR
	mov	x4, #60
5:	lsr	x3, x0, x4
	and	x3, x3, #0xf
	add	x5, x3, #'0'
	cmp	x3, #10
	b.lt	6f
	add	x5, x3, #('a' - 10)
6:	strb	w5, [x2]
	subs	x4, x4, #4
	b.ge	5b
	mov	w5, #'\n'
	strb	w5, [x2]
	ret

	.ltorg
msg_hello:	.asciz "raw guest: running at 0x"
msg_dtb:	.asciz "raw guest: x0 points at a device tree\n"
msg_nodtb:	.asciz "raw guest: x0 does not point at a device tree\n"
msg_dll_ok:	.asciz "raw guest: the divisor latch reads back what was written\n"
msg_dll_bad:	.asciz "raw guest: the divisor latch reads back stale\n"
