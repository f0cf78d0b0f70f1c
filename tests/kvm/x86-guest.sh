#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The embedded x86_64 guest in the emulated x86_64 host: x87/SSE/AVX state
# across every exit kind on 1 and 2 vCPUs, the VMM's XSAVE requests, the
# host vector check, each fault injection caught by its own checker, and
# what x86_64 kvmini refuses so far. One host boot for all of it.
. "$(dirname "$0")/lib.sh"

run_host --smp 2 --mem 5G -- '
t caps kvmini caps
t one kvmini run --stats
t two kvmini run -c 2
t params kvmini run -p "iterations=7"
t bigmem kvmini run -m 4608
t f_vec kvmini run --inject-fault vec
t f_move kvmini run --inject-fault regs-move
t f_host kvmini run --inject-fault host-vec
t f_sve kvmini run --inject-fault sve
t bad_kernel kvmini run -k /nonexistent
t bad_model kvmini run --cpu-model m.json
t bad_cpu kvmini cpu dump
'
check "caps: KVM_GET_XSAVE2 size reported" has caps "KVM_GET_XSAVE2 size      4096 bytes"
check "caps: AMX absent on this host, said so" has caps "AMX tile data            no"
check "1 vCPU: exit status 0" rc_is one 0
check "1 vCPU: guest TAP all ok" tap_all_ok one
for kind in "pio exits" "mmio exits" "cpuid exits" "msr exits" "hlt exits" \
	"register round trips" "register moves to a new VM" "pauses of every vCPU"; do
	check "1 vCPU: x87, SSE and AVX checked across $kind" sh -c \
		"grep -q '^ok .* cpu0 x87 across $kind' '$T/one.out' &&
		 grep -q '^ok .* cpu0 sse across $kind' '$T/one.out' &&
		 grep -q '^ok .* cpu0 avx across $kind' '$T/one.out'"
done
check "1 vCPU: AVX really ran (not skipped) on the emulated host" lacks one "SKIP no AVX"
check "1 vCPU: XMM kept across XCR0 switches" has one "cpu0 xmm across xcr0 switches"
check "1 vCPU: XMM and YMM patterns written by the VMM through KVM_SET_XSAVE read right" \
	sh -c "grep -q '^ok .* cpu0 xmm state written by the VMM' '$T/one.out' &&
	       grep -q '^ok .* cpu0 ymm state written by the VMM' '$T/one.out'"
check "1 vCPU: the host vector check ran with timer signals" has one "host vector check on (YMM0-15)"
check "1 vCPU: PIO and MMIO PINGs counted" has one "PING exits"
check "2 vCPUs: exit status 0" rc_is two 0
check "2 vCPUs: guest TAP all ok" tap_all_ok two
check "2 vCPUs: the second vCPU has its own APIC ID" has two "cpu1 local apic id is 1"
check "2 vCPUs: the second vCPU ran the checks" has two "cpu1 avx across hlt exits"
check "-p reaches the guest" has params "7 iterations"
check "-p: still all ok" tap_all_ok params
check "RAM split around the MMIO gap (4.5 GiB): all ok" tap_all_ok bigmem
check "--inject-fault vec: the run fails" rc_is f_vec 1
check "--inject-fault vec: only the guest's SSE check fired" fired_only f_vec "sse across"
check "--inject-fault vec: the guest names XMM7 and the flipped byte" has f_vec "XMM7 byte 4"
check "--inject-fault regs-move: the run fails" sh -c "! grep -qx 0 '$T/f_move.rc'"
check "--inject-fault regs-move: the read-back compare names the register" \
	fired_only f_move "move to a new vCPU: (XMM|YMM)5|register moves|guest vCPU .* request|moving its state"
check "--inject-fault host-vec: the run fails" sh -c "! grep -qx 0 '$T/f_host.rc'"
check "--inject-fault host-vec: the host check names XMM3/YMM3" \
	fired_only f_host "host thread.s own vector state was corrupted .*(XMM|YMM)3 byte"
check "--inject-fault sve: refused on x86_64, naming the known kinds" has f_sve "unknown fault (known: vec regs-move host-vec)"
check "-k of a missing file: refused, naming it" has bad_kernel "/nonexistent"
check "-k of a missing file: nonzero status" sh -c "! grep -qx 0 '$T/bad_kernel.rc'"
check "--cpu-model: refused, naming CPUID models" has bad_model "CPUID models are not implemented on x86_64 yet"
check "kvmini cpu: refused the same way" has bad_cpu "CPUID models are not implemented on x86_64 yet"
finish
