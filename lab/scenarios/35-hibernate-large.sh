# summary: the hibernate scenario on a guest 4 times as large (4 GiB, workload 60 % of it, by default): H's memory must not grow with the system's
# shellcheck shell=bash
# The hibernation kernel's memory is the fixed H region, whatever the size of
# the system it saves; at 2-8 GiB the defaults once failed (the index did not
# fit, and the saver was killed for want of memory). This runs every step of
# `hibernate` on a larger guest: KJUMP_LARGE_GUEST_MEM_MIB (default 4 ×
# KJUMP_GUEST_MEM_MIB) and KJUMP_LARGE_WORKLOAD_MIB (default 60 % of it).
source "$LAB_DIR/scenarios/30-hibernate.sh"
export KJUMP_GUEST_MEM_MIB=${KJUMP_LARGE_GUEST_MEM_MIB:-$(( KJUMP_GUEST_MEM_MIB * 4 ))}
export KJUMP_WORKLOAD_MIB=${KJUMP_LARGE_WORKLOAD_MIB:-$(( KJUMP_GUEST_MEM_MIB * 60 / 100 ))}
log "hibernate-large: a ${KJUMP_GUEST_MEM_MIB} MiB guest with a ${KJUMP_WORKLOAD_MIB} MiB workload"
