#if canImport(Glibc)
import Glibc
#endif
import CKJump
import SystemPackage

extension FileDescriptor {
    /// Opens `path` with `O_DIRECT` (and `O_CLOEXEC`) for `access`
    /// (`O_RDONLY` or `O_WRONLY`); nil when its filesystem refuses direct I/O
    /// (`EINVAL`, tmpfs for one), so the caller falls back to the page cache.
    static func openDirect(_ path: String, access: Int32) throws(KJumpLinuxError) -> FileDescriptor? {
        let fd = Glibc.open(path, access | O_CLOEXEC | ckjump_open_direct_flag())
        if fd >= 0 { return FileDescriptor(rawValue: fd) }
        if errno == EINVAL { return nil }
        throw .open(path: path, errno: Errno(rawValue: errno))
    }
}
