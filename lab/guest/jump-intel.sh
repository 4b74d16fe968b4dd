# Guest half of the `jump` scenario's second boot, on an Intel-vendor CPU with
# MONITOR/MWAIT, where a parked CPU sits in mwait_play_dead (see
# lab/kernel/patches/system/0001-*.patch): one round trip, then the checks.
mib=${kjump_workload_mib:?}
grep -q -w monitor /proc/cpuinfo && echo "KJUMP-MWAIT yes" || echo "KJUMP-MWAIT no"
grep -m1 vendor_id /proc/cpuinfo | sed 's/.*: /KJUMP-VENDOR /'
# The doctor's view of this CPU (the patched lab kernel still gets the warning:
# kjump cannot tell a patched kernel from a stock one).
kjump doctor 2>/dev/null | grep "CPU parking"
kjump-workload start --mib "$mib" --seed 11 --state-dir /tmp/workload \
    --files-dir /data/workload-intel --tmpfs-dir /tmp/workload-files >/dev/null
kjump jump --exec "kjump probe"
echo "KJUMP-JUMP rc=$?"
kjump-workload verify --state-dir /tmp/workload
echo "KJUMP-CPUS-ONLINE $(cat /sys/devices/system/cpu/online)"
