# summary: a save that fails in H (a 16 MiB resume disk) jumps back and kjump hibernate says why; then resumes whose boot entry starts a changed command line, a changed kernel image, or finds the data disk mounted since: each refuses, the image stays unused
# shellcheck shell=bash
source "$LAB_DIR/lib/artefacts.sh"

scenario_main() {
    build_all || fail "building the lab artefacts failed (see $OUT/lab.log)"
    local log="$OUT/system.log"
    # The same three disks at resume: the firmware's memory map depends on them.
    truncate -s 16M "$OUT/small.img" || fail "cannot create $OUT/small.img"
    boot_system "$log" stale 900 -drive "file=$OUT/small.img,if=virtio,format=raw" \
        || fail "the first QEMU did not power off by itself (status $?; $log)"
    # The failed save: H jumped back, kjump hibernate exited 1 with H's reason, the workload is intact.
    serial_has "$log" '^KJUMP-SMALL-HIBERNATE rc=1$' || fail "kjump hibernate to a 16 MiB disk did not exit 1 ($log)"
    serial_has "$log" '^KJUMP-SMALL .*could not save the image: .*nothing was lost' \
        || fail "kjump hibernate did not say why the hibernation kernel could not save: $(grep -a -m1 '^KJUMP-SMALL ' "$log") ($log)"
    serial_has "$log" '^KJUMP-SMALL-AFTER WORKLOAD-OK .*continued=yes' || fail "the workload was not intact after the failed save ($log)"
    serial_has "$log" '^KJUMP-H-HIBERNATED' || fail "the hibernation kernel did not save an image ($log)"
    "$OUT/bin/kjump" inspect "$OUT/resume.img" | has_match 'note       filesystems=/dev/vda:' \
        || fail "the image does not record the mounted ext4 filesystem"

    # The boot entry now starts another system: refused, the image stays unused.
    local words
    words=$("$OUT/bin/kjump" boot-identity --kernel "$SYSTEM_BZIMAGE" --command-line "$(system_append stale) mitigations=off") \
        || fail "kjump boot-identity failed"
    stale_resume "$OUT/resume-cmdline.log" "$words" "the system kernel's command line changed since hibernation" changed-cmdline
    cp "$SYSTEM_BZIMAGE" "$OUT/new-vmlinuz" && printf 'a rebuilt kernel' >> "$OUT/new-vmlinuz" || fail "cannot copy the system kernel"
    words=$(system_boot_identity stale "$OUT/new-vmlinuz") || fail "kjump boot-identity failed"
    stale_resume "$OUT/resume-kernel.log" "$words" "the system kernel changed since hibernation" changed-kernel

    # Another system mounts the data disk meanwhile: tune2fs sets what a mount
    # changes in the superblock (mount count and last mount time). The entry
    # names the same system, so the filesystem is what refuses.
    local count
    count=$(dumpe2fs -h "$OUT/data.img" 2>/dev/null | sed -n 's/^Mount count: *//p')
    tune2fs -C $((count + 1)) -T now "$OUT/data.img" >/dev/null || fail "tune2fs could not change the data disk"
    stale_resume "$OUT/resume.log" "$(system_boot_identity stale)" "was mounted since the image was made" mounted-since
    pass "failed_save_reported=yes refused=${REFUSED// /,} image_state=committed"
}

# stale_resume LOG ENTRY_WORDS REASON NAME: a resume boot whose entry carries
# ENTRY_WORDS must refuse with REASON and leave the image committed.
REFUSED=""
stale_resume() {
    local rlog=$1 words=$2 reason=$3 name=$4 cmdline
    cmdline=$("$OUT/bin/kjump" inspect --resume-command-line "$OUT/resume.img")
    # shellcheck disable=SC2046
    run_qemu_retrying KJUMP-H-INIT "$rlog" 600 "$HIBERNATION_KERNEL" "$cmdline $words console=ttyS0 panic=-1 quiet" $(resume_key_initrd) \
        -drive "file=$OUT/data.img,if=virtio,format=raw" -drive "file=$OUT/resume.img,if=virtio,format=raw" \
        -drive "file=$OUT/small.img,if=virtio,format=raw" \
        || fail "$name: the resume QEMU did not power off cleanly (status $?; $rlog)"
    serial_has "$rlog" '^KJUMP-H-RESUME-REFUSED' || fail "$name: the stale image was not refused ($rlog)"
    serial_has "$rlog" "$reason" || fail "$name: the refusal does not say '$reason': $(tr -d '\r' < "$rlog" | grep -a -m1 'Error:') ($rlog)"
    serial_has "$rlog" '^KJUMP-RESUMED-WORKLOAD' && fail "$name: the stale image was resumed ($rlog)"
    "$OUT/bin/kjump" inspect "$OUT/resume.img" | has_match '^state      committed' \
        || fail "$name: the refused image was marked consumed; it must stay unused"
    REFUSED="${REFUSED:+$REFUSED }$name"
}
