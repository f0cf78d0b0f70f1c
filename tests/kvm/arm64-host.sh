#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# tools/arm64-host itself: status and files come back, the CPU shape options
# take effect, and it fails loudly (never hangs) on timeouts and panics.
. "$(dirname "$0")/lib.sh"

host() { # NAME [arm64-host args...]: output in $T/NAME.out, status in $T/NAME.rc
	local name=$1; shift
	"$ARM64_HOST" --kvmini "$KVMINI_BIN" "$@" >"$T/$name.out" 2>&1
	echo $? >"$T/$name.rc"
}

printf 'payload-%s\n' "$$" >"$T/payload.txt"
host files --add "$T/payload.txt" --out "$T/back" -- \
	sh -c 'cat payload.txt; echo written >"$OUT/result.txt"; mkdir "$OUT/d"; echo x >"$OUT/d/y"; exit 3'
check "the command's exit status comes back" rc_is files 3
check "--add: the file is in the working directory" has files "payload-$$"
check "--out: files written under \$OUT come back" \
	grep -qx written "$T/back/result.txt"
check "--out: subdirectories come back" grep -qx x "$T/back/d/y"

host shape --smp 3 --no-mte --no-pauth --sve-max-vl 0 -- \
	sh -c 'grep -c ^processor /proc/cpuinfo; grep -m1 ^Features /proc/cpuinfo; ls -l /dev/kvm'
check "a shaped host boots" rc_is shape 0
check "--smp 3: three CPUs" grep -qx 3 "$T/shape.out"
check "the CPU features were read" has shape "Features"
check "--no-mte: no mte in the CPU features" lacks shape " mte"
check "--no-pauth: no paca in the CPU features" lacks shape " paca"
check "--sve-max-vl 0: no sve in the CPU features" lacks shape " sve"
check "the host has /dev/kvm" has shape "/dev/kvm"
host default -- sh -c 'grep -m1 ^Features /proc/cpuinfo'
check "default host: SVE, MTE and pointer auth present" \
	sh -c "grep -q ' sve' '$T/default.out' && grep -q ' mte' '$T/default.out' && grep -q ' paca' '$T/default.out'"

host timeout --timeout 30 -- sh -c 'echo last-words; sleep 600'
check "a command that never returns: status 124" rc_is timeout 124
check "a command that never returns: timeout named" has timeout "timed out after 30s"
check "a command that never returns: its last console line shown" has timeout "  | last-words"
host noboot --boot-timeout 1 -- true
check "a boot that never reaches init: status 125" rc_is noboot 125
check "a boot that never reaches init: tried once more" has noboot "booting it once more; the command has not run yet"
check "a boot that never reaches init: named" has noboot "did not reach its init in 2 boots of 1s each"
host panic -- sh -c 'echo c >/proc/sysrq-trigger'
check "a kernel panic: status 125" rc_is panic 125
check "a kernel panic: reported" has panic "stopped before the command finished"

host badvl --sve-max-vl 100 -- true
check "--sve-max-vl 100: refused" rc_is badvl 125
check "--sve-max-vl 100: named" has badvl "--sve-max-vl 100: must be 0 or a multiple of 128"
host nocmd
check "no command: refused" rc_is nocmd 125
check "no command: named" has nocmd "no command given"
host badopt --frob -- true
check "unknown option: named" has badopt "unknown option '--frob'"
host nokernel --kernel "$T/no-such-Image" -- true
check "--kernel that does not exist: refused, named" \
	sh -c "[ \"\$(cat '$T/nokernel.rc')\" = 125 ] && grep -q -- '--kernel $T/no-such-Image: no such file' '$T/nokernel.out'"
host notimage --kernel "$T/payload.txt" -- true
check "--kernel that is not an arm64 Image: refused, named" \
	sh -c "[ \"\$(cat '$T/notimage.rc')\" = 125 ] && grep -q 'not an arm64 Image' '$T/notimage.out'"
finish
