import CZlib
import KJumpCore

extension KdumpPageCodec {
    /// zlib at `level` (1, `Z_BEST_SPEED`, as makedumpfile's `-c`): one zlib
    /// stream per page, which `uncompress()` in makedumpfile and crash(8) reads.
    public static func zlib(level: Int32 = 1) -> KdumpPageCodec {
        KdumpPageCodec(compression: .zlib) { ZlibPageCompressor(level: level) }
    }

    /// The codec for `compression`.
    public init(_ compression: KdumpCompression) {
        switch compression {
        case .zlib: self = .zlib()
        case .zstd: self = .zstd()
        case .none: self = .none
        }
    }
}

/// A page compressor on one deflate stream, reset for every page (a fresh
/// stream per page, as `compress2` makes, without its allocations).
final class ZlibPageCompressor: KdumpPageCompressor {
    // zlib keeps a pointer to the z_stream: it must not move.
    private let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
    private let ready: Bool

    init(level: Int32) {
        stream.initialize(to: z_stream())
        ready = deflateInit_(stream, level, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK
    }

    deinit {
        if ready { deflateEnd(stream) }
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    func compress(_ page: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) throws -> Int? {
        guard ready, deflateReset(stream) == Z_OK else { throw KdumpWriterError.compression("zlib could not set up a deflate stream") }
        stream.pointee.next_in = UnsafeMutablePointer(mutating: page.baseAddress?.assumingMemoryBound(to: UInt8.self))
        stream.pointee.avail_in = UInt32(page.count)
        stream.pointee.next_out = output.baseAddress?.assumingMemoryBound(to: UInt8.self)
        stream.pointee.avail_out = UInt32(output.count)
        switch deflate(stream, Z_FINISH) {
        case Z_STREAM_END: return Int(stream.pointee.total_out)
        case Z_OK, Z_BUF_ERROR: return nil    // the output is full: compression does not help
        case let status: throw KdumpWriterError.compression("zlib deflate failed with status \(status)")
        }
    }
}
