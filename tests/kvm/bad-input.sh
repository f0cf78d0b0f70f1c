#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Every bad input gets one clear line naming it and a non-zero exit status.
. "$(dirname "$0")/lib.sh"

printf 'this is not a kernel\n' >"$T/notimage.txt"
printf '\037\213\010\000compressed' >"$T/Image.gz"
# A valid Image header claiming 1 GiB in memory: cannot fit in 64 MiB.
python3 - "$T/huge.Image" <<'PY'
import struct, sys
hdr = struct.pack("<II QQQ QQQ I I", 0x14000000, 0, 0, 1 << 30, 0xa, 0, 0, 0, 0x644d5241, 0)
open(sys.argv[1], "wb").write(hdr + b"\0" * 4096)
PY

run_host --add "$T/notimage.txt" --add "$T/Image.gz" --add "$T/huge.Image" \
	--add "$RUN_AS_BIN" -- '
rm -f "$OUT"/notimage.txt "$OUT"/Image.gz "$OUT"/huge.Image
t noargs kvmini
t help kvmini --help
t runhelp kvmini run --help
t badcmd kvmini frobnicate
t badopt kvmini run --frobnicate
t noval kvmini run --kernel
t cpus0 kvmini run -c 0
t cpusmax kvmini run -c 1000
t mem0 kvmini run -m 0
t memalign kvmini run -m 1001K
t memhuge kvmini run -m 64G
t nokvm kvmini run --kvm-dev /nonexistent/kvm
t noperm run-as 65534 /bin/kvmini run
t nokernel kvmini run -k /nonexistent/Image
t kerneldir kvmini run -k /work
t notimage kvmini run -k notimage.txt --timeout 2
t elf kvmini run -k /bin/busybox
: >empty.bin
dd if=/dev/zero of=big.bin bs=1M seek=80 count=0 2>/dev/null
t emptyk kvmini run -k empty.bin
t fwnone kvmini run -f /nonexistent.bin
t fwbig kvmini run -f big.bin -m 64
t initrdnone kvmini run -k notimage.txt -i /nonexistent.cpio
t initrdbig kvmini run -k notimage.txt -i big.bin -m 64
t irqchip kvmini run --irqchip gicv2
t netmode kvmini run -n mode=vde
t gz kvmini run -k Image.gz
t toobig kvmini run -k huge.Image -m 64
t timeout kvmini run --timeout 1 -p iterations=1000000
# Disks: every bad image refused before a VM exists, naming the file.
dd if=/dev/zero of=d.img bs=1k count=64 2>/dev/null; : >empty.img; mkdir -p disk.dir
t disknone kvmini run -d /nonexistent.img
t diskdir kvmini run -d disk.dir
t diskempty kvmini run -d empty.img
t diskopt kvmini run -d d.img,rw
t diskqueues kvmini run -d d.img,queues=9
t diskperm run-as 65534 /bin/kvmini run -d d.img
kvmini run -d d.img -p iterations=1000000 >/dev/null 2>&1 &
sleep 3
t disklocked kvmini run -d d.img
t disksharedro kvmini run -d d.img,ro --timeout 1 -p iterations=1000000
kill $! 2>/dev/null; wait
# SIGINT and SIGTERM stop the guest cleanly (kvmini in the foreground, as at a terminal).
for sig in INT TERM; do
	(sleep 4; kill -$sig $(cat $OUT/sig$sig.pid)) &
	sh -c "echo \$\$ > $OUT/sig$sig.pid; exec kvmini run -p iterations=1000000" >$OUT/sig$sig.out 2>&1
	echo $? >$OUT/sig$sig.rc
	wait
