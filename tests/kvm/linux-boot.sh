#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Real Linux guests: Debian's arm64 6.12 kernel (the one the emulated host
# runs) with the test initramfs (tools/mkguest-initrd), whose /init checks
# the machine and reports "guest init:" lines. One emulated-host boot runs:
#   full    kvmtool's command line unchanged (--nodefaults --irqchip
#           gicv3-its --pmu), 2 vCPUs, disks, rng, a TAP network, the
#           RTC against the host's time, input from a file
#   virtio  the same with --console virtio on 4 vCPUs, no SVE or MTE,
#           input from a pipe, synchronous disk I/O instead of io_uring
#           and direct (,direct: O_DIRECT),
#           the disk with 4 queues, one of them a poll queue the guest
#           polls (no interrupts)
#   reboot  a guest reboot restarts it in the same process, and the control
#           socket pauses and resumes the rebooted guest
#   poll    random disk I/O at queue depth 32 with --stats: the I/O
#           thread polls the busy queue (--io-poll 20000: in a fast boot
#           the guest's next batch comes later than the default 50 us
#           window, and its polls found 0-1 requests in 6 runs; with
#           1000 us, 0 in one run of 4) and may
#           hold its interrupts while the guest keeps requests coming
#   hostdisk the same on the emulated host's own disk, a block device
#           with a poll queue: kvmini polls it for the completions of
#           its direct reads and writes (IORING_SETUP_IOPOLL)
#   panic   without an initrd the kernel panics; --no-reboot ends kvmini;
#           its whole boot log goes through the 8250, which no program
#           opens: --stats counts the exits of its polled console
#   stuck   stdout a full pipe nobody reads: the guest stalls, SIGTERM still
#           ends kvmini (the serial console, then --console virtio)
#   typed   at a terminal: raw mode, typed input, the terminal restored;
#           with --console virtio also the terminal size (SIGWINCH)
#   raw/fw  a bare-metal binary without an Image header, as -k and --firmware
# and a few refusals. Kernel output is printk, so the checks read kvmini's
# stdout.
. "$(dirname "$0")/lib.sh"

: "${PTY_RUN_BIN:?set PTY_RUN_BIN to the cross-built tests/kvm/pty-run}"
: "${STUCK_OUT_BIN:?set STUCK_OUT_BIN to the cross-built tests/kvm/stuck-out}"
: "${GUEST_CHECK_BIN:?set GUEST_CHECK_BIN to the cross-built kvmini-guest-check}"
export GUEST_CHECK_BIN

# The bare-metal raw binary: position-independent, so no link step.
aarch64-linux-gnu-gcc -c -o "$T/raw.o" "$(dirname "$0")/raw-guest.S" &&
	aarch64-linux-gnu-objcopy -O binary -j .text "$T/raw.o" "$T/raw.bin" &&
	aarch64-linux-gnu-gcc -DSPIN -c -o "$T/spin.o" "$(dirname "$0")/raw-guest.S" &&
	aarch64-linux-gnu-objcopy -O binary -j .text "$T/spin.o" "$T/spin.bin" ||
	{ echo "Bail out! cannot assemble tests/kvm/raw-guest.S (run tools/setup-deps)"; exit 1; }
head -c 2097152 /dev/urandom >"$T/blob"
blob_md5=$(md5sum <"$T/blob" | cut -c1-32)

# The emulated host's own disk (/dev/vda there), which has a poll queue.
truncate -s 64M "$T/hostdisk.img"
run_host --guest --mem 3G --disk "$T/hostdisk.img" --add "$T/raw.bin" --add "$T/spin.bin" --add "$T/blob" --add "$PTY_RUN_BIN" \
	--add "$STUCK_OUT_BIN" -- '
mkdir -p /dev/pts && mount -t devpts -o ptmxmode=0666 devpts /dev/pts
[ -e /dev/ptmx ] || ln -s pts/ptmx /dev/ptmx
printf "from a file\n" >file.txt
for d in disk disk2 reboot poll; do dd if=/dev/zero of=$d.img bs=1M count=8 2>/dev/null; done
dd if=/dev/zero of=ro.img bs=1M count=1 2>/dev/null
# The host side of the network: a file to fetch, a port to send it back to.
serve() {
	nc -l -p 8080 <blob &
	sleep 600 | nc -l -p 5000 >"$1" &
}
net="-n mode=tap,tapif=tap0,host_ip=192.168.33.1"
params="kvmini.net=192.168.33.2,192.168.33.1"
serve full.recv
# The disks here are on tmpfs, so synchronous by default: KVMINI_BLK_SYNC=0 puts them on io_uring.
t full env KVMINI_BLK_SYNC=0 kvmini run -k $GUEST/Image -i $GUEST/initrd -m 512 -c 2 -d disk.img -d ro.img,ro \
	--rng $net --nodefaults --irqchip gicv3-its --pmu --name linux-full --timeout 300 \
	--dump-dtb $OUT/full.dtb -p "console=ttyS0 $params kvmini.hosttime=$(date +%s)" <file.txt
