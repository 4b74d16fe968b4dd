# lab/bench dump: kjump save versus makedumpfile, dump level 31.
#  1. On one vmcore of the lab's system kernel (the guest size and workload
#     of KJUMP_GUEST_MEM_MIB and KJUMP_WORKLOAD_MIB; made by lab/vmcore):
#     each setting once from a cold page cache (dropped first, as root), then
#     KJUMP_BENCH_RUNS times (5) from a warm one, the best run counted;
#     makedumpfile with -l, -c and -z.
#  2. From one real crash: the system kernel (crashkernel=, kjump crash-load)
#     panics through sysrq; in the crash kernel H, before its real save, every
#     tool dumps the same /proc/vmcore to tmpfs (H carries Debian's
#     makedumpfile for this). Panic to dump committed = H's boot (its uptime
#     at /init) + the tool's seconds.
# Last line:
#   RATIO time=<kjump/makedumpfile> size=<kjump/makedumpfile> crash_time=<…> crash_size=<…>
# comparing the fastest kjump setting with the fastest makedumpfile setting.
# shellcheck shell=bash
source "$LAB_DIR/lib/qemu.sh"
source "$LAB_DIR/lib/artefacts.sh"

BENCH_RUNS=${KJUMP_BENCH_RUNS:-5}

# seconds COMMAND...: wall seconds of one run (output discarded).
seconds() {
    local start end
    start=$(date +%s.%N)
    "$@" >/dev/null 2>&1 || return 1
    end=$(date +%s.%N)
    echo "$end - $start" | bc
}

# cold COMMAND...: one run's wall seconds after the page cache is dropped
# (the vmcore read from disk), or "-" where caches cannot be dropped (not root).
cold() {
    sync
    { echo 3 > /proc/sys/vm/drop_caches; } 2>/dev/null || { echo "-"; return 0; }
    local t
    t=$(seconds "$@") || return 1
    printf '%.3f' "$t"
}

# best_of N COMMAND...: the fastest of N runs.
best_of() {
    local n=$1 best= t
    shift
    for _ in $(seq "$n"); do
        t=$(seconds "$@") || return 1
        if [ -z "$best" ] || [ "$(echo "$t < $best" | bc)" = 1 ]; then best=$t; fi
    done
    printf '%.3f' "$best"
}

# rate SECONDS: MiB of the vmcore per second.
rate() { echo "scale=0; $size_mib / $1" | bc; }

