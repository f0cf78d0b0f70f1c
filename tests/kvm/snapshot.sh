#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Snapshots through the control socket: the stress guest (SVE at the
# largest VL, MTE on, 2 vCPUs) is saved mid-run, its kvmini killed, and a
# new kvmini continues it - in the same emulated host and in a fresh one -
# while the guest checks its FP/SVE/MTE state across every exit. A damaged
# snapshot, and one this host cannot run, are refused before any VM exists.
# A Linux guest is snapshotted while its init writes to its disk and
# finishes its checks after the restore.
. "$(dirname "$0")/lib.sh"


# Shell helpers inside the emulated host.
HELPERS='
wait_sock() { i=0; while [ ! -S "$1" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done; }
# Wait until FILE has a line matching TEXT.
wait_for() { i=0; while ! grep -q "$2" "$1" 2>/dev/null && [ $i -lt 1800 ]; do sleep 0.1; i=$((i+1)); done; }
# Flip bit B of the byte at offset O of file F (busybox: od, printf, dd).
flip() {
	v=$(dd if="$1" bs=1 skip="$2" count=1 2>/dev/null | od -An -tu1 | tr -d " ")
	v=$((v ^ (1 << $3)))
	printf "$(printf "\\\\%03o" "$v")" | dd of="$1" bs=1 seek="$2" count=1 conv=notrunc 2>/dev/null
}
'

run_host --timeout 800 --guest --mem 3G --add "$GUEST_CHECK_BIN" -- "$HELPERS"'
# The stress guest, long enough to be caught mid-run (about a minute here).
kvmini run -c 2 -m 64 -p "iterations=3000 sve-iterations=20 mte-iterations=20" \
	--api-sock /tmp/api.sock --timeout 600 >"$OUT/run1.out" 2>&1 &
pid=$!
wait_sock /tmp/api.sock
t status1 kvmini ctl /tmp/api.sock status
t pause kvmini ctl /tmp/api.sock pause
t status2 kvmini ctl /tmp/api.sock status
t status2json kvmini ctl /tmp/api.sock status --json
t resume kvmini ctl /tmp/api.sock resume
t unknown kvmini ctl /tmp/api.sock frobnicate
t nopath kvmini ctl /tmp/api.sock snapshot
t badkey kvmini ctl /tmp/api.sock pause seconds=5
# Its vCPUs run their checks (all at once; results are printed at the end)
# from the "gic:" line on, for about half a minute here: two seconds in,
# each holds FP/SIMD or SVE patterns across every exit.
wait_for "$OUT/run1.out" "^# gic: "
sleep 2
t snap kvmini ctl /tmp/api.sock snapshot path=/tmp/snap.kvs
t again kvmini ctl /tmp/api.sock snapshot path=/tmp/snap.kvs
t fifo sh -c "mkfifo /tmp/snap.fifo && exec kvmini ctl /tmp/api.sock snapshot path=/tmp/snap.fifo force=true"
t latin1 kvmini ctl /tmp/api.sock snapshot "path=/tmp/vm-$(printf "\351").kvs"
t notsock kvmini ctl /tmp/snap.kvs status
t restoretwo kvmini restore /tmp/snap.kvs extra
kill -9 $pid; wait $pid
ls -l /tmp/snap.kvs >"$OUT/size.out"
# Carried out to the next boot compressed: the console is slow, the RAM mostly zeros.
gzip -1 -c /tmp/snap.kvs >"$OUT/snap.kvs.gz"
t restore kvmini restore /tmp/snap.kvs --timeout 300
# The checkers prove they can fail in a restored run: a bit of Z7 flipped.
t restorefault kvmini restore /tmp/snap.kvs --inject-fault restore --timeout 300
# The socket file of the killed kvmini is stale: a new one takes its place.
kvmini restore /tmp/snap.kvs --api-sock /tmp/api.sock --verify-memory >"$OUT/stale.out" 2>&1 &
pid=$!
wait_for "$OUT/stale.out" "control socket at"
t stalestatus kvmini ctl /tmp/api.sock status
kvmini ctl /tmp/api.sock stop >/dev/null
wait $pid; echo $? >"$OUT/stale.rc"
cp /tmp/snap.kvs /tmp/bad.kvs
flip /tmp/bad.kvs 3 0
t flipmagic kvmini restore /tmp/bad.kvs
cp /tmp/snap.kvs /tmp/bad.kvs
flip /tmp/bad.kvs 70000 5
t flipmem kvmini restore --verify-memory /tmp/bad.kvs
# Without --verify-memory too: the RAM of an MTE guest is read in whole, each chunk checked.
t flipmemread kvmini restore /tmp/bad.kvs
size=$(wc -c </tmp/bad.kvs)
cp /tmp/snap.kvs /tmp/bad.kvs
flip /tmp/bad.kvs $((size - 100)) 2
t fliptable kvmini restore /tmp/bad.kvs
head -c 1000000 /tmp/snap.kvs >/tmp/short.kvs
t truncated kvmini restore /tmp/short.kvs
t missing kvmini restore /tmp/nothing.kvs
t usage kvmini restore
t badpoll kvmini restore /tmp/snap.kvs --io-poll abc

# Without MTE, RAM is read in as the guest first touches it, each 1 MiB
# chunk checked then, and the untouched ones in the background: damage in a
# chunk the guest uses and in one it never touches both stop the VM.
kvmini run --no-mte -c 2 -m 64 -p "iterations=3000 sve-iterations=20" \
	--api-sock /tmp/n.sock --timeout 600 >"$OUT/nrun.out" 2>&1 &
pid=$!
wait_for "$OUT/nrun.out" "^# gic: "
sleep 1
t nsnap kvmini ctl /tmp/n.sock snapshot path=/tmp/n.kvs
kill -9 $pid; wait $pid
t nrestore kvmini restore /tmp/n.kvs --timeout 300 --stats
cp /tmp/n.kvs /tmp/nbad.kvs
flip /tmp/nbad.kvs 70000 5
t nflipnear kvmini restore /tmp/nbad.kvs --timeout 300
cp /tmp/n.kvs /tmp/nbad.kvs
flip /tmp/nbad.kvs $((65536 + 40 * 1048576 + 12345)) 1
t nflipfar kvmini restore /tmp/nbad.kvs --timeout 300
rm -f /tmp/nbad.kvs

# A Linux guest snapshotted while its init writes to its disk, block by
# block, each synced; restored, it finishes and verifies every block, then
# pings the host over a TAP kvmini makes anew - all on the virtio console.
# With an ITS, whose tables the guest set up in its RAM.
# The disk is named relative to where kvmini run starts; the restore starts
# in another directory holding a decoy disk.img, and must use the first.
mkdir -p /tmp/ldir /tmp/decoy
dd if=/dev/zero of=/tmp/ldir/disk.img bs=1M count=32 2>/dev/null
dd if=/dev/zero of=/tmp/decoy/disk.img bs=1M count=32 2>/dev/null
(cd /tmp/ldir && exec kvmini run -k $GUEST/Image -i $GUEST/initrd -m 256 -c 2 -d disk.img --rng \
	--irqchip gicv3-its --console virtio -n mode=tap,tapif=ksnap0,host_ip=192.168.34.1 \
	-p "kvmini.soak=24 kvmini.net=192.168.34.2,192.168.34.1 kvmini.noinput" \
	--api-sock /tmp/l.sock --timeout 600) >"$OUT/lrun.out" 2>&1 &
pid=$!
wait_for "$OUT/lrun.out" "soak: 3 MiB written"
# Its threads, by name, as ps -L and top -H show them.
cat /proc/$pid/task/*/comm | sort >"$OUT/lthreads.out"
t lsnap kvmini ctl /tmp/l.sock snapshot path=/tmp/l.kvs
kill -9 $pid; wait $pid
t lrestore sh -c "cd /tmp/decoy && exec kvmini restore /tmp/l.kvs --timeout 300 --stats"
t lverify kvmini-guest-check soak-verify /tmp/ldir/disk.img 24
tr -d "\000" </tmp/decoy/disk.img | wc -c >"$OUT/ldecoy.out"

# A second snapshot while one is written is told the VM is busy: a guest
# with more RAM (a slower save) and a saver started first.
kvmini run -c 2 -m 1024 -p "iterations=100000" --api-sock /tmp/b.sock --timeout 600 >/dev/null 2>&1 &
pid=$!
wait_sock /tmp/b.sock
sleep 1
kvmini ctl /tmp/b.sock snapshot path=/tmp/b1.kvs >"$OUT/bsnap.out" 2>&1 &
snap=$!
sleep 0.3
t busy kvmini ctl /tmp/b.sock snapshot path=/tmp/b2.kvs
t busyresume kvmini ctl /tmp/b.sock resume
wait $snap; echo $? >"$OUT/bsnap.rc"
kill -9 $pid; wait $pid
rm -f /tmp/b1.kvs /tmp/b2.kvs

# A pause stops the guest clock: 8 s paused are 8 s it never sees.
t0=$(cut -d" " -f1 /proc/uptime)
kvmini run -p "iterations=1000" --api-sock /tmp/p.sock --timeout 300 >"$OUT/prun.out" 2>&1 &
pid=$!
wait_sock /tmp/p.sock
t ppause kvmini ctl /tmp/p.sock pause
# A relative path is taken where the client runs, not in the cwd (/work) of the kvmini serving it.
mkdir -p /tmp/rel
(cd /tmp/rel && kvmini ctl /tmp/p.sock snapshot path=p.kvs) >"$OUT/relsnap.out" 2>&1
ls /tmp/rel/p.kvs /work/p.kvs >"$OUT/rells.out" 2>&1
sleep 8
t presume kvmini ctl /tmp/p.sock resume
wait $pid; echo $? >"$OUT/prun.rc"
echo "$t0 $(cut -d" " -f1 /proc/uptime)" >"$OUT/pwall.out"
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
check "ctl pause seconds=5: refused, not a pause without end" rc_has badkey 1 \
	"'pause' takes no arguments, and was given 'seconds'"
check "ctl snapshot mid-run: exit 0" rc_is snap 0
check "a second snapshot to the same path: refused without force" \
	rc_has again 1 'already exists; pass force=true'
check "a snapshot over a FIFO with force: refused, saying why (not the force hint)" sh -c \
	"grep -q 'snap.fifo: exists and is a FIFO; a snapshot replaces only a regular file' '$T/fifo.out' && ! grep -q 'pass force=true' '$T/fifo.out'"
check "ctl path= not UTF-8: refused by the client, the byte named" rc_has latin1 2 \
	"path=: byte 8 (0xe9) is not UTF-8"
check "ctl to a snapshot file instead of the socket: says it is not a socket" rc_has notsock 1 \
	"/tmp/snap.kvs: a regular file, not a socket"
check "restore with a second argument: refused, naming it" rc_has restoretwo 2 \
	"'extra' after the snapshot file /tmp/snap.kvs"
check "the stress guest was mid-run when saved (its run had not finished)" lacks run1 "Bail out"
check "restore after kill -9: exit 0" rc_is restore 0
check "restore: the guest finished with every check ok" tap_rest_ok restore
check "--inject-fault=restore: the restored run fails" rc_is restorefault 1
check "--inject-fault=restore: kvmini says what it flipped" has restorefault "flipped bit 42 of V7"
check "--inject-fault=restore: only the guest's vector checks fired" \
	fired_only restorefault '^not ok [0-9]+ - cpu[0-9]+ (fpsimd|sve) '
check "restore with --api-sock over a stale socket and --verify-memory: serves it" rc_has stalestatus 0 "^state: running"
check "and stops when told to, exit 0" rc_is stale 0
check "a flipped magic bit: refused" rc_has flipmagic 1 'not a kvmini snapshot'
check "a flipped bit in guest RAM: refused by --verify-memory" rc_has flipmem 1 'checksum\|crc'
check "a flipped bit in an MTE guest's RAM: refused as it is read in, naming the chunk" \
	rc_has flipmemread 1 'section type 2 index 0, chunk 0 (1048576 bytes at file offset 65536): checksum'
lazy_ok() { rc_is nrestore 0 && tap_rest_ok nrestore; }
check "without MTE: restored lazily: exit 0, the guest finished with every check ok" lazy_ok
# Of 64 chunks, the guest touched a few: only those were read in; the scan
# checked the rest (it starts at once, so it checks most before any fault).
lazy_read_few() {
	local line loaded scanned
	line=$(grep "RAM from the snapshot, of 64 chunks of 1 MiB" "$T/nrestore.out") || return 1
	loaded=$(echo "$line" | sed -n "s/.*: \([0-9]*\) read in at first touch.*/\1/p")
	scanned=$(echo "$line" | sed -n "s/.*, \([0-9]*\) checked by the background scan.*/\1/p")
	echo "# $line"
	[ "${loaded:-0}" -ge 1 ] && [ "$loaded" -lt 32 ] && [ $((loaded + ${scanned:-0})) -ge 64 ]
}
check "without MTE: only the RAM the guest touched was read in; every other chunk checked in the background" lazy_read_few
check "without MTE: a flipped bit in RAM the guest uses stops it, naming the guest addresses" \
	rc_has nflipnear 1 'guest RAM at 0x80000000-0x800fffff cannot be restored'
