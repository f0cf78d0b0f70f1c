#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# A real guest kernel: Debian's arm64 6.12 Image (the one the emulated host
# runs) boots under kvmini on 2 vCPUs with an initrd whose /init reports
# and powers off through PSCI; without an initrd it panics and, with
# panic=-1, resets - with --no-reboot kvmini stops either way and says how.
. "$(dirname "$0")/lib.sh"

CACHE=${KVMINI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kvmini}
kernel=$(ls "$CACHE"/arm64-sysroot/boot/vmlinuz-6.12.* 2>/dev/null | sort -V | tail -n1)
busybox=$CACHE/arm64-sysroot/bin/busybox
if [ -z "$kernel" ] || [ ! -f "$busybox" ]; then
	echo "Bail out! no arm64 kernel or busybox in $CACHE/arm64-sysroot: run tools/setup-deps"
	exit 1
fi

# The guest's initrd: busybox, the virtio modules (decompressed: busybox's
# insmod takes plain .ko) and an /init that reports and powers off.
mkdir -p "$T/initrd/bin" "$T/initrd/lib"
cp "$busybox" "$T/initrd/bin/busybox"
moddir=$(dirname "$kernel")/../lib/modules/$(basename "$kernel" | sed 's/^vmlinuz-//')
for m in drivers/virtio/virtio_mmio drivers/block/virtio_blk drivers/char/hw_random/virtio-rng; do
	xz -dc "$moddir/kernel/$m.ko.xz" >"$T/initrd/lib/$(basename "$m").ko" ||
		{ echo "Bail out! no module $m in $moddir"; exit 1; }
done
cat >"$T/initrd/init" <<'INIT'
#!/bin/busybox sh
# Report through printk (/dev/kmsg): a power-off right after writing to the
# tty could cut the guest's own tty buffer short; printk is synchronous.
/bin/busybox mkdir -p /proc /dev
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t devtmpfs dev /dev
/bin/busybox mkdir -p /sys
/bin/busybox mount -t sysfs sys /sys
echo "guest init: $(/bin/busybox grep -c ^processor /proc/cpuinfo) cpus, kernel $(/bin/busybox uname -r)" >/dev/kmsg
echo "guest init: device tree:" $(/bin/busybox ls /sys/firmware/devicetree/base) >/dev/kmsg
echo "guest init: $(/bin/busybox grep -c ttyS /proc/interrupts) ttyS interrupt line(s)" >/dev/kmsg
# virtio: a disk written and read back, a read-only one refusing writes, entropy.
for m in virtio_mmio virtio_blk virtio-rng; do /bin/busybox insmod /lib/$m.ko; done
if [ -b /dev/vda ]; then
	echo "kvmini-disk-pattern" | /bin/busybox dd of=/dev/vda bs=512 seek=1 conv=sync 2>/dev/null
	/bin/busybox sync
	echo 3 >/proc/sys/vm/drop_caches
	echo "guest init: vda reads back '$(/bin/busybox dd if=/dev/vda bs=512 skip=1 count=1 2>/dev/null | /bin/busybox head -c 19)'" >/dev/kmsg
	echo "guest init: vda is $(/bin/busybox cat /sys/block/vda/size) sectors, ro=$(/bin/busybox cat /sys/block/vda/ro)" >/dev/kmsg
fi
if [ -b /dev/vdb ]; then
	if echo x | /bin/busybox dd of=/dev/vdb bs=512 conv=sync 2>/dev/null; then r=accepted; else r=refused; fi
	echo "guest init: vdb ro=$(/bin/busybox cat /sys/block/vdb/ro), a write was $r" >/dev/kmsg
fi
if [ -c /dev/hwrng ]; then
	echo "guest init: hwrng $(/bin/busybox cat /sys/class/misc/hw_random/rng_current) gave $(/bin/busybox dd if=/dev/hwrng bs=32 count=1 2>/dev/null | /bin/busybox wc -c) bytes" >/dev/kmsg
fi
# Input: a line from the console (kvmini's stdin), typed or piped.
echo "guest init: type a line"
if read -t 20 line; then
	echo "guest init: got '$line'" >/dev/kmsg
else
	echo "guest init: no input" >/dev/kmsg
fi
/bin/busybox poweroff -f
INIT
chmod +x "$T/initrd/init"
python3 "$(dirname "$0")/../../tools/mkcpio.py" "$T/initrd" "$T/initrd.cpio"
cp "$kernel" "$T/Image"

