# Builds everything a scenario boots, once per `lab/run`, into $OUT.
# shellcheck shell=bash

# build_all: kernels, binaries, initramfs images and fresh disks in $OUT.
# Sets SYSTEM_KERNEL (vmlinux, booted through PVH), SYSTEM_BZIMAGE (the same
# build as a bzImage: the guest's /boot/vmlinuz) and HIBERNATION_KERNEL (bzImage).
build_all() {
    local kdir
    build_kjump "$OUT/bin"
    make_keys "$OUT" "$OUT/bin"
    build_workload "$OUT/bin"
    build_hibernation_kernel "$OUT" "$OUT/bin"
    kdir=$("$LAB_DIR/build-kernel" system)
    build_system_initramfs "$OUT" "$OUT/bin" "$OUT/hibernation-bzImage" "$kdir/bzImage"
    SYSTEM_KERNEL="$kdir/vmlinux"
    SYSTEM_BZIMAGE="$kdir/bzImage"
    HIBERNATION_KERNEL="$OUT/hibernation-bzImage"
    make_disks "$OUT"
}

# resume_key_initrd: the QEMU arguments that give H's resume boot this run's resume key.
resume_key_initrd() {
    echo "-initrd $OUT/resume-key.cpio"
}

# system_boot_identity SCENARIO [KERNEL]: the words a resume boot entry carries
# about the system it would boot normally (`kjump boot-identity`): the system
# kernel (default: SYSTEM_BZIMAGE, the guest's /boot/vmlinuz) booted with
# SCENARIO's command line. A resume refuses an image made by another.
system_boot_identity() {
    "$OUT/bin/kjump" boot-identity --kernel "${2:-$SYSTEM_BZIMAGE}" --command-line "$(system_append "$1")"
}

# system_append SCENARIO: the system kernel's command line for a guest scenario.
system_append() {
    echo "console=ttyS0 panic=-1 quiet loglevel=4 kjump_scenario=$1 kjump_workload_mib=$KJUMP_WORKLOAD_MIB"
}

# run_qemu_retrying MARKER LOG TIMEOUT KERNEL APPEND [qemu args...]: run_qemu
# under retry_boot (lab/lib/qemu.sh).
run_qemu_retrying() {
    local marker=$1
    shift
    retry_boot "$marker" run_qemu "$@"
}

# boot_system LOG SCENARIO TIMEOUT [QEMU ARGS...]: boots the system kernel with
# its disks (and any further QEMU arguments: more disks) and the guest half of SCENARIO.
boot_system() {
    local log=$1 scenario=$2 timeout=$3
    shift 3
    run_qemu_retrying KJUMP-INIT "$log" "$timeout" "$SYSTEM_KERNEL" "$(system_append "$scenario")" \
        -initrd "$OUT/system-initramfs.cpio" \
        -drive "file=$OUT/data.img,if=virtio,format=raw" \
        -drive "file=$OUT/resume.img,if=virtio,format=raw" "$@"
}

# boot_hibernation_alone LOG TIMEOUT: boots H by itself, confined to the H
# region exactly as a boot loader starts it at resume.
boot_hibernation_alone() {
    run_qemu_retrying KJUMP-H-INIT "$1" "$2" "$HIBERNATION_KERNEL" \
        "console=ttyS0 panic=-1 quiet nokaslr clearcpuid=erms memmap=exactmap memmap=632K@4K memmap=192M@1M"
}
