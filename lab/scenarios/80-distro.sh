# summary: a real Debian 12 (mmdebstrap, systemd, GRUB on its disk, the kernel from lab/build-kernel distro and kjump's package installed with dpkg -i): systemctl hibernate, a new QEMU boots the disk through GRUB's one-shot entry and resumes; the user service keeps its state; the next boot is the normal one; apt-get purge kjump leaves no kjump file
# shellcheck shell=bash
# The guest half is lab/distro/guest/lab-driver, which systemd starts at
# every boot; no -kernel here: SeaBIOS boots GRUB from the disk.
source "$LAB_DIR/lib/artefacts.sh"

# run_disk LOG TIMEOUT: QEMU boots $OUT/disk.img through its boot loader
# (timed by run_qemu_watching where the scenario needs the time).
run_disk() {
    local log=$1 timeout_s=$2
    timeout --kill-after=10 "$timeout_s" "$QEMU" -accel tcg -cpu "${KJUMP_QEMU_CPU:-max}" \
        -m "$KJUMP_GUEST_MEM_MIB" -smp "$KJUMP_GUEST_CPUS" \
        -drive "file=$OUT/disk.img,if=virtio,format=raw" \
        -nic none -display none -monitor none -no-reboot -serial "file:$log" </dev/null >"$log.qemu" 2>&1
}

# lab_value LOG MARKER: what follows MARKER on the last line that has it
# (anywhere on the line: the console is shared with the kernel and systemd).
lab_value() {
    tr -d '\r' < "$1" | sed 's/\x1b\[[0-9;]*[a-zA-Z]//g; s/\x1b[c=>]//g' | grep -a -o "$2\( .*\)\?\$" | tail -n 1 | cut -s -d' ' -f2-
}

# customize_disk: the lab's part of the machine, on the root partition of
# $OUT/disk.img: kjump.conf (the second partition as the resume target,
# GRUB's one-shot entry), this run's keys, the user service, the sleep hook
# that shows systemd's hooks ran, and the driver.
customize_disk() {
    local loop mnt="$OUT/mnt" guest="$LAB_DIR/distro/guest" start size
    # Partition 1 by its byte range: the host's kernel may read no partition
    # tables (lab/distro/make-disk says why).
    read -r start size < <(sfdisk -d "$OUT/disk.img" | sed -n 's/^[^ ]*1 : start= *\([0-9]*\), size= *\([0-9]*\).*/\1 \2/p')
    [ -n "$size" ] || fail "no partition 1 on $OUT/disk.img"
    loop=$(losetup -f --show --offset $((start * 512)) --sizelimit $((size * 512)) "$OUT/disk.img") \
        || fail "losetup failed on $OUT/disk.img"
    mkdir -p "$mnt"
    if ! mount "$loop" "$mnt"; then losetup -d "$loop"; fail "cannot mount partition 1 of $OUT/disk.img"; fi
    (
        set -e
        printf 'resume-device = /dev/vda2\ngrub-entry = kjump-resume\n' > "$mnt/etc/kjump/kjump.conf"
        install -m 0600 "$OUT/keys/hibernation.key" "$mnt/etc/kjump/hibernation.key"
        install -m 0600 "$OUT/resume-key.cpio" "$mnt/etc/kjump/resume-key.cpio"
        install -m 0755 "$guest/lab-state" "$guest/lab-driver" "$mnt/usr/local/sbin/"
        install -D -m 0755 "$guest/lab-sleep-hook" "$mnt/usr/lib/systemd/system-sleep/lab"
        install -m 0644 "$guest/lab-state.service" "$guest/lab-driver.service" "$mnt/etc/systemd/system/"
        mkdir -p "$mnt/etc/systemd/system/multi-user.target.wants" "$mnt/etc/lab"
        ln -sf ../lab-state.service "$mnt/etc/systemd/system/multi-user.target.wants/lab-state.service"
        ln -sf ../lab-driver.service "$mnt/etc/systemd/system/multi-user.target.wants/lab-driver.service"
        # The console is the driver's: no login prompt on it.
        ln -sf /dev/null "$mnt/etc/systemd/system/serial-getty@ttyS0.service"
        echo "LAB_STATE_MIB=$KJUMP_WORKLOAD_MIB" > "$mnt/etc/lab/state.env"
    ) || { umount "$mnt"; losetup -d "$loop"; fail "customizing the disk failed"; }
    umount "$mnt"
    losetup -d "$loop"
}

