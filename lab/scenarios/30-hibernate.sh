# summary: kjump hibernate to a raw disk, QEMU exits, a new QEMU resumes from the disk; the image is then consumed and the next boot is the normal system
# shellcheck shell=bash
source "$LAB_DIR/lib/artefacts.sh"

# armed_image LOG: the image ID that `kjump hibernate --grub-reboot` bound
# the one-shot entry to in LOG (the grub-editenv stand-in's call), if any.
armed_image() {
    tr -d '\r' < "$1" | sed -n 's/^KJUMP-GRUB-CALL grub-editenv - set kjump_image=\([0-9a-f-]*\)$/\1/p' | tail -1
}

# resume_boot LOG [IMAGE]: a new QEMU process boots the hibernation kernel with
# the resume command line of IMAGE (default: the resume disk), on the same
# disks, as GRUB's one-shot entry would: with kjump.image=ARMED_IMAGE when a
# hibernation armed it, and with the system kernel and command line the
# normal boot entry has (system_boot_identity HIBERNATED_AS) when set. Sets RESUME_S to the seconds from QEMU start until
# the resumed workload has verified, if it did.
resume_boot() {
    local cmdline rc=0
    cmdline=$("$OUT/bin/kjump" inspect --resume-command-line "${2:-$OUT/resume.img}") || return 1
    [ -z "${ARMED_IMAGE:-}" ] || cmdline="$cmdline kjump.image=$ARMED_IMAGE"
    [ -z "${HIBERNATED_AS:-}" ] || cmdline="$cmdline $(system_boot_identity "$HIBERNATED_AS")"
    WATCH_MARKERS=(KJUMP-RESUMED-WORKLOAD KJUMP-FILE-RESUMED)
    # shellcheck disable=SC2046
    run_qemu_watching_retrying KJUMP-H-INIT "$1" 600 "$HIBERNATION_KERNEL" "$cmdline console=ttyS0 panic=-1 quiet" \
        $(resume_key_initrd) -drive "file=$OUT/data.img,if=virtio,format=raw" \
        -drive "file=$OUT/resume.img,if=virtio,format=raw" || rc=$?
    RESUME_S=${MARK_S[KJUMP-RESUMED-WORKLOAD]:-${MARK_S[KJUMP-FILE-RESUMED]:-}}
    [ -z "$RESUME_S" ] || RESUME_S=$(printf '%.2f' "$RESUME_S")
    return "$rc"
}

