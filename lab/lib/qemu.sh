# Running QEMU for the lab: TCG, serial console to a log file, a hard
# timeout, and no hang on panic (-no-reboot with panic=-1 in the guest).
# shellcheck shell=bash

QEMU=${QEMU:-qemu-system-x86_64}
# The guest CPU model; the default (max) has the AMD vendor under TCG.
# KJUMP_QEMU_CPU=max,vendor=GenuineIntel tests the Intel paths (mwait_play_dead).
KJUMP_QEMU_CPU=${KJUMP_QEMU_CPU:-max}

# run_qemu LOG TIMEOUT_S KERNEL APPEND [extra qemu args...]
# Boots KERNEL with APPEND, console on ttyS0 into LOG. Returns QEMU's status,
# or 124 when the timeout ended it. Sets QEMU_SECONDS to its wall time.
run_qemu() {
    local log=$1 timeout_s=$2 kernel=$3 append=$4
    shift 4
    local start rc=0
    start=$(date +%s.%N)
    timeout --kill-after=10 "$timeout_s" "$QEMU" \
        -accel tcg -cpu "${KJUMP_QEMU_CPU:-max}" \
        -m "$KJUMP_GUEST_MEM_MIB" -smp "$KJUMP_GUEST_CPUS" \
        -kernel "$kernel" -append "$append" \
        -display none -monitor none -no-reboot \
        -chardev "file,id=console,path=$log" -serial chardev:console \
        "$@" </dev/null >"$log.qemu" 2>&1 || rc=$?
    QEMU_SECONDS=$(echo "$(date +%s.%N) - $start" | bc)
    return "$rc"
}

# serial_value LOG MARKER -> the rest of the first line starting with MARKER
# (escape codes and carriage returns removed).
serial_value() {
    tr -d '\r' < "$1" | sed 's/\x1b\[[0-9;]*[a-zA-Z]//g' | grep -a -m1 "^$2" | cut -d' ' -f2-
}

# serial_has LOG PATTERN: true when a line matches the extended regex PATTERN.
serial_has() {
    tr -d '\r' < "$1" | grep -a -q -E "$2"
}
