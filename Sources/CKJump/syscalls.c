// Fixed-signature wrappers around raw system calls that glibc does not wrap
// (kexec_load) or wraps with a different shape (reboot). Swift cannot call
// the variadic syscall(2) directly; that is the only reason this file is C.
// The same goes for the two glibc facts Swift's Glibc module hides
// (O_DIRECT, malloc_trim, mallopt, mallinfo2).
#define _GNU_SOURCE
#include "CKJump.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <linux/reboot.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

long ckjump_kexec_load(uint64_t entry, unsigned long nr_segments,
                       const ckjump_kexec_segment *segments,
                       unsigned long flags) {
    long rc = syscall(SYS_kexec_load, (unsigned long)entry, nr_segments, segments, flags);
    return rc < 0 ? -errno : rc;
}

long ckjump_reboot(unsigned int cmd) {
    long rc = syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2, cmd, NULL);
    return rc < 0 ? -errno : rc;
}

long ckjump_fiemap(int fd, ckjump_file_extent *extents, uint32_t capacity, uint32_t *count) {
    size_t size = sizeof(struct fiemap) + (size_t)capacity * sizeof(struct fiemap_extent);
    struct fiemap *map = calloc(1, size);
    if (map == NULL) return -ENOMEM;
    map->fm_start = 0;
    map->fm_length = FIEMAP_MAX_OFFSET;
    map->fm_flags = FIEMAP_FLAG_SYNC;
    map->fm_extent_count = capacity;
    if (ioctl(fd, FS_IOC_FIEMAP, map) != 0) {
        long error = -errno;
        free(map);
        return error;
    }
    *count = map->fm_mapped_extents;
    for (uint32_t i = 0; i < map->fm_mapped_extents && i < capacity; i++) {
        extents[i].logical = map->fm_extents[i].fe_logical;
        extents[i].physical = map->fm_extents[i].fe_physical;
        extents[i].length = map->fm_extents[i].fe_length;
        extents[i].flags = map->fm_extents[i].fe_flags;
    }
    free(map);
    return 0;
}

int ckjump_open_direct_flag(void) {
    return O_DIRECT;
}

int ckjump_malloc_trim(void) {
    return malloc_trim(0);
}

int ckjump_malloc_keep_freed(size_t mmap_threshold, size_t trim_threshold) {
    if (mmap_threshold > INT_MAX || trim_threshold > INT_MAX) return 0;
    return mallopt(M_MMAP_THRESHOLD, (int)mmap_threshold) == 1 && mallopt(M_TRIM_THRESHOLD, (int)trim_threshold) == 1;
}

size_t ckjump_heap_bytes_in_use(void) {
    struct mallinfo2 info = mallinfo2();
    return info.uordblks + info.hblkhd;
}

void ckjump_line_buffer_stdout(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
}
