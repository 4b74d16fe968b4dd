// XXH3 checksums for kjump images (header, state, frames, index, trailer).
// Debian: libxxhash-dev.
#include <xxhash.h>
