#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Inside an emulated host (tools/arm64-host or tools/x86-host --guest), for
# tools/bench/linux-boot and tools/bench/x86-linux-boot: kvmini and QEMU
# (Debian's, from tools/bench/qemu-pack; -M virt on arm64, -M microvm on
# x86_64) boot the same kernel and initramfs from /guest, alternating,
# ROUNDS times; then each VMM's RSS without guest RAM while the guest
# waits; on arm64 also disk and network throughput in the guest (and, when
# the host has a disk of its own - $HOST_DISK, tools/arm64-host --disk -
# random I/O on that device beside the host's own). Prints "key: value"
# lines for the summary.
#   arm64:  1 vCPU, 256 MiB, Image, the console on ttyAMA0 (QEMU's PL011)
#   x86_64: 2 vCPUs, 512 MiB, bzImage, a virtio-rng device, ttyS0; both
#           with a CMOS RTC (QEMU's rtc=on): a guest kernel without one
#           waits some 5 s in rtc_cmos's probe of the absent clock, as
#           microvm's ACPI tables do not say there is none
# Usage: sh linux-boot-host.sh arm64|x86_64 [ROUNDS [DISK_ROUNDS]]
arch=$1 rounds=${2:-3} disk_rounds=${3:-3}
tar xf qemu-$arch.tar && rm -f qemu-$arch.tar || exit 1
up() { cut -d' ' -f1 /proc/uptime; }
I=$GUEST/initrd
case $arch in
arm64)
	K=$GUEST/Image mib=256 con=ttyAMA0
	QEMU="./qemu-arm64/qemu -accel kvm -M virt,gic-version=3 -cpu host -m $mib -smp 1 -nographic
		-nodefaults -serial stdio -no-reboot -kernel $K -initrd $I"
	KVMINI="kvmini run -k $K -i $I -m $mib --stats" ;;
x86_64)
	K=$GUEST/bzImage mib=512 con=ttyS0
	QEMU="./qemu-x86_64/qemu -accel kvm -M microvm,acpi=on,rtc=on -cpu host -m $mib -smp 2
		-nographic -nodefaults -no-user-config -serial stdio -no-reboot -kernel $K -initrd $I
		-device virtio-rng-device"
	KVMINI="kvmini run -k $K -i $I -m $mib -c 2 --rng --stats" ;;
*) echo "linux-boot-host.sh: no architecture $arch"; exit 1 ;;
esac
# boot VMM EXTRA-PARAMS [VMM ARGS...]: one boot, its console on stdout.
# A boot still running after BOOT_LIMIT seconds is killed (status 143) and
# counts as failed, so a VMM that hangs costs a retry, not the whole run (an
# emulated host that stops altogether, as one did in a run of 2026-12-07
# with no kernel report, still ends the run at its timeout).
BOOT_LIMIT=300
boot() {
	local vmm=$1 extra=$2
	shift 2
	if [ "$vmm" = qemu ]; then
		timeout $BOOT_LIMIT $QEMU -append "console=$con $extra" "$@"
	else
		timeout $BOOT_LIMIT $KVMINI -p "console=ttyS0 $extra" "$@"
	fi
}
first_init() { sed -n 's/^\[ *\([0-9.]*\)\] guest init:.*/\1/p' "$1" | head -n1; }
# stamp: copies the console, a line "host_init_at=UPTIME" (this host's
# clock) before the first "guest init:" line as it arrives.
stamp() {
	awk '!t && /guest init:/ { getline u <"/proc/uptime"; split(u, a, " "); t = a[1]
		print "host_init_at=" t; fflush() } { print }'
}

# The first VM of a freshly booted emulated host starts faster: on x86 the
# guest kernel's phase before its clock starts took 1.6-1.8 s in the first
# boot and 3.9-4.4 s in every later one, QEMU's and kvmini's alike (the
# emulator rewriting pages whose code it had translated for the VM before:
# tools/bench/x86-linux-boot has the host zero pages as it frees them, which
# evens the boots out). One boot that is not counted, so that no VMM is
# measured with a start the others do not get (how it ends does not matter:
# the counted boots check their own).
boot kvmini kvmini.noinput </dev/null >/dev/null 2>&1 ||
	echo "warm-up boot (not counted): kvmini exited with status $?"