serve virtio.recv
t virtio sh -c "printf \"from a pipe\\n\" | KVMINI_BLK_SYNC=1 kvmini run -k $GUEST/Image -i $GUEST/initrd -c 4 \
	-d disk2.img,queues=4,direct --rng $net --console virtio --no-sve --no-mte --timeout 300 --stats \
	-p \"$params kvmini.hosttime=\$(date +%s) virtio_blk.poll_queues=1 kvmini.iopoll=0.3\""
md5sum <full.recv >$OUT/full.md5
md5sum <virtio.recv >$OUT/virtio.md5
t disk sh -c "dd if=disk.img bs=512 skip=1 count=1 2>/dev/null | head -c 19"
# The reboot with a control socket: the second boot waits for a line, so
# that pause, status and resume are asked of the rebooted guest.
mkfifo reboot.in
(t reboot kvmini run -k $GUEST/Image -i $GUEST/initrd -d reboot.img \
	-p "kvmini.reboot kvmini.rebootwait" --api-sock /tmp/reboot.sock --timeout 300 <reboot.in) &
reboot_pid=$!
exec 3>reboot.in
i=0
while [ $i -lt 240 ] && ! grep -q "second boot: type a line" "$OUT/reboot.out" 2>/dev/null; do
	sleep 1
	i=$((i + 1))
done
t reboot-pause kvmini ctl /tmp/reboot.sock pause
t reboot-status kvmini ctl /tmp/reboot.sock status
t reboot-resume kvmini ctl /tmp/reboot.sock resume
echo "after the pause" >&3
exec 3>&-
wait $reboot_pid
t reboot-disk sh -c "dd if=reboot.img bs=512 skip=8 count=1 2>/dev/null | head -c 13"
t poll kvmini run -k $GUEST/Image -i $GUEST/initrd -d poll.img --stats --io-poll 20000 --timeout 300 \
	-p "kvmini.iops=1 kvmini.noinput" </dev/null
# A block device with a poll queue: kvmini polls it for its direct I/O.
# Then how much of it the guest wrote: its random writes are blocks of "Z".
t hostdisk kvmini run -k $GUEST/Image -i $GUEST/initrd -d $HOST_DISK,direct --stats --timeout 300 \
	-p "kvmini.iops=1 kvmini.noinput" </dev/null
t hostdisk-data sh -c "tr -cd Z <$HOST_DISK | wc -c"
t panic kvmini run -k $GUEST/Image -m 256 --timeout 240 --no-reboot --stats -p "console=ttyS0 panic=-1"
# stdout a pipe nobody reads: the guest stalls on its console, and SIGTERM
# still ends kvmini, after the 2 s it gives the reader.
t stuck ./stuck-out 30 kvmini run -k $GUEST/Image -i $GUEST/initrd -p kvmini.noinput --timeout 300
t stuckv ./stuck-out 30 kvmini run -k $GUEST/Image -i $GUEST/initrd -p "kvmini.noinput kvmini.spew=64" \
	--timeout 300 --console virtio
# At a terminal: raw mode, typed input, and the terminal back as it was.
t typed ./pty-run --expect "guest init: type a line" --check-raw --send "typed at a terminal\r" \
	-- kvmini run -k $GUEST/Image -i $GUEST/initrd --timeout 240
t vtyped ./pty-run --expect "guest init: type a line" --resize 100x40 \
	--send "typed into hvc0\r" -- kvmini run -k $GUEST/Image -i $GUEST/initrd --console virtio \
	--timeout 240
