#if canImport(Glibc)
import Glibc
#endif
import KJumpCore
import SystemPackage

/// A `ByteSource` over a whole file mapped read-only with `mmap(2)`.
///
/// For `/proc/vmcore` this is much faster than `pread`: each `read(2)` of
/// old memory maps and unmaps one page at a time (`copy_oldmem_page`), while
/// an `mmap` of /proc/vmcore maps the old memory's ranges once
/// (`remap_oldmem_pfn_range`).
public final class MappedByteSource: ByteSource, @unchecked Sendable {
    public let path: String
    public let size: UInt64
    private let base: UnsafeRawPointer

    /// Maps `path` whole. Throws when the file cannot be opened or mapped.
    public init(path: String) throws(KJumpLinuxError) {
        self.path = path
        let descriptor: FileDescriptor
        do {
            descriptor = try FileDescriptor.open(FilePath(path), .readOnly, options: [.closeOnExec])
        } catch {
            throw .open(path: path, errno: (error as? Errno) ?? .ioError)
        }
        defer { try? descriptor.close() }
        let length: Int64
        do { length = try descriptor.seek(offset: 0, from: .end) } catch {
            throw .read(path: path, errno: (error as? Errno) ?? .ioError)
        }
        size = UInt64(length)
        guard let mapped = mmap(nil, Int(max(length, 1)), PROT_READ, MAP_SHARED, descriptor.rawValue, 0),
              mapped != MAP_FAILED else {
            throw .syscall(name: "mmap of \(path)", errno: Errno(rawValue: errno))
        }
        base = UnsafeRawPointer(mapped)
    }

    deinit { munmap(UnsafeMutableRawPointer(mutating: base), Int(max(size, 1))) }

    public func read(at offset: UInt64, count: Int) throws -> [UInt8] {
        guard count >= 0, offset <= size, UInt64(count) <= size - offset else {
            throw ByteSourceError.outOfBounds(offset: offset, count: count, size: size)
        }
        return [UInt8](UnsafeRawBufferPointer(start: base + Int(offset), count: count))
    }

    /// Passes the mapped bytes themselves: no copy.
    public func withBytes<Result>(at offset: UInt64, count: Int, _ body: (UnsafeRawBufferPointer) throws -> Result) throws -> Result {
        guard count >= 0, offset <= size, UInt64(count) <= size - offset else {
            throw ByteSourceError.outOfBounds(offset: offset, count: count, size: size)
        }
        return try body(UnsafeRawBufferPointer(start: base + Int(offset), count: count))
    }
}