# check_image_readers IMAGE: the host reads a hibernation image as it reads a
# crash dump (one kind of image): `kjump dmesg` prints the hibernated
# system's log from its boot banner on, and `kjump export --elf` writes a
# vmcore whose log kjump and makedumpfile read alike. Sets IMAGE_LOG_LINES.
check_image_readers() {
    local image=$1 release elf="$OUT/image-export.elf" text="$OUT/image-dmesg.txt"
    local key=(--key "$OUT/keys/resume.key")
    release=$("$OUT/bin/kjump" inspect "$image" | sed -n 's/^kernel *\([^,]*\),.*/\1/p')
    [ -n "$release" ] || fail "kjump inspect does not name the hibernated kernel's release ($image)"
    # Sealed: no plaintext of the guest's memory on the disk, nothing read without the key.
    "$OUT/bin/kjump" inspect "$image" | has_match '^sealed  *AES-256-GCM' || fail "the hibernation image is not sealed ($image)"
    ! grep -aq "Linux version $release (" "$image" || fail "the sealed image holds the guest's boot banner in plaintext ($image)"
    ! "$OUT/bin/kjump" dmesg "$image" > /dev/null 2>&1 || fail "kjump dmesg read the sealed image without its key"
    "$OUT/bin/kjump" verify "${key[@]}" "$image" | has_match 'sealed and authentic: OK' \
        || fail "kjump verify --key does not find the image sealed and authentic ($image)"
    "$OUT/bin/kjump" dmesg "${key[@]}" "$image" > "$text" 2> "$OUT/image-dmesg.err" \
        || fail "kjump dmesg cannot read the hibernation image: $(head -c 400 "$OUT/image-dmesg.err")"
    grep -q "^\[ *0\.000000\] Linux version $release (" "$text" \
        || fail "kjump dmesg on the hibernation image does not show the guest's boot banner 'Linux version $release' ($text)"
    grep -q '^\[ *0\.000000\] Command line: .*kjump_scenario=hibernate' "$text" \
        || fail "kjump dmesg on the hibernation image does not show the guest's command line ($text)"
    IMAGE_LOG_LINES=$(wc -l < "$text")
    "$OUT/bin/kjump" export --elf "$elf" "${key[@]}" "$image" >&2 \
        || { rm -f "$elf"; fail "kjump export --elf failed on the hibernation image"; }
    if ! "$OUT/bin/kjump" dmesg "$elf" | cmp -s - "$text"; then
        rm -f "$elf"; fail "kjump dmesg on the ELF export of the hibernation image differs from the image's log"
    fi
    rm -f "$OUT/image-export-makedumpfile-dmesg.txt"   # makedumpfile does not overwrite
    if ! makedumpfile --dump-dmesg "$elf" "$OUT/image-export-makedumpfile-dmesg.txt" > "$OUT/image-export-makedumpfile.log" 2>&1; then
        rm -f "$elf"; fail "makedumpfile cannot read the ELF export of the hibernation image ($OUT/image-export-makedumpfile.log)"
    fi
    rm -f "$elf"
    grep -q "Linux version $release (" "$OUT/image-export-makedumpfile-dmesg.txt" \
        || fail "the ELF export's log (makedumpfile) lacks the boot banner ($OUT/image-export-makedumpfile-dmesg.txt)"
}

