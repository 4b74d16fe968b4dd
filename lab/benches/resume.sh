# lab/bench resume: kjump hibernate/resume against the kernel's own
# hibernation (swsusp, `echo disk > /sys/power/state` to a swap disk and
# `resume=`), same system kernel, guest, workload and disks, one run each:
#   hibernate s  from the guest starting to hibernate to QEMU's exit (power-off)
#   image MiB    kjump: the image (kjump inspect); swsusp: blocks written to its fresh swap disk
#   resume s     from the new QEMU process's start to the workload verified again
# kjump's image is sealed (as by default); a first round hibernates and
# resumes it unsealed (--no-seal), so that the table shows what sealing
# costs (KJUMP_BENCH_UNSEALED=0 leaves that round out: lab/bench scale).
# KJUMP_BENCH_H_APPEND=WORD adds one word to H's command line, at hibernation
# and at resume, in both rounds (an experiment's knob: a word without a dot
# before its = reaches kjump in H as an environment variable, e.g.
# GLIBC_TUNABLES=glibc.malloc.mmap_threshold=4194304).
# Sealing under TCG is emulated AES: the guest's AES-256-GCM alone is
# measured too (guest_cipher_floor), the floor under the sealing cost; the
# same writer and reader also run on the host's CPU (native_sealing_cost),
# on lab/vmcore's vmcore when present.
# Last line: RATIO resume=<kjump/swsusp> image=<kjump/swsusp> hibernate=<kjump/swsusp>
# shellcheck shell=bash
source "$LAB_DIR/lib/qemu.sh"
source "$LAB_DIR/lib/artefacts.sh"
source "$LAB_DIR/lib/cipher-speed.sh"

# unsealed_round: kjump hibernate --no-seal and its resume, on fresh disks;
# sets U_HIBERNATE, U_IMAGE, U_RESUME, U_SAVE and U_RESTORE (H's own figures).
unsealed_round() {
    local log="$OUT/unsealed-hibernate.log" rlog="$OUT/unsealed-resume.log" cmdline
    WATCH_MARKERS=(KJUMP-HIBERNATE-BEGIN)
    run_qemu_watching_retrying KJUMP-INIT "$log" 900 "$SYSTEM_KERNEL" "$(system_append hibernate) kjump_no_seal=1${KJUMP_BENCH_H_APPEND:+ kjump_h_append=$KJUMP_BENCH_H_APPEND}" \
        -initrd "$OUT/system-initramfs.cpio" \
        -drive "file=$OUT/data.img,if=virtio,format=raw" -drive "file=$OUT/resume.img,if=virtio,format=raw" \
        || { echo "bench resume: kjump's unsealed hibernation QEMU failed ($log)"; exit 1; }
    [ -n "${MARK_S[KJUMP-HIBERNATE-BEGIN]:-}" ] || { echo "bench resume: kjump never began to hibernate ($log)"; exit 1; }
    "$OUT/bin/kjump" inspect "$OUT/resume.img" | has_match '^sealed' && { echo "bench resume: the --no-seal image is sealed ($log)"; exit 1; }
    U_HIBERNATE=$(echo "$QEMU_SECONDS - ${MARK_S[KJUMP-HIBERNATE-BEGIN]}" | bc)
    U_IMAGE=$("$OUT/bin/kjump" inspect "$OUT/resume.img" | sed -n 's/.* image \([0-9.]*\) MiB$/\1/p')
    U_SAVE=$(tr -d '\r' < "$log" | sed -n 's/^kjump: hibernation image on .*, \([0-9.]*\) s (finding free pages.*/\1/p' | head -1)
    cmdline=$("$OUT/bin/kjump" inspect --resume-command-line "$OUT/resume.img")
    WATCH_MARKERS=(KJUMP-RESUMED-WORKLOAD)
    # No resume key in H: an unsealed image is resumed only where no key is configured.
    run_qemu_watching_retrying KJUMP-H-INIT "$rlog" 900 "$HIBERNATION_KERNEL" "$cmdline console=ttyS0 panic=-1 quiet ${KJUMP_BENCH_H_APPEND:-}" \
        -drive "file=$OUT/data.img,if=virtio,format=raw" -drive "file=$OUT/resume.img,if=virtio,format=raw" \
        || { echo "bench resume: kjump's unsealed resume QEMU failed ($rlog)"; exit 1; }
    U_RESUME=${MARK_S[KJUMP-RESUMED-WORKLOAD]:-}
    [ -n "$U_RESUME" ] && serial_has "$rlog" '^WORKLOAD-OK .*continued=yes' \
        || { echo "bench resume: kjump did not resume the unsealed image ($rlog)"; exit 1; }
    U_RESTORE=$(tr -d '\r' < "$rlog" | sed -n 's/^kjump: restored .* in \([0-9.]*\) s (image checks.*/\1/p' | head -1)
    make_disks "$OUT"
}

