# Builders for the lab's artefacts: the static kjump binary, the workload,
# initramfs images, H with its initramfs built in, and disk images.
# shellcheck shell=bash

# build_kjump OUTDIR -> OUTDIR/kjump (the full command, for the system) and
# OUTDIR/kjump-hibernation-kernel (H's program), static and stripped.
build_kjump() {
    local out=$1 product bin_dir
    log "building the static kjump binaries"
    for product in kjump kjump-hibernation-kernel; do
        (cd "$REPO_DIR" && swift build -c release --static-swift-stdlib -Xswiftc -static-executable \
            --product "$product" >>"$out/swift-build.log" 2>&1) \
            || { tail -30 "$out/swift-build.log" >&2; die "swift build failed; log: $out/swift-build.log"; }
    done
    bin_dir=$(cd "$REPO_DIR" && swift build -c release --static-swift-stdlib -Xswiftc -static-executable --show-bin-path)
    strip -o "$out/kjump" "$bin_dir/kjump"
    strip -o "$out/kjump-hibernation-kernel" "$bin_dir/kjump-hibernation-kernel"
}

# build_workload OUTDIR -> OUTDIR/kjump-workload, static.
build_workload() {
    make -s -C "$LAB_DIR/workload" OUT="$1" >/dev/null || die "building lab/workload failed"
}

# make_cpio STAGING OUTPUT: a reproducible newc archive of STAGING.
make_cpio() {
    local staging=$1 output=$2
    find "$staging" -exec touch -h -d @0 {} +
    (cd "$staging" && find . -mindepth 1 | LC_ALL=C sort | cpio --quiet --reproducible -o -H newc -R 0:0) > "$output"
}

# stage_busybox DIR: busybox-static and its applet links in DIR/bin.
stage_busybox() {
    local dir=$1 applet
    mkdir -p "$dir/bin" "$dir/sbin" "$dir/proc" "$dir/sys" "$dir/dev" "$dir/tmp" "$dir/etc"
    cp /bin/busybox "$dir/bin/busybox"
    # The kernel opens /dev/console for init's stdio before /init can mount
    # devtmpfs; a built-in initramfs must carry the node itself.
    mknod -m 600 "$dir/dev/console" c 5 1 || die "cannot create dev/console in the initramfs (the lab runs as root)"
    for applet in $(/bin/busybox --list); do
        [ -e "$dir/bin/$applet" ] || ln -s busybox "$dir/bin/$applet"
    done
}

# make_keys OUTDIR BIN_DIR -> OUTDIR/keys/{hibernation,resume}.key and
# OUTDIR/resume-key.cpio: this lab run's machine keys (kjump keygen on the
# host). The hibernation key goes into the system's initramfs, so every
# hibernation in the lab is sealed; the resume key, unprotected, is the
# "key on another device": an extra initrd for H's resume boots, as a boot
# loader would give it (GRUB: a second initrd line), unpacked over H's
# built-in initramfs at /etc/kjump/resume.key.
make_keys() {
    local out=$1 bins=$2 staging="$1/resume-key-initramfs"
    rm -rf "$out/keys" "$staging"
    "$bins/kjump" keygen --no-passphrase --hibernation-key "$out/keys/hibernation.key" \
        --resume-key "$out/keys/resume.key" >>"$out/lab.log" || die "kjump keygen failed"
    install -D -m 0600 "$out/keys/resume.key" "$staging/etc/kjump/resume.key"
    make_cpio "$staging" "$out/resume-key.cpio"
}