check "without MTE: a flipped bit in RAM the guest never touches is found in the background" \
	rc_has nflipfar 1 'guest RAM at 0x82800000-0x828fffff cannot be restored'
check "a flipped bit in the section table: refused" rc_is fliptable 1
check "a truncated snapshot: refused" rc_has truncated 1 'size\|truncat'
check "a missing snapshot: refused, naming it" has missing "/tmp/nothing.kvs"
check "restore without a file: usage error, status 2" rc_is usage 2
check "restore --io-poll abc: status 2, the option named, not the snapshot blamed" \
	rc_has badpoll 2 "kvmini restore: --io-poll abc: not a number of microseconds"
for n in flipmagic flipmem fliptable truncated missing; do
	check "$n: refused before any VM was made" lacks $n "restoring /"
done

check "Linux guest: snapshot while the init writes to its disk: exit 0" rc_is lsnap 0
check "the reply says the disk is not in the snapshot" has lsnap "disks_not_in_snapshot: disk.img"
check "restored from another directory: it works where the VM was started, and says so" \
	has lrestore "/tmp/l.kvs: working in /tmp/ldir, where its VM was started"
check "restored from another directory: the decoy disk.img there was never written" \
	sh -c "[ \"\$(tr -d ' ' <'$T/ldecoy.out')\" = 0 ]"