t quit ./pty-run --expect "ok 3" --check-raw --send "\x01x" -- kvmini run -p iterations=1000000
t crash ./pty-run --expect "ok 3" --signal 11 -- kvmini run -p iterations=1000000
t raw kvmini run -k raw.bin --timeout 60
t fw kvmini run --firmware raw.bin --timeout 60
# Prints, then spins without an exit: its output must still show, and soon.
# Then 6 s with nothing to replay: the flush timer backs off (--stats).
start=$(date +%s)
kvmini run -k spin.bin --stats --timeout 120 >spin.log 2>&1 &
spin=$!
for i in $(seq 100); do grep -q "x0 points" spin.log && break; sleep 0.1; done
{ cat spin.log; kill -0 $spin && echo "spin: the guest still runs"; } >$OUT/spin.out 2>&1
sleep 6
kill $spin; wait $spin
{ cat spin.log; echo "spin: ran $(($(date +%s) - start)) s"; } >$OUT/spin-stats.out 2>&1
t longcmd kvmini run -k $GUEST/Image -p "$(head -c 2100 /dev/zero | tr "\0" x)"
t no-tap kvmini run -k $GUEST/Image -n mode=tap,tapif=lo
'

# full: kvmtool's options, every device.
check "full: exit status 0 after the guest powered off" rc_is full 0
check "full: the arch timer runs" has full "arch_timer: cp15 timer(s) running at"
check "full: 2 vCPUs online through PSCI" has full "guest init: 2 cpus online of 0-1"
check "full: SVE and MTE visible to the guest" has full "guest init: cpu features: sve=yes mte=yes"
check "full: --nodefaults: no root= added, the console from -p" \
	sh -c "grep -q 'Kernel command line: console=ttyS0 kvmini.net' '$T/full.out' && ! grep -q 'root=/dev/vda' '$T/full.out'"
check "full: the 8250 is interrupt-driven" has full "guest init: 1 ttyS interrupt line(s)"
check "full: the guest's timer advances" has full "guest init: timer: a 100 ms sleep took 1"
check "full: the PL031 RTC reads the host's time" sh -c \
	"grep -q 'guest init: rtc: rtc0 reads [0-9]* s after the host launched the guest (rtc-pl031' '$T/full.out'"
check "full: the PL031's alarm interrupt reaches the guest" sh -c \
	"grep -q 'guest init: rtc-alarm: the alarm interrupt came after [0-9]* ms (events 0x[0-9a-f]*)' '$T/full.out'"
check "full: --pmu: the PMU counts cycles" sh -c \
	"grep -q 'guest init: pmu: [0-9]* cycles counted' '$T/full.out' && grep -q 'hw perfevents: enabled with armv8_pmuv3' '$T/full.out'"
check "full: --irqchip gicv3-its: the guest finds the ITS" has full "ITS [mem 0x"
check "full: input from a file reaches the console" has full "guest init: got 'from a file'"
check "full: virtio-blk: the guest reads back what it wrote" has full "guest init: vda reads back 'kvmini-disk-pattern'"
check "full: virtio-blk: 8 MiB = 16384 sectors, writable" has full "guest init: vda is 16384 sectors, ro=0"
check "full: virtio-blk: after power-off the host's image holds the guest's data" has disk "kvmini-disk-pattern"
check "full: virtio-blk on io_uring (KVMINI_BLK_SYNC=0: the disk is on tmpfs)" has full \
	"disk.img: io_uring (asynchronous I/O"
check "reboot: a disk on tmpfs is synchronous by default, and works" has reboot \
	"reboot.img: synchronous I/O (the file is in memory, tmpfs or ramfs"
check "full: virtio-blk ,ro: read-only for the guest, a write is refused" has full "guest init: vdb ro=1, a write was refused"
check "full: virtio-rng gives data" has full "guest init: hwrng virtio_rng.0 gave 32 bytes"
check "full: virtio-net: the link is up with kvmini's MAC" has full "guest init: eth0 02:6b:76:6d:69:00 is up"
check "full: virtio-net: the guest pings the host over the TAP" has full "guest init: ping 192.168.33.1: 3 packets received"
check "full: virtio-net: 2 MiB host to guest, intact" has full "guest init: fetched 2097152 bytes from the host, md5 $blob_md5"
check "full: virtio-net: 2 MiB guest to host, intact" grep -q "^$blob_md5" "$T/full.md5"
check "full: the guest's device tree has no test device" \
	sh -c "grep 'guest init: device tree:' '$T/full.out' | grep -q rtc@1010000 && ! grep 'guest init: device tree:' '$T/full.out' | grep -q testdev"
