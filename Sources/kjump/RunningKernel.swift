import KJumpCore
import KJumpLinux

/// Facts about the running kernel that the commands pass on to the hibernation kernel.
enum RunningKernel {
    /// The running kernel's console= (and quiet, loglevel=) words, so the
    /// hibernation kernel prints where this one does.
    static func consoleArguments() -> [String] {
        let text = KernelFile.probe("/proc/cmdline").text ?? ""
        return KernelCommandLine(parsing: text).words.filter { $0.hasPrefix("console=") || $0 == "quiet" || $0.hasPrefix("loglevel=") }
    }
}
