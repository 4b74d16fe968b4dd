# Guest half of the last step of the `hibernate` scenario: the normal system
# boots after the hibernation kernel refused a consumed image and rebooted
# (the lab plays the boot loader whose one-shot resume entry is spent).
# Checks that it is a fresh boot with the data disk intact and the image unused.
echo "KJUMP-NORMAL-BOOT"
kjump-workload verify --state-dir /tmp/workload >/dev/null 2>&1 || echo "KJUMP-FRESH-BOOT no workload state: not a resumed system"
grep -q "before hibernation" /data/hibernate-marker.txt && echo "KJUMP-EXT4-FILE-OK"
kjump inspect /dev/vdb | grep '^state' | sed 's/^/KJUMP-IMAGE-/'
