# lab/bench scale: kjump against swsusp as the guest grows. For each size
# (KJUMP_SCALE_SIZES, MiB; default 1024 2048 4096 8192), 2 vCPUs and the
# mixed workload at KJUMP_SCALE_WORKLOAD_PERCENT (60) % of RAM, `lab/bench
# resume` runs KJUMP_SCALE_RUNS times (default 1): kjump and swsusp each
# hibernate and resume the same guest, every byte of the workload checked.
# One row per size and tool with min/median/max over the runs:
#   hibernate s  the guest starting to hibernate → QEMU's exit
#   resume s     the new QEMU process's start → the workload verified again
#   image MiB    kjump's image; swsusp's blocks on its swap disk
#   bound MiB    zstd -19 --long=27 of the pages kjump kept (its image
#                exported to ELF), on a sample of every Nth MiB when the
#                pages exceed KJUMP_SCALE_BOUND_SAMPLE_MIB (256): zstd -19
#                runs at about 1.5 MB/s here
#   H peak MiB   kjump's peak memory in the hibernation kernel, save/restore
# and where kjump's time went (the last run's breakdown).
# Last line, at the largest size (medians):
#   RATIO resume=<kjump/swsusp> hibernate=<kjump/swsusp> image=<kjump/swsusp> bound=<kjump image/bound>
# shellcheck shell=bash

