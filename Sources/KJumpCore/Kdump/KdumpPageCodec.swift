import CZstd

/// How `kjump export --kdump` compresses pages.
public enum KdumpCompression: String, Sendable, CaseIterable, CustomStringConvertible {
    /// zlib: every reader has it (Debian's makedumpfile 1.7.2 and crash 8.0.2 lack zstd).
    case zlib
    /// zstd: smaller and faster, for readers built with zstd.
    case zstd
    /// Every page stored raw.
    case none

    /// The flag the header and the compressed pages' descriptors carry.
    public var flag: KdumpFlags {
        switch self {
        case .zlib: .zlib
        case .zstd: .zstd
        case .none: []
        }
    }

    public var description: String { rawValue }
}

/// Compresses single pages. Not thread-safe: each worker of the writer
/// owns one and uses it from one thread at a time.
public protocol KdumpPageCompressor: AnyObject {
    /// Compresses `page` into `output` and returns the compressed size, or
    /// nil when it does not fit (then the page is stored raw; `output` is one
    /// byte shorter than a page, so "does not fit" means "does not help").
    /// Throws only when the library fails for another reason.
    func compress(_ page: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) throws -> Int?
}

/// A page codec for `KdumpCompressedWriter`: the flag its compressed pages
/// carry and a factory for one compressor per worker. KJumpCore has zstd
/// and none; KJumpLinux adds zlib (the library is linked there).
public struct KdumpPageCodec: Sendable {
    public var compression: KdumpCompression
    /// Makes a compressor; nil for `.none`.
    public var makeCompressor: @Sendable () -> (any KdumpPageCompressor)?

    public init(compression: KdumpCompression, makeCompressor: @escaping @Sendable () -> (any KdumpPageCompressor)?) {
        self.compression = compression
        self.makeCompressor = makeCompressor
    }

    /// Every page stored raw.
    public static let none = KdumpPageCodec(compression: .none) { nil }

    /// zstd at `level` (1, as makedumpfile uses), one zstd frame per page.
    public static func zstd(level: Int32 = 1) -> KdumpPageCodec {
        KdumpPageCodec(compression: .zstd) { KdumpZstdCompressor(level: level) }
    }
}

/// A page compressor on one reusable zstd context.
final class KdumpZstdCompressor: KdumpPageCompressor {
    private let context: OpaquePointer?
    private let level: Int32

    init(level: Int32) {
        context = ZSTD_createCCtx()
        self.level = level
    }

    deinit { if let context { ZSTD_freeCCtx(context) } }

    func compress(_ page: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) throws -> Int? {
        guard let context else { throw KdumpWriterError.compression("zstd could not allocate a compression context") }
        let size = ZSTD_compressCCtx(context, output.baseAddress, output.count, page.baseAddress, page.count, level)
        if ZSTD_isError(size) != 0 {
            if ZSTD_getErrorCode(size) == ZSTD_error_dstSize_tooSmall { return nil }
            throw KdumpWriterError.compression("zstd: " + String(cString: ZSTD_getErrorName(size)))
        }
        return size
    }
}
