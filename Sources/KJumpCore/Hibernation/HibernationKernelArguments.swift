/// The words every command line kjump gives the hibernation kernel begins
/// with, whatever started it (a kexec jump, the boot loader at resume, a
/// panic).
public enum HibernationKernelArguments {
    /// - `nokaslr`: H must not touch memory outside R, so its kernel stays
    ///   where R has room for it.
    /// - `clearcpuid=erms`: the kernel then clears and copies pages with
    ///   `rep stosq`/`rep movsq` (or plain moves) instead of byte-wise
    ///   `rep stosb`/`rep movsb`. On hardware both run at memory speed; under
    ///   emulation (QEMU without KVM) the byte-wise forms run an iteration at
    ///   a time, and clearing the pages a program touches first was the
    ///   largest single cost of the restore: measured in the lab, the restore
    ///   took 1.14–1.31 s instead of 1.49–1.80 s and the workload ran again
    ///   0.2–0.4 s sooner. The kernel marks itself tainted (CPU out of spec)
    ///   for it, which concerns H alone.
    /// - `swiotlb=noforce`: no bounce buffers for DMA. At resume H's memory
    ///   map also lists the system's RAM (as ACPI data, never H's to use);
    ///   where that reaches above 4 GiB the kernel set aside 16 MiB of R for
    ///   bounce buffers, a quarter of what H has, so a 4 GiB system's image
    ///   that the saver had room for was refused at resume (measured in the
    ///   lab: 24.8 MiB available at boot instead of 41.4 MiB). H's own
    ///   memory is all of R, below 4 GiB, so no device needs bouncing.
    public static let common = ["nokaslr", "clearcpuid=erms", "swiotlb=noforce"]
}