check "Linux guest restored: exit 0 (it powered off)" rc_is lrestore 0
check "Linux guest: its threads are named kvmini-vcpu0, kvmini-vcpu1 and kvmini-io" \
	sh -c "grep -qx kvmini-vcpu0 '$T/lthreads.out' && grep -qx kvmini-vcpu1 '$T/lthreads.out' &&
	grep -qx kvmini-io '$T/lthreads.out'"
check "Linux guest restored: its ITS too, enabled, with the tables the guest gave it, read back as saved" \
	has lrestore "ITS restored: enabled, device table in use, collection table in use"
check "Linux guest restored: it went on writing where it was, not from the start" \
	sh -c "grep -q '^soak: 24 MiB written' '$T/lrestore.out' && ! grep -q '^soak: 1 MiB written' '$T/lrestore.out'"
check "Linux guest restored: every block verified in the guest" has lrestore "guest init: soak: 24 MiB written and verified"
check "Linux guest: its console is the virtio console (hvc0), so the restored output below came through it" \
	has lrun "guest init: consoles: hvc0"
check "Linux guest restored: eth0 is up and pings the host over the new TAP" \
	has lrestore "guest init: ping 192.168.34.1: 3 packets received"
check "Linux guest restored: both vCPUs ran (each read the RTC, an exit to kvmini)" \
	sh -c "grep -q 'soak: cpu 1 reads the RTC: [0-9]' '$T/lrestore.out' && grep -q 'vCPU 0: [1-9]' '$T/lrestore.out' && grep -q 'vCPU 1: [1-9]' '$T/lrestore.out'"
