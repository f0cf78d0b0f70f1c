#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The embedded x86_64 guest in the emulated x86_64 host: x87/SSE/AVX state
# across every exit kind on 1 and 2 vCPUs, the VMM's XSAVE requests, the
# host vector check, each fault injection caught by its own checker, CPU
# models (kvmini cpu; a model reaching the guest's CPUID and XSAVE leaf),
# snapshots of it mid-run continued by new kvminis, and what x86_64 kvmini
# refuses. Two host boots: a host lost mid-command (tests/kvm/lib.sh) then
# costs its part, run again, not the whole.
. "$(dirname "$0")/lib.sh"

run_host --smp 2 --mem 5G -- '
t caps kvmini caps
t one kvmini run --stats
t_again two kvmini run -c 2
t params kvmini run -p "iterations=7"
t bigmem kvmini run -m 4608
t f_vec kvmini run --inject-fault vec
t f_move kvmini run --inject-fault regs-move
t f_host kvmini run --inject-fault host-vec
t f_sve kvmini run --inject-fault sve
t bad_kernel kvmini run -k /nonexistent
t dump kvmini cpu dump -o host.model
t check kvmini cpu check -v host.model
t check_avx512 kvmini cpu check host.model --cpu-feature avx512f=on
t no_avx kvmini run --cpu-feature avx=off
kvmini cpu dump --cpu-feature avx2=off -o noavx2.model
t intersect kvmini cpu intersect -o pool.model host.model noavx2.model
t diff kvmini cpu diff host.model pool.model
t pool kvmini run --cpu-model pool.model
t run_refused kvmini run --cpu-feature avx512f=on,xcr0=0xe7
t id_reg kvmini run --id-reg ID_AA64PFR0_EL1.SVE=0
printf "avx2 = off\navx3 = on\n" >typo.model
t typo kvmini cpu check typo.model
t twodash sh -c "kvmini cpu intersect - host.model - <host.model"
t dupfeat kvmini cpu dump --cpu-feature avx2=off,,avx=on
'
run_host --smp 2 --mem 5G --add "$SNAP_EDIT_BIN" -- '
# Snapshots: the stress guest on 2 vCPUs saved mid-run through the control
# socket (its vCPUs hold vector patterns across exits), its kvmini killed,
# and new kvminis continue it from the file.
wait_for() { i=0; while ! grep -q "$2" "$1" 2>/dev/null && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done; }
# Nested SVM under TCG triple-faults a 2-vCPU run now and then, restored or
# not: t_again (tests/kvm/lib.sh) runs such a run once more.
kvmini run -c 2 -p "iterations=100" --api-sock /tmp/api.sock --timeout 300 >"$OUT/srun.out" 2>&1 &
pid=$!
wait_for "$OUT/srun.out" "iterations per register class"
t snap kvmini ctl /tmp/api.sock snapshot path=/tmp/snap.kvs
kill -9 $pid; wait $pid
t_again srestore kvmini restore /tmp/snap.kvs --timeout 300 --stats
t_again srestorefault kvmini restore /tmp/snap.kvs --inject-fault restore --timeout 300
# As if taken on a host with another CPU: AVX2 (CPUID.7.0:EBX bit 5) flipped.
t sedit ./snap-edit /tmp/snap.kvs /tmp/cpuid.kvs cpuid:7 0x20
t scpuid kvmini restore /tmp/cpuid.kvs
# Well-formed snapshots this host must refuse, each for one reason: leaf 7
# saved twice (in the place of leaf 1); leaf 1 saved as a leaf no host has; an
# MSR this KVM does not list; a 1 MHz TSC (without TSC scaling); the IOAPIC
# saved as the master PIC; the kvm_sregs of vCPU 0 behind a wrong size.
t sedit_twice ./snap-edit /tmp/snap.kvs /tmp/twice.kvs cpuid-copy:1 7
t stwice kvmini restore /tmp/twice.kvs
t sedit_noleaf ./snap-edit /tmp/snap.kvs /tmp/noleaf.kvs cpuid-function:1 0x4ffffff0
t snoleaf kvmini restore /tmp/noleaf.kvs
t sedit_msr ./snap-edit /tmp/snap.kvs /tmp/msr.kvs msr:0 0xc0010fff
t smsr kvmini restore /tmp/msr.kvs
t sedit_tsc ./snap-edit /tmp/snap.kvs /tmp/tsc.kvs tsc-khz: 1000
t stsc kvmini restore /tmp/tsc.kvs
t sedit_chip ./snap-edit /tmp/snap.kvs /tmp/chip.kvs irqchip:2 0
t schip kvmini restore /tmp/chip.kvs
t sedit_piece ./snap-edit /tmp/snap.kvs /tmp/piece.kvs piece:1 8
t spiece kvmini restore /tmp/piece.kvs
# A dozen snapshots 0.2 s apart, each restored for a second: every vCPU
# state read back after the restore must be the saved one (some land
# inside the interrupt handlers of the guest, with a vector in service).
snap_dozen() {
	rm -f /tmp/f*.kvs
	kvmini run -c 2 -p "iterations=2000" --api-sock /tmp/f.sock --timeout 300 >"$OUT/frun.out" 2>&1 &
	pid=$!
	wait_for "$OUT/frun.out" "iterations per register class"
	for n in 1 2 3 4 5 6 7 8 9 10 11 12; do
		kvmini ctl /tmp/f.sock snapshot path=/tmp/f$n.kvs force=true >/dev/null \
			2>>"$OUT/fsave.out"; sleep 0.2
	done
	kill -9 $pid; wait $pid
}
snap_dozen
grep -q "triple fault (KVM_EXIT_SHUTDOWN)" "$OUT/frun.out" && snap_dozen
flurry() {
	for n in 1 2 3 4 5 6 7 8 9 10 11 12; do
		kvmini restore /tmp/f$n.kvs --timeout 1; echo "restore $n: status $?"
		rm -f /tmp/f$n.kvs
	done
}
t flurry flurry
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
check "--inject-fault sve: refused on x86_64, naming the known kinds" has f_sve "unknown fault (known: vec regs-move host-vec restore)"
check "-k of a missing file: refused, naming it" has bad_kernel "/nonexistent"
check "-k of a missing file: nonzero status" sh -c "! grep -qx 0 '$T/bad_kernel.rc'"
check "cpu dump: written" rc_is dump 0
check "cpu check: this host accepts its own dump" rc_is check 0
check "cpu check: every field as the host has it" has check "0 lowered, 0 changed, 0 taken away with what they need, 0 refused"
check "cpu check: TCG offers AVX2 and no AVX-512" sh -c "grep -q '^avx2 = on: ok' '$T/check.out' && grep -q '^avx512f = off: ok' '$T/check.out'"
check "cpu check: avx512f=on refused, exit 1" rc_is check_avx512 1
check "cpu check: the refusal names the CPUID bit" has check_avx512 "avx512f = on: REFUSED: this host's KVM does not offer it (CPUID.7.0:EBX bit 16)"
check "avx=off: the run passes" rc_is no_avx 0
check "avx=off: guest TAP all ok" tap_all_ok no_avx
check "avx=off: the guest sees no AVX in CPUID.1:ECX" has no_avx "no AVX on this vCPU (CPUID.1:ECX.AVX is 0)"
check "avx=off: the XSAVE leaf drops YMM from XCR0 (x87, SSE and PKRU stay)" has no_avx "AVX no, AVX2 no, XCR0 may hold 0x203"
check "avx=off: a normal run sees AVX2 and YMM (the checker can tell)" has one "AVX yes, AVX2 yes, XCR0 may hold 0x207"
check "cpu intersect: written" rc_is intersect 0
check "cpu diff: the pool model turns avx2 off" has diff "avx2: on in host.model, off in pool.model"
check "cpu diff: exit 1 when models differ" rc_is diff 1
check "--cpu-model pool.model: guest TAP all ok" tap_all_ok pool
check "--cpu-model pool.model: the guest has AVX and no AVX2" has pool "AVX yes, AVX2 no, XCR0 may hold 0x207"
check "run with a feature the host lacks: refused before the VM, status 2" rc_is run_refused 2
check "run refusal: names the feature and the option" has run_refused "avx512f = on: REFUSED: this host's KVM does not offer it (CPUID.7.0:EBX bit 16) (host: off) [--cpu-feature avx512f=on]"
check "run refusal: XCR0 bits the host forbids are named" has run_refused "xcr0 = 0xe7: REFUSED: bits 0xe0 are not offered by this host's KVM"
check "run refusal: the guest never ran" lacks run_refused "ok 1"
check "--id-reg on x86_64: refused, pointing at --cpu-feature" has id_reg "ID registers are arm64's; on x86_64 give CPUID fields by name with --cpu-feature"
check "a model with a typo: refused with file, line and a suggestion" has typo "typo.model:2: unknown field 'avx3' (did you mean one of: avx, avx2"
check "cpu check's model argument named as given, not as --cpu-model" has typo "kvmini cpu check: typo.model:2:"
check "cpu intersect with '-' twice: refused (stdin reads once), status 2" sh -c \
	"grep -q \"'-' (standard input) is named twice\" '$T/twodash.out' && [ \"\$(cat '$T/twodash.rc')\" = 2 ]"
