#ifndef KJUMP_CLIBFUZZER_H
#define KJUMP_CLIBFUZZER_H

#include <stddef.h>
#include <stdint.h>

/// libFuzzer's own mutation of the `size` bytes at `data` (room for
/// `max_size`); returns the new size. Defined by libFuzzer's runtime, for a
/// target's `LLVMFuzzerCustomMutator`.
size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);

#endif