check "full: --dump-dtb wrote the tree the guest got" sh -c \
	"[ \"\$(head -c4 '$T/full.dtb' | od -An -tx1 | tr -d ' ')\" = d00dfeed ] && grep -q arm,pl031 '$T/full.dtb' && grep -q arm,gic-v3-its '$T/full.dtb' && grep -q arm,armv8-pmuv3 '$T/full.dtb' && grep -q virtio,mmio '$T/full.dtb'"

# virtio: the same machine through --console virtio.
check "virtio: exit status 0" rc_is virtio 0
check "virtio: 4 vCPUs online" has virtio "guest init: 4 cpus online of 0-3"
check "virtio: the console is hvc0 (kvmini's default console=hvc0)" has virtio "guest init: consoles: hvc0"
check "virtio: --no-sve --no-mte: absent in the guest" has virtio "guest init: cpu features: sve=no mte=no"
check "virtio: input from a pipe reaches hvc0" has virtio "guest init: got 'from a pipe'"
check "virtio: the RTC reads the host's time" has virtio "guest init: rtc: rtc0 reads"
check "virtio: without --pmu the guest has no cycle counter" has virtio "guest init: pmu: perf_event_open(cycles):"
check "virtio: disk, rng and network work as on the serial console" sh -c \
	"grep -q \"vda reads back 'kvmini-disk-pattern'\" '$T/virtio.out' && grep -q 'hwrng virtio_rng.0 gave 32 bytes' '$T/virtio.out' && grep -q 'fetched 2097152 bytes from the host, md5 $blob_md5' '$T/virtio.out' && grep -q '^$blob_md5' '$T/virtio.md5'"

check "virtio: a disk with queues=4: the guest uses 3 queues and 1 poll queue" sh -c \
	"grep -q 'virtio_blk virtio[0-9]*: 3/0/1 default/read/poll queues' '$T/virtio.out'"
check "virtio: polled I/O on the poll queue works" sh -c \
	"grep 'guest init: bench: iops: polled' '$T/virtio.out' | grep -Eq 'randread_qd32=[1-9][0-9]* .*randwrite_qd32=[1-9].* queues=3/0/1'"
# The poll queue's --stats line: its completions need no interrupt (its
# used_event stays at 0: at most the first one, and one per 65536).
check "virtio: the poll queue's requests complete without interrupts" sh -c \
	"grep -o 'virtio-blk@[0-9a-f]* queue 3: [0-9]* requests, .* [0-9]* interrupts,' '$T/virtio.out' |
	 awk '{ print \"# \" \$0; if (\$4 > 100 && \$(NF - 1) <= 1) ok = 1 } END { exit !ok }'"
check "virtio: KVMINI_BLK_SYNC=1: the disk uses synchronous I/O, and works" has virtio \
	"disk2.img: synchronous I/O (KVMINI_BLK_SYNC=1)"
# kvmtool's ,direct: the guest's page-aligned requests bypass the host's
# page cache (tmpfs takes O_DIRECT since Linux 6.6, with no alignment said:
# a page), and the disk checks above passed through it.
check "virtio: ,direct: the disk's aligned requests go past the page cache (O_DIRECT)" sh -c \
	"grep -o 'disk disk2.img: [0-9]* reads and writes direct' '$T/virtio.out' |
	 awk '{ print \"# \" \$0; if (\$3 > 100) ok = 1 } END { exit !ok }'"

# Lifecycle.
check "reboot: the guest's reboot restarts it in the same process" has reboot "the guest rebooted; starting it again"
check "reboot: the second boot finds the first boot's mark, then powers off (status 0)" \
	sh -c "grep -q 'guest init: second boot: the first boot' '$T/reboot.out' && [ \"\$(cat '$T/reboot.rc')\" = 0 ]"
check "reboot: the disk holds the second boot's mark" has reboot-disk "kvmini-boot-2"
check "reboot: the control socket pauses the rebooted guest (status: paused)" sh -c \
	"[ \"\$(cat '$T/reboot-pause.rc')\" = 0 ] && grep -q 'state: paused' '$T/reboot-status.out'"
check "reboot: and resumes it: the second boot gets its line after the pause" sh -c \
	"[ \"\$(cat '$T/reboot-resume.rc')\" = 0 ] && grep -q \"guest init: second boot: got 'after the pause'\" '$T/reboot.out'"
check "hostdisk: exit status 0" rc_is hostdisk 0
check "hostdisk: the host's disk has a poll queue: kvmini polls for its direct I/O" has hostdisk \
	"/dev/vda: direct reads and writes polled (the device has poll queues"
