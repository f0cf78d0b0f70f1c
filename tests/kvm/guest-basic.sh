#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The embedded guest passes on 1 and 2 vCPUs, and takes parameters from -p.
. "$(dirname "$0")/lib.sh"

run_host --smp 2 -- '
t one kvmini run
t two kvmini run -c 2
t params kvmini run -p "iterations=7"
'
check "1 vCPU: exit status 0" rc_is one 0
check "1 vCPU: guest TAP all ok" tap_all_ok one
check "1 vCPU: FP/SIMD checked across MMIO exits" has one "cpu0 fpsimd across mmio exits"
check "1 vCPU: FP/SIMD checked across HVC exits" has one "cpu0 fpsimd across hvc exits"
check "1 vCPU: FP/SIMD checked across WFI exits" has one "cpu0 fpsimd across wfi exits"
check "2 vCPUs: exit status 0" rc_is two 0
check "2 vCPUs: guest TAP all ok" tap_all_ok two
check "2 vCPUs: the second vCPU came up through PSCI CPU_ON" has two "cpu1 online"
check "2 vCPUs: the second vCPU ran the FP/SIMD checks" has two "cpu1 fpsimd across wfi exits"
check "2 vCPUs: SVE state of both survives pauses of every vCPU (the snapshot path)" \
	sh -c "grep -q '^ok .* cpu0 sve across pauses of every vCPU' '$T/two.out' && grep -q '^ok .* cpu1 sve across pauses of every vCPU' '$T/two.out'"
check "-p reaches the guest through /chosen/bootargs" has params "iterations=7"
check "-p: the guest used the value" has params "(7 iterations)"
check "-p: still all ok" tap_all_ok params
finish
