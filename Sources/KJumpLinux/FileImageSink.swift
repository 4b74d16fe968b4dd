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

    /// The size of a block device, the most an image on it may take; nil for
    /// a regular file (which grows).
    public var capacity: UInt64? {
        var status = stat()
        guard fstat(descriptor.rawValue, &status) == 0, status.st_mode & S_IFMT == S_IFBLK else { return nil }
        guard let end = try? descriptor.seek(offset: 0, from: .end) else { return nil }
        return UInt64(end)
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