bench_main() {
    local vmcore="${KJUMP_LAB_OUT:-$LAB_DIR/out}/vmcore/vmcore.elf"
    [ -f "$vmcore" ] || "$LAB_DIR/vmcore" >&2 || { echo "bench dump: lab/vmcore failed"; exit 1; }
    command -v makedumpfile >/dev/null || { echo "bench dump: makedumpfile is not installed (lab/deps)"; exit 1; }
    build_kjump "$OUT/bin"
    local kjump="$OUT/bin/kjump" size_mib
    size_mib=$(( $(stat -c %s "$vmcore") >> 20 ))

    local cat_s cat_cold
    cat_cold=$(cold sh -c "cat '$vmcore' > /dev/null")
    cat "$vmcore" > /dev/null
    cat_s=$(best_of "$BENCH_RUNS" sh -c "cat '$vmcore' > /dev/null")

    # warm: best of BENCH_RUNS from the page cache; cold: one run after dropping it.
    printf '%-34s %9s %8s %9s %10s %12s\n' "tool (dump level 31)" "warm s" "MiB/s" "cold s" "MiB out" "pages kept"
    printf '%-34s %9s %8s %9s %10s %12s\n' "cat vmcore > /dev/null ($size_mib MiB)" "$cat_s" "$(rate "$cat_s")" "$cat_cold" "-" "-"
    local best_k= best_k_size= best_m= best_m_size= name t c bytes pages
    for codec in lz4 zstd; do
        name="kjump save --compress $codec"
        c=$(cold "$kjump" save --from "$vmcore" --to "$OUT/kjump-$codec.kjimg" --compress "$codec" --dump-level 31) \
            || { echo "bench dump: kjump save failed"; exit 1; }
        cat "$vmcore" > /dev/null
        t=$(best_of "$BENCH_RUNS" "$kjump" save --from "$vmcore" --to "$OUT/kjump-$codec.kjimg" --compress "$codec" --dump-level 31) \
            || { echo "bench dump: kjump save failed"; exit 1; }
        bytes=$(stat -c %s "$OUT/kjump-$codec.kjimg")
        pages=$("$kjump" inspect "$OUT/kjump-$codec.kjimg" | sed -n 's/^pages *\([0-9]*\) data.*/\1/p')
        printf '%-34s %9s %8s %9s %10s %12s\n' "$name" "$t" "$(rate "$t")" "$c" "$(echo "scale=1; $bytes / 1048576" | bc)" "$pages"
        if [ -z "$best_k" ] || [ "$(echo "$t < $best_k" | bc)" = 1 ]; then best_k=$t; best_k_size=$bytes; fi
    done
    for flag in -l -c -z; do
        name="makedumpfile $flag -d 31"
        rm -f "$OUT/makedumpfile$flag.dump"
        c=$(cold sh -c "makedumpfile $flag -d 31 '$vmcore' '$OUT/makedumpfile$flag.dump'") \
            || { echo "bench dump: makedumpfile $flag failed"; exit 1; }
        cat "$vmcore" > /dev/null
        t=$(best_of "$BENCH_RUNS" sh -c "rm -f '$OUT/makedumpfile$flag.dump'; makedumpfile $flag -d 31 '$vmcore' '$OUT/makedumpfile$flag.dump'") \
            || { echo "bench dump: makedumpfile $flag failed"; exit 1; }
        bytes=$(stat -c %s "$OUT/makedumpfile$flag.dump")
        # Its report gives the count in hex: "Remaining pages  : 0x0000000000002025".
        pages=$(makedumpfile $flag -d 31 --message-level 31 "$vmcore" "$OUT/makedumpfile-count.dump" 2>&1 \
                | sed -n 's/^ *Remaining pages *: *\(0x[0-9a-fA-F]*\).*/\1/p' | head -1)
        [ -z "$pages" ] || pages=$((pages))
        rm -f "$OUT/makedumpfile-count.dump"
        printf '%-34s %9s %8s %9s %10s %12s\n' "$name" "$t" "$(rate "$t")" "$c" "$(echo "scale=1; $bytes / 1048576" | bc)" "${pages:--}"
        if [ -z "$best_m" ] || [ "$(echo "$t < $best_m" | bc)" = 1 ]; then best_m=$t; best_m_size=$bytes; fi
    done
    echo "(best of $BENCH_RUNS runs each, warm page cache; Debian's makedumpfile has zstd disabled: -z writes pages uncompressed)"
    echo "kjump's best run gets through the ${size_mib} MiB vmcore at $(echo "scale=0; $size_mib / $best_k" | bc) MiB/s, $(echo "scale=0; 100 * $cat_s / $best_k" | bc)% of cat's speed (it reads only the pages it keeps)"
    local ratio_time ratio_size
    ratio_time=$(echo "scale=3; $best_k / $best_m" | bc | sed 's/^\./0./')
    ratio_size=$(echo "scale=3; $best_k_size / $best_m_size" | bc | sed 's/^\./0./')
    echo
    crash_table || { echo "bench dump: the crash part failed: $CRASH_FAILURE"; exit 1; }
    echo "RATIO time=$ratio_time size=$ratio_size crash_time=$CRASH_RATIO_TIME crash_size=$CRASH_RATIO_SIZE"
}

