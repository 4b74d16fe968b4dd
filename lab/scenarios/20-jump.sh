# summary: three round trips system kernel -> hibernation kernel (kjump probe) -> back, refusals, and one trip on an Intel-vendor CPU
# shellcheck shell=bash
source "$LAB_DIR/lib/artefacts.sh"

scenario_main() {
    build_all || fail "building the lab artefacts failed (see $OUT/lab.log)"
    local log="$OUT/system.log"
    boot_system "$log" jump 900 || fail "the guest did not power off cleanly (QEMU status $?; $log)"
    serial_has "$log" '^KJUMP-WORKLOAD-START rc=0' || fail "the workload did not start ($log)"
    local clean trips probes
    clean=$(tr -d '\r' < "$log" | sed 's/\x1b\[[0-9;]*[a-zA-Z]//g')
    trips=$(grep -a -c '^KJUMP-JUMP rc=0' <<< "$clean")
    [ "$trips" = 3 ] || fail "$trips of 3 round trips returned successfully ($log)"
    probes=$(grep -a -c '^kjump probe: OK' <<< "$clean")
    [ "$probes" = 3 ] || fail "kjump probe succeeded in $probes of 3 hibernation kernel runs ($log)"
    [ "$(grep -a -c '^WORKLOAD-OK .*continued=yes' <<< "$clean")" = 5 ] \
        || fail "the workload did not verify (continued) after every trip: $(grep -a -m1 '^WORKLOAD-FAIL' <<< "$clean")"
    [ "$(grep -a -c '^WRITE-OK ' <<< "$clean")" = 3 ] || fail "writing to the ext4 disk failed after a trip ($log)"
    [ "$(grep -a -c "^KJUMP-CPUS-ONLINE 0-$((KJUMP_GUEST_CPUS - 1))\$" <<< "$clean")" = 3 ] \
        || [ "$KJUMP_GUEST_CPUS" = 1 ] || fail "not every CPU was online after each trip ($log)"
    [ "$(grep -a -c '^KJUMP-KEXEC-LOADED 0' <<< "$clean")" = 4 ] || fail "a kexec image stayed loaded after a trip ($log)"
    grep -a -q '^KJUMP-REFUSE-MEMORY rc=[1-9]' <<< "$clean" || fail "a jump without enough free memory was not refused ($log)"
    grep -a -q 'only [0-9]* MiB of memory is available, but a jump needs' <<< "$clean" \
        || fail "the free-memory refusal did not explain itself ($log)"
    grep -a -q '^KJUMP-REFUSE-DISABLED rc=[1-9]' <<< "$clean" || fail "a jump with kexec_load disabled was not refused ($log)"
    grep -a -q 'kernel.kexec_load_disabled is 1' <<< "$clean" || fail "the kexec_load_disabled refusal did not explain itself ($log)"
    grep -a -q -E '^(\[[ 0-9.]+\] )?(Kernel panic|BUG:|Oops)' <<< "$clean" && fail "the kernel reported a bug ($log)"

    # The page recording the first probe left on the resume disk.
    local length
    length=$(od -An -t u8 -j 8 -N 8 "$OUT/resume.img" | tr -d ' ')
    [ "$(head -c 8 "$OUT/resume.img")" = KJPAGES1 ] && [ "$length" -gt 0 ] 2>/dev/null \
        || fail "the probe left no page recording on the resume disk ($log)"
    head -c "$length" "$OUT/resume.img" > "$OUT/probe.kjpages"

    # Figures: each trip's time as the system kernel saw it, and H's boot to /init.
    local times mean h_boot
    times=$(sed -n 's/^kjump: back after \([0-9.]*\) s.*/\1/p' <<< "$clean")
    mean=$(awk '{ s += $1; n++ } END { if (n) printf "%.2f", s / n }' <<< "$times")
    h_boot=$(sed -n 's/^KJUMP-H-INIT uptime=\([0-9.]*\).*/\1/p' <<< "$clean" | awk '{ s += $1; n++ } END { if (n) printf "%.2f", s / n }')
    # 2. An Intel-vendor CPU with MWAIT: unpatched, the parked CPU sits in
    #    mwait_play_dead inside R (a triple fault); the kernel patch parks it in HLT.
    local ilog="$OUT/system-intel.log" iclean intel_trip
    KJUMP_QEMU_CPU=max,vendor=GenuineIntel boot_system "$ilog" jump-intel 600 \
        || fail "the Intel-vendor guest did not power off cleanly (QEMU status $?; $ilog)"
    iclean=$(tr -d '\r' < "$ilog" | sed 's/\x1b\[[0-9;]*[a-zA-Z]//g')
    grep -a -q '^KJUMP-VENDOR GenuineIntel' <<< "$iclean" || fail "the second guest's CPU is not Intel-vendor ($ilog)"
    grep -a -q '^KJUMP-MWAIT yes' <<< "$iclean" || fail "the Intel-vendor guest has no MONITOR/MWAIT, so it tests nothing ($ilog)"
    grep -a -q -E '^warn +CPU parking .*add clearcpuid=monitor' <<< "$iclean" \
        || fail "kjump doctor did not warn about MWAIT parking on the Intel-vendor guest ($ilog)"
    grep -a -q '^KJUMP-JUMP rc=0' <<< "$iclean" || fail "the round trip on an Intel-vendor CPU failed ($ilog)"
    grep -a -q '^kjump probe: OK' <<< "$iclean" || fail "kjump probe failed on the Intel-vendor guest ($ilog)"
    grep -a -q '^WORKLOAD-OK .*continued=yes' <<< "$iclean" || fail "the workload did not survive the Intel-vendor trip ($ilog)"
    [ "$KJUMP_GUEST_CPUS" = 1 ] || has_match -a "^KJUMP-CPUS-ONLINE 0-$((KJUMP_GUEST_CPUS - 1))\$" <<< "$iclean" \
        || fail "not every CPU came back online on the Intel-vendor guest ($ilog)"
    intel_trip=$(sed -n 's/^kjump: back after \([0-9.]*\) s.*/\1/p' <<< "$iclean")

    pass "trips=3 mean_round_trip_s=$mean h_boot_to_init_s=$h_boot trip_s=$(echo $times | tr ' ' ',') intel_mwait_trip_s=$intel_trip"
}
