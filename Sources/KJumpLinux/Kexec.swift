import CKJump
import SystemPackage

/// Typed wrappers around `kexec_load(2)` and `reboot(2)`.
public enum Kexec {
    /// `KEXEC_PRESERVE_CONTEXT`: keep the current kernel to jump back into.
    public static let preserveContext: UInt = 0x0000_0002
    /// `KEXEC_ON_CRASH`: load into the crashkernel= reservation.
    public static let onCrash: UInt = 0x0000_0001
    /// `KEXEC_ARCH_X86_64`, in the high half of the flags.
    public static let archX86_64: UInt = 62 << 16

    /// Loads an image with no segments, which unloads the current one
    /// (or the crash image, with `KEXEC_ON_CRASH`).
    /// The corresponding system call is `kexec_load`.
    public static func unload(flags: UInt) throws(KJumpLinuxError) {
        let rc = ckjump_kexec_load(0, 0, nil, flags)
        if rc < 0 { throw .syscall(name: "kexec_load", errno: Errno(rawValue: Int32(-rc))) }
    }
}
