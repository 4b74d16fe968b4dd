# Running QEMU for the lab: TCG, serial console to a log file, a hard
# timeout, and no hang on panic (-no-reboot with panic=-1 in the guest).
# shellcheck shell=bash

QEMU=${QEMU:-qemu-system-x86_64}
# The guest CPU model; the default (max) has the AMD vendor under TCG.
# KJUMP_QEMU_CPU=max,vendor=GenuineIntel tests the Intel paths (mwait_play_dead).
KJUMP_QEMU_CPU=${KJUMP_QEMU_CPU:-max}

# run_qemu LOG TIMEOUT_S KERNEL APPEND [extra qemu args...]
# Boots KERNEL with APPEND, console on ttyS0 into LOG (and, with
# KJUMP_QEMU_CONSOLE_SOCKET=PATH, on a Unix socket there too, through which
# lab/lib/console-feed.py types on the console). Returns QEMU's status,
# or 124 when the timeout ended it. Sets QEMU_SECONDS to its wall time.
run_qemu() {
    local log=$1 timeout_s=$2 kernel=$3 append=$4
    shift 4
    local start rc=0 console="file,path=$log"
    [ -z "${KJUMP_QEMU_CONSOLE_SOCKET:-}" ] \
        || console="socket,path=$KJUMP_QEMU_CONSOLE_SOCKET,server=on,wait=off,logfile=$log"
    start=$(date +%s.%N)
    timeout --kill-after=10 "$timeout_s" "$QEMU" \
        -accel tcg -cpu "${KJUMP_QEMU_CPU:-max}" \
        -m "$KJUMP_GUEST_MEM_MIB" -smp "$KJUMP_GUEST_CPUS" \
        -kernel "$kernel" -append "$append" \
        -display none -monitor none -no-reboot \
        -chardev "$console,id=console" \
        -serial chardev:console \
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
    tr -d '\r' < "$1" | has_match -a -E "$2"
}

# run_qemu_watching LOG TIMEOUT_S KERNEL APPEND [qemu args...]: run_qemu (or
# the runner WATCH_RUNNER names, with the same arguments) in the
# background, watching the serial log. For each marker in WATCH_MARKERS (line
# prefixes), MARK_S[marker] gets the seconds from QEMU start to its first
# appearance. Returns QEMU's status; QEMU_SECONDS is its whole run.
declare -A MARK_S
WATCH_MARKERS=()
run_qemu_watching() {
    local log=$1 start pid marker rc=0
    start=$(date +%s.%N)
    MARK_S=()
    : > "$log"
    "${WATCH_RUNNER:-run_qemu}" "$@" &
    pid=$!
    while kill -0 "$pid" 2>/dev/null; do
        for marker in "${WATCH_MARKERS[@]}"; do
            if [ -z "${MARK_S[$marker]:-}" ] && serial_has "$log" "^$marker"; then
                MARK_S[$marker]=$(echo "$(date +%s.%N) - $start" | bc)
            fi
        done
        sleep 0.1
    done
    wait "$pid" || rc=$?
    QEMU_SECONDS=$(echo "$(date +%s.%N) - $start" | bc)
    # A marker printed just before QEMU ended may have slipped between two
    # polls: it then gets QEMU's end as an upper bound, and the log says so.
    for marker in "${WATCH_MARKERS[@]}"; do
        if [ -z "${MARK_S[$marker]:-}" ] && serial_has "$log" "^$marker"; then
            MARK_S[$marker]=$QEMU_SECONDS
            log "$marker appeared just before QEMU ended; timed at QEMU's end ($QEMU_SECONDS s)"
        fi
    done
    return "$rc"
}

# retry_boot INIT_MARKER RUNNER LOG [runner args...]: RUNNER (run_qemu or
# run_qemu_watching) with LOG and the rest, retried once (and said so) when
# the guest died before its user space said anything: the TCG boot flake,
# "Oops: int3" early in boot, seen about once in fourteen boots. Nothing a
# scenario tests has happened by then, so a second boot is a fair retry.
# QEMU's status does not tell: a panic before /init reboots the guest, and
# under -no-reboot QEMU then exits 0 (a CI run failed `jump` that way).
# Nor does INIT_MARKER at the start of a line alone: a CI run's resume boot
# went all the way through (H refused nothing, the resumed system powered
# off) without a line starting with it, was retried, and the retry found the
# image consumed. So a boot counts as reached /init when INIT_MARKER or any
# other KJUMP- marker occurs anywhere in the log; only a log without any is
# retried. lab/selftest covers this.
retry_boot() {
    local marker=$1 runner=$2 log=$3 attempt rc
    shift 3
    for attempt in 1 2; do
        rc=0
        "$runner" "$log" "$@" || rc=$?
        if serial_has "$log" "$marker|KJUMP-[A-Z]" || [ "$attempt" = 2 ]; then
            return "$rc"
        fi
        log "the guest died before /init (QEMU status $rc; last line: $(tr -d '\r' < "$log" | grep -a -v '^ *$' | tail -n 1 | cut -c1-120)); retrying once (first log kept as $log.attempt1)"
        BOOT_RETRIES=$(( ${BOOT_RETRIES:-0} + 1 ))
        mv "$log" "$log.attempt1"
    done
}

# run_qemu_watching_retrying INIT_MARKER LOG ...: run_qemu_watching under retry_boot.
run_qemu_watching_retrying() {
    local marker=$1
    shift
    retry_boot "$marker" run_qemu_watching "$@"
}
