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

run_host --no-mte -- '
t caps kvmini caps --json
t want kvmini run --mte
t plain kvmini run --stats
'
check "no-MTE host: caps says so" has caps '"mte":false'
check "no-MTE host: --mte refused, status 2" rc_is want 2
check "no-MTE host: --mte refusal named" has want "--mte: this host's KVM offers no MTE"
check "no-MTE host: the guest still runs" rc_is plain 0
check "no-MTE host: no host MTE check" lacks plain "host MTE check on"
finish