# native_sealing_cost: kjump save (dump level 17: zero and free pages, as a
# hibernation drops) of lab/vmcore's vmcore, unsealed and sealed, then verify
# of each (every frame read, checked, decrypted and decompressed), on this
# host's CPU, best of 3 each. Prints one line; nothing when there is no vmcore.
native_sealing_cost() {
    local vmcore="${KJUMP_LAB_OUT:-$LAB_DIR/out}/vmcore/vmcore.elf" kj="$OUT/bin/kjump" keys="$OUT/keys"
    [ -f "$vmcore" ] || { echo "(no $vmcore: run lab/vmcore for sealing on the host's CPU)"; return 0; }
    best() { # best LABEL COMMAND...: the least wall time of 3 runs, in seconds
        local label=$1 i start t min=""
        shift
        for i in 1 2 3; do
            start=$(date +%s.%N)
            "$@" >/dev/null 2>&1 || { echo "bench resume: $label failed: $*" >&2; return 1; }
            t=$(echo "$(date +%s.%N) - $start" | bc)
            if [ -z "$min" ] || [ "$(echo "$t < $min" | bc)" = 1 ]; then min=$t; fi
        done
        printf '%.3f' "$min"
    }
    local su ss vu vs
    su=$(best "save" "$kj" save --from "$vmcore" --to "$OUT/native-unsealed.kjimg" --dump-level 17) || return 1
    ss=$(best "sealed save" "$kj" save --from "$vmcore" --to "$OUT/native-sealed.kjimg" --dump-level 17 \
        --hibernation-key "$keys/hibernation.key") || return 1
    vu=$(best "verify" "$kj" verify "$OUT/native-unsealed.kjimg") || return 1
    vs=$(best "sealed verify" "$kj" verify --key "$keys/resume.key" "$OUT/native-sealed.kjimg") || return 1
    local mib
    mib=$(( $(stat -c %s "$OUT/native-sealed.kjimg") >> 20 ))
    rm -f "$OUT/native-unsealed.kjimg" "$OUT/native-sealed.kjimg"
    # A signed percentage: +3.9 or -3.3.
    pct() { printf '%+.1f' "$(echo "scale=3; ($1 - $2) * 100 / $2" | bc)"; }
    echo "sealing on the host's CPU (no emulation; $(basename "$vmcore"), $(nproc) workers, a ${mib} MiB image): save ${su} s unsealed, ${ss} s sealed ($(pct "$ss" "$su") %); verify ${vu} s unsealed, ${vs} s sealed ($(pct "$vs" "$vu") %)"
}

# guest_cipher_floor IMAGE_MIB UNSEALED_HIBERNATE_S: AES-256-GCM alone (openssl
# speed on every vCPU, lib/cipher-speed.sh) in this bench's guest, booted
# from its hibernation kernel; prints how long encrypting IMAGE_MIB takes at
# that speed, against the unsealed hibernation (the sealed save also skips
# the checksum of the pages, so the two need not add up exactly).
guest_cipher_floor() {
    local dir="$OUT/cipher-speed" speed seconds
    mkdir -p "$dir"
    cipher_speed_initramfs "$dir" aes-256-gcm all >/dev/null 2>&1 || return 0
    run_qemu "$dir/guest.log" 300 "$HIBERNATION_KERNEL" "console=ttyS0 quiet panic=-1" -initrd "$dir/initramfs.cpio" || true
    speed=$(cipher_speed_value "$dir/guest.log" aes-256-gcm "$KJUMP_GUEST_CPUS")
    [ -n "$speed" ] && [ "$speed" -gt 0 ] || { echo "(AES-256-GCM alone in this guest: not measured; $dir/guest.log)"; return 0; }
    seconds=$(echo "scale=2; $1 * 1.048576 / $speed" | bc | sed 's/^\./0./')
    echo "(AES-256-GCM alone in this guest: $speed MB/s on $KJUMP_GUEST_CPUS vCPUs (openssl speed), so encrypting this image's $1 MiB needs about $seconds s of them: $(echo "scale=1; $seconds * 100 / $2" | bc | sed 's/^\./0./') % of the unsealed hibernation's time)"
}

