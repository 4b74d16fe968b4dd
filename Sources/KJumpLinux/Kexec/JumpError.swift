import KJumpCore
import SystemPackage

/// Why `kjump jump` (or the jump back from the hibernation kernel) could not
/// go ahead. The system is left as it was in every case but `.jumpFailed`.
public enum JumpError: Error, Sendable, CustomStringConvertible {
    case notEnoughFreeMemory(available: UInt64, needed: UInt64)
    case hibernationKernel(path: String, reason: String)
    case plan(KexecJumpPlanError)
    case loadRefused(errno: Errno, cause: String)
    case jumpFailed(errno: Errno)
    case system(KJumpLinuxError)
    case notInHibernationKernel(HibernationKernelContextError)

    public var description: String {
        switch self {
        case .notEnoughFreeMemory(let available, let needed):
            "only \(available >> 20) MiB of memory is available, but a jump needs \(needed >> 20) MiB (the H region plus a margin): the system kernel must keep a copy of the H region while the hibernation kernel runs. Free some memory (or echo 3 > /proc/sys/vm/drop_caches) and try again"
        case .hibernationKernel(let path, let reason):
            "cannot use \(path) as the hibernation kernel: \(reason). Install kjump's hibernation kernel there, or pass --kernel PATH"
        case .plan(let error):
            "cannot lay out the hibernation kernel: \(error)"
        case .loadRefused(let errno, let cause):
            "the kernel refused to load the hibernation kernel (kexec_load: \(errno)): \(cause). Nothing was changed"
        case .jumpFailed(let errno):
            "the jump into the hibernation kernel failed (reboot(LINUX_REBOOT_CMD_KEXEC): \(errno))"
        case .system(let error):
            error.description
        case .notInHibernationKernel(let error):
            error.description
        }
    }
}
