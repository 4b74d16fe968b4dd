# Guest half of the `stale` scenario: hibernate with the ext4 disk mounted.
# (The host then changes the disk as another boot would, and the resume must refuse.)
mib=${kjump_workload_mib:?}
kjump-workload start --mib "$mib" --seed 31 --state-dir /tmp/workload \
    --files-dir /data/workload --tmpfs-dir /tmp/workload-files >/dev/null
echo "KJUMP-WORKLOAD-START rc=$?"
kjump hibernate --resume-device /dev/vdb
echo "KJUMP-HIBERNATE rc=$?"
