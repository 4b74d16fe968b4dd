#if canImport(Glibc)
import Glibc
#endif
import SystemPackage

/// Writes whole outputs to a file or a block device.
public enum OutputFile {
    /// Writes `bytes` at offset 0 of `path` and syncs: a regular file is
    /// created or cut to exactly `bytes`, a block device is overwritten from its start.
    public static func write(_ bytes: [UInt8], to path: String) throws(KJumpLinuxError) {
        let fd: FileDescriptor
        do {
            fd = try FileDescriptor.open(FilePath(path), .writeOnly, options: [.create, .closeOnExec],
                                         permissions: [.ownerReadWrite, .groupRead, .otherRead])
        } catch {
            throw .open(path: path, errno: Errno(thrownBySystem: error))
        }
        defer { try? fd.close() }
        do {
            _ = try fd.writeAll(toAbsoluteOffset: 0, bytes)
            if fd.isRegularFile {
                try fd.resize(to: Int64(bytes.count), retryOnInterrupt: true)
            }
        } catch {
            throw .write(path: path, errno: Errno(thrownBySystem: error))
        }
        if fsync(fd.rawValue) != 0 { throw .write(path: path, errno: Errno(rawValue: errno)) }
    }
}
