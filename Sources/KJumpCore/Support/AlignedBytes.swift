/// Owned raw memory of a fixed size at a fixed alignment (4 KiB unless
/// told otherwise), freed when the owner goes: the frame buffers and write
/// buffer of the image writer and reader, and the bounce buffers of
/// `O_DIRECT` files, which C codecs and the kernel need as raw memory.
/// It is the one type that allocates raw memory in kjump's libraries;
/// callers copy through its methods instead of offsetting `baseAddress`.
///
/// Not synchronised: one thread uses it at a time, and whoever hands it to
/// another thread orders the hand-over (a pipeline's semaphore, a lock).
/// That is what `@unchecked Sendable` stands for here.
public final class AlignedBytes: @unchecked Sendable {
    /// The memory; valid while this object lives.
    public let bytes: UnsafeMutableRawBufferPointer

    /// `count` bytes (at least 1), uninitialised, at an address that is a multiple of `alignment`.
    public init(count: Int, alignment: Int = 4096) {
        precondition(alignment > 0 && alignment & (alignment - 1) == 0, "the alignment must be a power of two")
        bytes = .allocate(byteCount: max(count, 1), alignment: alignment)
    }

    deinit { bytes.deallocate() }

    /// Bytes owned.
    public var count: Int { bytes.count }

    /// The bytes in `range`, as a buffer valid while this object lives.
    public subscript(range: Range<Int>) -> UnsafeMutableRawBufferPointer {
        UnsafeMutableRawBufferPointer(rebasing: bytes[range])
    }

    /// The bytes in `range`, read-only.
    public func readable(_ range: Range<Int>) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: bytes[range])
    }

    /// Copies `source` to `offset`.
    public func copy(from source: UnsafeRawBufferPointer, to offset: Int) {
        precondition(offset >= 0 && offset + source.count <= count, "a copy past the end of the buffer")
        guard let from = source.baseAddress else { return }
        self[offset..<offset + source.count].baseAddress!.copyMemory(from: from, byteCount: source.count)
    }

    /// Moves the bytes in `range` to `offset` (the two may overlap).
    public func move(_ range: Range<Int>, to offset: Int) {
        guard !range.isEmpty else { return }
        copy(from: readable(range), to: offset)
    }

    /// Sets the bytes in `range` to zero.
    public func zero(_ range: Range<Int>) {
        guard !range.isEmpty else { return }
        self[range].initializeMemory(as: UInt8.self, repeating: 0)
    }
}
