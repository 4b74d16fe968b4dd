#if canImport(Glibc)
import Glibc
#endif
import SystemPackage

extension FileDescriptor {
    /// True for a regular file (not a block or character device): such a
    /// target is cut to size with ftruncate and synced with msync, a device is not.
    var isRegularFile: Bool {
        var info = Glibc.stat()
        return Glibc.fstat(rawValue, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
    }

    /// The size of a regular file; nil for anything else (devices, and the
    /// files of /proc and /sys, which say 0).
    var regularFileSize: Int? {
        var info = Glibc.stat()
        guard Glibc.fstat(rawValue, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, info.st_size > 0 else { return nil }
        return Int(info.st_size)
    }
}
