#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# tools/x86-host itself: what every host tool does (host_tool_basics), a
# working KVM in the host (kvm-amd on the emulated SVM), and refusals of what
# it cannot do.
#
# Environment: HOST_TOOL (tools/x86-host), KVMINI_BIN (a static x86_64 kvmini).
. "$(dirname "$0")/lib.sh"

host_tool_basics

host kvm --smp 3 -- sh -c 'grep -c ^processor /proc/cpuinfo; ls -l /dev/kvm /dev/net/tun
	echo "nested=$(cat /sys/module/kvm_amd/parameters/nested)"; grep -qw svm /proc/cpuinfo && echo has-svm
	command -v kvmini; dmesg | grep kvm_amd'
check "the host boots" rc_is kvm 0
check "--smp 3: three CPUs" grep -qx 3 "$T/kvm.out"
check "the CPU has SVM" has kvm "has-svm"
check "the host has /dev/kvm" has kvm "/dev/kvm"
check "kvm-amd is loaded, nested paging on" has kvm "kvm_amd: Nested Paging enabled"
check "kvm-amd takes nested guests" has kvm "nested=1"
check "the tun module is loaded" has kvm "/dev/net/tun"
check "no module failed to load" lacks kvm "module did not load"
check "kvmini is on the PATH" has kvm "/bin/kvmini"

host armopt --sve-max-vl 128 -- true
check "an arm64-only option: refused" rc_is armopt 125
check "an arm64-only option: named" has armopt "unknown option '--sve-max-vl'"
host noadd --add "$T/no-such-file" -- true
check "--add of a missing file: refused" rc_is noadd 125
check "--add of a missing file: named" has noadd "--add $T/no-such-file: no such file"
host dynamic --kvmini /bin/sh -- true
check "a dynamically linked kvmini: refused" rc_is dynamic 125
check "a dynamically linked kvmini: named" has dynamic "linked dynamically"
host nokernel --kernel "$T/no-such-bzImage" -- true
check "--kernel that does not exist: refused, named" \
	sh -c "[ \"\$(cat '$T/nokernel.rc')\" = 125 ] && grep -q -- '--kernel $T/no-such-bzImage: no such file' '$T/nokernel.out'"
host notimage --kernel "$T/payload.txt" -- true
check "--kernel that is not a bzImage: refused, named" \
	sh -c "[ \"\$(cat '$T/notimage.rc')\" = 125 ] && grep -q 'not an x86 bzImage' '$T/notimage.out'"
finish
