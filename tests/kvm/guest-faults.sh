#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# A misbehaving guest is reported clearly and never crashes kvmini; a fault
# injected into guest FP/SIMD or timer state is caught by the guest's checker. The
# test device belongs to the embedded guest: a --kernel guest (here the
# same test guest, loaded as a kernel) gets it only with --test-device.
. "$(dirname "$0")/lib.sh"
: "${GUEST_BIN:?set GUEST_BIN to the test guest image}"

run_host --add "$GUEST_BIN" -- '
t notestdev kvmini run -k kvmini-guest.bin
t withtestdev kvmini run -k kvmini-guest.bin --test-device
t unmapped kvmini run -p fault=mmio-unmapped
t undef kvmini run -p fault=undef
t garbage kvmini run -p fault=testdev-garbage
t nisv kvmini run -p fault=nisv
t inject kvmini run --inject-fault fpsimd
t timer kvmini run --inject-fault timer
'
check "--kernel guest: the test device is not there, its ID reads as 0" \
	has notestdev "guest read of 4 bytes at 0x1020000 hits no device; reads as 0"
check "--kernel guest: the guest sees no test device" has notestdev "not ok 2 - test device id"
check "--kernel guest: its writes to the test device are dropped" \
	has notestdev "guest write of 4 bytes at 0x1020010 hits no device; dropped"
check "--kernel guest: it cannot set kvmini's exit status (it failed, kvmini says 0)" \
	rc_is notestdev 0
check "--kernel guest with --test-device: exit status 0" rc_is withtestdev 0
check "--kernel guest with --test-device: guest TAP all ok" tap_all_ok withtestdev
check "--kernel guest with --test-device: nothing unmapped" lacks withtestdev "hits no device"
check "unmapped MMIO: the guest runs on and passes" rc_is unmapped 0
check "unmapped MMIO: guest TAP all ok (reads returned 0)" tap_all_ok unmapped
check "unmapped MMIO: kvmini names the address" has unmapped "at 0x10000000 hits no device"
check "unmapped MMIO: reads are reported as reading 0" has unmapped "reads as 0"

check "undefined instruction: the run fails" rc_is undef 1
check "undefined instruction: kvmini reports the exception" \
	has undef "took an unexpected exception"
check "undefined instruction: decoded as EC 0x00" has undef "EC 0x00 unknown reason"

check "test device garbage: the run fails" rc_is garbage 1
check "test device garbage: unknown register named" \
	has garbage "unknown test device register at offset 0x800"
check "test device garbage: write-only register read named" \
	has garbage "read test device register EXIT_STATUS, which is write-only"
check "test device garbage: read-only register write named" \
	has garbage "wrote test device register ID, which is read-only"
check "test device garbage: bad exit status named" \
	has garbage "guest wrote 4660 (0x1234) to EXIT_STATUS: not an exit status"

check "undecodable MMIO access: the guest gets an external abort and passes" rc_is nisv 0
check "undecodable MMIO access: guest TAP all ok" tap_all_ok nisv
check "undecodable MMIO access: kvmini says what it did" \
	has nisv "injecting an external data abort"

for r in notestdev withtestdev unmapped undef garbage nisv inject timer; do
	check "$r: kvmini did not crash" lacks "$r" "Segmentation fault"
done

check "injected FP/SIMD fault: the run fails" rc_is inject 1
check "injected FP/SIMD fault: kvmini says it injected" has inject "flipped bit 42 of V7"
check "injected FP/SIMD fault: the guest reports a failing check" has inject "not ok"
check "injected FP/SIMD fault: the guest names V7" has inject "V7"
check "injected FP/SIMD fault: only the FP/SIMD checks fired" \
	fired_only inject '^not ok [0-9]+ - cpu[0-9]+ fpsimd '
check "injected timer fault: the run fails" rc_is timer 1
check "injected timer fault: kvmini says it injected" has timer "flipped bit 12 of CNTV_CVAL_EL0"
check "injected timer fault: only the timer check fired" \
	fired_only timer '^not ok [0-9]+ - cpu0 timer registers and counter across exits'
check "injected timer fault: the guest names CNTV_CVAL_EL0" \
	sh -c "grep -q '^# cpu0 timers: .*CNTV_CVAL_EL0 0x[0-9a-f]* after an mmio exit' '$T/timer.out'"
check "a correct host: the timer check passes" has withtestdev "timer registers and counter across exits"
finish
