import KJumpCore

/// The memory the hibernation kernel has to work with (all of it is R), and
/// the system's, which sizes R.
public enum HibernationKernelMemory {
    /// `MemTotal` of /proc/meminfo, in bytes.
    public static func totalBytes(meminfo path: String = "/proc/meminfo") throws(KJumpLinuxError) -> UInt64 {
        try read(path).total
    }

    /// `MemAvailable` of /proc/meminfo, in bytes.
    public static func availableBytes(meminfo path: String = "/proc/meminfo") throws(KJumpLinuxError) -> UInt64 {
        try read(path).available
    }

    private static func read(_ path: String) throws(KJumpLinuxError) -> MemoryInfo {
        guard let info = MemoryInfo(parsing: try KernelFile.readText(path)) else {
            throw .malformed(path: path, reason: "no MemTotal, MemFree and MemAvailable lines")
        }
        return info
    }
}
