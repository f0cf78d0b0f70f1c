#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# CPU models: dump -> check -> run, and the guest's ID registers read back
# as the model set them; lowering writable fields works and shows; refused
# fields are refused before any VM exists, naming register, field, value,
# host limit and rule; models dumped on one host shape and checked on
# another give the right verdicts; intersect makes a pool model that runs.
. "$(dirname "$0")/lib.sh"

# A malformed model: the error names the file and line.
printf 'ID_AA64ISAR0_EL1.AES = 0\n\nID_AA64ISAR0_EL1.NOPE = 1\n' >"$T/bad.model"

# The default emulated host: SVE up to 2048 bits, MTE, pointer authentication.
# The guest's checks are not what is tested here: short runs.
P="iterations=20 sve-iterations=1 mte-iterations=1"
run_host --add "$T/bad.model" -- "P='$P'"'
rm -f "$OUT/bad.model"
t dump kvmini cpu dump -o "$OUT/default.model"
t check kvmini cpu check "$OUT/default.model"
t checkv kvmini cpu check -v "$OUT/default.model"
t run kvmini run --cpu-model "$OUT/default.model" --dump-regs -p "$P"
sed -e "s/^ID_AA64ISAR0_EL1.AES = .*/ID_AA64ISAR0_EL1.AES = 0/" \
    -e "s/^ID_AA64ISAR0_EL1.ATOMIC = .*/ID_AA64ISAR0_EL1.ATOMIC = 0/" \
    "$OUT/default.model" >"$OUT/lowered.model"
t checklow kvmini cpu check "$OUT/lowered.model"
t runlow kvmini run --cpu-model "$OUT/lowered.model" --dump-regs -c 2 --sve-vl 256 -p "$P"
t diff kvmini cpu diff "$OUT/default.model" "$OUT/lowered.model"
t idreg kvmini run --id-reg ID_AA64ISAR1_EL1.LRCPC=1 --id-reg ID_AA64MMFR0_EL1.TGRAN64=-1 \
	--cpu-feature pauth=on,bti=off --dump-regs -p "$P"
t nosve kvmini run --cpu-feature sve=off --dump-regs -p "$P"
t pauth kvmini cpu dump --cpu-feature pauth=on
t above kvmini run --id-reg ID_AA64ISAR0_EL1.ATOMIC=3 -p "$P"
t fixed kvmini run --cpu-model "$OUT/lowered.model" --id-reg ID_AA64DFR0_EL1.BRBE=1 -p "$P"
t notwritable kvmini run --id-reg ID_AA64PFR0_EL1.AdvSIMD=-1 -p "$P"
t pmu kvmini run --cpu-feature pmu=on -p "$P"
t bad kvmini run --cpu-model bad.model -p "$P"
t conflict kvmini run --cpu-feature sve=off --sve-vl 512 -p "$P"
t inject kvmini run --inject-fault idreg -p "$P"
t probe kvmini run --debug cpu -p "$P"
t hostidreg kvmini run --inject-fault host-idreg -p "$P"
'
check "dump: writes a model" rc_is dump 0
check "dump: one field per line, by name" grep -qx 'ID_AA64ISAR0_EL1.AES = 2' "$T/default.model"
check "dump: records the host and vCPU shape" grep -q '^# vCPU: SVE up to .*2048, MTE on' "$T/default.model"
check "check on its own host: nothing refused" has check "0 refused"
check "check on its own host: exit status 0" rc_is check 0
check "check -v: rules and writability per field" has checkv "ID_AA64ISAR0_EL1.AES = 2 (LOWER_SAFE, writable)"
check "check -v: fields KVM cannot change show no 'writable'" has checkv "ID_AA64PFR0_EL1.SVE = 1 (LOWER_SAFE)"
check "run with the host's own model: status 0" rc_is run 0
check "run with the host's own model: guest TAP all ok" tap_all_ok run
check "run with the host's own model: the ID registers read back as applied" \
	has run "CPU model: the ID registers of 1 vCPU read back as applied after the run"
check "check: lowered fields listed with the rule and host value" \
	has checklow "ID_AA64ISAR0_EL1.AES = 0 (/out/lowered.model:"
check "check: lowered from the host's 2 (LOWER_SAFE)" has checklow "lowered from the host's 2 (LOWER_SAFE"
check "check: 2 lowered, 0 refused" has checklow "2 lowered (0 through vCPU features or VM capabilities), 0 refused"
check "lowered model on 2 vCPUs: status 0" rc_is runlow 0
check "lowered model: guest TAP all ok" tap_all_ok runlow
check "lowered model: both vCPUs read back as applied" has runlow "ID registers of 2 vCPUs read back as applied"
check "lowered model: the guest reads its ID registers and they match the model" \
	grep -qE "^ok [0-9]+ - id registers as the VMM set them \(64 read\)$" "$T/runlow.out"
