# lab/bench resume: kjump hibernate/resume against the kernel's own
# hibernation (swsusp, `echo disk > /sys/power/state` to a swap disk and
# `resume=`), same system kernel, guest, workload and disks, one run each:
#   hibernate s  from the guest starting to hibernate to QEMU's exit (power-off)
#   image MiB    kjump: the image (kjump inspect); swsusp: blocks written to its fresh swap disk
#   resume s     from the new QEMU process's start to the workload verified again
# Last line: RATIO resume=<kjump/swsusp> image=<kjump/swsusp> hibernate=<kjump/swsusp>
# shellcheck shell=bash
source "$LAB_DIR/lib/qemu.sh"
source "$LAB_DIR/lib/artefacts.sh"

bench_main() {
    build_all >&2 || { echo "bench resume: building the lab artefacts failed"; exit 1; }

    # kjump: hibernate, then resume in a new QEMU process.
    local log="$OUT/kjump-hibernate.log"
    WATCH_MARKERS=(KJUMP-HIBERNATE-BEGIN)
    run_qemu_watching_retrying KJUMP-INIT "$log" 900 "$SYSTEM_KERNEL" "$(system_append hibernate)" -initrd "$OUT/system-initramfs.cpio" \
        -drive "file=$OUT/data.img,if=virtio,format=raw" -drive "file=$OUT/resume.img,if=virtio,format=raw" \
        || { echo "bench resume: kjump's hibernation QEMU failed ($log)"; exit 1; }
    [ -n "${MARK_S[KJUMP-HIBERNATE-BEGIN]:-}" ] || { echo "bench resume: kjump never began to hibernate ($log)"; exit 1; }
    local k_hibernate k_image k_resume
    k_hibernate=$(echo "$QEMU_SECONDS - ${MARK_S[KJUMP-HIBERNATE-BEGIN]}" | bc)
    k_image=$("$OUT/bin/kjump" inspect "$OUT/resume.img" | sed -n 's/.* image \([0-9.]*\) MiB$/\1/p')
    local cmdline
    cmdline=$("$OUT/bin/kjump" inspect --resume-command-line "$OUT/resume.img")
    WATCH_MARKERS=(KJUMP-RESUMED-WORKLOAD)
    run_qemu_watching_retrying KJUMP-H-INIT "$OUT/kjump-resume.log" 600 "$HIBERNATION_KERNEL" "$cmdline console=ttyS0 panic=-1 quiet" \
        -drive "file=$OUT/data.img,if=virtio,format=raw" -drive "file=$OUT/resume.img,if=virtio,format=raw" \
        || { echo "bench resume: kjump's resume QEMU failed ($OUT/kjump-resume.log)"; exit 1; }
    k_resume=${MARK_S[KJUMP-RESUMED-WORKLOAD]:-}
    [ -n "$k_resume" ] && serial_has "$OUT/kjump-resume.log" '^WORKLOAD-OK .*continued=yes' \
        || { echo "bench resume: kjump did not resume the workload ($OUT/kjump-resume.log)"; exit 1; }

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

    printf '%-8s %12s %10s %10s\n' tool "hibernate s" "image MiB" "resume s"
    printf '%-8s %12.2f %10s %10.2f\n' kjump "$k_hibernate" "$k_image" "$k_resume"
    printf '%-8s %12.2f %10s %10.2f\n' swsusp "$s_hibernate" "$s_image" "$s_resume"
    [ -z "$uncompressed" ] || echo "(swsusp reported writing $((uncompressed / 1024)) MiB of pages before LZO compression)"
    echo "(${KJUMP_GUEST_MEM_MIB} MiB guest, ${KJUMP_GUEST_CPUS} vCPUs, ${KJUMP_WORKLOAD_MIB} MiB workload, QEMU TCG; resume = QEMU start to the workload verified again)"
    ratio() { echo "scale=3; $1 / $2" | bc | sed 's/^\./0./'; }
    echo "RATIO resume=$(ratio "$k_resume" "$s_resume") image=$(ratio "$k_image" "$s_image") hibernate=$(ratio "$k_hibernate" "$s_hibernate")"
}
