# Guest half of the `powercut` scenario: files written and synced to the
# ext4 data disk, then a hibernation that the host cuts short by killing QEMU
# (KJUMP_POWERCUT_APPEND: more words for H's command line).
mib=${kjump_workload_mib:?}
kjump-workload start --mib "$mib" --seed 83 --state-dir /tmp/workload \
    --files-dir /data/workload --tmpfs-dir /tmp/workload-files >/dev/null
echo "KJUMP-WORKLOAD-START rc=$?"
dd if=/dev/urandom of=/data/before-hibernation.bin bs=1M count=8 2>/dev/null
(cd /data && sha256sum before-hibernation.bin workload/* > /data/before-hibernation.sha256)
sync
echo "KJUMP-POWERCUT-HIBERNATE"
kjump hibernate --resume-device /dev/vdb ${KJUMP_POWERCUT_APPEND:+--append "$KJUMP_POWERCUT_APPEND"}
echo "KJUMP-POWERCUT-RETURNED rc=$?"
