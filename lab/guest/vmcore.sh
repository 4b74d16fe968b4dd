# Guest half of `lab/vmcore`, run by lab/guest/system-init.
# Starts the workload, lets the per-CPU vmstat counters settle, prints
# /proc/meminfo (one `KJUMP-MEMINFO <line>` per line), says it is ready and
# sleeps: the host then dumps the guest's memory through QMP and quits QEMU.
# Environment from the kernel command line: kjump_workload_mib.
mib=${kjump_workload_mib:?}
kjump-workload start --mib "$mib" --seed 42 --state-dir /tmp/workload \
    --files-dir /data/workload --tmpfs-dir /tmp/workload-files >/dev/null
echo "KJUMP-WORKLOAD-START rc=$?"
kjump-workload verify --state-dir /tmp/workload
# Idle CPUs fold their vmstat deltas into the global counters (quiet_vmstat),
# so MemFree read after a short idle period matches the buddy allocator.
sleep 3
while IFS= read -r line; do
    echo "KJUMP-MEMINFO $line"
done < /proc/meminfo
echo "KJUMP-VMCORE-READY"
# The host dumps and quits; the sleep only bounds a forgotten guest.
sleep 3600
echo "KJUMP-VMCORE-TIMEOUT"
