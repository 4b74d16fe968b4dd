import KJumpCore

/// The memory the hibernation kernel has to work with: all of it is R.
public enum HibernationKernelMemory {
    /// `MemAvailable` of /proc/meminfo, in bytes.
    public static func availableBytes(meminfo path: String = "/proc/meminfo") throws(KJumpLinuxError) -> UInt64 {
        guard let info = MemoryInfo(parsing: try KernelFile.readText(path)) else {
            throw .malformed(path: path, reason: "no MemTotal, MemFree and MemAvailable lines")
        }
        return info.available
    }
}