# A boot counts once the guest powered off. One that did not (the nested
# virtualization of the emulated host has been seen to reset a guest,
# rarely) is reported as "failed_VMM:" with its console's end and run again,
# twice at the most.
i=0
while [ $i -lt "$rounds" ]; do
	for vmm in kvmini qemu; do
		try=0
		while :; do
			t0=$(up)
			{ boot $vmm kvmini.noinput </dev/null 2>&1; echo "vmm_status=$?"; } | stamp >boot.out
			t1=$(up)
			grep -q '^vmm_status=0$' boot.out && grep -q 'reboot: Power down' boot.out && break
			echo "failed_$vmm: round $i: no power-off after $(awk "BEGIN{print $t1 - $t0}") s;" \
				"its console ended with:"
			tail -n 5 boot.out | sed "s/^/  | /"
			try=$((try + 1))
			[ $try -le 2 ] || exit 1
		done
		ti=$(sed -n 's/^host_init_at=//p' boot.out)
		echo "boot_$vmm: total_s=$(awk "BEGIN{print $t1 - $t0}") init_s=$(first_init boot.out)" \
			"init_wall_s=$(awk "BEGIN{print ${ti:-0} - $t0}")"
		[ $vmm = qemu ] || grep -m1 -o 'kvmini: stats: exec to the first KVM_RUN.*' boot.out
	done
	i=$((i + 1))
done

# RSS without the guest RAM, once the guest's init waits for input: every
# mapping's Rss but that of the guest RAM (the one mapping of its size).
for vmm in kvmini qemu; do
	rm -f in.fifo rss.out
	mkfifo in.fifo
	sleep 600 >in.fifo &
	hold=$!
	if [ $vmm = qemu ]; then
		$QEMU -append console=$con <in.fifo >rss.out 2>&1 &
	else
		$KVMINI -p console=ttyS0 <in.fifo >rss.out 2>&1 &
	fi
	pid=$!
	# (The emulated host's own timeout bounds the wait.)
	while ! grep -qs 'type a line' rss.out && kill -0 $pid 2>/dev/null; do sleep 0.1; done
	grep -q 'type a line' rss.out && kill -0 $pid 2>/dev/null ||
		{ echo "rss_$vmm: $vmm ended before its init waited for input:"; cat rss.out; exit 1; }
	awk -v vmm=$vmm -v ram=$((mib * 1024)) '/^[0-9a-f]+-[0-9a-f]+ /{size = 0} /^Size:/{size = $2}
		/^Rss:/{if (size != ram) rss += $2; else {ram_rss = $2; n++}}
		END {print "rss_" vmm ": kib=" rss " guest_ram=" ram_rss " ram_maps=" n}' /proc/$pid/smaps
	# For reference: the whole RSS, the guest RAM the guest touched included.
	awk -v vmm=$vmm '/^(VmRSS|RssAnon|RssFile|RssShmem):/ {s = s " " $1 $2}
		END {print "vmrss_" vmm ":" s}' /proc/$pid/status
	echo go >in.fifo
	kill $hold
	wait $pid
done
# x86_64: boot and memory only (what issue 10 measures).
[ "$arch" = arm64 ] || exit 0

