#if canImport(Glibc)
import Glibc
#endif
import SystemPackage

/// The kernel's page cache for one file or block device.
public enum PageCache {
    /// Drops the cached pages of `path` (`posix_fadvise(POSIX_FADV_DONTNEED)`),
    /// so the next read comes from the device. After a jump, the system
    /// kernel's cache of the resume device predates what the hibernation
    /// kernel wrote there.
    public static func drop(_ path: String) {
        guard let fd = try? FileDescriptor.open(FilePath(path), .readOnly, options: [.closeOnExec]) else { return }
        defer { try? fd.close() }
        _ = posix_fadvise(fd.rawValue, 0, 0, POSIX_FADV_DONTNEED)
    }
}
