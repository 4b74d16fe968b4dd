/// Where an `ImageWriter` puts an image: a file or a block device
/// (KJumpLinux), or memory (`ArrayImageSink`).
///
/// The writer calls `write` only with offsets and lengths that are
/// multiples of 4096 and with memory aligned to 4096 bytes, so an
/// implementation can hand the buffer straight to `pwrite(2)` on an
/// `O_DIRECT` descriptor. The bytes are valid only during the call.
/// Writes go to increasing offsets, except the state block at 4096, which
/// is written first (state `writing`) and rewritten last (`committed`).
public protocol ImageSink {
    /// Writes all of `bytes` at byte `offset`, or throws.
    func write(_ bytes: UnsafeRawBufferPointer, at offset: UInt64) throws
    /// Makes everything written so far durable (`fdatasync`) before anything
    /// written later. The writer calls it before and after it commits.
    func synchronize() throws
}

/// An `ImageSink` that collects the image in memory: for tests and for
/// small images. It grows as needed; gaps read as zeros.
public final class ArrayImageSink: ImageSink {
    public private(set) var bytes: [UInt8] = []
    /// How many times `synchronize` was called.
    public private(set) var synchronizations = 0
    /// Every write as (offset, length), in order.
    public private(set) var writes: [(offset: UInt64, count: Int)] = []

    public init() {}

    public func write(_ bytes: UnsafeRawBufferPointer, at offset: UInt64) throws {
        let start = Int(offset)
        let end = start + bytes.count
        if end > self.bytes.count {
            self.bytes.append(contentsOf: [UInt8](repeating: 0, count: end - self.bytes.count))
        }
        self.bytes.withUnsafeMutableBytes { storage in
            if let base = bytes.baseAddress { (storage.baseAddress! + start).copyMemory(from: base, byteCount: bytes.count) }
        }
        writes.append((offset, bytes.count))
    }

    public func synchronize() throws {
        synchronizations += 1
    }
}