bench_main() {
    build_all >&2 || { echo "bench resume: building the lab artefacts failed"; exit 1; }
    [ "${KJUMP_BENCH_UNSEALED:-1}" = 0 ] || unsealed_round

    # kjump: hibernate, then resume in a new QEMU process.
    local log="$OUT/kjump-hibernate.log"
    WATCH_MARKERS=(KJUMP-HIBERNATE-BEGIN "kjump: hibernation kernel loaded" KJUMP-H-INIT "kjump: hibernation image on")
    run_qemu_watching_retrying KJUMP-INIT "$log" 900 "$SYSTEM_KERNEL" "$(system_append hibernate)${KJUMP_BENCH_H_APPEND:+ kjump_h_append=$KJUMP_BENCH_H_APPEND}" -initrd "$OUT/system-initramfs.cpio" \
        -drive "file=$OUT/data.img,if=virtio,format=raw" -drive "file=$OUT/resume.img,if=virtio,format=raw" \
        || { echo "bench resume: kjump's hibernation QEMU failed ($log)"; exit 1; }
    [ -n "${MARK_S[KJUMP-HIBERNATE-BEGIN]:-}" ] || { echo "bench resume: kjump never began to hibernate ($log)"; exit 1; }
    local k_hibernate k_image k_resume
    k_hibernate=$(echo "$QEMU_SECONDS - ${MARK_S[KJUMP-HIBERNATE-BEGIN]}" | bc)
    # Where kjump's hibernation went: the kexec load (as kjump reports it),
    # freezing and the jump into H plus H's boot (from the load to H's /init),
    # the save (as H reports it; "filter" of it reads mem_map), and the power-off.
    local h_clean h_load h_jump h_save h_filter h_after h_peak
    h_clean=$(tr -d '\r' < "$log" | sed 's/\x1b\[[0-9;]*[a-zA-Z]//g')
    h_load=$(sed -n 's/^kjump: hibernation kernel loaded in \([0-9.]*\) s.*/\1/p' <<< "$h_clean" | head -1)
    h_save=$(sed -n 's/^kjump: hibernation image on .*, \([0-9.]*\) s (finding free pages.*/\1/p' <<< "$h_clean" | head -1)
    h_filter=$(sed -n 's/^kjump: hibernation image on .*(finding free pages \([0-9.]*\) s.*/\1/p' <<< "$h_clean" | head -1)
    h_peak=$(sed -n 's/^kjump: hibernation image on .*peak memory \([0-9]*\) MiB.*/\1/p' <<< "$h_clean" | head -1)
    h_jump=$(echo "${MARK_S[KJUMP-H-INIT]:-0} - ${MARK_S[kjump: hibernation kernel loaded]:-0}" | bc)
    h_after=$(echo "$QEMU_SECONDS - ${MARK_S[kjump: hibernation image on]:-$QEMU_SECONDS}" | bc)
    k_image=$("$OUT/bin/kjump" inspect "$OUT/resume.img" | sed -n 's/.* image \([0-9.]*\) MiB$/\1/p')
    local cmdline
    cmdline=$("$OUT/bin/kjump" inspect --resume-command-line "$OUT/resume.img")
    WATCH_MARKERS=(KJUMP-H-INIT "kjump: restored" "KJUMP-HIBERNATE rc=0" KJUMP-RESUMED-WORKLOAD)
    # shellcheck disable=SC2046
    run_qemu_watching_retrying KJUMP-H-INIT "$OUT/kjump-resume.log" 900 "$HIBERNATION_KERNEL" "$cmdline console=ttyS0 panic=-1 quiet ${KJUMP_BENCH_H_APPEND:-}" $(resume_key_initrd) \
        -drive "file=$OUT/data.img,if=virtio,format=raw" -drive "file=$OUT/resume.img,if=virtio,format=raw" \
        || { echo "bench resume: kjump's resume QEMU failed ($OUT/kjump-resume.log)"; exit 1; }
    k_resume=${MARK_S[KJUMP-RESUMED-WORKLOAD]:-}
    [ -n "$k_resume" ] && serial_has "$OUT/kjump-resume.log" '^WORKLOAD-OK .*continued=yes' \
        || { echo "bench resume: kjump did not resume the workload ($OUT/kjump-resume.log)"; exit 1; }
    # And its resume: firmware, loading and booting H (QEMU start to H's
    # /init), the restore (read, check, decompress, place: as H reports it),
    # the jump back with A's device resume (to kjump hibernate returning in
    # A), and the workload's own check of every byte.
    local r_clean r_boot r_restore r_checks r_place r_back r_verify r_peak
    r_clean=$(tr -d '\r' < "$OUT/kjump-resume.log" | sed 's/\x1b\[[0-9;]*[a-zA-Z]//g')
    r_boot=${MARK_S[KJUMP-H-INIT]:-0}
    r_restore=$(sed -n 's/^kjump: restored .* in \([0-9.]*\) s (image checks.*/\1/p' <<< "$r_clean" | head -1)
    r_checks=$(sed -n 's/^kjump: restored .*(image checks \([0-9.]*\) s.*/\1/p' <<< "$r_clean" | head -1)
    r_place=$(sed -n 's/^kjump: restored .*memory writes \([0-9.]*\) s.*/\1/p' <<< "$r_clean" | head -1)
    r_peak=$(sed -n 's/^kjump: restored .*peak memory \([0-9]*\) MiB.*/\1/p' <<< "$r_clean" | head -1)
    r_back=$(echo "${MARK_S[KJUMP-HIBERNATE rc=0]:-0} - ${MARK_S[kjump: restored]:-0}" | bc)
    r_verify=$(echo "$k_resume - ${MARK_S[KJUMP-HIBERNATE rc=0]:-$k_resume}" | bc)

    # kjump's image stays (lab/bench scale compresses its pages for a bound).
    mv "$OUT/resume.img" "$OUT/kjump-image.img"

    # swsusp: the same guest with a swap disk, hibernated and resumed by the kernel.
    make_disks "$OUT"
    truncate -s "$(( KJUMP_GUEST_MEM_MIB + 256 ))M" "$OUT/swap.img"
    local disks=(-drive "file=$OUT/data.img,if=virtio,format=raw" -drive "file=$OUT/resume.img,if=virtio,format=raw"
                 -drive "file=$OUT/swap.img,if=virtio,format=raw")
    # loglevel=6 no_console_suspend on this boot only: swsusp reports "Wrote N kbytes"
    # at KERN_INFO while the console would be suspended.
    log="$OUT/swsusp-hibernate.log"
    WATCH_MARKERS=(KJUMP-SWSUSP-BEGIN)
    run_qemu_watching_retrying KJUMP-INIT "$log" 900 "$SYSTEM_KERNEL" "$(system_append swsusp) resume=/dev/vdc loglevel=6 no_console_suspend" \
        -initrd "$OUT/system-initramfs.cpio" "${disks[@]}" \
        || { echo "bench resume: swsusp's hibernation QEMU failed ($log)"; exit 1; }
    [ -n "${MARK_S[KJUMP-SWSUSP-BEGIN]:-}" ] || { echo "bench resume: swsusp never began ($log)"; exit 1; }
    serial_has "$log" '^KJUMP-SWSUSP rc=' && { echo "bench resume: swsusp returned instead of powering off ($log)"; exit 1; }
    local s_hibernate s_image s_resume
    s_hibernate=$(echo "$QEMU_SECONDS - ${MARK_S[KJUMP-SWSUSP-BEGIN]}" | bc)
    WATCH_MARKERS=(KJUMP-RESUMED-WORKLOAD)
    run_qemu_watching "$OUT/swsusp-resume.log" 600 "$SYSTEM_KERNEL" "$(system_append swsusp) resume=/dev/vdc" \
        -initrd "$OUT/system-initramfs.cpio" "${disks[@]}" \
        || { echo "bench resume: swsusp's resume QEMU failed ($OUT/swsusp-resume.log)"; exit 1; }
    s_resume=${MARK_S[KJUMP-RESUMED-WORKLOAD]:-}
    [ -n "$s_resume" ] && serial_has "$OUT/swsusp-resume.log" '^WORKLOAD-OK .*continued=yes' \
        || { echo "bench resume: swsusp did not resume the workload ($OUT/swsusp-resume.log)"; exit 1; }
    # swsusp's image: the blocks it wrote to the fresh (sparse) swap disk, which
    # held nothing but mkswap's header before. Its "Wrote N kbytes" counts pages
    # before compression, so it is printed too, for reference.
    local written uncompressed
    written=$(du -k "$OUT/swap.img" | cut -f1)
    s_image=$(echo "scale=1; $written / 1024" | bc)
    uncompressed=$(tr -d '\r' < "$OUT/swsusp-hibernate.log" | sed -n 's/.*Wrote \([0-9]*\) kbytes.*/\1/p' | head -1)

    printf '%-15s %12s %10s %10s\n' tool "hibernate s" "image MiB" "resume s"
    printf '%-15s %12.2f %10s %10.2f\n' kjump "$k_hibernate" "$k_image" "$k_resume"
    [ -z "${U_HIBERNATE:-}" ] || printf '%-15s %12.2f %10s %10.2f\n' kjump-unsealed "$U_HIBERNATE" "$U_IMAGE" "$U_RESUME"
    printf '%-15s %12.2f %10s %10.2f\n' swsusp "$s_hibernate" "$s_image" "$s_resume"
    if [ -n "${U_HIBERNATE:-}" ]; then
        percent() { echo "scale=1; ($1 - $2) * 100 / $2" | bc | sed 's/^\./0./; s/^-\./-0./'; }
        echo "sealing: hibernate +$(percent "$k_hibernate" "$U_HIBERNATE") %, resume +$(percent "$k_resume" "$U_RESUME") % (H's save ${h_save:-?} s sealed against ${U_SAVE:-?} s, restore ${r_restore:-?} s against ${U_RESTORE:-?} s; target: at most +10 %)"
    fi
    [ -z "${U_HIBERNATE:-}" ] || guest_cipher_floor "$k_image" "$U_HIBERNATE"
    [ -z "${U_HIBERNATE:-}" ] || native_sealing_cost
    [ -z "$uncompressed" ] || echo "(swsusp reported writing $((uncompressed / 1024)) MiB of pages before LZO compression)"
    echo "(${KJUMP_GUEST_MEM_MIB} MiB guest, ${KJUMP_GUEST_CPUS} vCPUs, ${KJUMP_WORKLOAD_MIB} MiB workload, QEMU TCG; resume = QEMU start to the workload verified again)"
    printf 'kjump hibernate: load %s s, freeze+jump+H boot %.2f s, save %s s (filter %s s), power-off %.2f s; H peak %s MiB\n' \
        "${h_load:-?}" "$h_jump" "${h_save:-?}" "${h_filter:-?}" "$h_after" "${h_peak:-?}"
    printf 'kjump resume: H boot %.2f s, restore %s s (checks %s s, placing %s s), jump back+devices %.2f s, workload check %.2f s; H peak %s MiB\n' \
        "$r_boot" "${r_restore:-?}" "${r_checks:-?}" "${r_place:-?}" "$r_back" "$r_verify" "${r_peak:-?}"
    ratio() { echo "scale=3; $1 / $2" | bc | sed 's/^\./0./'; }
    echo "RATIO resume=$(ratio "$k_resume" "$s_resume") image=$(ratio "$k_image" "$s_image") hibernate=$(ratio "$k_hibernate" "$s_hibernate")"
}
