# summary: sealed images: after two hibernations of one machine, a resume of each damaged or foreign copy of the image is refused before the jump with its reason, the image is left alone where it can be, the normal system boots and the data disk is clean
# shellcheck shell=bash
source "$LAB_DIR/scenarios/30-hibernate.sh"   # armed_image, resume_boot

# refused_case NAME EXPECTED [QEMU ARGS FOR THE KEY]: resumes $OUT/resume.img
# as it is now (one case's copy); H must refuse with a line matching EXPECTED
# (an extended regex) and reboot, no page of the image may have run, and the
# image must not be marked consumed; the normal system then boots with its data intact, and e2fsck finds the data
# disk clean. Counts PASSED and CASES; records the reason in CASE_LINES.
refused_case() {
    local name=$1 expected=$2 log="$OUT/case-$1.log" normal="$OUT/case-$1-normal.log" reason
    shift 2
    CASES=$((CASES + 1))
    cp "$OUT/data-hibernated.img" "$OUT/data.img"
    local cmdline rc=0 feeder="" sock="$OUT/console.sock"
    cmdline=$("$OUT/bin/kjump" inspect --resume-command-line "$OUT/pristine.img")
    if [ -n "${TYPED_LINES:-}" ]; then
        # A user at H's console types TYPED_LINES, one at each passphrase prompt.
        rm -f "$sock"
        # shellcheck disable=SC2086
        /usr/bin/python3 "$LAB_DIR/lib/console-feed.py" "$sock" "$log" "Passphrase for resume key" $TYPED_LINES &
        feeder=$!
    fi
    KJUMP_QEMU_CONSOLE_SOCKET=${feeder:+$sock} run_qemu_retrying KJUMP-H-INIT "$log" 600 "$HIBERNATION_KERNEL" \
        "$cmdline kjump.image=$ARMED_IMAGE console=ttyS0 panic=-1 quiet" "$@" \
        -drive "file=$OUT/data.img,if=virtio,format=raw" -drive "file=$OUT/resume.img,if=virtio,format=raw" || rc=$?
    [ -z "$feeder" ] || wait "$feeder"
    [ "$rc" = 0 ] || { CASE_LINES+=("FAIL $name: the hibernation kernel's QEMU did not end cleanly ($log)"); return; }
    reason=$(tr -d '\r' < "$log" | grep -a -m1 '^Error: ' | cut -c8-)
    if ! serial_has "$log" '^KJUMP-H-RESUME-REFUSED'; then
        CASE_LINES+=("FAIL $name: not refused ($log)"); return
    fi
    if serial_has "$log" '^KJUMP-TAMPER-RESUMED|^kjump: restored'; then
        CASE_LINES+=("FAIL $name: refused only after pages ran ($log)"); return
    fi
    if ! grep -q -E "$expected" <<< "$reason"; then
        CASE_LINES+=("FAIL $name: the reason does not match /$expected/: $reason"); return
    fi
    # Any refusal marks nothing: also a frame that fails while pages are placed.
    if "$OUT/bin/kjump" inspect "$OUT/resume.img" 2>/dev/null | has_match '^state  *consumed'; then
        CASE_LINES+=("FAIL $name: the refused image was marked consumed"); return
    fi
    boot_system "$normal" tamper-normal 600 \
        || { CASE_LINES+=("FAIL $name: the normal system did not boot ($normal)"); return; }
    if ! serial_has "$normal" '^KJUMP-TAMPER-FILE-OK' || serial_has "$normal" '^KJUMP-TAMPER-NOT-FRESH'; then
        CASE_LINES+=("FAIL $name: the normal boot is not a fresh system with its data ($normal)"); return
    fi
    if ! e2fsck -n -f "$OUT/data.img" > "$OUT/case-$name-fsck.log" 2>&1; then
        CASE_LINES+=("FAIL $name: e2fsck -n finds the data disk damaged ($OUT/case-$name-fsck.log)"); return
    fi
    PASSED=$((PASSED + 1))
    CASE_LINES+=("ok   $name: $reason")
}

# tampered NAME CHANGE...: the pristine image, changed by lab/lib/tamper.py CHANGE.
tampered() {
    cp "$OUT/pristine.img" "$OUT/resume.img"
    /usr/bin/python3 "$LAB_DIR/lib/tamper.py" "$OUT/resume.img" "$@" >> "$OUT/lab.log" || fail "lab/lib/tamper.py $* failed"
}

