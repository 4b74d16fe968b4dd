# Guest half of the `hibernate` scenario. The first boot hibernates; the
# same script carries on after the resume, in a new QEMU process.
mib=${kjump_workload_mib:?}
kjump-workload start --mib "$mib" --seed 23 --state-dir /tmp/workload \
    --files-dir /data/workload --tmpfs-dir /tmp/workload-files >/dev/null
echo "KJUMP-WORKLOAD-START rc=$?"
kjump-workload verify --state-dir /tmp/workload
echo "before hibernation $(date +%s)" > /data/hibernate-marker.txt
# The resume entry's command line as a boot loader configuration would get it
# before any image exists; the host compares it with the image's.
echo "KJUMP-RESUME-ENTRY $(kjump resume-entry --resume-device /dev/vdb 2>&1)"
sync
dmesg_before=$(dmesg | wc -l)
# Timed from here, as lab/guest/swsusp.sh times swsusp: after the same sync.
echo "KJUMP-HIBERNATE-BEGIN"
# kjump_no_seal=1 on the kernel command line (lab/bench resume's unsealed round): a plaintext image.
kjump hibernate --resume-device /dev/vdb --grub-reboot kjump-resume ${kjump_no_seal:+--no-seal} \
    ${kjump_h_append:+--append "$kjump_h_append"}
echo "KJUMP-HIBERNATE rc=$?"
# Only a resumed system gets here: check every byte, the disks and the log.
kjump-workload verify --state-dir /tmp/workload
echo "KJUMP-RESUMED-WORKLOAD"
kjump-workload write-check --dir /data
grep -q "before hibernation" /data/hibernate-marker.txt && echo "KJUMP-EXT4-FILE-OK"
echo "KJUMP-CPUS-ONLINE $(cat /sys/devices/system/cpu/online)"
# Kernel messages since the hibernation began: errors there come from the resume.
# One known line is not an error of the resume: "crash hp: kexec_trylock()
# failed" (CONFIG_CRASH_HOTPLUG tries to update a crash kernel's header while
# kernel_kexec() holds the kexec lock as CPUs go down and up; see docs/KEXEC-JUMP.md).
dmesg | tail -n +"$((dmesg_before + 1))" | grep -i -w -E "error|errors|failed|failure|warning|bug|oops|call trace" \
    | grep -v "crash hp: kexec_trylock() failed" | sed 's/^/KJUMP-DMESG /'
echo "KJUMP-DMESG-END"

# A second hibernation in the same boot: the kexec image of the first was
# unloaded, a fresh hibernation kernel is loaded, and the new image resumes too.
# This one is a plain `kjump hibernate`, as systemd runs it: its resume device
# and GRUB entry come from /etc/kjump/kjump.conf.
kjump-workload verify --state-dir /tmp/workload >/dev/null
cat > /etc/kjump/kjump.conf <<'CONF'
# Set by the administrator, as in a packaged install.
resume-device = /dev/vdb
grub-entry    = kjump-resume
CONF
kjump status
echo "KJUMP-STATUS rc=$?"
echo "KJUMP-SECOND-HIBERNATE-BEGIN"
kjump hibernate
echo "KJUMP-SECOND-HIBERNATE rc=$?"
kjump-workload verify --state-dir /tmp/workload
echo "KJUMP-SECOND-RESUME-DONE"
