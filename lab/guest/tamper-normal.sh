# Guest half of each case of the `tamper` scenario after the hibernation
# kernel refused the image and rebooted: the normal system boots, fresh,
# with the data disk as it was before the hibernation.
echo "KJUMP-TAMPER-NORMAL-BOOT"
kjump-workload verify --state-dir /tmp/workload >/dev/null 2>&1 && echo "KJUMP-TAMPER-NOT-FRESH"
grep -q "before hibernation" /data/tamper-marker.txt && echo "KJUMP-TAMPER-FILE-OK"
