#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# kvmini's x86_64 DSDT through ACPICA's disassembler (iasl, what the Linux
# kernel's ACPI interpreter is built from): it must decode without errors
# into \_S5, COM1 with port 0x3f8 and IRQ 4 (edge), the CMOS RTC with ports
# 0x70-0x71 and IRQ 8 (edge), and each virtio-mmio
# device with its registers and a level-triggered interrupt.
# Usage: x86-acpi-iasl.sh TEST_X86_ACPI (the unit test, which dumps the DSDT)
set -u
T=$(mktemp -d "${TMPDIR:-/tmp}/kvmini-acpi.XXXXXX")
trap 'rm -rf "$T"' EXIT
n=0 failed=0
check() { # DESCRIPTION CMD...
	local desc=$1; shift
	n=$((n + 1))
	if "$@"; then echo "ok $n - $desc"; else echo "not ok $n - $desc"; failed=1; fi
}
command -v iasl >/dev/null || { echo "Bail out! iasl is missing: run tools/setup-deps (acpica-tools)"; exit 1; }
"$1" --dump "$T" >/dev/null || { echo "Bail out! $1 --dump failed"; exit 1; }
(cd "$T" && iasl -d dsdt.dat) >"$T/iasl.log" 2>&1
check "iasl disassembles the DSDT" test -s "$T/dsdt.dsl"
check "no errors or warnings from iasl" sh -c "! grep -qi 'error\|warning' '$T/iasl.log'"
has() { grep -qF -- "$1" "$T/dsdt.dsl" || { echo "# no '$1' in:"; sed 's/^/#   /' "$T/dsdt.dsl"; return 1; }; }
check "\\_S5 package" has "Name (_S5, Package (0x04)"
check "\\_S5 holds its four elements (5, 5, 0, 0)" test "$(sed -n '/Name (_S5/,/})/p' "$T/dsdt.dsl" |
	grep -cE '^ *(0x05|Zero),? *$')" = 4
check "COM1 is a PNP0501" has 'Name (_HID, "PNP0501"'
check "COM1 decodes ports 0x3f8, 8 of them" sh -c "grep -A5 'IO (Decode16' '$T/dsdt.dsl' | grep -q '0x03F8' && grep -A5 'IO (Decode16' '$T/dsdt.dsl' | grep -q '0x08, '"
check "COM1 interrupt 4, edge" sh -c "grep -A2 'Interrupt (ResourceConsumer, Edge, ActiveHigh' '$T/dsdt.dsl' | grep -q 0x00000004"
check "the RTC is a PNP0B00" has 'Name (_HID, "PNP0B00"'
check "the RTC decodes ports 0x70-0x71" sh -c "grep -A5 'IO (Decode16' '$T/dsdt.dsl' | grep -q '0x0070'"
check "the RTC interrupt 8, edge" sh -c "grep -A2 'Interrupt (ResourceConsumer, Edge, ActiveHigh' '$T/dsdt.dsl' | grep -q 0x00000008"
check "three virtio-mmio devices (LNRO0005)" test "$(grep -c 'Name (_HID, "LNRO0005")' "$T/dsdt.dsl")" = 3
check "the third at 0xD0100400, 0x200 bytes" sh -c "grep -A2 'Memory32Fixed' '$T/dsdt.dsl' | grep -q 0xD0100400"
check "its interrupt 18, level, active high" sh -c "grep -A2 'Interrupt (ResourceConsumer, Level, ActiveHigh' '$T/dsdt.dsl' | grep -q 0x00000012"
echo "1..$n"
exit $failed
