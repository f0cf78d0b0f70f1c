#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# MTE: on by default where the host has it, refused clearly where it cannot
# be had, the host-side MTE check and its fault injection, and the guest's
# MTE checks (tags and tag registers across exits, VMM tag requests).
. "$(dirname "$0")/lib.sh"

run_host -- '
mkdir -p /mnt/ramfs && mount -t ramfs none /mnt/ramfs
t caps kvmini caps --json
t regs kvmini run --dump-regs
t nomte kvmini run --no-mte --dump-regs
t ramfs kvmini run --mte --mem-path /mnt/ramfs/ram
t ramfsauto kvmini run --mem-path /mnt/ramfs/ram2
t tmpfs kvmini run --mte --mem-path /tmp/ram
t hostinject kvmini run --inject-fault host-mte
t stats kvmini run --stats
t guest kvmini run
t two kvmini run -c 2
t inject kvmini run --inject-fault mte-tag
'
check "caps: MTE offered" has caps '"mte":true'
check "MTE on by default: the guest sees ID_AA64PFR1_EL1.MTE = 3" \
	grep -qE '^  ID_AA64PFR1_EL1 +0x[0-9a-f]{13}3[0-9a-f]{2}$' "$T/regs.out"
check "MTE registers are part of the vCPU state" \
	sh -c "grep -q '^  GCR_EL1' '$T/regs.out' && grep -q '^  RGSR_EL1' '$T/regs.out' && grep -q '^  TFSRE0_EL1' '$T/regs.out'"
check "--no-mte: the guest sees no MTE" \
	grep -qE '^  ID_AA64PFR1_EL1 +0x[0-9a-f]{13}0[0-9a-f]{2}$' "$T/nomte.out"
check "--no-mte: no MTE registers in the state" lacks nomte "GCR_EL1"
check "--mte on ramfs memory: refused, status 2" rc_is ramfs 2
check "--mte on ramfs memory: the reason and what to do" \
	has ramfs "cannot hold MTE tags, and KVM refuses it for an MTE VM; put it on tmpfs or hugetlbfs, or use --no-mte"
check "ramfs memory without --mte: MTE off, the run goes on" rc_is ramfsauto 0
check "ramfs memory without --mte: says MTE is off and why" has ramfsauto "MTE off: --mem-path /mnt/ramfs/ram2"
check "--mte on tmpfs memory: runs" rc_is tmpfs 0
check "--inject-fault=host-mte: the run fails" rc_is hostinject 1
check "--inject-fault=host-mte: the host check names the granule" \
	has hostinject "MTE state was corrupted across KVM_RUN (exit 10): the allocation tag of its page's granule 7"
check "the host MTE check runs by default" has stats "host MTE check on"
mte_lines() { # NAME CPU: the guest's seven MTE lines for that CPU all passed
	local n
	n=$(grep -cE "^ok [0-9]+ - cpu$2 mte (tags across mmio/hvc/wfi exits|sync tag check fault|async tag check fault|asymmetric tag check|registers across exits|tags read by the VMM|tags written by the VMM)" "$T/$1.out")
	[ "$n" = 7 ] && ! grep -q "cpu$2 mte.*# SKIP" "$T/$1.out" && return 0
	echo "# $1: cpu$2 has $n passing MTE lines, or skips:"
	grep "mte" "$T/$1.out" | sed 's/^/#   /' | head -12
	return 1
}
check "guest MTE checks: exit status 0" rc_is guest 0
check "guest MTE checks: TAP all ok" tap_all_ok guest
check "guest MTE checks: all seven ran and passed on cpu0" mte_lines guest 0
check "guest MTE checks ran with SVE at 2048 bits at the same time" \
	has guest "cpu0 sve vector lengths (bits): 128 256 384 512 640 768 896 1024 1152 1280 1408 1536 1664 1792 1920 2048"
check "2 vCPUs: exit status 0" rc_is two 0
check "2 vCPUs: MTE checks passed on cpu0" mte_lines two 0
check "2 vCPUs: MTE checks passed on cpu1" mte_lines two 1
check "--inject-fault=mte-tag: the run fails" rc_is inject 1
check "--inject-fault=mte-tag: only the guest's MTE tag check fired" \
	fired_only inject '^not ok [0-9]+ - cpu[0-9]+ mte tags across'
check "--inject-fault=host-mte: only the host MTE check fired" \
	fired_only hostinject "the host thread's own MTE state was corrupted"
check "--inject-fault=mte-tag: kvmini names the granule it changed" \
	has inject "--inject-fault: set the allocation tag at IPA 0x"
check "--inject-fault=mte-tag: the guest names the same address" \
	sh -c "a=\$(sed -n 's/.*allocation tag at IPA \\(0x[0-9a-f]*\\).*/\\1/p' '$T/inject.out'); [ -n \"\$a\" ] && grep -q \"granule \$a: expected tag\" '$T/inject.out'"

run_host --no-mte -- '
t caps kvmini caps --json
t want kvmini run --mte
t plain kvmini run --stats
'
check "no-MTE host: caps says so" has caps '"mte":false'
check "no-MTE host: --mte refused, status 2" rc_is want 2
check "no-MTE host: --mte refusal named" has want "--mte: this host's KVM offers no MTE"
check "no-MTE host: the guest still runs" rc_is plain 0
check "no-MTE host: MTE checks skipped with the reason" has plain "mte tags across mmio/hvc/wfi exits # SKIP no MTE on this vCPU"
check "no-MTE host: guest TAP all ok" tap_all_ok plain
check "no-MTE host: no host MTE check" lacks plain "host MTE check on"
finish