scenario_main() {
    build_all || fail "building the lab artefacts failed (see $OUT/lab.log)"
    local log="$OUT/system.log" rlog="$OUT/resume.log"
    # 1. Two sealed hibernations of the same machine: keep the first image
    #    (committed, valid, older) and the second (the one the entry is armed for).
    boot_system "$log" tamper 900 || fail "the first QEMU did not power off by itself (status $?; $log)"
    serial_has "$log" '^KJUMP-H-HIBERNATED' || fail "the first hibernation saved no image ($log)"
    cp "$OUT/resume.img" "$OUT/older.img"
    ARMED_IMAGE=$(armed_image "$log")
    resume_boot "$rlog" || fail "the first resume did not end cleanly (status $?; $rlog)"
    serial_has "$rlog" '^KJUMP-TAMPER-FIRST rc=0' || fail "the first image did not resume ($rlog)"
    serial_has "$rlog" '^KJUMP-H-HIBERNATED' || fail "the second hibernation saved no image ($rlog)"
    cp "$OUT/resume.img" "$OUT/pristine.img"
    # The data disk as the hibernated system left it: each case starts from it
    # (a normal boot mounts it, which would make every later image stale).
    cp "$OUT/data.img" "$OUT/data-hibernated.img"
    ARMED_IMAGE=$(armed_image "$rlog")
    [ -n "$ARMED_IMAGE" ] || fail "the second hibernation did not arm the boot entry for its image ($rlog)"
    "$OUT/bin/kjump" verify --key "$OUT/keys/resume.key" "$OUT/pristine.img" >> "$OUT/lab.log" \
        || fail "the second image does not verify before it is damaged"

    # Another machine's resume key, given to H as this machine's would be.
    local other="$OUT/other-keys" staging="$OUT/other-key-initramfs"
    rm -rf "$other" "$staging"
    "$OUT/bin/kjump" keygen --no-passphrase --hibernation-key "$other/hibernation.key" \
        --resume-key "$other/resume.key" >> "$OUT/lab.log" || fail "kjump keygen for the other machine failed"
    install -D -m 0600 "$other/resume.key" "$staging/etc/kjump/resume.key"
    make_cpio "$staging" "$OUT/other-key.cpio"

    # 2. Each case on a fresh copy; H must refuse before the jump.
    PASSED=0 CASES=0 CASE_LINES=()
    local key=(-initrd "$OUT/resume-key.cpio")
    tampered header;                 refused_case header 'image header at byte 0 is corrupt' "${key[@]}"
    tampered header --forge;         refused_case header-forged 'trailer is not authentic' "${key[@]}"
    tampered middle-frame;           refused_case middle-frame '^frame [0-9]+ at byte .* is corrupt' "${key[@]}"
    tampered middle-frame --forge;   refused_case middle-frame-forged 'trailer is not authentic' "${key[@]}"
    tampered last-frame --forge;     refused_case last-frame-forged 'trailer is not authentic' "${key[@]}"
    tampered trailer;                refused_case trailer 'image trailer at byte .* is corrupt' "${key[@]}"
    tampered trailer --forge;        refused_case trailer-forged 'trailer is not authentic' "${key[@]}"
    tampered truncate-frame;         refused_case truncated 'is truncated or was never finished' "${key[@]}"
    tampered swap-frames --forge;    refused_case swapped 'trailer is not authentic' "${key[@]}"
    tampered splice "$OUT/older.img" --forge
                                     refused_case spliced 'trailer is not authentic' "${key[@]}"
    cp "$OUT/older.img" "$OUT/resume.img"
                                     refused_case older-image 'not .*the one this boot was armed for' "${key[@]}"
    cp "$OUT/pristine.img" "$OUT/resume.img"
                                     refused_case wrong-key-file 'was sealed to resume key [0-9a-f]+, not to the key given' \
                                         -initrd "$OUT/other-key.cpio"
    # The resume key protected by a passphrase (the same keys: keygen --reprotect),
    # and a user who types a wrong one three times at H's console.
    local protected="$OUT/passphrase-key-initramfs"
    rm -rf "$protected"
    echo "the lab's passphrase" > "$OUT/passphrase.txt"
    "$OUT/bin/kjump" keygen --reprotect "$OUT/keys/resume.key" --resume-key "$protected/etc/kjump/resume.key" \
        --passphrase-file "$OUT/passphrase.txt" --argon2-memory-mib 8 >> "$OUT/lab.log" || fail "kjump keygen --reprotect failed"
    make_cpio "$protected" "$OUT/passphrase-key.cpio"
    cp "$OUT/pristine.img" "$OUT/resume.img"
    TYPED_LINES="wrong1 wrong2 wrong3" \
                                     refused_case wrong-passphrase 'the passphrase does not open the resume key' \
                                         -initrd "$OUT/passphrase-key.cpio"
    serial_has "$OUT/case-wrong-passphrase.log" 'wrong passphrase: no tries left' \
        || CASE_LINES+=("FAIL wrong-passphrase: H did not give three tries ($OUT/case-wrong-passphrase.log)")

    # The pristine image, refused for the key, is still committed.
    "$OUT/bin/kjump" inspect "$OUT/resume.img" | has_match '^state      committed' \
        || CASE_LINES+=("FAIL the image refused for the wrong key was marked consumed")

    printf '%s\n' "${CASE_LINES[@]}" | tee "$OUT/cases.txt" >&2
    [ "$PASSED" = "$CASES" ] || fail "$PASSED/$CASES cases refused as they must be ($OUT/cases.txt)"
    grep -q '^FAIL' "$OUT/cases.txt" && fail "$(grep -m1 '^FAIL' "$OUT/cases.txt")"
    pass "$PASSED/$CASES"
}