: "${PTY_RUN_BIN:?set PTY_RUN_BIN to the cross-built tests/kvm/pty-run}"
run_host --mem 3G --add "$T/Image" --add "$T/initrd.cpio" --add "$PTY_RUN_BIN" -- '
mkdir -p /dev/pts && mount -t devpts -o ptmxmode=0666 devpts /dev/pts
[ -e /dev/ptmx ] || ln -s pts/ptmx /dev/ptmx
printf "piped to the guest\n" >piped.txt
dd if=/dev/zero of=disk.img bs=1M count=8 2>/dev/null
dd if=/dev/zero of=ro.img bs=1M count=1 2>/dev/null
t init sh -c "cat piped.txt | kvmini run -k Image -i initrd.cpio -m 256 -c 2 --timeout 240 -p console=ttyS0 -d disk.img -d ro.img,ro --rng"
t disk sh -c "dd if=disk.img bs=512 skip=1 count=1 2>/dev/null | head -c 19"
t panic kvmini run -k Image -m 256 --timeout 240 --no-reboot -p "console=ttyS0 panic=-1"
# At a terminal: raw mode, typed input, and the terminal back as it was.
t typed ./pty-run --expect "guest init: type a line" --check-raw --send "typed at a terminal\r" \
	-- kvmini run -k Image -i initrd.cpio -m 256 --timeout 240 -p console=ttyS0
t quit ./pty-run --expect "ok 3" --check-raw --send "\x01x" -- kvmini run -p iterations=1000000
t crash ./pty-run --expect "ok 3" --signal 11 -- kvmini run -p iterations=1000000
'
check "with an initrd: exit status 0 after the guest powered off" rc_is init 0
check "the arch timer runs" has init "arch_timer: cp15 timer(s) running at"
check "both vCPUs came up through PSCI" has init "smp: Brought up 1 node, 2 CPUs"
check "the initrd's /init ran on 2 CPUs" has init "guest init: 2 cpus, kernel 6.12"
check "the guest's device tree has the UART" has init "uart@1000000"
check "the 8250 is interrupt-driven in the guest" has init "guest init: 1 ttyS interrupt line(s)"
check "piped stdin reaches the guest's console" has init "guest init: got 'piped to the guest'"
check "virtio-blk: the guest reads back what it wrote" has init "guest init: vda reads back 'kvmini-disk-pattern'"
check "virtio-blk: the disk's size (8 MiB = 16384 sectors), writable" has init "guest init: vda is 16384 sectors, ro=0"
check "virtio-blk: after power-off the host's image holds the guest's data" has disk "kvmini-disk-pattern"
check "virtio-blk ,ro: read-only for the guest, a write is refused" has init "guest init: vdb ro=1, a write was refused"
check "virtio-rng: the guest's hwrng is virtio and gives data" has init "guest init: hwrng virtio_rng.0 gave 32 bytes"
check "at a terminal: the terminal is raw while the guest runs" has typed "pty-run: terminal raw"
check "at a terminal: a typed line reaches the guest" has typed "guest init: got 'typed at a terminal'"
check "at a terminal: the guest powered off, status 0" has typed "pty-run: exit status 0"
check "at a terminal: the terminal is restored afterwards" has typed "pty-run: terminal restored"
check "Ctrl-A x: the terminal was raw" has quit "pty-run: terminal raw"
check "Ctrl-A x: kvmini quits and says so" has quit "Ctrl-A x: quitting"
check "Ctrl-A x: status 0" has quit "pty-run: exit status 0"
check "Ctrl-A x: the terminal is restored" has quit "pty-run: terminal restored"
check "a crash (SIGSEGV): kvmini dies of it" has crash "pty-run: killed by signal 11"
check "a crash (SIGSEGV): the terminal is restored all the same" has crash "pty-run: terminal restored"
check "the guest's device tree has no test device (test machinery only)" \
	sh -c "grep 'guest init: device tree:' '$T/init.out' | grep -q psci && ! grep 'guest init: device tree:' '$T/init.out' | grep -q testdev"
check "without an initrd: the kernel panics as it should" \
	has panic "Kernel panic - not syncing: VFS: Unable to mount root fs"
check "panic=-1 resets; with --no-reboot kvmini stops and says so" has panic "kvmini stops rather than rebooting it (--no-reboot)"
check "after a reset: exit status 0" rc_is panic 0
finish
