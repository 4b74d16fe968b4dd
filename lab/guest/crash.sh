# Guest half of the `crash` scenario, first boot (kjump_crash_step=panic):
# load the hibernation kernel as the crash kernel, check the refusals, start
# the workload and panic the system through sysrq. The crash kernel saves the
# dump to /dev/vdb and reboots (QEMU exits: -no-reboot).
# Second boot (kjump_crash_step=found): the normal system finds the dump.
# Environment from the kernel command line: kjump_workload_mib, kjump_crash_step,
# kjump_crash_bench (set by lab/bench dump: H times the dump tools first),
# kjump_crash_cpus (CPUs of the crash kernel, default 1), kjump_crash_dir (dump
# as a file into that directory of the ext4 filesystem on /dev/vdc).
case "${kjump_crash_step:-panic}" in
panic)
    kjump crash-load --status
    echo "KJUMP-CRASH-STATUS-BEFORE rc=$?"
    kjump crash-load --target /dev/vdb --kernel /nonexistent 2>&1
    echo "KJUMP-CRASH-REFUSED-KERNEL rc=$?"
    kjump crash-load --target /data 2>&1
    echo "KJUMP-CRASH-REFUSED-TARGET rc=$?"
    kjump crash-load --target /dev/vda --directory /dumps 2>&1
    echo "KJUMP-CRASH-REFUSED-MOUNTED rc=$?"
    if [ -n "${kjump_crash_dir:-}" ]; then
        kjump crash-load --target /dev/vdc --directory "$kjump_crash_dir"
    else
        kjump crash-load --target /dev/vdb ${kjump_crash_bench:+--append kjump.bench=1} ${kjump_crash_cpus:+--cpus $kjump_crash_cpus}
    fi
    echo "KJUMP-CRASH-LOAD rc=$?"
    kjump crash-load --status
    mib=${kjump_workload_mib:?}
    kjump-workload start --mib "$mib" --seed 61 --state-dir /tmp/workload \
        --files-dir /data/workload --tmpfs-dir /tmp/workload-files >/dev/null
    echo "KJUMP-WORKLOAD-START rc=$?"
    sync
    echo "KJUMP-CRASH-PANIC"
    if [ -n "${kjump_crash_bench:-}" ]; then
        # The crash kernel starts on the CPU that panicked and never wakes the
        # firmware's boot CPU (an INIT could reset the machine): panic on CPU 0
        # so that a crash kernel with --cpus 2 gets both CPUs of the guest.
        taskset 1 sh -c 'echo c > /proc/sysrq-trigger'
    else
        echo c > /proc/sysrq-trigger
    fi
    echo "KJUMP-CRASH-SURVIVED the panic did not start the crash kernel"
    ;;
found)
    kjump verify /dev/vdb
    echo "KJUMP-CRASH-VERIFY rc=$?"
    kjump inspect /dev/vdb
    echo "KJUMP-CRASH-INSPECT rc=$?"
    kjump dmesg /dev/vdb > /tmp/crash-dmesg.txt
    echo "KJUMP-CRASH-DMESG rc=$? lines=$(wc -l < /tmp/crash-dmesg.txt)"
    grep -m1 'sysrq triggered crash' /tmp/crash-dmesg.txt | sed 's/^/KJUMP-CRASH-DMESG-PANIC /'
    ;;
esac