# build_system_initramfs OUTDIR BIN_DIR HIBERNATION_BZIMAGE [SYSTEM_BZIMAGE] -> OUTDIR/system-initramfs.cpio
# busybox + kjump + the hibernation kernel at kjump's default path + the
# workload + the guest scenario scripts; and the system kernel's own bzImage
# as /boot/vmlinuz (system-init links /boot/vmlinuz-RELEASE to it, where a
# distribution keeps it and kjump hibernate looks for it).
build_system_initramfs() {
    local out=$1 bins=$2 hkernel=$3 skernel=${4:-} staging="$1/system-initramfs"
    rm -rf "$staging"
    stage_busybox "$staging"
    cp "$bins/kjump" "$bins/kjump-workload" "$staging/bin/"
    mkdir -p "$staging/usr/lib/kjump"
    cp "$hkernel" "$staging/usr/lib/kjump/hibernation.bzImage"
    [ -z "$skernel" ] || install -D -m 0644 "$skernel" "$staging/boot/vmlinuz"
    install -D -m 0600 "$out/keys/hibernation.key" "$staging/etc/kjump/hibernation.key"
    install -m 0755 "$LAB_DIR/guest/system-init" "$staging/init"
    # The lab has no GRUB: these stand-ins print how kjump hibernate --grub-reboot called them.
    install -m 0755 "$LAB_DIR/guest/grub-stand-in" "$staging/sbin/grub-reboot"
    install -m 0755 "$LAB_DIR/guest/grub-stand-in" "$staging/sbin/grub-editenv"
    mkdir -p "$staging/lab/scenarios"
    cp "$LAB_DIR"/guest/*.sh "$staging/lab/scenarios/"
    make_cpio "$staging" "$out/system-initramfs.cpio"
}

# build_hibernation_kernel OUTDIR BIN_DIR [STAGE_EXTRA] -> OUTDIR/hibernation-bzImage
# H with busybox + kjump + its /init built in; STAGE_EXTRA, a function, may
# add to the staging directory (its only argument). The relinked image is
# cached by the hash of the kernel build and of the initramfs.
build_hibernation_kernel() {
    local out=$1 bins=$2 stage_extra=${3:-} staging="$1/hibernation-initramfs" kdir cpio_hash cached
    rm -rf "$staging"
    stage_busybox "$staging"
    # H's program, without Foundation and the argument parser (10 MB, not 17), under the name /init calls.
    cp "$bins/kjump-hibernation-kernel" "$staging/bin/kjump"
    install -m 0755 "$REPO_DIR/initramfs/hibernation-init" "$staging/init"
    "$bins/kjump" --version > "$staging/etc/kjump-version"
    [ -z "$stage_extra" ] || "$stage_extra" "$staging"
    make_cpio "$staging" "$out/hibernation-initramfs.cpio"
    kdir=$("$LAB_DIR/build-kernel" hibernation)
    cpio_hash=$(sha256sum < "$out/hibernation-initramfs.cpio" | cut -c1-16)
    cached="$kdir/images/$cpio_hash/bzImage"
    # The cached build tree is shared: one embedding at a time.
    (
        flock 9
        if [ ! -f "$cached" ]; then
            log "embedding the initramfs into the hibernation kernel"
            cp "$out/hibernation-initramfs.cpio" "$kdir/build/kjump-initramfs.cpio"
            make -s -C "$(readlink -f "$kdir/build/source")" O="$kdir/build" ARCH=x86_64 -j"$(nproc)" bzImage \
                >"$out/embed.log" 2>&1 || { tail -30 "$out/embed.log" >&2; die "relinking the hibernation kernel failed"; }
            mkdir -p "$(dirname "$cached")"
            cp "$kdir/build/arch/x86/boot/bzImage" "$cached.tmp" && mv "$cached.tmp" "$cached"
        fi
    ) 9>"$kdir/embed.lock" || exit 1
    cp "$cached" "$out/hibernation-bzImage"
}

# stage_makedumpfile DIR: Debian's makedumpfile with its shared libraries and
# loader in DIR (for the benchmark's H, which times it against kjump).
stage_makedumpfile() {
    local dir=$1 lib
    cp /usr/bin/makedumpfile "$dir/bin/"
    # libgcc_s is dlopen'ed by pthread_exit (makedumpfile --num-threads).
    for lib in $(ldd /usr/bin/makedumpfile | grep -o '/[^ ]*') /lib/x86_64-linux-gnu/libgcc_s.so.1; do
        mkdir -p "$dir$(dirname "$lib")"
        cp -L "$lib" "$dir$lib"
    done
}

# make_disks OUTDIR: a fresh ext4 data disk and a raw resume disk.
make_disks() {
    local out=$1
    rm -f "$out/data.img" "$out/resume.img"
    # Room for the workload's files and a resume file (the hibernate scenario's
    # last step makes one of workload + 192 MiB): it grows with the guest.
    local data_mib=$(( KJUMP_GUEST_MEM_MIB + KJUMP_WORKLOAD_MIB + 512 ))
    [ "$data_mib" -ge 768 ] || data_mib=768
    truncate -s "${data_mib}M" "$out/data.img"
    mkfs.ext4 -q -F -L kjump-data "$out/data.img"
    truncate -s "$(( KJUMP_GUEST_MEM_MIB + 64 ))M" "$out/resume.img"
}
