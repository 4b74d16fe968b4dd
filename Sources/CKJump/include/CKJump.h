// CKJump: C shims for kjump.
//
// Why C: glibc exposes `kexec_load(2)` only through the variadic `syscall(2)`,
// which Swift cannot call. Each shim here is a fixed-signature wrapper around
// one raw system call, so the Swift layer (KJumpLinux) gets a typed seam.
// The purgatory (purgatory.S) is assembly; purgatory.c hands its bytes over.
// `ckjump_heap_bytes_in_use` exists because Swift's Glibc module does not
// export <malloc.h>: the bounded-memory tests read malloc's statistics.
#ifndef CKJUMP_H
#define CKJUMP_H

#include <stddef.h>
#include <stdint.h>

/// One kexec segment, laid out as the kernel's `struct kexec_segment`.
typedef struct ckjump_kexec_segment {
    const void *_Nullable buf;
    size_t bufsz;
    uint64_t mem;
    size_t memsz;
} ckjump_kexec_segment;

/// Raw `kexec_load(2)`. Returns 0 or -errno (errno is not touched).
long ckjump_kexec_load(uint64_t entry, unsigned long nr_segments,
                       const ckjump_kexec_segment *_Nullable segments,
                       unsigned long flags);

/// Raw `reboot(2)` with the magic numbers filled in. Returns 0 or -errno.
long ckjump_reboot(unsigned int cmd);

/// Bytes malloc has handed out and not taken back, in every arena and in
/// mmapped chunks (`mallinfo2`: uordblks + hblkhd).
size_t ckjump_heap_bytes_in_use(void);

/// One extent of a file, as `FS_IOC_FIEMAP` reports it (`struct fiemap_extent`, trimmed).
typedef struct ckjump_file_extent {
    uint64_t logical;
    uint64_t physical;
    uint64_t length;
    uint32_t flags;
} ckjump_file_extent;

/// `ioctl(fd, FS_IOC_FIEMAP)` with FIEMAP_FLAG_SYNC over the whole file: up
/// to `capacity` extents into `extents`, their number into `*count`.
/// Returns 0 or -errno. Why C: `struct fiemap` ends in a flexible array and
/// the request number is a macro of the kernel headers.
long ckjump_fiemap(int fd, ckjump_file_extent *_Nonnull extents, uint32_t capacity, uint32_t *_Nonnull count);

/// `O_DIRECT` for open(2). Why C: glibc defines it only under _GNU_SOURCE,
/// which Swift's Glibc module does not set.
int ckjump_open_direct_flag(void);

/// `malloc_trim(0)`: returns 1 if memory went back to the kernel. Why C:
/// it is declared in <malloc.h>, which Swift's Glibc module leaves out.
int ckjump_malloc_trim(void);

/// `mallopt(M_MMAP_THRESHOLD, mmap_threshold)` and `mallopt(M_TRIM_THRESHOLD,
/// trim_threshold)`: returns 1 if both were accepted. Why C: `mallopt` and
/// its constants live in <malloc.h>, which Swift's Glibc module leaves out.
int ckjump_malloc_keep_freed(size_t mmap_threshold, size_t trim_threshold);

/// `setvbuf(stdout, NULL, _IOLBF, 0)`: standard output flushed at each
/// line. Why C: Swift 6 refuses to reference glibc's `stdout` global (shared
/// mutable state it cannot check).
void ckjump_line_buffer_stdout(void);

/// The purgatory's machine code (see purgatory.S); `*size` receives its length.
const void *_Nonnull ckjump_purgatory_code(size_t *_Nonnull size);

/// Offset, inside the purgatory's code, of its parameter block: three
/// little-endian u64 (boot_params address, 64-bit entry, address of the 16
/// re-entry digits in the command line).
size_t ckjump_purgatory_parameters_offset(void);

#endif
