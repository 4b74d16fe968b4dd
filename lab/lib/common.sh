# Shared helpers for the lab scripts. Source it; do not run it.
# shellcheck shell=bash

LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REPO_DIR=$(cd "$LAB_DIR/.." && pwd)
KJUMP_CACHE=${KJUMP_CACHE:-/var/cache/kjump}
KERNEL_SOURCE_PACKAGE=linux-source-6.12
KERNEL_SOURCE_TARBALL=/usr/src/linux-source-6.12.tar.xz

# Guest size and workload: every scenario honours these.
KJUMP_GUEST_MEM_MIB=${KJUMP_GUEST_MEM_MIB:-1024}
KJUMP_GUEST_CPUS=${KJUMP_GUEST_CPUS:-2}
KJUMP_WORKLOAD_MIB=${KJUMP_WORKLOAD_MIB:-256}

log() { printf '[lab %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf '[lab] error: %s\n' "$*" >&2; exit 1; }

# COMMAND | has_match [GREP OPTIONS] PATTERN: true when a line of the input
# matches. Unlike `grep -q` it reads the input to its end: grep -q exits at
# the first match, the writer's next write then dies of SIGPIPE, and under
# `set -o pipefail` (lab/run, packaging/check) the pipeline fails though the
# line was there (CI's hibernate-large: a resume that worked was taken for a
# boot that died before /init, retried, and refused; lab/selftest).
has_match() { grep "$@" > /dev/null; }

# hash_inputs FILE... -> sha256 over names and contents, first 16 hex digits.
hash_inputs() {
    local f
    for f in "$@"; do
        printf '%s\n' "$(basename "$f")"
        cat "$f"
    done | sha256sum | cut -c1-16
}

# Version of the installed Debian kernel source package.
kernel_source_version() {
    dpkg-query -W -f='${Version}' "$KERNEL_SOURCE_PACKAGE" 2>/dev/null \
        || die "$KERNEL_SOURCE_PACKAGE is not installed: run 'make deps' (apt-get install $KERNEL_SOURCE_PACKAGE)"
}
