# Guest half of `lab/bench resume`, the kernel's own hibernation (swsusp) side:
# the same workload, hibernated to a swap disk (/dev/vdc) with
# `echo disk > /sys/power/state`; resumed by the kernel from resume=/dev/vdc.
mib=${kjump_workload_mib:?}
mkswap /dev/vdc >/dev/null && swapon /dev/vdc || echo "KJUMP-ERROR no swap on /dev/vdc"
kjump-workload start --mib "$mib" --seed 23 --state-dir /tmp/workload \
    --files-dir /data/workload --tmpfs-dir /tmp/workload-files >/dev/null
kjump-workload verify --state-dir /tmp/workload
# Keep the whole workload in the image (the default image_size, 2/5 of RAM,
# would first swap part of it out), and power off when the image is written.
cat /proc/meminfo | awk '/MemTotal/ { print $2 * 1024 }' > /sys/power/image_size
echo shutdown > /sys/power/disk
sync
echo "KJUMP-SWSUSP-BEGIN"
echo disk > /sys/power/state
echo "KJUMP-SWSUSP rc=$?"
kjump-workload verify --state-dir /tmp/workload
echo "KJUMP-RESUMED-WORKLOAD"
sleep 1   # let the host's log watcher see the marker before the guest powers off
dmesg | grep -E "PM: .*(Wrote|Read) [0-9]+ kbytes" | sed 's/^/KJUMP-SWSUSP-LOG /'
