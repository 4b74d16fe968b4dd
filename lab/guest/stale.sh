# Guest half of the `stale` scenario: hibernate with the ext4 disk mounted.
# (The host then changes the disk as another boot would, and the resume must refuse.)
mib=${kjump_workload_mib:?}
kjump-workload start --mib "$mib" --seed 31 --state-dir /tmp/workload \
    --files-dir /data/workload --tmpfs-dir /tmp/workload-files >/dev/null
echo "KJUMP-WORKLOAD-START rc=$?"
# First a hibernation that cannot be saved: /dev/vdc holds 16 MiB. H fails,
# says why on the disk and jumps back; kjump hibernate repeats the reason.
kjump hibernate --resume-device /dev/vdc > /tmp/small-hibernate.out 2>&1
rc=$?
sed 's/^/KJUMP-SMALL /' /tmp/small-hibernate.out
echo "KJUMP-SMALL-HIBERNATE rc=$rc"
kjump-workload verify --state-dir /tmp/workload | sed 's/^/KJUMP-SMALL-AFTER /'
kjump hibernate --resume-device /dev/vdb
echo "KJUMP-HIBERNATE rc=$?"
