# summary: kjump crash-load, the workload runs, sysrq panics the system, H saves a crash dump and reboots; the next boot finds it
# shellcheck shell=bash
source "$LAB_DIR/lib/artefacts.sh"

# The crashkernel= reservation; H needs its decompressed kernel plus about 96 MiB.
KJUMP_CRASHKERNEL_MIB=${KJUMP_CRASHKERNEL_MIB:-192}

# boot_crash_system LOG STEP TIMEOUT: the system kernel with crashkernel= and
# the guest half of this scenario at STEP (panic, found).
boot_crash_system() {
    run_qemu_watching_retrying KJUMP-INIT "$1" "$3" "$SYSTEM_KERNEL" \
        "$(system_append crash) crashkernel=${KJUMP_CRASHKERNEL_MIB}M kjump_crash_step=$2" \
        -initrd "$OUT/system-initramfs.cpio" \
        -drive "file=$OUT/data.img,if=virtio,format=raw" \
        -drive "file=$OUT/resume.img,if=virtio,format=raw"
}

scenario_main() {
    build_all || fail "building the lab artefacts failed (see $OUT/lab.log)"

    # 1. Load the crash kernel, run the workload, panic: H saves the dump and reboots.
    local log="$OUT/system.log" clean
    WATCH_MARKERS=(KJUMP-CRASH-PANIC KJUMP-H-CRASH-SAVING KJUMP-H-DUMPED)
    boot_crash_system "$log" panic 900 || fail "the QEMU of the crash did not end by itself (status $?; $log)"
    clean=$(tr -d '\r' < "$log" | sed 's/\x1b\[[0-9;]*[a-zA-Z]//g')
    grep -a -q "no crash kernel is loaded; ${KJUMP_CRASHKERNEL_MIB} MiB reserved" <<< "$clean" \
        || fail "crash-load --status did not report the empty ${KJUMP_CRASHKERNEL_MIB} MiB reservation ($log)"
    grep -a -q '^KJUMP-CRASH-REFUSED-KERNEL rc=[1-9]' <<< "$clean" || fail "a missing crash kernel was not refused ($log)"
    grep -a -q '^KJUMP-CRASH-REFUSED-TARGET rc=[1-9]' <<< "$clean" || fail "a target that is no block device was not refused ($log)"
    grep -a -q 'not a block device' <<< "$clean" || fail "the refused target's error does not say why ($log)"
    grep -a -q '^KJUMP-CRASH-LOAD rc=0' <<< "$clean" \
        || fail "kjump crash-load failed: $(grep -a -m1 'Error:' <<< "$clean") ($log)"
    grep -a -q 'a crash kernel is loaded' <<< "$clean" || fail "crash-load --status does not report the loaded kernel ($log)"
    grep -a -q '^KJUMP-WORKLOAD-START rc=0' <<< "$clean" || fail "the workload did not start ($log)"
    grep -a -q 'sysrq: Trigger a crash' <<< "$clean" || fail "the sysrq crash was not triggered ($log)"
    grep -a -q '^KJUMP-CRASH-SURVIVED' <<< "$clean" && fail "the system survived the panic ($log)"
    grep -a -q '^KJUMP-H-VERSION .* role=crash' <<< "$clean" || fail "the crash kernel did not start after the panic ($log)"
    grep -a -q '^KJUMP-H-DUMPED' <<< "$clean" \
        || fail "the crash kernel did not save the dump: $(grep -a -m1 -E 'KJUMP-H-ERROR|Error:' <<< "$clean") ($log)"
    local panic_s=${MARK_S[KJUMP-CRASH-PANIC]:-} dumped_s=${MARK_S[KJUMP-H-DUMPED]:-}
    [ -n "$panic_s" ] && [ -n "$dumped_s" ] || fail "the panic and dump markers were not timed ($log)"
    local panic_to_dump_s panic_to_reboot_s
    panic_to_dump_s=$(printf '%.2f' "$(echo "$dumped_s - $panic_s" | bc)")
    panic_to_reboot_s=$(printf '%.2f' "$(echo "$QEMU_SECONDS - $panic_s" | bc)")

    # 2. On the host: the dump verifies, names the kernel and exports to an ELF vmcore makedumpfile reads.
    "$OUT/bin/kjump" verify "$OUT/resume.img" >&2 || fail "the crash dump does not verify"
    local inspect
    inspect=$("$OUT/bin/kjump" inspect "$OUT/resume.img") || fail "kjump inspect cannot read the crash dump"
    printf '%s\n' "$inspect" > "$OUT/inspect.txt"
    grep -q '^image .*, crash)' <<< "$inspect" || fail "the image is not a crash dump ($OUT/inspect.txt)"
    grep -q 'elf-notes=' <<< "$inspect" || fail "the dump carries no CPU notes ($OUT/inspect.txt)"
    local dump_mib
    dump_mib=$(sed -n 's/.* image \([0-9.]*\) MiB$/\1/p' <<< "$inspect")
    "$OUT/bin/kjump" export "$OUT/resume.img" --elf "$OUT/crash.elf" >&2 || fail "kjump export --elf failed"
    makedumpfile --dump-dmesg "$OUT/crash.elf" "$OUT/crash-dmesg.txt" >"$OUT/makedumpfile.log" 2>&1 \
        || fail "makedumpfile cannot read the exported dump ($OUT/makedumpfile.log)"
    grep -q 'sysrq triggered crash' "$OUT/crash-dmesg.txt" \
        || fail "the exported dump's log lacks the sysrq panic ($OUT/crash-dmesg.txt)"
    rm -f "$OUT/crash.elf"

    # 3. The next boot of the system finds the dump on the disk.
    local flog="$OUT/found.log" fclean
    WATCH_MARKERS=()
    boot_crash_system "$flog" found 600 || fail "the QEMU after the crash did not power off cleanly (status $?; $flog)"
    fclean=$(tr -d '\r' < "$flog" | sed 's/\x1b\[[0-9;]*[a-zA-Z]//g')
    grep -a -q '^KJUMP-CRASH-VERIFY rc=0' <<< "$fclean" || fail "the next boot cannot verify the dump ($flog)"
    grep -a -q '^image .*, crash)' <<< "$fclean" || fail "the next boot does not see a crash dump ($flog)"
    if grep -a -q '^KJUMP-CRASH-DMESG ' <<< "$fclean"; then
        grep -a -q '^KJUMP-CRASH-DMESG-PANIC ' <<< "$fclean" || fail "kjump dmesg does not show the sysrq panic ($flog)"
    fi
    pass "dump_mib=$dump_mib panic_to_dump_s=$panic_to_dump_s panic_to_reboot_s=$panic_to_reboot_s reservation_mib=$KJUMP_CRASHKERNEL_MIB"
}