done
'
check "no command: usage, status 2" rc_is noargs 2
check "no command: usage text" has noargs "Usage: kvmini COMMAND"
check "kvmini --help: status 0" rc_is help 0
check "kvmini run --help: status 0" rc_is runhelp 0
check "kvmini run --help documents --kernel" has runhelp "--kernel FILE"
check "unknown command: status 2" rc_is badcmd 2
check "unknown command named" has badcmd "unknown command 'frobnicate'"
check "unknown option: status 2" rc_is badopt 2
check "unknown option named" has badopt "unknown option '--frobnicate'"
check "missing value: status 2" rc_is noval 2
check "missing value named" has noval "option '--kernel' needs a value"
check "-c 0: status 2" rc_is cpus0 2
check "-c 0 named" has cpus0 "--cpus 0: not a vCPU count"
check "more vCPUs than KVM allows: status 2" rc_is cpusmax 2
check "more vCPUs than KVM allows: limit given" has cpusmax "more vCPUs than KVM allows on this host (at most"
check "-m 0: status 2" rc_is mem0 2
check "-m 0 named" has mem0 "--mem 0: guest RAM cannot be empty"
check "unaligned memory: status 2" rc_is memalign 2
check "unaligned memory named" has memalign "--mem 1001K: not a multiple of the page size"
check "memory above host RAM: status 2" rc_is memhuge 2
check "memory above host RAM named as given (-m 64G)" has memhuge "--mem 64G: more than this host's RAM"
check "no KVM device: status 1" rc_is nokvm 1
check "no KVM device named" has nokvm "cannot open /nonexistent/kvm: no such device"
check "no permission: status 1" rc_is noperm 1
check "no permission named, with what to do" has noperm "permission denied; run as root or add your user"
check "missing kernel: status 1" rc_is nokernel 1
check "missing kernel named" has nokernel "--kernel /nonexistent/Image: cannot open: No such file"
check "kernel is a directory: status 1" rc_is kerneldir 1
check "kernel is a directory named" has kerneldir "--kernel /work: not a regular file"
check "a kernel without an Image header: loaded as a raw binary, as kvmtool does, with a note" \
	has notimage "--kernel notimage.txt: no arm64 Image header; loading it as a raw binary"
check "... and (being text, not code) it runs until --timeout: status 124" rc_is notimage 124
check "an ELF kernel: refused, named, status 1" sh -c \
	"grep -q -- '--kernel /bin/busybox: an ELF file (vmlinux?); give the arm64 Image' '$T/elf.out' && [ \"\$(cat '$T/elf.rc')\" = 1 ]"
check "an empty kernel: refused, named" has emptyk "--kernel empty.bin: the file is empty"
check "a missing firmware: refused, named" has fwnone "--firmware /nonexistent.bin: cannot open: No such file"
check "firmware larger than RAM: refused, named" has fwbig "--firmware big.bin: 83886080 bytes do not fit"
check "a missing initrd: refused, named" has initrdnone "--initrd /nonexistent.cpio: cannot open: No such file"
check "an initrd larger than RAM: refused, named" has initrdbig "--initrd big.bin: 83886080 bytes do not fit"
check "an unknown --irqchip: status 2, named" sh -c \
	"grep -q -- '--irqchip gicv2: kvmini emulates only GICv3' '$T/irqchip.out' && [ \"\$(cat '$T/irqchip.rc')\" = 2 ]"
check "an unknown --network mode: status 2, named" sh -c \
	"grep -q \"unknown mode 'vde' (modes: tap, none)\" '$T/netmode.out' && [ \"\$(cat '$T/netmode.rc')\" = 2 ]"
check "gzip kernel: status 1" rc_is gz 1
check "gzip kernel named" has gz "--kernel Image.gz: gzip-compressed"
check "kernel too big for RAM: status 1" rc_is toobig 1
check "kernel too big for RAM named" has toobig "--mem 64M: too small for the guest image"
check "--timeout: status 124" rc_is timeout 124
check "--timeout named" has timeout "did not finish within 1 s (--timeout)"
check "a missing disk: status 1" rc_is disknone 1
check "a missing disk: named, with what to do" has disknone "--disk /nonexistent.img: no such file; give a raw disk image"
check "a directory as a disk: refused" has diskdir "--disk disk.dir: a directory, not a disk image"
check "an empty disk: refused" has diskempty "--disk empty.img: empty (0 bytes)"
check "an unknown disk option: status 2" rc_is diskopt 2
check "an unknown disk option: named" has diskopt "--disk d.img,rw: unknown disk option 'rw' (known: ro, direct, queues=N)"
check "too many disk queues: status 2, named with the range" sh -c \
	"[ \"\$(cat '$T/diskqueues.rc')\" = 2 ] && grep -q 'queues=9 is not a number of request queues from 1 to 8' '$T/diskqueues.out'"
check "a disk not writable without ,ro: says to add ,ro" \
	has diskperm "--disk d.img: cannot open it for writing (Permission denied); add ,ro"
check "a disk another kvmini writes: refused" has disklocked "--disk d.img: in use by another process that locked it"
check "a disk another kvmini writes: not even read-only" has disksharedro "--disk d.img: in use by another process"
check "SIGINT: status 130 (128 + 2)" rc_is sigINT 130
check "SIGINT: kvmini says why it stops" has sigINT "kvmini: Interrupt: stopping the guest"
check "SIGINT: the guest's output so far is there" has sigINT "ok 1 - dtb: bootargs parsed"
check "SIGTERM: status 143 (128 + 15)" rc_is sigTERM 143
check "SIGTERM: kvmini says why it stops" has sigTERM "kvmini: Terminated: stopping the guest"
finish
