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

    /// This process's peak resident memory (`VmHWM` of /proc/self/status), in bytes; nil if it is not there.
    public static func peakResidentBytes(status path: String = "/proc/self/status") -> UInt64? {
        guard let text = try? KernelFile.readText(path) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if fields.count >= 2, let kib = UInt64(fields[1]) { return kib * 1024 }
        }
        return nil
    }

    /// "peak memory N MiB" for the lines H prints, or "" when unknown.
    public static var peakMemoryText: String {
        peakResidentBytes().map { ", peak memory \($0 >> 20) MiB" } ?? ""
    }
}