check "lowered model: the vCPU's ID_AA64ISAR0_EL1 has AES = 0 and ATOMIC = 0" \
	grep -qE '^  ID_AA64ISAR0_EL1 +0x[0-9a-f]{10}0[0-9a-f]{3}0[0-9a-f]$' "$T/runlow.out"
check "diff: the two changed fields, by name" \
	sh -c "grep -qE '^ID_AA64ISAR0_EL1.AES +2 +0$' '$T/diff.out' && grep -qE '^ID_AA64ISAR0_EL1.ATOMIC +2 +0$' '$T/diff.out'"
check "diff: exit status 1 when models differ" rc_is diff 1
check "--id-reg and --cpu-feature: ISAR1, a signed MMFR0 field, pauth on, BTI off: status 0" rc_is idreg 0
check "--id-reg: read back as applied" has idreg "read back as applied"
check "--id-reg: LRCPC 1, TGRAN64 0xf (-1: no 64K granule) in the vCPU's registers" \
	sh -c "grep -qE '^  ID_AA64ISAR1_EL1 +0x[0-9a-f]{10}1[0-9a-f]{5}$' '$T/idreg.out' &&
	       grep -qE '^  ID_AA64MMFR0_EL1 +0x[0-9a-f]{9}f[0-9a-f]{6}$' '$T/idreg.out'"
check "sve=off: status 0" rc_is nosve 0
check "sve=off: said to be the vCPU feature (as --no-sve)" has nosve "through vCPU features or VM capabilities"
check "sve=off: the guest skips its SVE checks (ID_AA64PFR0_EL1.SVE = 0)" has nosve "# SKIP no SVE on this vCPU"
check "sve=off: an SVE instruction is undefined in the guest" \
	grep -qE "^ok [0-9]+ - sve instruction undefined without SVE$" "$T/nosve.out"
check "sve=off: the guest's ID registers match the model" has nosve "id registers as the VMM set them (64 read)"
check "sve=off: ID_AA64PFR0_EL1.SVE is 0 in the vCPU's registers" \
	grep -qE '^  ID_AA64PFR0_EL1 +0x[0-9a-f]{7}0[0-9a-f]{8}$' "$T/nosve.out"
check "dump --cpu-feature pauth=on: the host's pointer authentication shows" \
	sh -c "grep -q '^ID_AA64ISAR1_EL1.API = [1-9]' '$T/pauth.out' || grep -q '^ID_AA64ISAR1_EL1.APA = [1-9]' '$T/pauth.out'"
check "pauth=on: the vCPU has pointer authentication (its key registers are in its state)" \
	grep -q '^  S3_0_C2_C1_0 ' "$T/idreg.out"
check "pauth=on: ID_AA64ISAR1_EL1 shows it; bti=off: ID_AA64PFR1_EL1.BT is 0" \
	sh -c "grep -qE '^  ID_AA64ISAR1_EL1 +0x[0-9a-f]{8}[1-9a-f][0-9a-f]{7}$|^  ID_AA64ISAR1_EL1 +0x[0-9a-f]{13}[1-9a-f][0-9a-f]{2}$' '$T/idreg.out' &&
	       grep -qE '^  ID_AA64PFR1_EL1 +0x[0-9a-f]{15}0$' '$T/idreg.out'"
check "above the host's limit: refused, status 2" rc_is above 2
check "above the host's limit: register, field, value, limit and rule named" \
	has above "ID_AA64ISAR0_EL1.ATOMIC = 3 (--id-reg ID_AA64ISAR0_EL1.ATOMIC=3): refused; this host's limit is 2, rule LOWER_SAFE: at most the host's value"
check "above the host's limit: nothing was created, the guest never ran" \
	sh -c "grep -q 'nothing was created' '$T/above.out' && ! grep -q 'TAP version' '$T/above.out'"
check "a field KVM has no rule for: refused, saying so" has fixed "ID_AA64DFR0_EL1.BRBE = 1 (--id-reg ID_AA64DFR0_EL1.BRBE=1): refused; this host's limit is 0, rule FIXED"
check "a field outside KVM's writable mask: refused, saying so" \
	has notwritable "ID_AA64PFR0_EL1.AdvSIMD = 15 (--id-reg ID_AA64PFR0_EL1.AdvSIMD=-1): refused; this host's limit is 1, rule LOWER_SAFE: KVM does not let userspace change this field (not in KVM_ARM_GET_REG_WRITABLE_MASKS)"
check "pmu=on: refused, kvmini gives guests no PMU" has pmu "kvmini gives guests no PMU"
check "a malformed model: status 2" rc_is bad 2
check "a malformed model: file and line named" has bad "kvmini run: --cpu-model bad.model:3: ID_AA64ISAR0_EL1 has no field 'NOPE'"
check "sve=off with --sve-vl: refused as a contradiction" has conflict "--cpu-feature sve=off turns SVE off, but --sve-vl 512 asks for it"
check "--inject-fault=idreg: the run fails" rc_is inject 1
check "--inject-fault=idreg: only the ID register compare fired" \
	fired_only inject 'after the run: ID_AA64ISAR0_EL1\.AES reads'