scenario_main() {
    build_all || fail "building the lab artefacts failed (see $OUT/lab.log)"
    # Each resume entry names the system the normal boot entry starts (the check passes).
    HIBERNATED_AS=hibernate

    # 1. Boot, start the workload, hibernate: QEMU must end by itself (power-off).
    local log="$OUT/system.log" hibernate_s
    local start
    start=$(date +%s.%N)
    boot_system "$log" hibernate 900 || fail "the first QEMU did not power off by itself (status $?; $log)"
    local clean
    clean=$(tr -d '\r' < "$log" | sed 's/\x1b\[[0-9;]*[a-zA-Z]//g')
    grep -a -q '^KJUMP-WORKLOAD-START rc=0' <<< "$clean" || fail "the workload did not start ($log)"
    grep -a -q '^KJUMP-H-HIBERNATED' <<< "$clean" \
        || fail "the hibernation kernel did not save an image: $(grep -a -m1 -E 'KJUMP-H-ERROR|Error:' <<< "$clean") ($log)"
    grep -a -q '^KJUMP-HIBERNATE rc=' <<< "$clean" && fail "kjump hibernate returned in the first boot ($log)"
    grep -a -q '^KJUMP-GRUB-CALL grub-reboot kjump-resume$' <<< "$clean" \
        || fail "kjump hibernate --grub-reboot did not arm the boot entry ($log)"
    ARMED_IMAGE=$(armed_image "$log")
    [ -n "$ARMED_IMAGE" ] || fail "kjump hibernate --grub-reboot did not bind the boot entry to an image ($log)"
    "$OUT/bin/kjump" inspect "$OUT/resume.img" | has_match "^image  *$ARMED_IMAGE " \
        || fail "the image on the resume disk is not $ARMED_IMAGE, the one the boot entry was armed for ($log)"
    hibernate_s=$(sed -n 's/.*hibernation image on .*, \([0-9.]*\) s (finding free pages.*/\1/p' <<< "$clean")
    # `kjump resume-entry`, before the hibernation, printed the line the image records.
    [ "$(serial_value "$log" KJUMP-RESUME-ENTRY)" = "$("$OUT/bin/kjump" inspect --resume-command-line "$OUT/resume.img")" ] \
        || fail "kjump resume-entry printed '$(serial_value "$log" KJUMP-RESUME-ENTRY | cut -c1-160)…', not the image's resume command line ($log)"
    # The image records the system kernel's image as sha256sum sees /boot/vmlinuz.
    "$OUT/bin/kjump" inspect "$OUT/resume.img" | has_match "^note  *system-kernel=$(sha256sum "$SYSTEM_BZIMAGE" | cut -d' ' -f1)$" \
        || fail "the image does not record the system kernel's digest (kjump inspect: $("$OUT/bin/kjump" inspect "$OUT/resume.img" | grep -c '^note  *system-') system notes)"
    "$OUT/bin/kjump" verify --key "$OUT/keys/resume.key" "$OUT/resume.img" >&2 || fail "the image on the resume disk does not verify"
    local image_mib
    image_mib=$("$OUT/bin/kjump" inspect "$OUT/resume.img" | sed -n 's/.* image \([0-9.]*\) MiB$/\1/p')

    # 2. A new QEMU process resumes from the disk.
    local rlog="$OUT/resume.log"
    resume_boot "$rlog" || fail "the resume QEMU did not power off cleanly (status $?; $rlog)"
    local rclean
    rclean=$(tr -d '\r' < "$rlog" | sed 's/\x1b\[[0-9;]*[a-zA-Z]//g')
    grep -a -q '^KJUMP-H-RESUME-REFUSED' <<< "$rclean" && fail "the restorer refused: $(grep -a -m1 'Error:' <<< "$rclean") ($rlog)"
    grep -a -q '^KJUMP-HIBERNATE rc=0' <<< "$rclean" || fail "kjump hibernate did not return 0 after the resume ($rlog)"
    grep -a -q '^kjump: the boot entry starts the system kernel and command line that hibernated' <<< "$rclean" \
        || fail "H did not check the boot entry's system kernel and command line against the image ($rlog)"
    grep -a -q '^WORKLOAD-OK .*continued=yes' <<< "$rclean" \
        || fail "the workload did not verify as continued after the resume: $(grep -a -m1 -E '^WORKLOAD-' <<< "$rclean") ($rlog)"
    grep -a -q '^WRITE-OK ' <<< "$rclean" || fail "writing to ext4 failed after the resume ($rlog)"
    grep -a -q '^KJUMP-EXT4-FILE-OK' <<< "$rclean" || fail "the file written before hibernation is not intact ($rlog)"
    [ "$KJUMP_GUEST_CPUS" = 1 ] || has_match -a "^KJUMP-CPUS-ONLINE 0-$((KJUMP_GUEST_CPUS - 1))\$" <<< "$rclean" \
        || fail "not every CPU came back after the resume ($rlog)"
    grep -a -q '^KJUMP-DMESG ' <<< "$rclean" && fail "dmesg shows errors after the resume: $(grep -a -m1 '^KJUMP-DMESG ' <<< "$rclean")"
    grep -a -q '^KJUMP-DMESG-END' <<< "$rclean" || fail "the resumed guest did not finish its checks ($rlog)"
    [ -n "$RESUME_S" ] || fail "the resume time was not measured ($rlog)"
    local resume_s=$RESUME_S
    # H's memory: what the saver had before it began (what its commit check
    # counts on) and what the restorer had; the restorer must not have less
    # (less than 4 MiB less: it measures after reading the image's first blocks).
    local save_avail restore_avail save_peak restore_peak
    save_avail=$(sed -n 's/^kjump: hibernation image on .* H had \([0-9]*\) MiB available.*/\1/p' <<< "$clean" | head -1)
    save_peak=$(sed -n 's/^kjump: hibernation image on .* peak memory \([0-9]*\) MiB.*/\1/p' <<< "$clean" | head -1)
    restore_avail=$(sed -n 's/^kjump: restored .* H had \([0-9]*\) MiB available.*/\1/p' <<< "$rclean" | head -1)
    restore_peak=$(sed -n 's/^kjump: restored .* peak memory \([0-9]*\) MiB.*/\1/p' <<< "$rclean" | head -1)
    [ -n "$save_avail" ] && [ -n "$restore_avail" ] || fail "H's memory was not reported ($log, $rlog)"
    [ "$restore_avail" -ge $(( save_avail - 4 )) ] \
        || fail "the restorer had $restore_avail MiB, the saver $save_avail MiB: the commit check does not see what the resume boot has"

    # 3. The resumed system hibernated a second time (the first QEMU of this
    #    step powered off by itself); a new QEMU resumes that image too.
    grep -a -q '^KJUMP-SECOND-HIBERNATE-BEGIN' <<< "$rclean" || fail "the resumed system did not hibernate again ($rlog)"
    grep -a -q '^KJUMP-SECOND-HIBERNATE rc=' <<< "$rclean" \
        && fail "the second hibernation returned without powering off: $(grep -a -m1 'Error:' <<< "$rclean") ($rlog)"
    local r2log="$OUT/resume2.log"
    # The second hibernation was a plain `kjump hibernate`: its resume device and
    # GRUB entry came from /etc/kjump/kjump.conf.
    ARMED_IMAGE=$(armed_image "$rlog")
    [ -n "$ARMED_IMAGE" ] && grep -a -q '^KJUMP-GRUB-CALL grub-reboot kjump-resume$' <<< "$rclean" \
        || fail "the plain kjump hibernate did not take its GRUB entry from kjump.conf ($rlog)"
    grep -a -q '^KJUMP-STATUS rc=0' <<< "$rclean" && grep -a -q '^hibernation: ready' <<< "$rclean" \
        || fail "kjump status did not find hibernation ready before the plain kjump hibernate: $(grep -a -m1 '^fail ' <<< "$rclean") ($rlog)"
    resume_boot "$r2log" || fail "the second resume QEMU did not power off cleanly (status $?; $r2log)"
    grep -a -q '^KJUMP-SECOND-HIBERNATE rc=0' "$r2log" || fail "the second image did not resume ($r2log)"
    tr -d '\r' < "$r2log" | has_match -a '^WORKLOAD-OK .*continued=yes' || fail "the workload did not survive the second resume ($r2log)"
    grep -a -q '^KJUMP-SECOND-RESUME-DONE' "$r2log" || fail "the twice-resumed guest did not finish ($r2log)"
    # The image just resumed (consumed, its pages all there) reads like a crash dump.
    check_image_readers "$OUT/resume.img"

    # 4. Another new QEMU must not resume again: the image is consumed. H
    #    says so and reboots; the lab, playing the boot loader whose one-shot
    #    resume entry is spent, then boots the normal system.
    local again="$OUT/resume-again.log"
    resume_boot "$again" || fail "the third QEMU did not end cleanly (status $?; $again)"
    grep -a -q 'already consumed' "$again" || fail "the consumed image was not refused on the next boot ($again)"
    grep -a -q '^KJUMP-RESUMED-WORKLOAD' "$again" && fail "the consumed image was resumed twice ($again)"
    grep -a -q 'rebooting into the normal system' "$again" || fail "H did not reboot into the normal system after refusing ($again)"
    local normal="$OUT/normal-boot.log"
    boot_system "$normal" normal-boot 600 || fail "the normal system did not boot after the refusal (status $?; $normal)"
    grep -a -q '^KJUMP-FRESH-BOOT' "$normal" || fail "the boot after the refusal is not a fresh normal boot ($normal)"
    grep -a -q '^KJUMP-EXT4-FILE-OK' "$normal" || fail "the data disk is not intact in the normal boot ($normal)"
    grep -a -q '^KJUMP-IMAGE-state *consumed' "$normal" || fail "the normal boot does not see the image as consumed ($normal)"

    # 5. That fresh system hibernates to a resume file on its mounted ext4
    #    data disk (kjump setup --file); a new QEMU resumes it from the file's
    #    blocks. The host reads the file (for its resume command line) with debugfs.
    local nclean
    nclean=$(tr -d '\r' < "$normal" | sed 's/\x1b\[[0-9;]*[a-zA-Z]//g')
    grep -a -q '^KJUMP-SETUP rc=0' <<< "$nclean" || fail "kjump setup --file failed: $(grep -a -m1 'Error:' <<< "$nclean") ($normal)"
    grep -a -q '^KJUMP-H-HIBERNATED' <<< "$nclean" \
        || fail "hibernating to the resume file failed: $(grep -a -m1 -E 'KJUMP-H-ERROR|Error:' <<< "$nclean") ($normal)"
    grep -a -q '^KJUMP-FILE-HIBERNATE rc=' <<< "$nclean" && fail "kjump hibernate --resume-file returned without powering off ($normal)"
    debugfs -R "dump /kjump.resume $OUT/resume-file.img" "$OUT/data.img" >/dev/null 2>&1 \
        || fail "debugfs cannot read /kjump.resume from the data disk"
    "$OUT/bin/kjump" verify --key "$OUT/keys/resume.key" "$OUT/resume-file.img" >&2 || fail "the image in the resume file does not verify"
    "$OUT/bin/kjump" inspect --resume-command-line "$OUT/resume-file.img" | has_match 'kjump.resume=/dev/vda kjump.resume-offset=[0-9]' \
        || fail "the resume file's image does not name the file's place on /dev/vda"
    local flog="$OUT/resume-file.log" file_resume_s
    ARMED_IMAGE=$(armed_image "$normal")   # hibernated without --grub-reboot: nothing armed, nothing bound
    HIBERNATED_AS=normal-boot
    resume_boot "$flog" "$OUT/resume-file.img" || fail "the resume-file QEMU did not power off cleanly (status $?; $flog)"
    rm -f "$OUT/resume-file.img"
    file_resume_s=$RESUME_S
    local fclean
    fclean=$(tr -d '\r' < "$flog" | sed 's/\x1b\[[0-9;]*[a-zA-Z]//g')
    grep -a -q '^KJUMP-H-RESUME-REFUSED' <<< "$fclean" && fail "the restorer refused the resume file: $(grep -a -m1 'Error:' <<< "$fclean") ($flog)"
    grep -a -q '^kjump: the boot entry starts the system kernel and command line that hibernated' <<< "$fclean" \
        || fail "H did not check the resume file's system kernel and command line ($flog)"
    grep -a -q '^KJUMP-FILE-HIBERNATE rc=0' <<< "$fclean" || fail "kjump hibernate --resume-file did not return 0 after the resume ($flog)"
    grep -a -q '^WORKLOAD-OK .*continued=yes' <<< "$fclean" || fail "the workload did not survive the resume from the file ($flog)"
    grep -a -q '^KJUMP-DMESG ' <<< "$fclean" && fail "dmesg shows errors after the resume from the file: $(grep -a -m1 '^KJUMP-DMESG ' <<< "$fclean")"
    grep -a -q '^KJUMP-FILE-RESUMED' <<< "$fclean" || fail "the system resumed from the file did not finish ($flog)"

    pass "hibernate_s=$hibernate_s image_mib=$image_mib resume_s=$resume_s resume_file_s=${file_resume_s:-}" \
        "h_available_mib=$save_avail/$restore_avail h_peak_mib=${save_peak:-?}/${restore_peak:-?} image_log_lines=$IMAGE_LOG_LINES sealed=aes-256-gcm"
}
