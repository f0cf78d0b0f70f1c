#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Snapshots through the control socket: the stress guest (SVE at the
# largest VL, MTE on, 2 vCPUs) is saved mid-run, its kvmini killed, and a
# new kvmini continues it - in the same emulated host and in a fresh one -
# while the guest checks its FP/SVE/MTE state across every exit. A damaged
# snapshot, and one this host cannot run, are refused before any VM exists.
. "$(dirname "$0")/lib.sh"


# Shell helpers inside the emulated host.
HELPERS='
wait_sock() { i=0; while [ ! -S "$1" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done; }
# Wait until the guest has printed at least N TAP results.
wait_tap() { i=0; while [ "$(grep -c "^ok " "$1" 2>/dev/null)" -lt "$2" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done; }
# Flip bit B of the byte at offset O of file F (busybox: od, printf, dd).
flip() {
	v=$(dd if="$1" bs=1 skip="$2" count=1 2>/dev/null | od -An -tu1 | tr -d " ")
	v=$((v ^ (1 << $3)))
	printf "$(printf "\\\\%03o" "$v")" | dd of="$1" bs=1 seek="$2" count=1 conv=notrunc 2>/dev/null
}
'

run_host -- "$HELPERS"'
# The stress guest, long enough to be caught mid-run (about a minute here).
kvmini run -c 2 -m 64 -p "iterations=3000 sve-iterations=40 mte-iterations=40" \
	--api-sock /tmp/api.sock >"$OUT/run1.out" 2>&1 &
pid=$!
wait_sock /tmp/api.sock
t status1 kvmini ctl /tmp/api.sock status
t pause kvmini ctl /tmp/api.sock pause
t status2 kvmini ctl /tmp/api.sock status
t status2json kvmini ctl /tmp/api.sock status --json
t resume kvmini ctl /tmp/api.sock resume
t unknown kvmini ctl /tmp/api.sock frobnicate
t nopath kvmini ctl /tmp/api.sock snapshot
wait_tap "$OUT/run1.out" 8
t snap kvmini ctl /tmp/api.sock snapshot path=/tmp/snap.kvs
t again kvmini ctl /tmp/api.sock snapshot path=/tmp/snap.kvs
kill -9 $pid; wait $pid
ls -l /tmp/snap.kvs >"$OUT/size.out"
# Carried out to the next boot compressed: the console is slow, the RAM mostly zeros.
gzip -1 -c /tmp/snap.kvs >"$OUT/snap.kvs.gz"
t restore kvmini restore /tmp/snap.kvs
# The socket file of the killed kvmini is stale: a new one takes its place.
t stale kvmini restore /tmp/snap.kvs --api-sock /tmp/api.sock --verify-memory
cp /tmp/snap.kvs /tmp/bad.kvs
flip /tmp/bad.kvs 3 0
t flipmagic kvmini restore /tmp/bad.kvs
cp /tmp/snap.kvs /tmp/bad.kvs
flip /tmp/bad.kvs 70000 5
t flipmem kvmini restore --verify-memory /tmp/bad.kvs
size=$(wc -c </tmp/bad.kvs)
cp /tmp/snap.kvs /tmp/bad.kvs
flip /tmp/bad.kvs $((size - 100)) 2
t fliptable kvmini restore /tmp/bad.kvs
head -c 1000000 /tmp/snap.kvs >/tmp/short.kvs
t truncated kvmini restore /tmp/short.kvs
t missing kvmini restore /tmp/nothing.kvs
t usage kvmini restore
'
rc_has() { # NAME STATUS TEXT: exit status STATUS and TEXT (a basic regex) in the output
	rc_is "$1" "$2" && grep -q -- "$3" "$T/$1.out" && return 0
	echo "# $1: lacks '$3'"
	return 1
}

# The restored guest's TAP (NAME) ends the run begun in run1: its last
# result is the plan's last test, and nothing failed.
tap_rest_ok() {
	local plan last
	plan=$(sed -n 's/^1\.\.\([0-9][0-9]*\)$/\1/p' "$T/run1.out" | head -n1)
	last=$(sed -n 's/^ok \([0-9][0-9]*\) .*/\1/p' "$T/$1.out" | tail -n1)
	if [ -n "$plan" ] && [ "$last" = "$plan" ] && ! grep -q '^not ok\|^Bail out!' "$T/$1.out"; then
		return 0
	fi
	echo "# $1: plan '$plan' from run1, last ok '$last'; its output:"
	sed 's/^/#   /' "$T/$1.out" | head -60
	return 1
}
check "ctl status: exit 0, the VM runs" rc_has status1 0 '^state: running'
check "ctl pause: exit 0" rc_is pause 0
check "ctl status after pause: paused" has status2 "state: paused"
check "ctl status --json: the raw reply" has status2json '{"ok":true,"state":"paused"'
check "ctl resume: exit 0" rc_is resume 0
check "ctl with an unknown command: exit 1, names it" rc_has unknown 1 frobnicate
check "ctl with an unknown command: lists the known ones" has unknown snapshot
check "ctl snapshot without path: exit 1, says what to give" rc_has nopath 1 'snapshot needs path'
check "ctl snapshot mid-run: exit 0" rc_is snap 0
check "a second snapshot to the same path: refused without force" \
	rc_has again 1 'already exists; pass force=true'
check "the stress guest was mid-run when saved (its run had not finished)" lacks run1 "Bail out"
check "restore after kill -9: exit 0" rc_is restore 0
check "restore: the guest finished with every check ok" tap_rest_ok restore
check "restore with --api-sock over a stale socket and --verify-memory: exit 0" rc_is stale 0
check "a flipped magic bit: refused" rc_has flipmagic 1 'not a kvmini snapshot'
check "a flipped bit in guest RAM: refused by --verify-memory" rc_has flipmem 1 'checksum\|crc'
check "a flipped bit in the section table: refused" rc_is fliptable 1
check "a truncated snapshot: refused" rc_has truncated 1 'size\|truncat'
check "a missing snapshot: refused, naming it" has missing "/tmp/nothing.kvs"
check "restore without a file: usage error, status 2" rc_is usage 2
for n in flipmagic flipmem fliptable truncated missing; do
	check "$n: refused before any VM was made" lacks $n "restoring /"
done

# A fresh emulated-host boot (a new kernel instance) continues the same snapshot.
cp "$T/snap.kvs.gz" "$T/carry.kvs.gz"
run_host --add "$T/carry.kvs.gz" -- '
gunzip carry.kvs.gz
t fresh kvmini restore carry.kvs
'
check "restore in a fresh emulated host: exit 0" rc_is fresh 0
check "restore in a fresh emulated host: every check ok" tap_rest_ok fresh

# A host that cannot run the snapshot's vCPUs: refused, with every reason.
run_host --add "$T/carry.kvs.gz" --sve-max-vl 512 --no-mte -- '
gunzip carry.kvs.gz
t smaller kvmini restore carry.kvs
'
check "a host with a smaller SVE maximum and no MTE: refused" rc_is smaller 1
check "the report names the SVE lengths" has smaller "SVE vector lengths"
check "the report names MTE" has smaller "the VM uses MTE; this host's KVM offers none"
check "refused before any VM was made" lacks smaller "restoring carry.kvs"
finish
