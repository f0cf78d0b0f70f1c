# SPDX-License-Identifier: GPL-2.0-only
# kvmini's battery against one host kernel, run inside tools/arm64-host by
# tools/mutants (busybox sh): the embedded guest on 1 and 2 vCPUs at the
# host's largest vector length and the smallest, with the host check
# (default on) and MTE (default on); with a CPU model; snapshotted mid-run
# and restored in a new process. One line per check on stdout:
#   @@CHECK NAME pass
#   @@CHECK NAME FAIL rc=N: the first line that names what went wrong
# and each check's whole output under $OUT/NAME.out.

# The embedded guest's checks, shortened where the default runs long.
P="iterations=100 sve-iterations=2 mte-iterations=2"
# A guest that hangs is stopped and fails its check.
T="--timeout 180"

check() { # NAME COMMAND...
	name=$1
	shift
	"$@" >"$OUT/$name.out" 2>&1
	rc=$?
	if [ $rc = 0 ]; then
		echo "@@CHECK $name pass"
		return
	fi
	# A failed TAP line with its first two diagnostics, else kvmini's own error.
	why=$(awk '/^not ok/ && !n { n = 1; line = $0; next }
		n >= 1 && n <= 2 && /^# cpu[0-9]/ { line = line " " $0; n++; next }
		n >= 1 { n = 3 }
		END { print line }' "$OUT/$name.out")
	[ -n "$why" ] || why=$(grep -m1 'error' "$OUT/$name.out")
	[ -n "$why" ] || why=$(tail -n1 "$OUT/$name.out")
	echo "@@CHECK $name FAIL rc=$rc: $why"
}

wait_for() { # FILE TEXT: until FILE has a line matching TEXT (60 s at most)
	i=0
	while ! grep -q "$2" "$1" 2>/dev/null && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
}

# Snapshot mid-run through the socket, kill, restore in a new process: the
# guest checks its FP/SVE/MTE state (every tag) after the restore.
snapshot() {
	rm -f /tmp/api.sock /tmp/snap.kvs
	kvmini run -c 2 -m 64 -p "iterations=1500 sve-iterations=10 mte-iterations=10" \
		--api-sock /tmp/api.sock --timeout 300 >"$OUT/snapshot-run.out" 2>&1 &
	pid=$!
	wait_for "$OUT/snapshot-run.out" "^# gic: "
	sleep 2
	if ! kvmini ctl /tmp/api.sock snapshot path=/tmp/snap.kvs; then
		# The run itself failed first: its reason is the check's.
		kill -9 $pid 2>/dev/null
		wait $pid
		grep -m1 -E '^not ok|error' "$OUT/snapshot-run.out"
		return 1
	fi
	kill -9 $pid
	wait $pid
	kvmini restore /tmp/snap.kvs --timeout 300
}

check one kvmini run $T -p "$P"
check two kvmini run $T -c 2 -p "$P"
check one128 kvmini run $T --sve-vl 128 -p "$P"
check two128 kvmini run $T -c 2 --sve-vl 128 -p "$P"
check model sh -c 'kvmini cpu dump -o /tmp/host.model &&
	sed -e "s/^ID_AA64ISAR0_EL1.AES = .*/ID_AA64ISAR0_EL1.AES = 0/" /tmp/host.model >/tmp/low.model &&
	kvmini run --timeout 180 -c 2 --cpu-model /tmp/low.model -p "'"$P"'"'
check snapshot snapshot
