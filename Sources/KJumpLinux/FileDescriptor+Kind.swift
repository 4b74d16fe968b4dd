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
}
