# Guest half of the `boot` scenario, run by lab/guest/system-init.
# Environment from the kernel command line: kjump_workload_mib.
mib=${kjump_workload_mib:?}
kjump-workload start --mib "$mib" --seed 42 --state-dir /tmp/workload \
    --files-dir /data/workload --tmpfs-dir /tmp/workload-files
echo "KJUMP-WORKLOAD-START rc=$?"
kjump-workload verify --state-dir /tmp/workload
echo "KJUMP-WORKLOAD-VERIFY rc=$?"
kjump doctor --resume-device /dev/vdb
echo "KJUMP-DOCTOR rc=$?"
kjump-workload write-check --dir /data
kjump-workload verify --state-dir /tmp/workload
echo "KJUMP-WORKLOAD-VERIFY rc=$?"
grep -c ^processor /proc/cpuinfo | sed 's/^/KJUMP-CPUS /'
