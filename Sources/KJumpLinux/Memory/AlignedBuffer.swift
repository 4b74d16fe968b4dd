#if canImport(Glibc)
import Glibc
#endif

/// Page-aligned memory for `O_DIRECT` transfers, which need the buffer, the
/// file offset and the length aligned to the device's logical block size.
/// Not thread-safe: one owner at a time (a lock hands it over).
final class AlignedBuffer: @unchecked Sendable {
    /// The alignment of the base address, and the granule of every direct transfer.
    static let alignment = 4096
    let base: UnsafeMutableRawPointer
    let capacity: Int

    /// `capacity` is rounded up to `alignment`.
    init(capacity: Int) {
        let rounded = max(Self.roundUp(capacity), Self.alignment)
        var pointer: UnsafeMutableRawPointer?
        guard posix_memalign(&pointer, Self.alignment, rounded) == 0, let pointer else {
            fatalError("out of memory: \(rounded) bytes for an I/O buffer")
        }
        base = pointer
        self.capacity = rounded
    }

    deinit { free(base) }

    static func roundUp(_ value: Int) -> Int { (value + alignment - 1) & ~(alignment - 1) }

    static func isAligned(_ value: UInt64) -> Bool { value % UInt64(alignment) == 0 }

    static func isAligned(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        return UInt(bitPattern: base) % UInt(alignment) == 0 && bytes.count % alignment == 0
    }
}