# crash_table: part 2. Sets CRASH_RATIO_TIME and CRASH_RATIO_SIZE, or CRASH_FAILURE.
crash_table() {
    # 256 MiB: H holds each tool's dump in tmpfs, next to the tool itself.
    local crashkernel_mib=${KJUMP_CRASHKERNEL_MIB:-256} log="$OUT/crash.log" clean h_boot
    # H with as many CPUs as the guest: kjump compresses on all, makedumpfile gets --num-threads.
    local h_cpus=$KJUMP_GUEST_CPUS
    build_workload "$OUT/bin"
    # The system initramfs carries the machine's hibernation key, as in every scenario.
    make_keys "$OUT" "$OUT/bin"
    build_hibernation_kernel "$OUT" "$OUT/bin" stage_makedumpfile
    build_system_initramfs "$OUT" "$OUT/bin" "$OUT/hibernation-bzImage"
    SYSTEM_KERNEL="$("$LAB_DIR/build-kernel" system)/vmlinux"
    make_disks "$OUT"
    run_qemu_retrying KJUMP-INIT "$log" 900 "$SYSTEM_KERNEL" \
        "$(system_append crash) crashkernel=${crashkernel_mib}M kjump_crash_step=panic kjump_crash_bench=1 kjump_crash_cpus=$h_cpus" \
        -initrd "$OUT/system-initramfs.cpio" \
        -drive "file=$OUT/data.img,if=virtio,format=raw" -drive "file=$OUT/resume.img,if=virtio,format=raw" \
        || { CRASH_FAILURE="the crash QEMU did not end by itself ($log)"; return 1; }
    clean=$(tr -d '\r' < "$log" | sed 's/\x1b\[[0-9;]*[a-zA-Z]//g')
    grep -a -q '^KJUMP-H-DUMPED' <<< "$clean" || { CRASH_FAILURE="the crash kernel did not save the dump ($log)"; return 1; }
    h_boot=$(grep -a -m1 '^KJUMP-H-INIT uptime=' <<< "$clean" | sed 's/.*uptime=\([0-9.]*\).*/\1/')
    printf '%-34s %9s %10s %12s\n' "from a crash, in H ($h_cpus CPUs)" "save s" "MiB out" "panic→dump s"
    local best_k= best_k_size= best_m= best_m_size= tool t bytes rc total line
    while read -r line; do
        tool=$(awk '{ print $2 }' <<< "$line")
        t=$(sed -n 's/.* seconds=\([0-9.]*\).*/\1/p' <<< "$line")
        bytes=$(sed -n 's/.* bytes=\([0-9]*\).*/\1/p' <<< "$line")
        rc=$(sed -n 's/.* rc=\([0-9]*\).*/\1/p' <<< "$line")
        if [ "$rc" != 0 ]; then
            # kjump must not fail; a reference setting that fails is reported and left out.
            case "$tool" in kjump-*) CRASH_FAILURE="$tool failed in H ($log)"; return 1 ;; esac
            printf '%-34s %9s %10s %12s\n' "$tool" "failed" "(status $rc)" "-"
            continue
        fi
        total=$(echo "$h_boot + $t" | bc)
        printf '%-34s %9s %10s %12s\n' "$tool" "$t" "$(echo "scale=1; $bytes / 1048576" | bc)" "$total"
        case "$tool" in
            kjump-*) if [ -z "$best_k" ] || [ "$(echo "$total < $best_k" | bc)" = 1 ]; then best_k=$total; best_k_size=$bytes; fi ;;
            *) if [ -z "$best_m" ] || [ "$(echo "$total < $best_m" | bc)" = 1 ]; then best_m=$total; best_m_size=$bytes; fi ;;
        esac
    done < <(grep -a '^KJUMP-H-BENCH ' <<< "$clean")
    [ -n "$best_k" ] && [ -n "$best_m" ] || { CRASH_FAILURE="H did not time both tools ($log)"; return 1; }
    echo "(H booted in $h_boot s after the panic; crashkernel=${crashkernel_mib}M; each tool wrote to tmpfs in turn, then kjump saved to disk)"
    CRASH_RATIO_TIME=$(echo "scale=3; $best_k / $best_m" | bc | sed 's/^\./0./')
    CRASH_RATIO_SIZE=$(echo "scale=3; $best_k_size / $best_m_size" | bc | sed 's/^\./0./')
}
