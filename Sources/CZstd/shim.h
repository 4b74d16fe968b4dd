// zstd compression for kjump image frames. Debian: libzstd-dev.
#include <zstd.h>
#include <zstd_errors.h>
