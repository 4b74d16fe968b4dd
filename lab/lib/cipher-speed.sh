# The AEADs' own speed inside the lab's guest: a small initramfs of busybox
# and Debian's openssl whose /init runs `openssl speed` on 1 MiB buffers
# (kjump's frame size) and powers off. OpenSSL runs the same CRYPTOGAMS
# assembly for AES-GCM and ChaCha20-Poly1305 as the BoringSSL inside
# swift-crypto, picked by the same CPUID bits, and allocates nothing per
# buffer: the cipher alone. Used by lab/experiments/aead-speed and by
# lab/bench resume (the floor under its sealing cost).
# shellcheck shell=bash

# cipher_speed_initramfs DIR "CIPHER..." "MULTI...": DIR/initramfs.cpio, whose
# init prints `AEAD-CPU <model> (<n> CPUs; <flags>)`, then for each cipher
# and each -multi count `AEAD-SPEED <cipher> <multi> <kB/s>` (multi "all":
# every CPU), then `AEAD-DONE`, and powers off.
cipher_speed_initramfs() {
    local dir=$1 ciphers=$2 multis=$3 busybox openssl file
    busybox=$(command -v busybox) || { echo "busybox is missing (apt-get install busybox-static)" >&2; return 1; }
    openssl=$(command -v openssl) || { echo "openssl is missing (apt-get install openssl)" >&2; return 1; }
    rm -rf "$dir/root" && mkdir -p "$dir/root/bin" "$dir/root/proc" "$dir/root/dev" "$dir/root/tmp" || return 1
    cp "$busybox" "$dir/root/bin/busybox" || return 1
    for file in "$openssl" $(ldd "$openssl" | grep -o '/[^ ]*'); do
        mkdir -p "$dir/root$(dirname "$file")" && cp -L "$file" "$dir/root$file" || return 1
    done
    cat > "$dir/root/init" <<EOF
#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t devtmpfs dev /dev
exec </dev/console >/dev/console 2>&1   # the cpio may have no /dev/console of its own
/bin/busybox --install -s /bin
cpus=\$(grep -c ^processor /proc/cpuinfo)
echo "AEAD-CPU \$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//') (\$cpus CPUs; \$(grep -m1 ^flags /proc/cpuinfo | tr ' ' '\n' | grep -E '^(aes|pclmulqdq|avx|avx2|vaes|vpclmulqdq)\$' | tr '\n' ' '))"
for cipher in $ciphers; do
    for multi in $multis; do
        [ "\$multi" = all ] && multi=\$cpus
        kb=\$($openssl speed -elapsed -seconds 3 -bytes 1048576 -multi \$multi -evp \$cipher 2>/dev/null | tail -n 1 | awk '{ print \$NF }')
        echo "AEAD-SPEED \$cipher \$multi \${kb%k}"
    done
done
echo AEAD-DONE
poweroff -f
EOF
    chmod +x "$dir/root/init"
    (cd "$dir/root" && find . | cpio -o -H newc 2>/dev/null) > "$dir/initramfs.cpio"
}

# cipher_speed_value LOG CIPHER MULTI -> MB/s (integer) from an AEAD-SPEED line, or nothing.
cipher_speed_value() {
    local kb
    kb=$(tr -d '\r' < "$1" | sed -n "s/^AEAD-SPEED $2 $3 \([0-9.]*\).*/\1/p" | head -n 1)
    [ -z "$kb" ] || echo "scale=0; $kb / 1000" | bc
}
