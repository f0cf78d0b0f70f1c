#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Inside the emulated arm64 host, for tools/bench/linux-boot: kvmini and
# QEMU (-accel kvm -M virt, the peer) boot the same kernel and initramfs
# from /guest on 1 vCPU with 256 MiB, alternating, ROUNDS times; then each
# VMM's RSS without guest RAM while the guest waits, and sequential disk
# throughput in the guest. Prints "key: value" lines for the summary.
rounds=${1:-3}
tar xf qemu-arm64.tar && rm -f qemu-arm64.tar || exit 1
up() { cut -d' ' -f1 /proc/uptime; }
K=$GUEST/Image I=$GUEST/initrd
QEMU="./qemu-arm64/qemu -accel kvm -M virt,gic-version=3 -cpu host -m 256 -smp 1 -nographic
	-nodefaults -serial stdio -no-reboot -kernel $K -initrd $I"
KVMINI="kvmini run -k $K -i $I -m 256 --stats"
# boot VMM EXTRA-PARAMS [VMM ARGS...]: one boot, its console on stdout.
boot() {
	local vmm=$1 extra=$2
	shift 2
	if [ "$vmm" = qemu ]; then
		$QEMU -append "console=ttyAMA0 $extra" "$@"
	else
		$KVMINI -p "console=ttyS0 $extra" "$@"
	fi
}
first_init() { sed -n 's/^\[ *\([0-9.]*\)\] guest init:.*/\1/p' "$1" | head -n1; }

i=0
while [ $i -lt "$rounds" ]; do
	for vmm in kvmini qemu; do
		t0=$(up)
		boot $vmm kvmini.noinput </dev/null >boot.out 2>&1 || { cat boot.out; exit 1; }
		t1=$(up)
		echo "boot_$vmm: total_s=$(awk "BEGIN{print $t1 - $t0}") init_s=$(first_init boot.out)"
		[ $vmm = qemu ] || grep -m1 'exec to the first KVM_RUN' boot.out
	done
	i=$((i + 1))
done

# RSS without the 256 MiB of guest RAM, once the guest's init waits for input.
for vmm in kvmini qemu; do
	rm -f in.fifo rss.out
	mkfifo in.fifo
	sleep 600 >in.fifo &
	hold=$!
	if [ $vmm = qemu ]; then
		$QEMU -append console=ttyAMA0 <in.fifo >rss.out 2>&1 &
	else
		$KVMINI -p console=ttyS0 <in.fifo >rss.out 2>&1 &
	fi
	pid=$!
	n=0
	while ! grep -q 'type a line' rss.out && [ $n -lt 1200 ]; do sleep 0.1; n=$((n + 1)); done
	awk -v vmm=$vmm '/^[0-9a-f]+-[0-9a-f]+ /{size = 0} /^Size:/{size = $2}
		/^Rss:/{if (size != 262144) rss += $2} END {print "rss_" vmm ": kib=" rss}' /proc/$pid/smaps
	echo go >in.fifo
	kill $hold
	wait $pid
done

# disk_boot SETUP MIB PARAMS: boot SETUP (kvmini-uring, kvmini-sync or qemu)
# with a fresh MIB MiB disk and the init's PARAMS, its console on stdout.
disk_boot() {
	dd if=/dev/zero of=disk.img bs=1M count=$2 2>/dev/null
	case $1 in
	qemu) boot qemu "$3 kvmini.noinput" -device virtio-blk-device,drive=d0 \
		-drive file=disk.img,if=none,id=d0,format=raw,aio=io_uring </dev/null 2>&1 ;;
	kvmini-sync) (export KVMINI_BLK_SYNC=1; boot kvmini "$3 kvmini.noinput" -d disk.img </dev/null 2>&1) ;;
	*) boot kvmini "$3 kvmini.noinput" -d disk.img </dev/null 2>&1 ;;
	esac
}
for setup in kvmini-uring kvmini-sync qemu; do
	# Sequential: the guest writes (fsync'd) and reads all of a 64 MiB disk.
	echo "disk_$setup: $(disk_boot $setup 64 kvmini.bench | grep -o 'bench: vda.*')"
	# Random 4 KiB at queue depth 1 and 32, 2 s per test, on 256 MiB.
	echo "iops_$setup: $(disk_boot $setup 256 kvmini.iops=2 | grep -o 'bench: iops:.*')"
done
./kvmini-guest-check iops disk.img 2 | sed 's/^/iops_host: /'

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
