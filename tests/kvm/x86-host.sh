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
	command -v kvmini; dmesg | grep kvm_amd; grep Cpus_allowed_list /proc/self/status'
check "the host boots" rc_is kvm 0
check "--smp 3: three CPUs" grep -qx 3 "$T/kvm.out"
check "the command runs on CPU 0 alone (TCG loses the host to parallel nested guests)" \
	grep -qx "Cpus_allowed_list:.0" "$T/kvm.out"
host parallel --smp 3 --parallel -- grep Cpus_allowed_list /proc/self/status
check "--parallel: the command runs on every CPU" grep -qx "Cpus_allowed_list:.0-2" "$T/parallel.out"
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
# A CPU stuck in QEMU's nested SVM: the kernel's RCU stall report, then
# silence, ends the run as a lost host, long before the timeout. A stall
# report followed by more output (a guest's own, say) does not.
stall='echo "[ 40.2] rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:"'
EMULATED_HOST_STALL_SILENCE=5 host stuck -- sh -c "$stall; sleep 120; echo still here"
check "an RCU stall, then silence: a lost host (125)" rc_is stuck 125
check "an RCU stall, then silence: said so" has stuck "stopped responding: its kernel reported an RCU stall"
check "an RCU stall, then silence: stopped at once, not after the command" lacks stuck "still here"
EMULATED_HOST_STALL_SILENCE=5 host stallgoes -- sh -c \
	"$stall; for i in 1 2 3 4 5 6; do sleep 2; echo tick \$i; done"
check "an RCU stall, then output: the command finishes (0)" rc_is stallgoes 0
check "an RCU stall, then output: all of it" has stallgoes "tick 6"
# A hung task's report repeats while the host stays stuck: kernel lines
# ("[ 12.3] ...") after it are not the command going on.
hung='echo "[ 130.1] INFO: task kvmini-vcpu1:231 blocked for more than 120 seconds."'
EMULATED_HOST_STALL_SILENCE=5 host hung -- sh -c "$hung; for i in 1 2 3 4 5 6 7 8 9; do
	sleep 1; echo \"[ 13\$i.5] task:kvmini-vcpu1 state:D\"; done; sleep 120; echo still here"
check "a hung task, then only kernel lines: a lost host (125)" rc_is hung 125
check "a hung task, then only kernel lines: said so" has hung "its kernel reported a hung task"
check "a hung task, then only kernel lines: stopped 5 s after the report" lacks hung "[ 139.5]"
EMULATED_HOST_STALL_SILENCE=5 host hunggoes -- sh -c \
	"$hung; for i in 1 2 3 4 5 6; do sleep 2; echo tick \$i; done"
check "a hung task, then output: the command finishes (0)" rc_is hunggoes 0
check "a hung task, then output: all of it" has hunggoes "tick 6"
# The command's line after a report ends the watch: a later silence longer
# than STALL_SILENCE (a long step of the command) is not a lost host.
EMULATED_HOST_STALL_SILENCE=3 host hungpast -- sh -c "$hung; sleep 1; echo back; sleep 6; echo done"
check "a hung task, the command goes on, then a long silence: it finishes (0)" rc_is hungpast 0
check "a hung task, the command goes on, then a long silence: all of it" has hungpast done
EMULATED_HOST_STALL_SILENCE=2m host badsilence -- true
check "a silence that is not a number of seconds: refused, named" sh -c \
	"[ \"\$(cat '$T/badsilence.rc')\" = 125 ] &&
	 grep -q 'EMULATED_HOST_STALL_SILENCE=2m: not a number of seconds' '$T/badsilence.out'"
finish