check "--cpu-feature with an empty item: refused" has dupfeat "--cpu-feature avx2=off,,avx=on: an empty item"
check "a model with a typo: exit 2" rc_is typo 2
check "snapshot of the stress guest mid-run: written" rc_is snap 0
check "snapshot: its vCPUs were mid-run (checks still to come)" lacks srun "tests run:"
check "restored: status 0" rc_is srestore 0
check "restored: every check after the restore passed, none failed" sh -c \
	"grep -qE '^# ([0-9]+) of \\1 tests run: [0-9]+ passed, 0 failed' '$T/srestore.out' &&
	 ! grep -q '^not ok' '$T/srestore.out'"
check "restored: both vCPUs went on with vector checks" sh -c \
	"grep -q '^ok .* cpu0 avx across' '$T/srestore.out' && grep -q '^ok .* cpu1 avx across' '$T/srestore.out'"
check "restored: RAM read in from the file" has srestore "RAM from the snapshot"
check "--inject-fault restore: the run fails" sh -c "! grep -qx 0 '$T/srestorefault.rc'"
check "--inject-fault restore: only the guest vector checks fired" fired_only srestorefault "(sse|avx|avx-512) across"
check "snap-edit: the CPUID leaf rewritten" rc_is sedit 0
check "a snapshot of another CPU: refused before any VM, naming the leaf" \
	has scpuid "CPUID leaf 0x7 index 0 was"
