import KJumpCore
import SystemPackage

/// A `ByteSource` over an open file, read with `pread(2)`: `/proc/vmcore`,
/// an image file or a block device.
public final class FileByteSource: ByteSource, @unchecked Sendable {
    /// The path, for messages.
    public let path: String
    /// The size in bytes at open time.
    public let size: UInt64
    private let descriptor: FileDescriptor

    /// Opens `path` read-only.
    public init(path: String) throws(KJumpLinuxError) {
        self.path = path
        do {
            descriptor = try FileDescriptor.open(FilePath(path), .readOnly, options: [.closeOnExec])
        } catch {
            throw .open(path: path, errno: (error as? Errno) ?? .ioError)
        }
        do {
            size = UInt64(try descriptor.seek(offset: 0, from: .end))
        } catch {
            try? descriptor.close()
            throw .read(path: path, errno: (error as? Errno) ?? .ioError)
        }
    }

    deinit { try? descriptor.close() }

    /// Exactly `count` bytes at `offset`; a read past the end of the file throws
    /// `ByteSourceError.outOfBounds`, as the `ByteSource` contract asks.
    public func read(at offset: UInt64, count: Int) throws -> [UInt8] {
        guard count >= 0, offset <= size, UInt64(count) <= size - offset else {
            throw ByteSourceError.outOfBounds(offset: offset, count: count, size: size)
        }
        // The buffer is filled by pread before anyone reads it: no zeroing first.
        var done = 0
        var failure: Errno?
        let result = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            let raw = UnsafeMutableRawBufferPointer(buffer)
            while done < count {
                do {
                    let n = try descriptor.read(fromAbsoluteOffset: Int64(offset) + Int64(done),
                                                into: UnsafeMutableRawBufferPointer(rebasing: raw[done...]),
                                                retryOnInterrupt: true)
                    if n == 0 { break }
                    done += n
                } catch {
                    failure = (error as? Errno) ?? .ioError
                    break
                }
            }
            initialized = done
        }
        if let failure { throw KJumpLinuxError.read(path: path, errno: failure) }
        guard done == count else { throw ByteSourceError.outOfBounds(offset: offset, count: count, size: size) }
        return result
    }
}
