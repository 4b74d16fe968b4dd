# summary: a real Debian 12 (mmdebstrap, systemd, GRUB on its disk, the kernel from lab/build-kernel distro and kjump's package installed with dpkg -i): systemctl hibernate, a new QEMU boots the disk through GRUB's one-shot entry and resumes; the user service keeps its state; with crashkernel=, kjump-crash.service loads the crash kernel, a panic leaves a dump the next boot reads; the next boots are the normal ones; apt-get purge kjump leaves no kjump file
# shellcheck shell=bash
# The guest half is lab/distro/guest/lab-driver, which systemd starts at
# every boot; no -kernel here: SeaBIOS boots GRUB from the disk.
source "$LAB_DIR/lib/artefacts.sh"

KJUMP_CRASHKERNEL_MIB=${KJUMP_CRASHKERNEL_MIB:-192}

# run_disk LOG TIMEOUT: QEMU boots $OUT/disk.img through its boot loader
# (timed by run_qemu_watching where the scenario needs the time); the
# console goes to LOG and, with KJUMP_QEMU_CONSOLE_SOCKET=PATH, to a Unix
# socket there, through which lab/lib/console-feed.py types.
run_disk() {
    local log=$1 timeout_s=$2 console="file,path=$1"
    [ -z "${KJUMP_QEMU_CONSOLE_SOCKET:-}" ] \
        || console="socket,path=$KJUMP_QEMU_CONSOLE_SOCKET,server=on,wait=off,logfile=$log"
    timeout --kill-after=10 "$timeout_s" "$QEMU" -accel tcg -cpu "${KJUMP_QEMU_CPU:-max}" \
        -m "$KJUMP_GUEST_MEM_MIB" -smp "$KJUMP_GUEST_CPUS" \
        -drive "file=$OUT/disk.img,if=virtio,format=raw" \
        -nic none -display none -monitor none -no-reboot \
        -chardev "$console,id=console" -serial chardev:console </dev/null >"$log.qemu" 2>&1
}

# The passphrase that seals the resume key (kjump keygen in the guest), typed on H's console at resume.
LAB_PASSPHRASE="the distro scenario's passphrase"

# lab_value LOG MARKER: what follows MARKER on the last line that has it
# (anywhere on the line: the console is shared with the kernel and systemd).
lab_value() {
    tr -d '\r' < "$1" | sed 's/\x1b\[[0-9;]*[a-zA-Z]//g; s/\x1b[c=>]//g' | grep -a -o "$2\( .*\)\?\$" | tail -n 1 | cut -s -d' ' -f2-
}

# customize_disk: the lab's part of the machine, on the root partition of
# $OUT/disk.img: kjump.conf (the second partition as the resume target,
# GRUB's one-shot entry, the third for crash dumps, each by its
# /dev/disk/by-partuuid/ link as udev makes it), the passphrase the driver
# gives kjump keygen, the user service, the sleep hook that shows systemd's
# hooks ran, and the driver (and the crashkernel= it adds after the resume).
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
        printf 'resume-device = /dev/disk/by-partuuid/6b6a6d70-02\ngrub-entry = kjump-resume\ncrash-device = /dev/disk/by-partuuid/6b6a6d70-03\n' \
            > "$mnt/etc/kjump/kjump.conf"
        mkdir -p "$mnt/etc/lab"
        echo "$LAB_PASSPHRASE" > "$mnt/etc/lab/passphrase"
        install -m 0755 "$guest/lab-state" "$guest/lab-driver" "$mnt/usr/local/sbin/"
        install -D -m 0755 "$guest/lab-sleep-hook" "$mnt/usr/lib/systemd/system-sleep/lab"
        install -m 0644 "$guest/lab-state.service" "$guest/lab-driver.service" "$mnt/etc/systemd/system/"
        mkdir -p "$mnt/etc/systemd/system/multi-user.target.wants" "$mnt/etc/lab"
        ln -sf ../lab-state.service "$mnt/etc/systemd/system/multi-user.target.wants/lab-state.service"
        ln -sf ../lab-driver.service "$mnt/etc/systemd/system/multi-user.target.wants/lab-driver.service"
        # The console is the driver's: no login prompt on it.
        ln -sf /dev/null "$mnt/etc/systemd/system/serial-getty@ttyS0.service"
        echo "LAB_STATE_MIB=$KJUMP_WORKLOAD_MIB" > "$mnt/etc/lab/state.env"
        echo "${KJUMP_CRASHKERNEL_MIB}M" > "$mnt/etc/lab/crashkernel"
    ) || { umount "$mnt"; losetup -d "$loop"; fail "customizing the disk failed"; }
    umount "$mnt"
    losetup -d "$loop"
}

