#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# SVE: the guest stress at every vector length on hosts with full, limited
# and no SVE; register round trips both ways; the host-side check; both
# fault injections caught; what the host cannot give refused up front.
. "$(dirname "$0")/lib.sh"

vl_line() { # NAME KIND FIRST LAST: the guest's line for an exit kind covers FIRST..LAST
	grep -qE "^ok [0-9]+ - cpu0 sve across $2 exits \([0-9]+ VLs $3\.\.$4" "$T/$1.out" && return 0
	echo "# $1: no passing 'cpu0 sve across $2 exits' line for VLs $3..$4:"
	grep -E "sve|SKIP" "$T/$1.out" | sed 's/^/#   /' | head -20
	return 1
}

# The default emulated host: SVE up to 2048 bits.
run_host -- '
t full kvmini run --stats
t two kvmini run -c 2
t nosve kvmini run --no-sve
t vl512 kvmini run --sve-vl 512
t inject kvmini run --inject-fault sve
t hostinject kvmini run --inject-fault host-sve
t moveinject kvmini run --inject-fault regs-move
t bench kvmini run -p "bench=sve vl=2048 count=20"
t caps kvmini caps --json
t dump kvmini run --dump-regs -c 2
t badvl kvmini run --sve-vl 4096
'
check "every VL: exit status 0" rc_is full 0
check "every VL: guest TAP all ok" tap_all_ok full
for kind in mmio hvc wfi sysreg; do
	check "every VL: SVE across $kind exits, 128..2048" vl_line full "$kind" 128 2048
done
check "every VL: register round trips through ONE_REG pass" \
	has full "cpu0 sve across register round trips"
check "every VL: registers moved into a new VM's vCPU read back the same" \
	has full "cpu0 sve across register moves to a new VM"
check "every VL: SVE state written by the VMM seen by the guest" \
	has full "cpu0 sve state written by the VMM (16 VLs)"
check "host check ran with timer signals" has full "host SVE check at 128 bits"
check "2 vCPUs: exit status 0" rc_is two 0
check "2 vCPUs: guest TAP all ok" tap_all_ok two
check "2 vCPUs: the second vCPU ran the SVE stress" has two "cpu1 sve across mmio exits"
check "--no-sve: exit status 0" rc_is nosve 0
check "--no-sve: FP/SIMD checks still run" has nosve "cpu0 fpsimd across mmio exits"
check "--no-sve: SVE checks skipped with the reason" has nosve "# SKIP no SVE on this vCPU"
check "--no-sve: guest TAP all ok" tap_all_ok nosve
check "--sve-vl 512: exit status 0" rc_is vl512 0
check "--sve-vl 512: the guest's largest VL is 512" vl_line vl512 mmio 128 512
check "--inject-fault=sve: the run fails" rc_is inject 1
check "--inject-fault=sve: kvmini says which bit of Z7" has inject "of Z7 on vCPU 0"
check "--inject-fault=sve: the guest names Z7" has inject "Z7"
check "--inject-fault=sve: the guest reports not ok" has inject "not ok"
check "--inject-fault=host-sve: the run fails" rc_is hostinject 1
check "--inject-fault=host-sve: the host check names the register" \
	has hostinject "the host thread's own SVE state was corrupted"
check "--inject-fault=regs-move: the run fails" rc_is moveinject 1
check "--inject-fault=regs-move: the read-back compare names the register" \
	has moveinject "move to a new vCPU: Z5[0] byte 0"
check "--inject-fault=sve: only the guest's SVE checks fired" \
	fired_only inject '^not ok [0-9]+ - cpu[0-9]+ sve '
check "--inject-fault=host-sve: only the host SVE check fired" \
	fired_only hostinject "the host thread's own SVE state was corrupted"
check "--inject-fault=regs-move: only the register-move checks fired" \
	fired_only moveinject 'move to a new vCPU: Z5|^not ok [0-9]+ - cpu[0-9]+ sve across register moves'
check "bench=sve: every exit verified at 2048 bits" has bench "ok 1 - bench sve-exit vl=2048"
check "--dump-regs: every register of both vCPUs" \
	sh -c "grep -qE '^vCPU 0: [0-9]{3} registers' '$T/dump.out' && grep -qE '^vCPU 1: [0-9]{3} registers' '$T/dump.out'"
check "--dump-regs: Z registers at 2048 bits" \
	grep -qE "^  Z31\[0\] +0x[0-9a-f]{512}$" "$T/dump.out"
check "--dump-regs: P registers and FFR" \
	sh -c "grep -qE '^  P15\[0\] +0x[0-9a-f]{64}$' '$T/dump.out' && grep -q '^  FFR\[0\]' '$T/dump.out'"
check "--dump-regs: the VL set and the PC" \
	sh -c "grep -q '^  SVE_VLS' '$T/dump.out' && grep -q '^  pc ' '$T/dump.out'"
check "caps --json: SVE vector lengths" has caps '"vector_lengths":[128,256,384,512,640'
check "caps --json: up to 2048" has caps '1920,2048]'
check "--sve-vl 4096: refused before anything runs" rc_is badvl 2

# A host limited to 512 bits.
run_host --sve-max-vl 512 -- '
t limited kvmini run
t toolong kvmini run --sve-vl 1024
t caps512 kvmini caps --json
'
check "512-bit host: exit status 0" rc_is limited 0
check "512-bit host: the stress covers 128..512" vl_line limited mmio 128 512
check "512-bit host: guest TAP all ok" tap_all_ok limited
check "512-bit host: --sve-vl 1024 refused, status 2" rc_is toolong 2
check "512-bit host: the refusal lists what the host has" \
	has toolong "--sve-vl 1024: not a vector length this host supports (supported: 128 256 384 512)"
check "512-bit host: caps lists 128..512" has caps512 '"vector_lengths":[128,256,384,512]}'

# A host without SVE.
run_host --sve-max-vl 0 -- '
t nohost kvmini run
t want kvmini run --sve-vl 256
t wantcheck kvmini run --host-sve-vl 256
t mtecheck kvmini run --host-check --stats
t capsno kvmini caps --json
'
check "no-SVE host: the guest still passes" rc_is nohost 0
check "no-SVE host: SVE checks skipped" has nohost "# SKIP no SVE on this vCPU"
check "no-SVE host: the host check says why it is off" has nohost "host SVE check: off"
check "no-SVE host: --sve-vl refused, status 2" rc_is want 2
check "no-SVE host: --sve-vl refusal named" has want "--sve-vl 256: this host's KVM offers no SVE"
check "no-SVE host: --host-sve-vl refused, status 2" rc_is wantcheck 2
check "no-SVE host: --host-sve-vl refusal named" \
	has wantcheck "--host-check with --host-sve-vl: the host check holds SVE state"
check "no-SVE host: --host-check still checks MTE" has mtecheck "host MTE check on"
check "no-SVE host: caps says no SVE" has capsno '"sve":{"supported":false,"vector_lengths":[]}'
finish
