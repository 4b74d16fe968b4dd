/// `O_DIRECT` transfers need the buffer, the file offset and the length
/// aligned to the device's logical block size; kjump uses 4 KiB, which
/// covers every device it writes (the buffers are `AlignedBytes`).
enum DirectIO {
    /// The alignment of buffers, offsets and lengths of every direct transfer.
    static let alignment = 4096

    static func roundUp(_ value: Int) -> Int { (value + alignment - 1) & ~(alignment - 1) }

    static func isAligned(_ value: UInt64) -> Bool { value % UInt64(alignment) == 0 }

    static func isAligned(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        return UInt(bitPattern: base) % UInt(alignment) == 0 && bytes.count % alignment == 0
    }
}