check "the host-side disk image holds every block" rc_has lverify 0 "24 MiB written and verified"
# The guest's counter (0 when its VM was made) against the run's wall time:
# what it did not see is the pause (and a snapshot taken in it), give or
# take start-up and exit.
pause_unseen() {
	local v f t0 t1
	v=$(sed -n 's/^# counters: virtual \([0-9]*\) .*/\1/p' "$T/prun.out")
	f=$(sed -n 's/^# iterations [0-9]*, counter frequency \([0-9]*\) Hz$/\1/p' "$T/prun.out")
	read -r t0 t1 <"$T/pwall.out"
	awk -v v="${v:-0}" -v f="${f:-0}" -v a="$t0" -v b="$t1" 'BEGIN {
		if (f <= 0) { print "# no counter reading in the run"; exit 1 }
		h = (b - a) - v / f
		printf "# the guest saw %.1f s of a %.1f s run: %.1f s unseen\n", v / f, b - a, h
		exit !(h >= 6 && h < 25) }'
}
check "pause and resume mid-run: exit 0 each, and the guest finished ok" \
	sh -c "[ \"\$(cat '$T/ppause.rc' '$T/presume.rc' '$T/prun.rc')\" = \"\$(printf '0\n0\n0')\" ]"
check "pause: the 8 s paused passed unseen by the guest's clock" pause_unseen
check "ctl snapshot path=p.kvs from /tmp/rel: saved there, as the client's path" \
	sh -c "grep -q '^path: /tmp/rel/p.kvs' '$T/relsnap.out' && grep -qx /tmp/rel/p.kvs '$T/rells.out' && grep -q 'No such file' '$T/rells.out'"