check "hostdisk: the guest reads back what it wrote" has hostdisk \
	"guest init: vda reads back 'kvmini-disk-pattern'"
check "hostdisk: random I/O at queue depths 1 and 32, through the polled ring" sh -c \
	"grep 'guest init: bench: iops:' '$T/hostdisk.out' | grep -Eq 'randread_qd32=[1-9][0-9]* .*randwrite_qd32=[1-9]' &&
	 grep -o 'requests through io_uring, .*; [0-9]* completions polled' '$T/hostdisk.out' |
	 awk '{ print \"# \" \$0; if (\$(NF - 2) > 1000) ok = 1 } END { exit !ok }'"
check "hostdisk: the host's disk holds the guest's random writes (whole 4 KiB blocks)" sh -c \
	"n=\$(tr -d ' ' <'$T/hostdisk-data.out'); echo \"# \$n bytes of Z\"; [ \"\$n\" -ge 4096 ] && [ \$((n % 4096)) = 0 ]"
check "poll: random disk I/O at queue depths 1 and 32 works" sh -c \
	"grep 'guest init: bench: iops:' '$T/poll.out' | grep -Eq 'randread_qd32=[1-9][0-9]* .*randwrite_qd32=[1-9]'"
# The queue's --stats line: requests, notifications, polls that found work.
check "poll: the busy disk queue is polled: requests found without a notification" sh -c \
	"grep -o 'virtio-blk@[0-9a-f]* queue 0: [0-9]* requests, [0-9]* notifications.* [0-9]* polls with work' '$T/poll.out' |
	 awk '{ print \"# \" \$0; if (\$4 > 0 && \$6 < \$4 && \$(NF - 3) > 0) ok = 1 } END { exit !ok }'"
# Whether completions are held depends on how this guest hands requests
# over (in one run per interrupt, or several): the unit test drives that;
# here, that interrupts batch and that the count is reported.
check "poll: interrupts batch (fewer than requests), completions held counted" sh -c \
	"grep -o 'virtio-blk@[0-9a-f]* queue 0: [0-9]* requests, .* [0-9]* interrupts, [0-9]* completions with none, [0-9]* held for a batch' '$T/poll.out' |
	 awk '{ print \"# \" \$0; if (\$(NF - 10) > 0 && \$(NF - 10) < \$4) ok = 1 } END { exit !ok }'"
check "panic: without an initrd the kernel panics as it should" \
	has panic "Kernel panic - not syncing: VFS: Unable to mount root fs"
check "panic: panic=-1 resets; with --no-reboot kvmini stops and says so" \
	has panic "kvmini stops rather than rebooting it (--no-reboot)"
check "panic: after a reset with --no-reboot: exit status 0" rc_is panic 0
# Linux's console reads LSR before each byte it writes, and writes THR:
# the writes are coalesced, and the reads are served by the UART's
# register mirror (reg-mirror.h) without an exit. Without the mirror a
# boot makes an exit per byte (16,655 exits to 16,337 bytes, 2026-12-07);
# with it, about one per ring of coalesced writes (653).
panic_exits=$(sed -n 's/.*vCPU 0: \([0-9]*\) exits.*/\1/p' "$T/panic.out")
panic_bytes=$(sed -n 's/.*stats: \([0-9]*\) device writes coalesced.*/\1/p' "$T/panic.out")
echo "# panic: ${panic_exits:-?} exits for ${panic_bytes:-?} coalesced console bytes;" \
	"$(grep -o 'register mirror .*' "$T/panic.out" || echo 'no register mirror line')"
check "panic: the polled serial console's status reads make no exits (exits < 1/10 of its bytes)" \
	test -n "$panic_exits" -a "${panic_bytes:-0}" -gt 1000 -a "${panic_exits:-0}" -lt $((${panic_bytes:-0} / 10))
check "stuck: stdout a full pipe nobody reads: the guest is held up (running after 30 s)" \
	has stuck "stuck-out: running after 30 s: yes"
check "stuck: SIGTERM ends kvmini within 10 s all the same, status 143 (128 + SIGTERM)" sh -c \
	"grep -o 'ended [0-9]* ms after SIGTERM, status [0-9]*' '$T/stuck.out' | awk '{ print \"# \" \$0; if (\$2 < 10000 && \$NF == 143) ok = 1 } END { exit !ok }'"
check "stuck: it says the output it could not write is dropped" has stuck \
	"the console output took nothing for 2000 ms while kvmini stops"
