#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# tools/arm64-host itself: status and files come back, the CPU shape options
# take effect, and it fails loudly (never hangs) on timeouts and panics.
. "$(dirname "$0")/lib.sh"

host_tool_basics

host shape --smp 3 --no-mte --no-pauth --sve-max-vl 0 -- \
	sh -c 'grep -c ^processor /proc/cpuinfo; grep -m1 ^Features /proc/cpuinfo; ls -l /dev/kvm'
check "a shaped host boots" rc_is shape 0
check "--smp 3: three CPUs" grep -qx 3 "$T/shape.out"
check "the CPU features were read" has shape "Features"
check "--no-mte: no mte in the CPU features" lacks shape " mte"
check "--no-pauth: no paca in the CPU features" lacks shape " paca"
check "--sve-max-vl 0: no sve in the CPU features" lacks shape " sve"
check "the host has /dev/kvm" has shape "/dev/kvm"
host default -- sh -c 'grep -m1 ^Features /proc/cpuinfo'
check "default host: SVE, MTE and pointer auth present" \
	sh -c "grep -q ' sve' '$T/default.out' && grep -q ' mte' '$T/default.out' && grep -q ' paca' '$T/default.out'"

host badvl --sve-max-vl 100 -- true
check "--sve-max-vl 100: refused" rc_is badvl 125
check "--sve-max-vl 100: named" has badvl "--sve-max-vl 100: must be 0 or a multiple of 128"
host nokernel --kernel "$T/no-such-Image" -- true
check "--kernel that does not exist: refused, named" \
	sh -c "[ \"\$(cat '$T/nokernel.rc')\" = 125 ] && grep -q -- '--kernel $T/no-such-Image: no such file' '$T/nokernel.out'"
host notimage --kernel "$T/payload.txt" -- true
check "--kernel that is not an arm64 Image: refused, named" \
	sh -c "[ \"\$(cat '$T/notimage.rc')\" = 125 ] && grep -q 'not an arm64 Image' '$T/notimage.out'"
finish