check "the first of two snapshots: exit 0" rc_is bsnap 0
check "a second snapshot while one is written: busy" rc_has busy 1 "is still running; try again"
check "a resume while a snapshot is written: busy, naming the snapshot" rc_has busyresume 1 \
	"a snapshot is in progress; try again"

# A fresh emulated-host boot (a new kernel instance) continues the same snapshot.
# And one edited (checksums made right) as if taken on a host with more of
# a feature: ID_AA64ISAR0_EL1.AES above this host's limit.
cp "$T/snap.kvs.gz" "$T/carry.kvs.gz"
isar0=$(sed -n 's/.* ISAR0 \(0x[0-9a-f]*\) .*/\1/p' "$T/restore.out" | head -n1)
run_host --add "$T/carry.kvs.gz" --add "$SNAP_EDIT_BIN" -- '
gunzip carry.kvs.gz
t fresh kvmini restore carry.kvs --timeout 300
t edit snap-edit carry.kvs aes.kvs 0x603000000013c030 '"$((${isar0:-0} | 0xf0))"'
t idreg kvmini restore aes.kvs
'
check "restore in a fresh emulated host: exit 0" rc_is fresh 0
check "restore in a fresh emulated host: every check ok" tap_rest_ok fresh
check "the guest reported ID_AA64ISAR0_EL1 (to edit it)" test -n "$isar0"
check "snap-edit: snapshot rewritten with ISAR0.AES = 15" rc_is edit 0
check "an ID register field above this host's limit: refused" rc_is idreg 1
check "the refusal names the field, its value and the rule" has idreg "ID_AA64ISAR0_EL1.AES = 15"
check "the refusal counts the refused fields" has idreg "field this host's KVM would refuse"
check "refused before any VM was made" lacks idreg "restoring aes.kvs"

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
