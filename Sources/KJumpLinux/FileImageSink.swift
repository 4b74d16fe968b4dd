#if canImport(Glibc)
import Glibc
#endif
import KJumpCore
import SystemPackage

/// An `ImageSink` over a file or a block device, written with `pwrite(2)`
/// and made durable with `fdatasync(2)`.
public final class FileImageSink: ImageSink {
    /// The path, for messages.
    public let path: String
    private let descriptor: FileDescriptor

    /// Opens `path` for writing; a regular file is created (not truncated:
    /// the writer overwrites from offset 0 and `finishTruncating` cuts the rest).
    public init(path: String) throws(KJumpLinuxError) {
        self.path = path
        do {
            descriptor = try FileDescriptor.open(FilePath(path), .writeOnly, options: [.create, .closeOnExec],
                                                 permissions: [.ownerReadWrite, .groupRead])
        } catch {
            throw .open(path: path, errno: (error as? Errno) ?? .ioError)
        }
    }

    deinit { try? descriptor.close() }

    /// The most an image may take: a block device's size, or for a regular
    /// file its current size plus the free space of its filesystem; nil when
    /// unknown.
    public var capacity: UInt64? {
        var status = stat()
        guard fstat(descriptor.rawValue, &status) == 0 else { return nil }
        if status.st_mode & S_IFMT == S_IFBLK {
            return (try? descriptor.seek(offset: 0, from: .end)).map { UInt64($0) }
        }
        var filesystem = statvfs()
        guard status.st_mode & S_IFMT == S_IFREG, fstatvfs(descriptor.rawValue, &filesystem) == 0 else { return nil }
        return UInt64(status.st_size) + UInt64(filesystem.f_bavail) * UInt64(filesystem.f_frsize)
    }

    public func write(_ bytes: UnsafeRawBufferPointer, at offset: UInt64) throws {
        do {
            _ = try descriptor.writeAll(toAbsoluteOffset: Int64(offset), bytes)
        } catch {
            throw KJumpLinuxError.write(path: path, errno: (error as? Errno) ?? .ioError)
        }
    }

    public func synchronize() throws {
        if fdatasync(descriptor.rawValue) != 0 { throw KJumpLinuxError.write(path: path, errno: Errno(rawValue: errno)) }
    }

    /// For a regular file, cuts it to `length` bytes (an older, longer image may have been there).
    public func truncateRegularFile(to length: UInt64) throws(KJumpLinuxError) {
        guard descriptor.isRegularFile else { return }
        do { try descriptor.resize(to: Int64(length), retryOnInterrupt: true) } catch {
            throw .write(path: path, errno: (error as? Errno) ?? .ioError)
        }
    }
}
