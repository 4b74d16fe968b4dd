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
    public static let common = ["nokaslr", "clearcpuid=erms"]
}