check "a snapshot of another CPU: refused, status 1, the guest never ran" sh -c \
	"grep -qx 1 '$T/scpuid.rc' && ! grep -q '^ok' '$T/scpuid.out'"
# refused NAME "WHAT" "MESSAGE": snap-edit made the file, kvmini refused it
# with MESSAGE, status 1, and the guest never ran.
refused() {
	check "snap-edit: $2" rc_is "sedit_$1" 0
	check "$2: refused, naming it" has "s$1" "$3"
	check "$2: status 1, the guest never ran" sh -c \
		"grep -qx 1 '$T/s$1.rc' && ! grep -q '^ok' '$T/s$1.out'"
}
refused twice "a CPUID leaf saved twice" "CPUID leaf 0x7 index 0 is saved twice"
refused noleaf "a leaf this host lacks, one it has missing" \
	"CPUID leaf 0x4ffffff0 index 0 (eax="
check "a leaf this host lacks: the missing leaf named too" has snoleaf \
	"CPUID leaf 0x1 index 0, which these options on this host give, is not in the snapshot"
refused msr "an MSR list of another kernel" \
	"MSR 0xc0010fff of the saved state is not the one this host's KVM lists there"
# Without TSC scaling (TCG emulates none) KVM refuses a slower rate.
check "kvmini caps: the emulated host's KVM has no TSC scaling" has caps \
	"TSC rate scaling         no: snapshots of a slower TSC are refused here"
refused tsc "a TSC slower than the host's" \
	"the guest's TSC ran at 1000 kHz; this host's runs at"
refused chip "an interrupt controller saved under another id" \
	"interrupt controller 2 is saved as chip 0"
refused piece "a vCPU piece of another size" \
	"kvm_sregs is 8 bytes in the snapshot; this kvmini's is"
# Each restore runs 1 s, then --timeout stops it: that error is expected,
# any other is not. On failure, what went wrong is shown (and the saves').
flurry_ok() {
	local n
	n=$(grep -c 'restoring /tmp/f' "$T/flurry.out")
	[ "$n" = 12 ] && ! grep -q 'reads back' "$T/flurry.out" &&
		! grep 'kvmini: error:' "$T/flurry.out" | grep -qv 'did not finish within 1 s' &&
		return 0
	echo "# flurry: $n of 12 restores started; what went wrong:"
	grep -e 'reads back' -e 'kvmini: error:' -e 'kvmini: warning:' "$T/flurry.out" |
		grep -v 'did not finish within 1 s' | head -20 | sed 's/^/#   /'
	echo "# the saves:"
	sed 's/^/#   /' "$T/fsave.out" 2>/dev/null | head -10
	echo "# the run the snapshots came from:"
	grep -e 'kvmini: error:' -e 'kvmini: warning:' -e 'not ok' "$T/frun.out" | head -10 |
		sed 's/^/#   /'
	return 1
}
check "12 snapshots in a row, each restored: every vCPU state read back as saved" flurry_ok
report_reruns
finish
