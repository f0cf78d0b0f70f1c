# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0-only
#
# What tools/arm64-host and tools/x86-host share, sourced by both: the common
# options, the direct run on a machine with usable KVM, the initramfs (busybox,
# kvmini, the --add files, kernel modules, the init), and the boots of QEMU
# with their console read back into the command's output, files and status.
#
# The script sets ROOT, PROG (its name) and MARK (the word in its console
# markers) before sourcing this, and defines:
#   usage            its --help text (usage_common prints the shared end)
#   arch_option ...  handles one of its own options: sets nshift to the words
#                    used, or returns 1 for an option it does not know
#   arch_check       checks its own options' values, after the common ones
#   prepare_tree DIR puts its own files into the host's tree (may do nothing)
# and before run_emulated sets qemu_cmd (the QEMU binary, machine and CPU
# words), console (the kernel's console device) and kernel.
#
# tools/mkguest-initrd sources it too, for CACHE and add_module alone (with
# its own die).

CACHE=${KVMINI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kvmini}

die() { printf '%s: error: %s\n' "$PROG" "$*" >&2; exit 125; }
need_value() { [ $# -ge 2 ] || die "$1 needs a value (see --help)"; }
is_uint() { [[ $1 =~ ^[0-9]+$ ]]; }

usage_common() {
	cat <<USAGE
Other:
  --timeout SECS     stop the emulated host after SECS seconds in all,
                     boots included (default 900)
  --boot-timeout SECS
                     a boot that has not reached the host's init after SECS
                     seconds (default 180; a boot takes 3-10 s) is stopped
                     and tried once more: QEMU's emulation has been seen to
                     stall at boot; the command never ran in such a boot
  --append PARAMS    add PARAMS to the emulated host's kernel command line
                     (repeatable; e.g. init_on_free=1)
  --verbose          also print the emulated kernel's log
  -h, --help         this text

Exit status: COMMAND's status; 124 when the timeout expired; 125 when the
emulated host could not run the command (setup failure, kernel panic, the
host stopped before COMMAND finished) - the reason is printed on stderr.
USAGE
}

# parse_args "$@": the options into smp, mem, adds, out, kvmini, host_kernel,
# host_disk, host_params, timeout, boot_timeout and verbose, checked; the
# command into cmd.
smp=2 mem=2G timeout=900 boot_timeout=180 verbose= out= kvmini=${KVMINI_BIN:-} host_kernel=
host_disk= host_params=
# Set by a host tool whose emulated CPUs, once the kernel reports an RCU
# stall or a hung task, may stay stuck; then such a report and STALL_SILENCE
# seconds in which the command prints nothing end the run.
stall_is_loss=
STALL_SILENCE=${EMULATED_HOST_STALL_SILENCE:-120}
adds=() cmd=()
parse_args() {
	while [ $# -gt 0 ]; do
		case $1 in
		--smp) need_value "$@"; smp=$2; shift 2 ;;
		--mem) need_value "$@"; mem=$2; shift 2 ;;
		--add) need_value "$@"; adds+=("$2"); shift 2 ;;
		--out) need_value "$@"; out=$2; shift 2 ;;
		--kvmini) need_value "$@"; kvmini=$2; shift 2 ;;
		--kernel) need_value "$@"; host_kernel=$2; shift 2 ;;
		--disk) need_value "$@"; host_disk=$2; shift 2 ;;
		--timeout) need_value "$@"; timeout=$2; shift 2 ;;
		--boot-timeout) need_value "$@"; boot_timeout=$2; shift 2 ;;
		--append)
			need_value "$@"
			[[ $2 =~ ^[[:graph:]]+( [[:graph:]]+)*$ ]] ||
				die "--append '$2': give kernel parameters separated by single spaces"
			host_params+=" $2"; shift 2 ;;
		--verbose) verbose=1; shift ;;
		-h|--help) usage; exit 0 ;;
		--) shift; break ;;
		*)
			arch_option "$@" || die "unknown option '$1' (the command goes after --; see --help)"
			shift "$nshift" ;;
		esac
	done
	[ $# -gt 0 ] || die "no command given: tools/$PROG [OPTIONS] -- COMMAND (see --help)"
	cmd=("$@")
	is_uint "$smp" && [ "$smp" -ge 1 ] && [ "$smp" -le 8 ] ||
		die "--smp $smp: not a CPU count from 1 to 8"
	is_uint "$timeout" && [ "$timeout" -ge 1 ] || die "--timeout $timeout: not a number of seconds >= 1"
	is_uint "$boot_timeout" && [ "$boot_timeout" -ge 1 ] ||
		die "--boot-timeout $boot_timeout: not a number of seconds >= 1"
	is_uint "$STALL_SILENCE" && [ "$STALL_SILENCE" -ge 1 ] ||
		die "EMULATED_HOST_STALL_SILENCE=$STALL_SILENCE: not a number of seconds >= 1"
	[[ $mem =~ ^[0-9]+[MG]$ ]] || die "--mem $mem: give a size like 2G or 1536M"
	check_host_params
	arch_check
	local f
	for f in "${adds[@]}"; do [ -f "$f" ] || die "--add $f: no such file"; done
	if [ -n "$host_disk" ]; then
		[ -e "$host_disk" ] ||
			die "--disk $host_disk: no such file; create the host's disk first" \
				"(truncate -s 1G FILE: a sparse raw image)"
		[ -f "$host_disk" ] || [ -b "$host_disk" ] ||
			die "--disk $host_disk: not a regular file or block device; give a raw disk image"
		[ -r "$host_disk" ] && [ -w "$host_disk" ] ||
			die "--disk $host_disk: not readable and writable; the host writes its disk in place"
		[ "$(stat -L -c %s "$host_disk")" -ge 1048576 ] || [ -b "$host_disk" ] ||
			die "--disk $host_disk: smaller than 1 MiB; give the host a disk of some size" \
				"(truncate -s 1G FILE)"
		# Absolute: without an emulated host, the command runs elsewhere (run_direct).
		[[ $host_disk = /* ]] || host_disk=$PWD/$host_disk
	fi
}

# check_host_params: the --append words are kernel parameters the host's
# command line can take beside the tool's own (which the init and the console
# reading depend on), within the kernel's 2048 bytes.
check_host_params() {
	local word words
	read -ra words <<<"$host_params"	# split, never globbed
	for word in "${words[@]}"; do
		# Printable already (parse_args); quotes would regroup the kernel's words.
		[[ $word != *[\"\']* ]] ||
			die "--append: '$word' is not a kernel parameter (printable, no quotes)"
		case $word in
		console=*|rdinit=*|panic=*|init=*)
			die "--append $word: the tool sets ${word%%=*}= itself; give other parameters" ;;
		esac
	done
	[ ${#host_params} -le 1900 ] ||
		die "--append: ${#host_params} bytes of parameters; the kernel's command line holds 2048 in all"
}

# The --disk words for QEMU: the file as the host's virtio-blk disk, raw,
# written in place (QEMU's own default cache: the page cache of this
# machine), so the host sees it as /dev/vda. Commas in the name doubled, as
# QEMU's option syntax wants.
disk_qemu_args() {
	[ -n "$host_disk" ] || return 0
	printf '%s\n' -drive "file=${host_disk//,/,,},if=none,id=hostdisk,format=raw" \
		-device virtio-blk-pci,drive=hostdisk
}

# run_direct COMMAND...: this machine is the host; run COMMAND with kvmini
# and the --add files as the emulated host would, and exit with its status.
run_direct() {
	work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
	mkdir -p "$work/bin" "$work/out"; cp "$kvmini" "$work/bin/kvmini"
	for f in "${adds[@]}"; do cp "$f" "$work/"; done
	prepare_tree "$work"
	rc=0; (cd "$work" && PATH=$work/bin:$PATH OUT=$work/out GUEST=$work/guest \
		HOST_DISK=$host_disk timeout "$timeout" "$@") || rc=$?
	[ -z "$out" ] || { mkdir -p "$out"; cp -a "$work/out/." "$out/"; }
	exit $rc
}

setup_deps() {
	"$ROOT/tools/setup-deps" >&2 2> >(grep -v '^setup-deps: ready' >&2) || die "installing dependencies failed (see above)"
}

# newest_kernel DIR: the newest Debian 6.12 kernel under DIR/boot.
newest_kernel() { ls "$1"/boot/vmlinuz-6.12.* 2>/dev/null | sort -V | tail -n1; }

# prepare_guest DIR ARCH KTREE IMAGE CHECK BUILD: --guest's files under
# DIR/guest: the Debian kernel of KTREE/boot named IMAGE, and the test
# initramfs (tools/mkguest-initrd --arch ARCH) named initrd, with CHECK as its
# static kvmini-guest-check (\$GUEST_CHECK_BIN overrides it; tools/build BUILD
# makes it when it is missing).
prepare_guest() {
	local dir=$1 arch=$2 ktree=$3 image=$4 check=${GUEST_CHECK_BIN:-$5} build=$6 kimage
	kimage=$(newest_kernel "$ktree")
	[ -n "$kimage" ] || die "no $arch kernel in $ktree/boot: run tools/setup-deps"
	[ -f "$check" ] || "$ROOT/tools/build" "$build" >&2 ||
		die "building kvmini-guest-check for $arch failed (see above)"
	mkdir -p "$dir/guest"
	cp "$kimage" "$dir/guest/$image"
	"$ROOT/tools/mkguest-initrd" --arch "$arch" --check "$check" "$dir/guest/initrd" ||
		die "building the guest's initramfs failed (see above)"
}

# make_rootfs BUSYBOX: the work directory, and in it the initramfs tree:
# busybox, kvmini, the --add files, the script's own files.
make_rootfs() {
	work=$(mktemp -d "${TMPDIR:-/tmp}/$PROG.XXXXXX")
	qpid=
	trap cleanup EXIT
	trap 'exit 130' INT TERM
	rootfs=$work/rootfs
	mkdir -p "$rootfs"/{bin,work,out,args,proc,sys,dev,tmp,root}
	cp "$1" "$rootfs/bin/busybox"
	cp "$kvmini" "$rootfs/bin/kvmini"
	for f in "${adds[@]}"; do cp "$f" "$rootfs/work/"; done
	prepare_tree "$rootfs"
	mkdir -p "$rootfs/lib/modules"
}
cleanup() { [ -z "$qpid" ] || kill "$qpid" 2>/dev/null || true; rm -rf "$work"; }

# add_module MODDIR NAME [PARAMS]: kernel module NAME (a .ko.xz under
# MODDIR), after the modules it depends on, into the tree decompressed
# (busybox's insmod takes plain .ko files) and into lib/modules/load, the
# init's load order, a line each with its PARAMS (the emulated hosts' init
# passes them to insmod; tools/mkguest-initrd gives none).
declare -A module_added=()
add_module() {
	local moddir=$1 key=${2//-/_} params=${3:-} file base deps dep
	[ -z "${module_added[$key]:-}" ] || return 0
	module_added[$key]=1
	file=$(find "$moddir/kernel" -name "${key//_/[-_]}.ko.xz" 2>/dev/null | head -n1)
	[ -n "$file" ] || die "no $2 module in $moddir: run tools/setup-deps"
	base=$(basename "$file" .ko.xz)
	xz -dc "$file" >"$rootfs/lib/modules/$base.ko" || die "decompressing $file failed"
	deps=$(tr '\0' '\n' <"$rootfs/lib/modules/$base.ko" | sed -n 's/^depends=//p' | head -n1)
	for dep in ${deps//,/ }; do add_module "$moddir" "$dep"; done
	echo "$base${params:+ $params}" >>"$rootfs/lib/modules/load"
}

# make_initrd COMMAND...: the command's words and the init into the tree,
# packed as $work/initrd.cpio. With command_cpus set (a taskset CPU list),
# the command runs on those CPUs only.
command_cpus=
make_initrd() {
	local i=0 a
	for a in "$@"; do printf '%s' "$a" >"$rootfs/args/$i"; i=$((i + 1)); done
	[ -z "$command_cpus" ] || printf '%s' "$command_cpus" >"$rootfs/cpus"
	# --disk: the only virtio-blk device, so the host's first disk.
	[ -z "$host_disk" ] || printf /dev/vda >"$rootfs/hostdisk"
	sed "s/@PROG@/$PROG/g; s/@MARK@/$MARK/g" >"$rootfs/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tmpfs tmp /tmp
[ ! -e /lib/modules/load ] || while read -r m params; do
	err=$(insmod /lib/modules/$m.ko $params 2>&1) ||
		echo "@PROG@: the $m module did not load: $err" >&2
done </lib/modules/load
ip link set lo up
export PATH=/work:/bin HOME=/root OUT=/out GUEST=/guest
[ ! -e /hostdisk ] || export HOST_DISK=$(cat /hostdisk)
set --
n=0
while [ -e /args/$n ]; do set -- "$@" "$(cat /args/$n)"; n=$((n + 1)); done
cd /work
[ ! -e /cpus ] || set -- taskset -c "$(cat /cpus)" "$@"
echo "@@@MARK@-READY@@"
"$@"
rc=$?
echo
echo "@@@MARK@-EXIT $rc@@"
if [ -n "$(ls -A /out)" ]; then
	echo "@@@MARK@-OUT-BEGIN@@"
	tar -C /out -cf - . | base64
	echo "@@@MARK@-OUT-END@@"
fi
sync
poweroff -f
INIT
	chmod +x "$rootfs/init" "$rootfs/work"/* 2>/dev/null || true
	python3 "$ROOT/tools/mkcpio.py" "$rootfs" "$work/initrd.cpio" ||
		die "building the initramfs failed"
}

# boot_once: one boot of the emulated host. The console is read line by line
# as it comes (no pipe buffers, so $log always holds the last words); the
# command's output passes through, the files under $OUT are kept, and the
# command's status goes to $rc_file. Sets qrc (QEMU's status, 124 on the
# overall timeout), state (boot: the init was never reached), stalled (the
# boot deadline passed and QEMU was stopped), late (the init was reached
# as it was being stopped: the command may have started) and, with
# stall_is_loss set, cpu_stuck (the kernel reported an RCU stall or a task
# blocked for minutes, then the command printed nothing for STALL_SILENCE
# seconds, and QEMU was stopped). The silence too, because a stall may pass
# and the command go on; its next line ends the watch. Only lines that are
# not the kernel's ("[ 12.3] ...") count as the command's: a hung task's
# report repeats every two minutes while its host stays stuck (seen: a
# 2-vCPU restore blocked for 364 s).
boot_once() {
	local line part pending= eof left to boot_end=$((SECONDS + boot_timeout)) disk_args
	mapfile -t disk_args < <(disk_qemu_args)
	local stall_seen= last_line=$SECONDS kernel_line='^\[ *[0-9]+\.[0-9]+\] '
	left=$((deadline - SECONDS))
	[ "$left" -ge 1 ] || left=1
	: >"$rc_file"
	timeout -k 10 "$left" "${qemu_cmd[@]}" \
		-smp "$smp" -m "$mem" -display none -no-reboot -nic none -monitor none \
		-d cpu_reset -D "$work/qemu-reset.log" \
		-serial stdio -kernel "$kernel" -initrd "$work/initrd.cpio" "${disk_args[@]}" \
		-append "console=$console panic=-1 loglevel=1 quiet rdinit=/init$host_params" \
		</dev/null >"$fifo" 2>"$work/qemu.err" &
	qpid=$!
	state=boot stalled= late= cpu_stuck= stall_kind=
	while :; do
		to=()
		if [ $state = boot ]; then
			left=$((boot_end - SECONDS))
			if [ "$left" -le 0 ]; then
				# Stopped, then read to its end: a late READY must be seen.
				stalled=1 state=stalled
				kill "$qpid" 2>/dev/null || true
				continue
			fi
			to=(-t "$left")
		elif [ -n "$stall_seen" ]; then
			left=$((last_line + STALL_SILENCE - SECONDS))
			if [ "$left" -le 0 ]; then
				# The CPU did not come back: a lost host now, not a timeout later.
				cpu_stuck=1 stall_seen=
				kill "$qpid" 2>/dev/null || true
				continue
			fi
			to=(-t "$left")
		fi
		eof=
		if IFS= read -r "${to[@]}" part; then
			line=$pending$part pending=
		elif [ $? -gt 128 ]; then
			pending+=$part	# read -t ran out mid-line: keep what came
			[ -z "$part" ] || [[ $pending =~ $kernel_line ]] || last_line=$SECONDS
			continue
		else
			line=$pending$part pending= eof=1
			[ -n "$line" ] || break
		fi
		line=${line%$'\r'}
		printf '%s\n' "$line" >&4
		# The command's own line after a report: the host came back, the
		# watch ends (a later silent step of the command is no loss; the
		# report, should the stall come again, arms it again).
		[[ $line =~ $kernel_line ]] || last_line=$SECONDS stall_seen=
		case $stall_is_loss:$cpu_stuck:$stall_seen:$line in
		1:::*"rcu: INFO: "*" stall"*)
			stall_seen=1 stall_kind="an RCU stall" last_line=$SECONDS ;;
		1:::*"INFO: task "*" blocked for more than "*)
			stall_seen=1 stall_kind="a hung task" last_line=$SECONDS ;;
		esac
		case $state:$line in
		boot:"@@$MARK-READY@@") state=cmd ;;
		boot:"$PROG: "*) printf '%s\n' "$line" >&2 ;;	# the init's warnings
		boot:*) [ -z "$verbose" ] || printf '%s\n' "$line" >&2 ;;
		stalled:"@@$MARK-READY@@") late=1 ;;
		stalled:*) ;;
		cmd:"@@$MARK-EXIT "*@@)
			r=${line#"@@$MARK-EXIT "}; echo "${r%@@}" >"$rc_file"; state=after ;;
		cmd:*) printf '%s\n' "$line" ;;
		after:"@@$MARK-OUT-BEGIN@@") state=blob; : >"$work/out.b64" ;;
		blob:"@@$MARK-OUT-END@@") state=after ;;
		blob:*) printf '%s\n' "$line" >>"$work/out.b64" ;;
		*) [ -z "$verbose" ] || printf '%s\n' "$line" >&2 ;;
		esac
		[ -z "$eof" ] || break
	done <"$fifo" 4>"$log"
	qrc=0
	wait "$qpid" || qrc=$?
	qpid=
}

# run_emulated: boot the emulated host (once more if the boot stalls), and
# exit with the command's status, or 124/125 saying why there is none.
run_emulated() {
	log=$work/console.log
	fifo=$work/console.fifo rc_file=$work/rc
	mkfifo "$fifo"
	deadline=$((SECONDS + timeout))
	for attempt in 1 2; do
		boot_once
		[ -n "$stalled" ] || break
		[ -z "$late" ] || die "the emulated host reached its init just as its boot deadline" \
			"(--boot-timeout ${boot_timeout}s) expired; not booting it again, since the command" \
			"may have started"
		printf '%s: the emulated host did not reach its init within %ss (boot %s of 2); its console:\n' \
			"$PROG" "$boot_timeout" "$attempt" >&2
		tail -n 15 "$log" | sed 's/^/  | /' >&2
		cat "$work/qemu.err" >&2
		[ $((deadline - SECONDS)) -gt 0 ] || break
		[ "$attempt" -eq 2 ] ||
			printf '%s: booting it once more; the command has not run yet\n' "$PROG" >&2
	done

	if [ -n "$stalled" ] && [ $((deadline - SECONDS)) -gt 0 ]; then
		printf '%s: error: the emulated host did not reach its init in 2 boots of %ss each; QEMU stalls like this under heavy load - try again, or raise --boot-timeout\n' \
			"$PROG" "$boot_timeout" >&2
		exit 125
	fi
	if [ -n "$stalled" ] || [ "$qrc" -eq 124 ] || [ "$qrc" -eq 137 ]; then
		printf '%s: error: timed out after %ss; last lines of the emulated host console:\n' "$PROG" "$timeout" >&2
		tail -n 15 "$log" | sed 's/^/  | /' >&2
		exit 124
	fi
	rc=$(cat "$rc_file")
	if [ -z "$rc" ]; then
		printf '%s: error: the emulated host stopped before the command finished (QEMU status %s)\n' "$PROG" "$qrc" >&2
		grep -q 'Kernel panic' "$log" && printf '%s: the emulated kernel panicked\n' "$PROG" >&2
		[ -z "$cpu_stuck" ] || printf '%s: a CPU of the emulated host stopped responding: its kernel reported %s, then the command printed nothing for %s s; the host was stopped\n' "$PROG" "$stall_kind" "$STALL_SILENCE" >&2
		# -no-reboot: a reset ends QEMU; -d cpu_reset logged why, and where the CPU was.
		if grep -q 'Triple fault' "$work/qemu-reset.log" 2>/dev/null; then
			printf '%s: the emulated CPU triple-faulted (in the emulated kernel, or in QEMU'"'"'s emulation of it); QEMU -d cpu_reset logged:\n' "$PROG" >&2
			grep -A 14 -m 1 'Triple fault' "$work/qemu-reset.log" | sed 's/^/  : /' >&2
		fi
		cat "$work/qemu.err" >&2
		tail -n 25 "$log" | sed 's/^/  | /' >&2
		exit 125
	fi
	if [ -n "$out" ] && [ -s "$work/out.b64" ]; then
		mkdir -p "$out"
		base64 -d "$work/out.b64" | tar -C "$out" -xf - ||
			die "unpacking the files written under \$OUT into $out failed"
	fi
	exit "$rc"
}