scenario_main() {
    build_kjump "$OUT/bin"
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
    # The system's last console line before the jump and the hibernation
    # kernel's banner (its release has no -kexecjump) split the time for lab.log.
    local suspended='^.*printk: Suspending console' banner='^\[ *0\.000000\] Linux version 6\.[0-9.]+ \('
    WATCH_RUNNER=run_disk WATCH_MARKERS=('^.*LAB-HIBERNATE ' "$suspended" "$banner" '^.*KJUMP-H-INIT ')
    run_qemu_watching "$log" 1200 || fail "the first boot did not power off by itself (QEMU status $?; $log)"
    if grep -aq "LAB-REBOOT " "$log"; then
        # update-grub changed the system's command line (clearcpuid=monitor
        # on an Intel CPU with MWAIT): the driver asked for a new boot.
        log "first boot: $(lab_value "$log" LAB-REBOOT); booting again"
        mv "$log" "$OUT/setup.log"
        run_qemu_watching "$log" 1200 || fail "the first boot did not power off by itself (QEMU status $?; $log)"
    fi
    [ -n "${MARK_S['^.*LAB-HIBERNATE ']:-}" ] || fail "the driver never asked systemd to hibernate ($log)"
    # From systemctl hibernate to the power-off: the sleep hooks, kjump in
    # the system, the jump, the hibernation kernel's save.
    local hibernate_s
    hibernate_s=$(echo "$QEMU_SECONDS - ${MARK_S['^.*LAB-HIBERNATE ']}" | bc)
    # Where the time went, for lab.log: the system's part up to the
    # hibernation kernel's /init, then the hibernation kernel's.
    local mark
    for mark in "$suspended" "$banner" '^.*KJUMP-H-INIT '; do MARK_S[$mark]=${MARK_S[$mark]:-$QEMU_SECONDS}; done
    log "hibernate: from systemctl hibernate $(echo "${MARK_S[$suspended]} - ${MARK_S['^.*LAB-HIBERNATE ']}" | bc) s to the system's console suspend, $(echo "${MARK_S[$banner]} - ${MARK_S[$suspended]}" | bc) s to H's banner (the jump: devices, the swap of R, H's decompression and early boot), $(echo "${MARK_S['^.*KJUMP-H-INIT ']} - ${MARK_S[$banner]}" | bc) s to H's /init, $(echo "$QEMU_SECONDS - ${MARK_S['^.*KJUMP-H-INIT ']}" | bc) s to the power-off"
    [ -n "$(lab_value "$log" LAB-BOOT)" ] || fail "the lab's driver never ran: systemd did not come up ($log)"
    local first_boots=("$log")
    [ ! -f "$OUT/setup.log" ] || first_boots=("$OUT/setup.log" "$log")
    grep -aq "LAB-KEYGEN rc=0 cpio=0 sealed=1" "${first_boots[@]}" \
        || fail "kjump keygen with a passphrase, or the resume key's initrd, failed: $(cat "${first_boots[@]}" | grep -a -m1 -o 'LAB-KEYGEN.*') ($log)"
    [ "$(lab_value "$log" LAB-UPDATE-GRUB)" = "rc=0 entry=1 key=1" ] \
        || fail "update-grub did not write kjump's resume entry with the resume key's initrd: $(lab_value "$log" LAB-UPDATE-GRUB) ($log)"
    local before
    before=$(lab_value "$log" LAB-STATE-BEFORE)
    [[ "$before" == token=* ]] || fail "the user service did not answer before hibernating ($log)"
    grep -aq "LAB-SLEEP-HOOK pre hibernate action=hibernate" "$log" || fail "systemd's sleep hooks did not run before hibernating ($log)"

    # How A parks its CPUs for the jump: clearcpuid=monitor from kjump's grub.d file, or the kernel's default.
    local parking=default
    [[ " $(lab_value "$log" LAB-CMDLINE) " == *" clearcpuid=monitor "* ]] && parking=clearcpuid

    # 2. A new QEMU: GRUB follows the one-shot entry into the hibernation kernel, which resumes.
    # The user types the passphrase at H's prompt.
    log="$OUT/resume.log"
    local sock="$OUT/console.sock" feeder
    rm -f "$sock"
    /usr/bin/python3 "$LAB_DIR/lib/console-feed.py" "$sock" "$log" "Passphrase for resume key" "$LAB_PASSPHRASE" &
    feeder=$!
    WATCH_MARKERS=('^.*LAB-SLEEP-HOOK post ')
    KJUMP_QEMU_CONSOLE_SOCKET=$sock run_qemu_watching "$log" 1200 \
        || { kill "$feeder" 2>/dev/null; fail "the resumed system did not power off by itself (QEMU status $?; $log)"; }
    wait "$feeder" || true
    grep -aq "Passphrase for resume key" "$log" || fail "the hibernation kernel did not ask for the resume key's passphrase ($log)"
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

    [[ "$(lab_value "$log" LAB-JOURNAL)" == *"hibernation kernel: saved in "*", restored in "* ]] \
        || fail "kjump's resumed line in the journal lacks the hibernation kernel's save and restore times: $(lab_value "$log" LAB-JOURNAL)"
    [ "$(lab_value "$log" LAB-CRASHKERNEL)" = "rc=0 entries=0" ] && fail "update-grub wrote no crashkernel= ($log)"
    [[ "$(lab_value "$log" LAB-CRASHKERNEL)" == "rc=0 entries="[1-9]* ]] || fail "adding crashkernel= to GRUB failed: $(lab_value "$log" LAB-CRASHKERNEL) ($log)"

    # 3. The normal system with crashkernel=: kjump-crash.service loaded the
    # crash kernel; a panic; the crash kernel saves the dump and reboots.
    log="$OUT/crash.log"
    local panic_line='.*Kernel panic - not syncing: sysrq triggered crash'
    WATCH_MARKERS=("$panic_line" '^.*KJUMP-H-DUMPED')
    run_qemu_watching "$log" 1200 || fail "the crashing boot did not end by itself (QEMU status $?; $log)"
    [ "$(lab_value "$log" LAB-BOOT | cut -d' ' -f1)" = phase=crash ] || fail "the boot after the resume was not the normal system's ($log)"
    [ "$(lab_value "$log" LAB-CRASH-UNIT)" = active ] \
        || fail "kjump-crash.service is '$(lab_value "$log" LAB-CRASH-UNIT)', not active, with crashkernel= ($log)"
    [[ "$(lab_value "$log" LAB-CRASH-STATUS)" == "kjump crash-load: a crash kernel is loaded; ${KJUMP_CRASHKERNEL_MIB} MiB reserved" ]] \
        || fail "no crash kernel is loaded after boot: $(lab_value "$log" LAB-CRASH-STATUS) ($log)"
    [ -n "${MARK_S[$panic_line]:-}" ] || fail "the system did not panic ($log)"
    grep -aq "LAB-FAIL the system survived the panic" "$log" && fail "the system survived the panic ($log)"
    [ -n "${MARK_S['^.*KJUMP-H-DUMPED']:-}" ] \
        || fail "the crash kernel did not save the dump: $(grep -a -m1 -E 'KJUMP-H-ERROR|Error:' "$log") ($log)"
    local dump_s
    dump_s=$(echo "${MARK_S['^.*KJUMP-H-DUMPED']} - ${MARK_S[$panic_line]}" | bc)

    # 4. The next boot: the service names the dump, kjump dmesg reads the
    # panic from it; purging kjump leaves nothing.
    log="$OUT/normal.log"
    run_disk "$log" 1200 || fail "the normal boot did not power off by itself (QEMU status $?; $log)"
    [ "$(lab_value "$log" LAB-BOOT | cut -d' ' -f1)" = phase=crashed ] || fail "the boot after the crash was not the normal system's ($log)"
    [[ "$(lab_value "$log" LAB-CRASH-FOUND)" == "kjump crash-load: /dev/vda3 holds a crash dump saved 20"* ]] \
        || fail "kjump-crash.service did not name the dump it found: '$(lab_value "$log" LAB-CRASH-FOUND)' ($log)"
    [[ "$(lab_value "$log" LAB-CRASH-DMESG)" == "rc=0 panic="[1-9]* ]] \
        || fail "kjump dmesg /dev/vda3 does not show the panic: $(lab_value "$log" LAB-CRASH-DMESG) ($log)"
    [[ "$(lab_value "$log" LAB-CRASH-INSPECT)" == image*", crash)"* ]] \
        || fail "kjump inspect /dev/vda3 does not see a crash dump: $(lab_value "$log" LAB-CRASH-INSPECT) ($log)"
    [ "$(lab_value "$log" LAB-NEXT-ENTRY)" = "''" ] || fail "GRUB's one-shot entry is armed in a normal boot: $(lab_value "$log" LAB-NEXT-ENTRY)"
    [ "$(lab_value "$log" LAB-PURGE)" = rc=0 ] || fail "apt-get purge kjump failed ($log)"
    [ "$(lab_value "$log" LAB-LEFT)" = "''" ] || fail "apt-get purge kjump left: $(lab_value "$log" LAB-LEFT)"

    pass "hibernate_s=$(printf '%.1f' "$hibernate_s") resume_s=$(printf '%.1f' "$resume_s") panic_to_dump_s=$(printf '%.1f' "$dump_s") state_mib=$KJUMP_WORKLOAD_MIB cpu=${KJUMP_QEMU_CPU:-max} parking=$parking kernel=$(basename "$kdir"/debs/linux-image-*.deb | sed 's/_amd64.deb//')"
}
