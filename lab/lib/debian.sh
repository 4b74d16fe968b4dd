# Debian's stock kernel as the lab's system kernel, for tests that need a
# kernel with published debug symbols (crash(8) on a vmcore: lab/crash-check).
# Source it after common.sh and images.sh; do not run it.
# shellcheck shell=bash

# The packaged kernel: linux-image-<release> (bzImage, config, modules) and
# linux-image-<release>-dbg (vmlinux with DWARF, the real System.map).
DEBIAN_KERNEL_RELEASE=6.1.0-53-amd64
DEBIAN_KERNEL_PACKAGE=linux-image-$DEBIAN_KERNEL_RELEASE
DEBIAN_KERNEL_DBG_PACKAGE=$DEBIAN_KERNEL_PACKAGE-dbg

# The modules the lab guest needs that Debian builds as =m: the virtio PCI
# transport and block driver (the two disks), ext4 (the data disk; crc32c
# for metadata_csum, which mkfs.ext4 enables by default, comes in through
# the soft dependency of ext4 and jbd2 on crypto-crc32c: crc32c-intel and
# crc32c_generic) and qemu_fw_cfg (CONFIG_FW_CFG_SYSFS: it hands
# the VMCOREINFO note's address to QEMU's `-device vmcoreinfo`).
# lab/debian-kernel adds their dependencies, in load order.
DEBIAN_KERNEL_MODULES=(virtio_pci virtio_blk ext4 qemu_fw_cfg)

# Where the initramfs carries them; lab/guest/system-init insmods every
# *.ko there in name order (lab/debian-kernel numbers them in load order).
DEBIAN_GUEST_MODULES_DIR=lib/modules/kjump

# debian_kernel_dir -> the cache directory of the extracted kernel
# (vmlinuz, config, System.map, vmlinux, modules/).
debian_kernel_dir() {
    "$LAB_DIR/debian-kernel"
}

# build_debian_system_initramfs STAGING_SOURCE KDIR OUTPUT: OUTPUT is the cpio
# of STAGING_SOURCE (an initramfs tree staged as for the lab kernel) plus
# KDIR's modules in $DEBIAN_GUEST_MODULES_DIR. STAGING_SOURCE is not changed.
build_debian_system_initramfs() {
    local source=$1 kdir=$2 output=$3 staging="$1-debian"
    rm -rf "$staging"
    cp -a "$source" "$staging"
    mkdir -p "$staging/$DEBIAN_GUEST_MODULES_DIR"
    cp "$kdir"/modules/*.ko "$staging/$DEBIAN_GUEST_MODULES_DIR/"
    make_cpio "$staging" "$output"
}
