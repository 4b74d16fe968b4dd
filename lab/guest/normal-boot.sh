# Guest half of the last step of the `hibernate` scenario: the normal system
# boots after the hibernation kernel refused a consumed image and rebooted
# (the lab plays the boot loader whose one-shot resume entry is spent).
# Checks that it is a fresh boot with the data disk intact and the image unused.
echo "KJUMP-NORMAL-BOOT"
kjump-workload verify --state-dir /tmp/workload >/dev/null 2>&1 || echo "KJUMP-FRESH-BOOT no workload state: not a resumed system"
grep -q "before hibernation" /data/hibernate-marker.txt && echo "KJUMP-EXT4-FILE-OK"
kjump inspect /dev/vdb | grep '^state' | sed 's/^/KJUMP-IMAGE-/'

# Then this fresh system hibernates to a resume file on the mounted ext4 data
# disk (kjump setup --file), and carries on here after the resume.
mib=${kjump_workload_mib:?}
kjump-workload start --mib "$mib" --seed 77 --state-dir /tmp/workload \
    --files-dir /data/workload-2 --tmpfs-dir /tmp/workload-files >/dev/null
echo "KJUMP-WORKLOAD-START rc=$?"
kjump setup --file /data/kjump.resume --size "$((mib + 192))M"
echo "KJUMP-SETUP rc=$?"
dmesg_before=$(dmesg | wc -l)
kjump hibernate --resume-file /data/kjump.resume
echo "KJUMP-FILE-HIBERNATE rc=$?"
kjump-workload verify --state-dir /tmp/workload
echo "KJUMP-FILE-RESUMED"
dmesg | tail -n +"$((dmesg_before + 1))" | grep -i -w -E "error|errors|failed|failure|warning|bug|oops|call trace" \
    | grep -v "crash hp: kexec_trylock() failed" | sed 's/^/KJUMP-DMESG /'
echo "KJUMP-DMESG-END"
