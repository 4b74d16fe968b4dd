/// Where a `KdumpCompressedWriter` puts the file: `FileImageSink`
/// (KJumpLinux) or `ArrayImageSink` (memory). Unlike the image writer, the
/// kdump writer writes at any offset and length: descriptors and page data
/// are two sequential streams at different offsets.
public protocol KdumpSink {
    /// Writes all of `bytes` at byte `offset`, or throws.
    func write(_ bytes: UnsafeRawBufferPointer, at offset: UInt64) throws
}

extension ArrayImageSink: KdumpSink {}