# disk_boot SETUP MIB PARAMS: boot SETUP (kvmini-uring, kvmini-sync or qemu)
# with a fresh MIB MiB disk and the init's PARAMS, its console on stdout.
disk_boot() {
	case $1 in dev-*) ;; *) dd if=/dev/zero of=disk.img bs=1M count=$2 2>/dev/null ;; esac
	case $1 in
	# The host's own disk ($HOST_DISK, MIB unused), bypassing the page cache
	# as the host's own test does: kvmini with ,direct, QEMU with cache=none.
	dev-kvmini) boot kvmini "$3 kvmini.noinput" -d "$HOST_DISK,direct" </dev/null 2>&1 ;;
	dev-kvmini-guestpoll) boot kvmini "$3 kvmini.noinput virtio_blk.poll_queues=1" -c 2 \
		-d "$HOST_DISK,direct,queues=2" --io-poll 2000 </dev/null 2>&1 ;;
	dev-qemu) boot qemu "$3 kvmini.noinput" -device virtio-blk-device,drive=d0 \
		-drive file="$HOST_DISK",if=none,id=d0,format=raw,cache=none,aio=io_uring </dev/null 2>&1 ;;
	qemu) boot qemu "$3 kvmini.noinput" -device virtio-blk-device,drive=d0 \
		-drive file=disk.img,if=none,id=d0,format=raw,aio=io_uring </dev/null 2>&1 ;;
	kvmini-sync) (export KVMINI_BLK_SYNC=1; boot kvmini "$3 kvmini.noinput" -d disk.img </dev/null 2>&1) ;;
	# The same without the I/O thread's polling (--io-poll 0): what polling buys.
	kvmini-sync-nopoll) (export KVMINI_BLK_SYNC=1
		boot kvmini "$3 kvmini.noinput" -d disk.img --io-poll 0 </dev/null 2>&1) ;;
	# Polled, its interrupts never held (KVMINI_IRQ_HOLD=0): what holding buys.
	kvmini-sync-nohold) (export KVMINI_BLK_SYNC=1 KVMINI_IRQ_HOLD=0
		boot kvmini "$3 kvmini.noinput" -d disk.img </dev/null 2>&1) ;;
	# The guest polls: 2 vCPUs (so its driver can have a poll queue), the
	# disk with 2 queues, one of them the guest's poll queue; the I/O thread
	# polls 2 ms, so the guest's requests need no notification either.
	kvmini-guestpoll) (export KVMINI_BLK_SYNC=1
		boot kvmini "$3 kvmini.noinput virtio_blk.poll_queues=1" -c 2 \
			-d disk.img,queues=2 --io-poll 2000 </dev/null 2>&1) ;;
	qemu-guestpoll) QEMU=$(echo "$QEMU" | sed 's/-smp 1/-smp 2/')
		boot qemu "$3 kvmini.noinput virtio_blk.poll_queues=1" \
		-device virtio-blk-device,drive=d0,num-queues=2 \
		-drive file=disk.img,if=none,id=d0,format=raw,aio=io_uring </dev/null 2>&1 ;;
	# The image is on tmpfs, where kvmini would choose synchronous I/O.
	*) (export KVMINI_BLK_SYNC=0; boot kvmini "$3 kvmini.noinput" -d disk.img </dev/null 2>&1) ;;
	esac
}
for setup in kvmini-uring kvmini-sync qemu; do
	# Sequential: the guest writes (fsync'd) and reads all of a 64 MiB disk.
	echo "disk_$setup: $(disk_boot $setup 64 kvmini.bench | grep -o 'bench: vda.*')"
	# Random 4 KiB at queue depth 1 and 32, 2 s per test, on 256 MiB.
	echo "iops_$setup: $(disk_boot $setup 256 kvmini.iops=2 | grep -o 'bench: iops:.*')"
done
for setup in kvmini-sync-nopoll kvmini-sync-nohold; do
	echo "iops_$setup: $(disk_boot $setup 256 kvmini.iops=2 | grep -o 'bench: iops:.*')"
done
# Polled completions in the guest (IORING_SETUP_IOPOLL on its poll queue),
# and the host's own random I/O on the same image: the goal's pair, one
# after the other DISK_ROUNDS times, as this host's speed drifts (2x from
# one run to the next has been seen).
r=0
while [ $r -lt "$disk_rounds" ]; do
	echo "iops_kvmini-guestpoll: $(disk_boot kvmini-guestpoll 256 kvmini.iopoll=2 |
		grep -o 'bench: iops:.*')"
	./kvmini-guest-check iops disk.img 2 | sed 's/^/iops_host: /'
	# The same on one CPU: what the guest's test has, one vCPU (its
	# IOPOLL thread does all the work; the host's io_uring spreads it
	# over both CPUs through its io-wq workers, which inherit the mask).
	taskset 2 ./kvmini-guest-check iops disk.img 2 | sed 's/^/iops_host-1cpu: /'
	r=$((r + 1))
done
echo "iops_qemu-guestpoll: $(disk_boot qemu-guestpoll 256 kvmini.iopoll=2 | grep -o 'bench: iops:.*')"
# The guest's own reference: the same test on a file in its RAM, no disk.
echo "iops_guest-ram: $(boot kvmini "kvmini.ramiops=2 kvmini.noinput" </dev/null 2>&1 |
	grep -o 'bench: iops:.*')"
# And on a RAM block device (brd): the guest's block layer, no device behind.
echo "iops_guest-brd: $(boot kvmini "kvmini.brdiops=2 kvmini.noinput" </dev/null 2>&1 |
	grep -o 'bench: iops:.*')"

