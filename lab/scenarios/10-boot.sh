# summary: system kernel + workload + kjump doctor, then the hibernation kernel alone
# shellcheck shell=bash
source "$LAB_DIR/lib/artefacts.sh"

scenario_main() {
    build_all || fail "building the lab artefacts failed (see $OUT/lab.log)"

    # 1. The system kernel with its disks, the workload and kjump doctor.
    local log="$OUT/system.log"
    boot_system "$log" boot 600 || fail "the system kernel guest did not power off cleanly (QEMU status $?; $log)"
    serial_has "$log" '^KJUMP-INIT ' || fail "the system kernel never reached /init ($log)"
    local a_init
    a_init=$(serial_value "$log" KJUMP-INIT | sed 's/uptime=//')
    serial_has "$log" '^KJUMP-WORKLOAD-START rc=0' || fail "the workload did not start ($log)"
    serial_has "$log" '^WORKLOAD-OK .*continued=yes' || fail "the workload did not verify ($log)"
    [ "$(tr -d '\r' < "$log" | grep -a -c '^WORKLOAD-OK ')" = 2 ] || fail "the workload did not verify twice ($log)"
    serial_has "$log" '^WRITE-OK ' || fail "writing to the ext4 disk failed ($log)"
    serial_has "$log" '^KJUMP-DOCTOR rc=0' || fail "kjump doctor failed in the guest: $(tr -d '\r' < "$log" | grep -a '^fail ' | head -3)"
    local doctor_ok doctor_warn
    doctor_ok=$(tr -d '\r' < "$log" | grep -a -c -E '^ok ')
    doctor_warn=$(tr -d '\r' < "$log" | grep -a -c -E '^warn ')
    for option in CONFIG_KEXEC_JUMP CONFIG_HIBERNATION CONFIG_CRASH_DUMP CONFIG_PROC_VMCORE; do
        serial_has "$log" "^ok +$option " || fail "kjump doctor did not find $option in the system kernel ($log)"
    done
    serial_has "$log" "^KJUMP-CPUS $KJUMP_GUEST_CPUS\$" || fail "the guest does not see $KJUMP_GUEST_CPUS CPUs ($log)"

    # 2. The hibernation kernel alone, confined to the H region as at resume.
    local hlog="$OUT/hibernation.log"
    boot_hibernation_alone "$hlog" 300 || fail "the hibernation kernel guest did not power off cleanly (QEMU status $?; $hlog)"
    serial_has "$hlog" '^KJUMP-H-INIT ' || fail "the hibernation kernel never reached /init ($hlog)"
    local version h_init
    version=$(serial_value "$hlog" KJUMP-H-VERSION | cut -d" " -f1)
    [ -n "$version" ] || fail "kjump did not print its version in the hibernation kernel ($hlog)"
    h_init=$(serial_value "$hlog" KJUMP-H-INIT | sed 's/uptime=\([0-9.]*\).*/\1/')

    pass "system_init_s=$a_init hibernation_init_s=$h_init doctor_ok=$doctor_ok doctor_warn=$doctor_warn kjump=$version" \
        "initramfs_mib=$(( $(stat -c %s "$OUT/system-initramfs.cpio") >> 20 )) h_bzimage_mib=$(( $(stat -c %s "$HIBERNATION_KERNEL") >> 20 ))"
}