check "stuck: the same with --console virtio (the I/O thread writes hvc0's output)" sh -c \
	"grep -q 'stuck-out: running after 30 s: yes' '$T/stuckv.out' &&
	 grep -o 'ended [0-9]* ms after SIGTERM, status [0-9]*' '$T/stuckv.out' | awk '{ print \"# \" \$0; if (\$2 < 10000 && \$NF == 143) ok = 1 } END { exit !ok }' &&
	 grep -q 'the console output took nothing for 2000 ms while kvmini stops' '$T/stuckv.out'"

# The console at a terminal.
check "at a terminal: the terminal is raw while the guest runs" has typed "pty-run: terminal raw"
check "at a terminal: 1 vCPU (the default) boots to the init" has typed "guest init: 1 cpus online of 0,"
check "at a terminal: a typed line reaches the guest" has typed "guest init: got 'typed at a terminal'"
check "at a terminal: the guest powered off, status 0" has typed "pty-run: exit status 0"
check "at a terminal: the terminal is restored afterwards" has typed "pty-run: terminal restored"
check "--console virtio at a terminal: a typed line reaches hvc0" has vtyped "guest init: got 'typed into hvc0'"
check "--console virtio at a terminal: the terminal's size and its change reach the guest (SIGWINCH)" \
	has vtyped "guest init: console size: 40 100"
check "--console virtio at a terminal: restored afterwards, status 0" sh -c \
	"grep -q 'pty-run: exit status 0' '$T/vtyped.out' && grep -q 'pty-run: terminal restored' '$T/vtyped.out'"
check "Ctrl-A x: the terminal was raw" has quit "pty-run: terminal raw"
check "Ctrl-A x: kvmini quits and says so" has quit "Ctrl-A x: quitting"
check "Ctrl-A x: status 0" has quit "pty-run: exit status 0"
check "Ctrl-A x: the terminal is restored" has quit "pty-run: terminal restored"
check "a crash (SIGSEGV): kvmini dies of it" has crash "pty-run: killed by signal 11"
check "a crash (SIGSEGV): the terminal is restored all the same" has crash "pty-run: terminal restored"

# Raw binaries and firmware, as kvmtool loads them.
check "raw -k: a one-line note says it is loaded as a raw binary" has raw "no arm64 Image header"
check "raw -k: runs at RAM + 0x80000" has raw "raw guest: running at 0x0000000080080000"
check "raw -k: x0 points at the device tree" has raw "raw guest: x0 points at a device tree"
check "raw -k: the 8250's divisor latch reads back at once what was written (mirror up)" \
	has raw "raw guest: the divisor latch reads back what was written"
check "raw -k: PSCI power-off, status 0" rc_is raw 0
check "a guest that prints and spins without an exit: its output shows while it runs" \
	sh -c "grep -q 'raw guest: x0 points at a device tree' '$T/spin.out' && grep -q 'spin: the guest still runs' '$T/spin.out'"
# The coalesced writes' flush timer found nothing to replay for 6 s: it
# wakes the I/O thread a few times a second, not every 20 ms (50/s).
spin_wakeups=$(sed -n 's/.*I\/O thread: .* \([0-9]*\) wakeups,.*/\1/p' "$T/spin-stats.out")
spin_secs=$(sed -n 's/^spin: ran \([0-9]*\) s$/\1/p' "$T/spin-stats.out")
echo "# spin: ${spin_wakeups:-?} I/O thread wakeups in ${spin_secs:-?} s"
check "an idle guest wakes the I/O thread at most 10 times a second" \
	test -n "$spin_wakeups" -a -n "$spin_secs" -a "${spin_wakeups:-0}" -le $((10 * ${spin_secs:-0}))
check "--firmware: runs at the start of RAM" has fw "raw guest: running at 0x0000000080000000"
check "--firmware: x0 points at the device tree" has fw "raw guest: x0 points at a device tree"
check "--firmware: status 0" rc_is fw 0

# Refusals.
check "a command line longer than the guest takes: refused, status 2" sh -c \
	"grep -q 'the kernel command line' '$T/longcmd.out' && [ \"\$(cat '$T/longcmd.rc')\" = 2 ]"
check "-n tapif= naming an interface that is not a TAP: refused" sh -c \
	"grep -q 'tapif=lo: lo exists and is not a TAP' '$T/no-tap.out' && [ \"\$(cat '$T/no-tap.rc')\" != 0 ]"
finish