# On the host's own disk, when it has one (tools/bench/linux-boot gives it
# one: tools/arm64-host --disk): device-bound, as on a host with real
# storage. The host's random I/O with O_DIRECT on the device and the guest's
# on the same device, no page cache on either side; the guest polling and
# the host, one after the other DISK_ROUNDS times, as above.
# Each of those lines ends with what the device saw meanwhile (/proc/diskstats,
# over the four tests): dev_lat_ms, the mean time from issue to completion;
# a guest through kvmini adds kvmini's own count (--stats): kvmini_us, each
# request's mean time from its queueing in io_uring to kvmini reaping it.
# Means over requests are mostly the QD32 tests' (they make some 9 in 10),
# so the summary takes a setup's QD32 rate times them: the requests at the
# device, and in the host kernel, during its QD32 tests (Little's law).
# (No depth from diskstats' busy time: it counts ticks, which the QD1 tests
# mostly miss, so it reads high.)
if [ -n "${HOST_DISK:-}" ]; then
	devname=$(basename "$(readlink -f "$HOST_DISK")")
	# Reads and writes completed so far, and their ms (diskstats fields 4+8, 7+11).
	devstat() { awk -v d="$devname" '$3 == d { print $4 + $8, $7 + $11 }' /proc/diskstats; }
	# dev KEY COMMAND...: COMMAND's last line after "KEY: ", then the device's view.
	dev() {
		local key=$1 a b line
		shift
		a=$(devstat)
		line=$("$@" | tail -n 1)
		b=$(devstat)
		# A run that printed nothing (a failed boot) gets no device figures either.
		[ -n "$line" ] || { echo "$key:"; return; }
		echo "$key: $line $(echo "$a $b" | awk '{ n = $3 - $1
			printf "dev_lat_ms=%.2f", n ? ($4 - $2) / n : 0 }')"
	}
	guest_iops() {
		local kv
		disk_boot "$@" >dev.out
		# kvmini's --stats line for the disk (none from QEMU), as key=value words.
		kv=$(sed -n 's/.*requests through io_uring, [0-9.]* in the kernel while it had any'\
' ([0-9.]* ms in all), \([0-9]*\) us there each.*/ kvmini_us=\1/p' dev.out | head -n 1)
		# Its submissions' mean time (and CPU time), and over the disk's queues the share of
		# requests the I/O thread's polls found and how long they had waited.
		kv="$kv$(sed -n 's/.*requests through io_uring, .*; [0-9]* submissions, \([0-9]*\) us each (\([0-9]*\) us on the CPU).*/ kvmini_submit_us=\1 kvmini_submit_cpu_us=\2/p' dev.out | head -n 1)"
		kv="$kv$(awk '/stats: virtio-blk@[0-9a-f]* queue [0-9]*: / { n += $6
				if (sub(/.*polls found /, "")) { f += $1; w += $1 * $5 } }
			END { if (f && n) printf " kvmini_found_pct=%.0f kvmini_found_us=%.0f", 100 * f / n, w / f }' dev.out)"
		grep -q 'bench: iops:' dev.out && echo "$(grep -o 'bench: iops:.*' dev.out)$kv"
	}
	r=0
	while [ $r -lt "$disk_rounds" ]; do
		dev iops_dev-kvmini-guestpoll guest_iops dev-kvmini-guestpoll 0 kvmini.iopoll=2
		dev iops_dev-host ./kvmini-guest-check iops "$HOST_DISK" 2
		# On one CPU, as the guest's test has one vCPU: is it the CPUs or the device?
		dev iops_dev-host-1cpu taskset 2 ./kvmini-guest-check iops "$HOST_DISK" 2
		r=$((r + 1))
	done
	for setup in dev-kvmini dev-qemu; do
		dev "iops_$setup" guest_iops $setup 0 kvmini.iops=2
	done
fi

# TCP throughput over a TAP: 64 MiB host to guest, then guest to host. QEMU
# creates tap0 itself, so the host side addresses it once it appears.
for vmm in kvmini qemu; do
	dd if=/dev/zero bs=1M count=64 2>/dev/null | nc -l -p 8081 &
	sleep 600 | nc -l -p 5001 >/dev/null &
	params="kvmini.net=192.168.33.2,192.168.33.1 kvmini.netbench=64"
	if [ $vmm = qemu ]; then
		(n=0; while [ ! -e /sys/class/net/tap0 ] && [ $n -lt 600 ]; do sleep 0.1; n=$((n + 1)); done
		 ip addr add 192.168.33.1/24 dev tap0 && ip link set tap0 up) &
		boot qemu "$params kvmini.noinput" -device virtio-net-device,netdev=n0 \
			-netdev tap,id=n0,ifname=tap0,script=no,downscript=no </dev/null >net.out 2>&1
	else
		boot kvmini "$params kvmini.noinput" -n mode=tap,tapif=tap0,host_ip=192.168.33.1 \
			</dev/null >net.out 2>&1
	fi
	echo "net_$vmm: $(grep -o 'bench: net.*' net.out)"
done
t0=$(up); dd if=/dev/zero of=host.img bs=1M count=64 conv=fsync 2>/dev/null; t1=$(up)
dd if=host.img of=/dev/null bs=1M 2>/dev/null; t2=$(up)
echo "disk_host: MiB=64 write_s=$(awk "BEGIN{print $t1 - $t0}") read_s=$(awk "BEGIN{print $t2 - $t1}")"
