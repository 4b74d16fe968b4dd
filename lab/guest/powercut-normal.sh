# Guest half of each case of the `powercut` scenario after H refused the
# partial image: the normal system boots fresh, and every file written to the
# data disk before the hibernation is intact.
echo "KJUMP-POWERCUT-NORMAL-BOOT"
(cd /data && sha256sum -c -s before-hibernation.sha256) && echo "KJUMP-POWERCUT-FILES-OK"
kjump inspect /dev/vdb | grep '^state' | sed 's/^/KJUMP-POWERCUT-IMAGE-/'
