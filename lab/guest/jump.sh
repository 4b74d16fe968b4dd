# Guest half of the `jump` scenario, run by lab/guest/system-init.
# Three round trips into the hibernation kernel (running `kjump probe` there),
# each followed by a full workload check, an ext4 write and a CPU count;
# then the refusals, each of which must leave the system as it was.
mib=${kjump_workload_mib:?}
kjump-workload start --mib "$mib" --seed 7 --state-dir /tmp/workload \
    --files-dir /data/workload --tmpfs-dir /tmp/workload-files >/dev/null
echo "KJUMP-WORKLOAD-START rc=$?"
kjump-workload verify --state-dir /tmp/workload
for trip in 1 2 3; do
    echo "KJUMP-TRIP-BEGIN $trip"
    # The first trip also records the pages the probe read onto the raw
    # resume disk, for the unit tests' replay (lab/out/jump/probe.kjpages).
    probe="kjump probe"
    [ "$trip" = 1 ] && probe="kjump probe --record /dev/vdb"
    kjump jump --exec "$probe"
    echo "KJUMP-JUMP rc=$?"
    kjump-workload verify --state-dir /tmp/workload
    kjump-workload write-check --dir /data
    echo "KJUMP-CPUS-ONLINE $(cat /sys/devices/system/cpu/online)"
    echo "KJUMP-KEXEC-LOADED $(cat /sys/kernel/kexec_loaded)"
done

# Refusal 1: an H region larger than the free memory.
kjump jump --region-mib 2048 --exec true
echo "KJUMP-REFUSE-MEMORY rc=$?"
# Refusal 2: kexec_load disabled (as on a kernel that cannot kexec).
echo 1 > /proc/sys/kernel/kexec_load_disabled
kjump jump --exec true
echo "KJUMP-REFUSE-DISABLED rc=$?"
kjump-workload verify --state-dir /tmp/workload
echo "KJUMP-KEXEC-LOADED $(cat /sys/kernel/kexec_loaded)"