bench_main() {
    local sizes=${KJUMP_SCALE_SIZES:-1024 2048 4096 8192} runs=${KJUMP_SCALE_RUNS:-1}
    local percent=${KJUMP_SCALE_WORKLOAD_PERCENT:-60} sample_mib=${KJUMP_SCALE_BOUND_SAMPLE_MIB:-256}
    local started size run dir out
    started=$(date +%s)
    declare -A k_h k_r k_i s_h s_r s_i bound peak breakdown_h breakdown_r
    for size in $sizes; do
        for run in $(seq 1 "$runs"); do
            dir="$OUT/$size-$run"
            rm -rf "$dir" && mkdir -p "$dir"
            log "scale: $size MiB guest, run $run of $runs"
            out=$(KJUMP_GUEST_MEM_MIB=$size KJUMP_GUEST_CPUS=2 KJUMP_WORKLOAD_MIB=$(( size * percent / 100 )) KJUMP_BENCH_UNSEALED=0 \
                  KJUMP_LAB_OUT="$dir" "$LAB_DIR/bench" resume 2> "$dir/bench.log")
            echo "$out" > "$dir/bench.out"
            grep -q '^RATIO ' <<< "$out" || { echo "bench scale: lab/bench resume failed at $size MiB: $(tail -1 <<< "$out") ($dir)"; exit 1; }
            read -r _ kh ki kr <<< "$(grep '^kjump ' <<< "$out")"
            read -r _ sh si sr <<< "$(grep '^swsusp ' <<< "$out")"
            k_h[$size]+="$kh "; k_i[$size]+="$ki "; k_r[$size]+="$kr "
            s_h[$size]+="$sh "; s_i[$size]+="$si "; s_r[$size]+="$sr "
            breakdown_h[$size]=$(grep '^kjump hibernate:' <<< "$out")
            breakdown_r[$size]=$(grep '^kjump resume:' <<< "$out")
            peak[$size]="$(sed -n 's/.*H peak \([0-9?]*\) MiB$/\1/p' <<< "${breakdown_h[$size]}")/$(sed -n 's/.*H peak \([0-9?]*\) MiB$/\1/p' <<< "${breakdown_r[$size]}")"
        done
        bound[$size]=$(compression_bound "$dir/bench-resume/kjump-image.img" "$sample_mib" "$dir")
    done

    printf '%-6s %-7s %-20s %-20s %-20s %9s %11s\n' "RAM" tool "hibernate s" "resume s" "image MiB" "bound MiB" "H peak MiB"
    for size in $sizes; do
        printf '%-6s %-7s %-20s %-20s %-20s %9s %11s\n' "${size}M" kjump "$(spread ${k_h[$size]})" "$(spread ${k_r[$size]})" \
            "$(spread ${k_i[$size]})" "${bound[$size]}" "${peak[$size]}"
        printf '%-6s %-7s %-20s %-20s %-20s %9s %11s\n' "" swsusp "$(spread ${s_h[$size]})" "$(spread ${s_r[$size]})" \
            "$(spread ${s_i[$size]})" "" ""
    done
    echo "(min/median/max over $runs run(s) each; 2 vCPUs, workload $percent % of RAM, QEMU TCG on $(nproc) host cores; whole bench $(( $(date +%s) - started )) s)"
    for size in $sizes; do
        echo "${size} MiB: ${breakdown_h[$size]}"
        echo "${size} MiB: ${breakdown_r[$size]}"
    done
    fit_line "$sizes" k_h "kjump hibernate"
    fit_line "$sizes" k_r "kjump resume"
    local last=${sizes##* }
    ratio() { echo "scale=3; $1 / $2" | bc | sed 's/^\./0./'; }
    echo "RATIO resume=$(ratio "$(median ${k_r[$last]})" "$(median ${s_r[$last]})") hibernate=$(ratio "$(median ${k_h[$last]})" "$(median ${s_h[$last]})") image=$(ratio "$(median ${k_i[$last]})" "$(median ${s_i[$last]})") bound=$(ratio "$(median ${k_i[$last]})" "${bound[$last]#\~}")"
}

# median V... / spread V... ("min/median/max", or the value for one run)
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
spread() {
    [ "$#" -eq 1 ] && { echo "$1"; return; }
    printf '%s/%s/%s' "$(printf '%s\n' "$@" | sort -g | head -1)" "$(median "$@")" "$(printf '%s\n' "$@" | sort -g | tail -1)"
}

# fit_line SIZES ARRAY LABEL: least-squares line of the medians against the
# workload (used memory), seconds = a + b × GiB.
fit_line() {
    local sizes=$1 label=$3 size
    local -n values=$2
    for size in $sizes; do echo "$(( size * ${KJUMP_SCALE_WORKLOAD_PERCENT:-60} / 100 )) $(median ${values[$size]})"; done | awk -v label="$label" '
        { x = $1 / 1024; sx += x; sy += $2; sxx += x * x; sxy += x * $2; n++ }
        END { if (n < 2) exit; b = (n * sxy - sx * sy) / (n * sxx - sx * sx); a = (sy - b * sx) / n;
              printf "%s: %.2f s + %.2f s per GiB of workload (least squares over %d sizes)\n", label, a, b, n }'
}

# compression_bound IMAGE SAMPLE_MIB DIR: MiB that zstd -19 --long=27 makes of
# the pages in IMAGE (exported to ELF: data and zero pages), from every Nth
# MiB when they exceed SAMPLE_MIB, scaled up; "~" marks a sampled bound.
compression_bound() {
    local image=$1 sample_mib=$2 dir=$3 elf total stride compressed
    elf="$dir/bound.elf"
    "$dir/bench-resume/bin/kjump" export "$image" --elf "$elf" --key "$dir/bench-resume/keys/resume.key" >/dev/null 2>&1 || { echo "?"; return; }
    rm -f "$image"
    total=$(( $(stat -c %s "$elf") >> 20 ))
    stride=$(( (total + sample_mib - 1) / sample_mib ))
    if [ "$stride" -le 1 ]; then
        compressed=$(zstd -q -19 --long=27 -T0 -c "$elf" | wc -c)
        rm -f "$elf"
        echo "scale=1; $compressed / 1048576" | bc
    else
        compressed=$(python3 -c '
import sys
path, stride = sys.argv[1], int(sys.argv[2])
with open(path, "rb") as f:
    i = 0
    while True:
        block = f.read(1 << 20)
        if not block:
            break
        if i % stride == 0:
            sys.stdout.buffer.write(block)
        i += 1
' "$elf" "$stride" | zstd -q -19 --long=27 -T0 -c | wc -c)
        rm -f "$elf"
        echo "~$(echo "scale=1; $compressed * $stride / 1048576" | bc)"
    fi
}