check "--inject-fault=idreg: the compare names the field" \
	has inject "vCPU 0 after the run: ID_AA64ISAR0_EL1.AES reads 0x2, the CPU model applied 0x3"
check "host check: KVM refused a value beyond the limit of every writable field (100 or more)" \
	sh -c "grep -qE 'ID registers: KVM refused all [1-9][0-9]{2,} values beyond their limits' '$T/probe.out'"
check "host check: the probe leaves the run alone" tap_all_ok probe
check "--inject-fault=host-idreg: the run fails" rc_is hostidreg 1
check "--inject-fault=host-idreg: only the ID-register probe fired, naming register, field, value and limit" \
	fired_only hostidreg "host KVM accepted ID_[A-Z0-9_]+_EL1\.[A-Za-z0-9_]+ = [0-9x]+ beyond its limit|accepted 1 of [0-9]+ ID register values"
check "--inject-fault=host-idreg: refused before the guest ran" sh -c "! grep -q 'TAP version' '$T/hostidreg.out'"

# A smaller host: no MTE, no SVE. The default host's model does not fit.
run_host --no-mte --sve-max-vl 0 --add "$T/default.model" -- "P='$P'"'
rm -f "$OUT/default.model"
t smallcheck kvmini cpu check default.model
t smallrun kvmini run --cpu-model default.model -p "$P"
t smalldump kvmini cpu dump -o "$OUT/small.model"
'
check "default model on a host without MTE and SVE: check fails, status 1" rc_is smallcheck 1
check "... ID_AA64PFR1_EL1.MTE refused: this host's KVM offers no MTE" \
	has smallcheck "ID_AA64PFR1_EL1.MTE = 3 (default.model:"
check "... with the host limit" has smallcheck "refused; this host's limit is 0, rule LOWER_SAFE: this host's KVM offers no MTE"
check "... ID_AA64PFR0_EL1.SVE refused: this host's KVM offers no SVE" \
	has smallcheck "this host's KVM offers no SVE"
check "... run with it: refused before the VM exists, status 2" rc_is smallrun 2
check "... run with it: the guest never ran" lacks smallrun "TAP version"
check "small host's dump: MTE 0, SVE 0" \
	sh -c "grep -qx 'ID_AA64PFR1_EL1.MTE = 0' '$T/small.model' && grep -qx 'ID_AA64PFR0_EL1.SVE = 0' '$T/small.model'"

# A host whose SVE stops at 512 bits: vector lengths are not ID registers.
run_host --sve-max-vl 512 --add "$T/default.model" --add "$T/small.model" -- "P='$P'"'
rm -f "$OUT/default.model" "$OUT/small.model"
t vl512check kvmini cpu check default.model
t vl512dump kvmini cpu dump -o "$OUT/vl512.model"
t vl512diff kvmini cpu diff default.model "$OUT/vl512.model"
t intersect kvmini cpu intersect -o "$OUT/pool.model" default.model small.model
t poolcheck kvmini cpu check "$OUT/pool.model"
t poolrun kvmini run --cpu-model "$OUT/pool.model" -p "$P"
t smallhere kvmini cpu check small.model
'
check "default model on a 512-bit SVE host: nothing refused" has vl512check "0 refused"
check "... status 0" rc_is vl512check 0
check "512-bit host's dump: the same fields as the 2048-bit host's" rc_is vl512diff 0
check "intersect: status 0" rc_is intersect 0
check "intersect: MTE and SVE at the lower host's 0" \
	sh -c "grep -qx 'ID_AA64PFR1_EL1.MTE = 0' '$T/pool.model' && grep -qx 'ID_AA64PFR0_EL1.SVE = 0' '$T/pool.model'"
check "intersect: fields both hosts share kept" grep -qx 'ID_AA64ISAR0_EL1.AES = 2' "$T/pool.model"
check "pool model on this host: nothing refused" has poolcheck "0 refused"
check "pool model: MTE off through the VM capability, said so" \
	has poolcheck "through the VM capability: no MTE for the guest (as --no-mte)"
check "pool model: SVE off through the vCPU feature, said so" \
	has poolcheck "through the vCPU feature: no SVE for the guest (as --no-sve)"
check "run with the pool model: status 0" rc_is poolrun 0
check "run with the pool model: the guest sees no SVE" has poolrun "# SKIP no SVE on this vCPU"
check "run with the pool model: the guest sees no MTE" has poolrun "# SKIP no MTE on this vCPU"
check "run with the pool model: read back as applied" has poolrun "read back as applied"
check "small host's model here: lowered, not refused" has smallhere "0 refused"
finish
