// XXH3 checksums for kjump images (header, state, frames, index, trailer).
// Debian: libxxhash-dev.
//
// Why C: xxHash is a C library; these two static inline wrappers compile its
// header inline with the *scalar* XXH3 kernel. The values are the same on
// every path; the speed is not. Measured on the lab machines, 1 MiB blocks:
//   native:             SSE2 19.7 GB/s, AVX2 31.8 GB/s, scalar 8.5 GB/s
//   QEMU TCG guest:     SSE2  0.40 GB/s, AVX2 0.83 GB/s, scalar 0.90 GB/s
// Emulated vector instructions are slow, and scalar XXH3 still outruns
// any disk natively, so the hibernation kernel checksums with it everywhere.
#define XXH_INLINE_ALL
#define XXH_VECTOR XXH_SCALAR
#include <xxhash.h>

/// XXH3-64 of `count` bytes at `bytes`, seed 0.
static inline XXH64_hash_t kjump_xxh3_64(const void *bytes, size_t count) {
    return XXH3_64bits(bytes, count);
}

/// XXH3-128 of `count` bytes at `bytes`, seed 0.
static inline XXH128_hash_t kjump_xxh3_128(const void *bytes, size_t count) {
    return XXH3_128bits(bytes, count);
}

/// A streaming XXH3-64 state (for the index, written and read in pieces),
/// handed to Swift as an opaque pointer. Gives the same value as
/// kjump_xxh3_64 over the concatenated pieces.
static inline void *kjump_xxh3_state_new(void) {
    XXH3_state_t *state = XXH3_createState();
    if (state) XXH3_64bits_reset(state);
    return state;
}

static inline void kjump_xxh3_state_free(void *state) { XXH3_freeState((XXH3_state_t *)state); }

static inline void kjump_xxh3_state_update(void *state, const void *bytes, size_t count) {
    XXH3_64bits_update((XXH3_state_t *)state, bytes, count);
}

static inline XXH64_hash_t kjump_xxh3_state_digest(const void *state) {
    return XXH3_64bits_digest((const XXH3_state_t *)state);
}
