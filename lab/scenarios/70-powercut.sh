# summary: the power is cut (QEMU killed) while the hibernation kernel writes the image: early, in the middle, and just before the commit; each time the next boot refuses the partial image, the normal system boots, every file written before the hibernation is intact and the data disk is clean
# shellcheck shell=bash
source "$LAB_DIR/lib/artefacts.sh"

# cut_case NAME GUEST WHEN: fresh disks; the system (guest scenario GUEST)
# hibernates and QEMU is killed when WHEN shows in its console: H's first
# progress line (early), its progress at 50 % or more (middle), or H's pause
# before the commit. Then H, booted with the partial image's resume command
# line, must refuse it; the normal system must boot with its files; e2fsck
# must find the data disk clean. Appends a line to CASE_LINES; counts PASSED.
cut_case() {
    local name=$1 guest=$2 when=$3 log="$OUT/$1-system.log" pid cut="" percent waited=0
    make_disks "$OUT"
    : > "$log"
    boot_system "$log" "$guest" 900 &
    pid=$!
    while kill -0 "$pid" 2>/dev/null && [ -z "$cut" ] && [ "$waited" -lt 6000 ]; do
        case $when in
            early)  grep -a -q 'kjump hibernate: [0-9]*/[0-9]* MiB' "$log" && cut="at H's first progress line" ;;
            middle) percent=$(grep -a -o 'MiB ([0-9]*%)' "$log" | tail -1 | tr -dc '0-9')
                    [ "${percent:-0}" -ge 50 ] && cut="with $percent % of memory gone through" ;;
            before-commit) grep -a -q '^KJUMP-H-PAUSED before-commit' "$log" && cut="at H's pause before the commit" ;;
        esac
        [ -n "$cut" ] || { sleep 0.05; waited=$((waited + 1)); }
    done
    # The power cut: no flush, no shutdown.
    pkill -KILL -f -- "path=$log" 2>/dev/null
    wait "$pid" 2>/dev/null
    CASES=$((CASES + 1))
    [ -n "$cut" ] || { CASE_LINES+=("FAIL $name: the moment to cut never came ($log)"); return; }
    serial_has "$log" '^KJUMP-H-HIBERNATED' && { CASE_LINES+=("FAIL $name: H finished before the cut ($log)"); return; }
    local state
    state=$("$OUT/bin/kjump" inspect "$OUT/resume.img" 2>&1 | sed -n 's/^state *//p')
    local rlog="$OUT/$name-resume.log" normal="$OUT/$name-normal.log" cmdline reason
    cmdline=$("$OUT/bin/kjump" inspect --resume-command-line "$OUT/resume.img") \
        || { CASE_LINES+=("FAIL $name: the partial image has no readable header ($OUT/resume.img)"); return; }
    # shellcheck disable=SC2046
    run_qemu_retrying KJUMP-H-INIT "$rlog" 600 "$HIBERNATION_KERNEL" "$cmdline console=ttyS0 panic=-1 quiet" $(resume_key_initrd) \
        -drive "file=$OUT/data.img,if=virtio,format=raw" -drive "file=$OUT/resume.img,if=virtio,format=raw" \
        || { CASE_LINES+=("FAIL $name: H's resume QEMU did not end cleanly ($rlog)"); return; }
    serial_has "$rlog" '^KJUMP-H-RESUME-REFUSED' || { CASE_LINES+=("FAIL $name: the partial image was not refused ($rlog)"); return; }
    serial_has "$rlog" '^kjump: restored' && { CASE_LINES+=("FAIL $name: pages of the partial image were restored ($rlog)"); return; }
    reason=$(tr -d '\r' < "$rlog" | grep -a -m1 '^Error: ' | cut -c8-)
    grep -q 'never committed' <<< "$reason" || { CASE_LINES+=("FAIL $name: refused for another reason: $reason"); return; }
    boot_system "$normal" powercut-normal 600 || { CASE_LINES+=("FAIL $name: the normal system did not boot ($normal)"); return; }
    serial_has "$normal" '^KJUMP-POWERCUT-FILES-OK' \
        || { CASE_LINES+=("FAIL $name: files written before the hibernation are damaged ($normal)"); return; }
    e2fsck -n -f "$OUT/data.img" > "$OUT/$name-fsck.log" 2>&1 \
        || { CASE_LINES+=("FAIL $name: e2fsck -n finds the data disk damaged ($OUT/$name-fsck.log)"); return; }
    PASSED=$((PASSED + 1))
    CASE_LINES+=("ok   $name: cut $cut, image state $state, refused: $reason")
}

scenario_main() {
    build_all || fail "building the lab artefacts failed (see $OUT/lab.log)"
    PASSED=0 CASES=0 CASE_LINES=()
    cut_case early powercut early
    cut_case middle powercut middle
    cut_case before-commit powercut-commit before-commit
    printf '%s\n' "${CASE_LINES[@]}" | tee "$OUT/cases.txt" >&2
    grep -q '^FAIL' "$OUT/cases.txt" && fail "$(grep -m1 '^FAIL' "$OUT/cases.txt")"
    [ "$PASSED" = "$CASES" ] || fail "$PASSED/$CASES cases"
    pass "$PASSED/$CASES"
}