scenario_main() {
    build_kjump "$OUT/bin"
    make_keys "$OUT" "$OUT/bin"
    local kdir deb
    kdir=$("$LAB_DIR/build-kernel" distro) || fail "building the distribution kernel failed"
    deb=$("$REPO_DIR/packaging/build-deb" "$OUT/package" 2>"$OUT/package.log" | tail -n 1)
    [ -f "$deb" ] || fail "building kjump's package failed ($OUT/package.log)"
    local resume_mib=$(( KJUMP_GUEST_MEM_MIB + 512 ))
    [ "$resume_mib" -ge 1536 ] || resume_mib=1536
    KJUMP_DISTRO_RESUME_MIB=$resume_mib "$LAB_DIR/distro/make-disk" "$OUT/disk.img" "$deb" "$kdir"/debs/linux-image-*.deb \
        >&2 || fail "making the Debian disk failed"
    customize_disk

    # 1. Boot through GRUB, update-grub, the service's state, systemctl hibernate.
    local log="$OUT/hibernate.log"
    WATCH_RUNNER=run_disk WATCH_MARKERS=('^.*LAB-HIBERNATE ')
    run_qemu_watching "$log" 1200 || fail "the first boot did not power off by itself (QEMU status $?; $log)"
    [ -n "${MARK_S['^.*LAB-HIBERNATE ']:-}" ] || fail "the driver never asked systemd to hibernate ($log)"
    # From systemctl hibernate to the power-off: the sleep hooks, kjump in
    # the system, the jump, the hibernation kernel's save.
    local hibernate_s
    hibernate_s=$(echo "$QEMU_SECONDS - ${MARK_S['^.*LAB-HIBERNATE ']}" | bc)
    [ -n "$(lab_value "$log" LAB-BOOT)" ] || fail "the lab's driver never ran: systemd did not come up ($log)"
    [ "$(lab_value "$log" LAB-UPDATE-GRUB)" = "rc=0 entry=1" ] || fail "update-grub did not write kjump's resume entry: $(lab_value "$log" LAB-UPDATE-GRUB) ($log)"
    local before
    before=$(lab_value "$log" LAB-STATE-BEFORE)
    [[ "$before" == token=* ]] || fail "the user service did not answer before hibernating ($log)"
    grep -aq "LAB-SLEEP-HOOK pre hibernate action=hibernate" "$log" || fail "systemd's sleep hooks did not run before hibernating ($log)"

    # 2. A new QEMU: GRUB follows the one-shot entry into the hibernation kernel, which resumes.
    log="$OUT/resume.log"
    WATCH_MARKERS=('^.*LAB-SLEEP-HOOK post ')
    run_qemu_watching "$log" 1200 || fail "the resumed system did not power off by itself (QEMU status $?; $log)"
    # From power-on to systemd's post hook: firmware, GRUB, the hibernation
    # kernel's boot and restore, the jump back, the devices' resume.
    local resume_s=${MARK_S['^.*LAB-SLEEP-HOOK post ']:-}
    grep -aq "LAB-SLEEP-HOOK post hibernate action=hibernate" "$log" || fail "the system did not resume (no post sleep hook; $log)"
    local after token_before token_after
    after=$(lab_value "$log" LAB-STATE-AFTER)
    token_before=$(sed 's/ counter=.*//' <<< "$before")
    token_after=$(sed 's/ counter=.*//' <<< "$after")
    [ "$token_before" = "$token_after" ] || fail "the user service lost its state: before '$before', after '$after'"
    [ "$(sed 's/.*sha256=//' <<< "$before")" = "$(sed 's/.*sha256=//' <<< "$after")" ] || fail "the user service's memory changed: before '$before', after '$after'"
    [ "$(lab_value "$log" LAB-RUNNING-AFTER)" = running ] || fail "systemctl is-system-running says '$(lab_value "$log" LAB-RUNNING-AFTER)' after the resume"
    [ "$(lab_value "$log" LAB-NEXT-ENTRY)" = "''" ] || fail "GRUB's one-shot entry is still armed after the resume: $(lab_value "$log" LAB-NEXT-ENTRY)"
    [[ "$(lab_value "$log" LAB-JOURNAL)" == "kjump: resumed"* ]] || fail "the journal has no 'kjump: resumed' line from systemd-hibernate.service"

    # 3. The next boot is the normal system; purging kjump leaves nothing.
    log="$OUT/normal.log"
    run_disk "$log" 1200 || fail "the normal boot did not power off by itself (QEMU status $?; $log)"
    [ "$(lab_value "$log" LAB-BOOT | cut -d' ' -f1)" = phase=resumed ] || fail "the boot after the resume was not the normal system's ($log)"
    [ "$(lab_value "$log" LAB-PURGE)" = rc=0 ] || fail "apt-get purge kjump failed ($log)"
    [ "$(lab_value "$log" LAB-LEFT)" = "''" ] || fail "apt-get purge kjump left: $(lab_value "$log" LAB-LEFT)"

    pass "hibernate_s=$(printf '%.1f' "$hibernate_s") resume_s=$(printf '%.1f' "$resume_s") state_mib=$KJUMP_WORKLOAD_MIB kernel=$(basename "$kdir"/debs/linux-image-*.deb | sed 's/_amd64.deb//')"
}
