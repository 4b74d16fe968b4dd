# Guest half of the `tamper` scenario: two sealed hibernations of the same
# machine (the first image is kept by the host as "an older valid image"),
# each with the one-shot entry armed; after the second, no resume may ever
# get past the hibernation kernel, so nothing after it should run.
mib=${kjump_workload_mib:?}
kjump-workload start --mib "$mib" --seed 71 --state-dir /tmp/workload \
    --files-dir /data/workload --tmpfs-dir /tmp/workload-files >/dev/null
echo "KJUMP-WORKLOAD-START rc=$?"
echo "before hibernation $(date +%s)" > /data/tamper-marker.txt
sync
kjump hibernate --resume-device /dev/vdb --grub-reboot kjump-resume
echo "KJUMP-TAMPER-FIRST rc=$?"
kjump-workload verify --state-dir /tmp/workload
kjump hibernate --resume-device /dev/vdb --grub-reboot kjump-resume
echo "KJUMP-TAMPER-SECOND rc=$?"
# Only a tampered image that was resumed gets here.
echo "KJUMP-TAMPER-RESUMED"
