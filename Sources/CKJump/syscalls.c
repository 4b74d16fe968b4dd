// Fixed-signature wrappers around raw system calls that glibc does not wrap
// (kexec_load) or wraps with a different shape (reboot). Swift cannot call
// the variadic syscall(2) directly; that is the only reason this file is C.
#define _GNU_SOURCE
#include "CKJump.h"

#include <errno.h>
#include <linux/reboot.h>
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
