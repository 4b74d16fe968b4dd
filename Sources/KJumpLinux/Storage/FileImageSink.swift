#if canImport(Glibc)
import Glibc
#endif
import KJumpCore
import SystemPackage

/// An `ImageSink` over a file or a block device, written with `pwrite(2)`
/// and made durable with `fdatasync(2)`.
///
/// With `direct`, writes bypass the page cache (`O_DIRECT`): the image
/// writer's blocks go straight from its aligned buffers to the device
/// (measured in the hibernation kernel under QEMU TCG: 212 MiB in 0.12 s,
/// against 1.1 s through the page cache). Writes that are not 4 KiB-aligned
/// in memory go through a bounce buffer, and writes whose offset or length is
/// not go through a second, buffered descriptor (the kernel keeps the two
/// coherent). A file whose filesystem refuses `O_DIRECT` is written buffered.
public final class FileImageSink: ImageSink {
    /// The path, for messages.
    public let path: String
    /// Whether aligned writes bypass the page cache.
    public var isDirect: Bool { direct != nil }
    private let descriptor: FileDescriptor
    private let direct: FileDescriptor?
    private var bounce: AlignedBytes?

    /// Opens `path` for writing; a regular file is created (not truncated:
    /// the writer overwrites from offset 0 and `finishTruncating` cuts the rest).
    /// With `direct`, also opens it with `O_DIRECT` if its filesystem allows.
    public init(path: String, direct: Bool = false) throws(KJumpLinuxError) {
        self.path = path
        do {
            descriptor = try FileDescriptor.open(FilePath(path), .writeOnly, options: [.create, .closeOnExec],
                                                 permissions: [.ownerReadWrite, .groupRead])
        } catch {
            throw .open(path: path, errno: Errno(thrownBySystem: error))
        }
        do {
            self.direct = direct ? try FileDescriptor.openDirect(path, access: O_WRONLY) : nil
        } catch {
            try? descriptor.close()
            throw error
        }
    }

    deinit {
        try? descriptor.close()
        try? direct?.close()
    }

    /// Whether the target is a block device (a partition), not a file.
    public var isBlockDevice: Bool {
        var status = stat()
        return fstat(descriptor.rawValue, &status) == 0 && status.st_mode & S_IFMT == S_IFBLK
    }

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
            guard let direct, DirectIO.isAligned(offset), bytes.count % DirectIO.alignment == 0 else {
                _ = try descriptor.writeAll(toAbsoluteOffset: Int64(offset), bytes)
                return
            }
            if DirectIO.isAligned(bytes) {
                _ = try direct.writeAll(toAbsoluteOffset: Int64(offset), bytes)
                return
            }
            let buffer = bounce ?? AlignedBytes(count: 1 << 20, alignment: DirectIO.alignment)
            bounce = buffer
            var done = 0
            while done < bytes.count {
                let count = min(buffer.count, bytes.count - done)
                buffer.copy(from: UnsafeRawBufferPointer(rebasing: bytes[done..<done + count]), to: 0)
                _ = try direct.writeAll(toAbsoluteOffset: Int64(offset) + Int64(done), buffer.readable(0..<count))
                done += count
            }
        } catch {
            throw KJumpLinuxError.write(path: path, errno: Errno(thrownBySystem: error))
        }
    }

    public func synchronize() throws {
        if fdatasync(descriptor.rawValue) != 0 { throw KJumpLinuxError.write(path: path, errno: Errno(rawValue: errno)) }
        if let direct, fdatasync(direct.rawValue) != 0 { throw KJumpLinuxError.write(path: path, errno: Errno(rawValue: errno)) }
    }

    /// For a regular file, cuts it to `length` bytes (an older, longer image may have been there).
    public func truncateRegularFile(to length: UInt64) throws(KJumpLinuxError) {
        guard descriptor.isRegularFile else { return }
        do { try descriptor.resize(to: Int64(length), retryOnInterrupt: true) } catch {
            throw .write(path: path, errno: Errno(thrownBySystem: error))
        }
    }
}
