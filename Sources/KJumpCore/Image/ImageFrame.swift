import CLZ4
import CZstd

/// The 64-byte header in front of every frame's payload. Layout (little-endian):
/// ```
/// 0   4  magic "KJFR"
/// 4   2  codec: 0 none (raw), 1 lz4, 2 zstd
/// 6   2  header size (64)
/// 8   8  frame number (0, 1, 2, … in file order)
/// 16  8  first page: index of the frame's first page in the stream of data pages
/// 24  8  physical address of the first page
/// 32  4  page count
/// 36  4  uncompressed size (page count × page size)
/// 40  4  stored size (payload bytes)
/// 44  4  reserved, zero
/// 48  8  XXH3-64 of the uncompressed pages
/// 56  8  XXH3-64 of the stored payload
/// ```
/// The payload follows at byte 64; zeros pad the frame to a multiple of 4096.
/// The header repeats the frame's index entry, so a frame can be checked
/// (and a damaged index rebuilt) from the frames alone.
public struct ImageFrameHeader: Sendable, Equatable {
    public static let size = 64

    public var codec: ImageCompression
    public var number: UInt64
    public var firstPage: UInt64
    public var physicalAddress: UInt64
    public var pageCount: Int
    public var uncompressedSize: Int
    public var storedSize: Int
    public var uncompressedChecksum: UInt64
    public var storedChecksum: UInt64

    public init(codec: ImageCompression, number: UInt64, firstPage: UInt64, physicalAddress: UInt64, pageCount: Int,
                uncompressedSize: Int, storedSize: Int, uncompressedChecksum: UInt64, storedChecksum: UInt64) {
        self.codec = codec
        self.number = number
        self.firstPage = firstPage
        self.physicalAddress = physicalAddress
        self.pageCount = pageCount
        self.uncompressedSize = uncompressedSize
        self.storedSize = storedSize
        self.uncompressedChecksum = uncompressedChecksum
        self.storedChecksum = storedChecksum
    }

    /// Writes the header into the first 64 bytes of `buffer`.
    func store(into buffer: UnsafeMutableRawBufferPointer) {
        precondition(buffer.count >= Self.size)
        for (index, byte) in ImageFormat.frameMagic.enumerated() { buffer[index] = byte }
        buffer.imageStore(codec.rawValue, at: 4)
        buffer.imageStore(UInt16(Self.size), at: 6)
        buffer.imageStore(number, at: 8)
        buffer.imageStore(firstPage, at: 16)
        buffer.imageStore(physicalAddress, at: 24)
        buffer.imageStore(UInt32(pageCount), at: 32)
        buffer.imageStore(UInt32(uncompressedSize), at: 36)
        buffer.imageStore(UInt32(storedSize), at: 40)
        buffer.imageStore(UInt32(0), at: 44)
        buffer.imageStore(uncompressedChecksum, at: 48)
        buffer.imageStore(storedChecksum, at: 56)
    }

    /// Reads a header from the first 64 bytes of `buffer`; nil when the magic,
    /// header size or codec is wrong.
    init?(loading buffer: UnsafeRawBufferPointer) {
        guard buffer.count >= Self.size,
              buffer[0] == ImageFormat.frameMagic[0], buffer[1] == ImageFormat.frameMagic[1],
              buffer[2] == ImageFormat.frameMagic[2], buffer[3] == ImageFormat.frameMagic[3],
              buffer.imageLoad(UInt16.self, at: 6) == UInt16(Self.size),
              let codec = ImageCompression(rawValue: buffer.imageLoad(UInt16.self, at: 4)) else { return nil }
        self.init(codec: codec, number: buffer.imageLoad(UInt64.self, at: 8),
                  firstPage: buffer.imageLoad(UInt64.self, at: 16),
                  physicalAddress: buffer.imageLoad(UInt64.self, at: 24),
                  pageCount: Int(buffer.imageLoad(UInt32.self, at: 32)),
                  uncompressedSize: Int(buffer.imageLoad(UInt32.self, at: 36)),
                  storedSize: Int(buffer.imageLoad(UInt32.self, at: 40)),
                  uncompressedChecksum: buffer.imageLoad(UInt64.self, at: 48),
                  storedChecksum: buffer.imageLoad(UInt64.self, at: 56))
    }
}

/// One thread's compression and decompression state (lz4's hash table,
/// zstd's contexts), reused from frame to frame. Not thread-safe: each
/// worker of a pipeline owns one and uses it on its own serial queue only.
/// `@unchecked Sendable`: see docs/ARCHITECTURE.md, Threads.
final class ImageFrameCodec: @unchecked Sendable {
    private var lz4State: UnsafeMutableRawPointer?
    private var zstdCompression: OpaquePointer?
    private var zstdDecompression: OpaquePointer?

    init() {}

    deinit {
        lz4State?.deallocate()
        if let zstdCompression { ZSTD_freeCCtx(zstdCompression) }
        if let zstdDecompression { ZSTD_freeDCtx(zstdDecompression) }
    }

    /// Compresses `input` into `output` with `codec` at `level` (0 = default).
    /// Returns the compressed size, or nil when it would not fit in `output`
    /// (the caller sizes `output` so that "does not fit" means "not worth it":
    /// both libraries then stop early instead of finishing the work).
    func compress(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer,
                  codec: ImageCompression, level: Int32) throws -> Int? {
        switch codec {
        case .none:
            return nil
        case .lz4:
            if lz4State == nil {
                lz4State = UnsafeMutableRawPointer.allocate(byteCount: Int(LZ4_sizeofState()), alignment: 16)
            }
            let size = LZ4_compress_fast_extState(lz4State, input.baseAddress?.assumingMemoryBound(to: CChar.self),
                                                  output.baseAddress?.assumingMemoryBound(to: CChar.self),
                                                  Int32(input.count), Int32(output.count), max(level, 1))
            return size > 0 ? Int(size) : nil
        case .zstd:
            if zstdCompression == nil { zstdCompression = ZSTD_createCCtx() }
            guard let context = zstdCompression else { throw ImageCodecError("zstd could not allocate a compression context") }
            let size = ZSTD_compressCCtx(context, output.baseAddress, output.count, input.baseAddress, input.count,
                                         level == 0 ? 1 : level)
            if ZSTD_isError(size) != 0 {
                if ZSTD_getErrorCode(size) == ZSTD_error_dstSize_tooSmall { return nil }
                throw ImageCodecError("zstd: " + String(cString: ZSTD_getErrorName(size)))
            }
            return size
        }
    }

    /// Decompresses `input` (stored with `codec`) into `output`, which must be
    /// exactly the uncompressed size. Returns nil on success, else why not.
    func decompress(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer,
                    codec: ImageCompression) -> String? {
        switch codec {
        case .none:
            guard input.count == output.count else { return "a raw payload of \(input.count) bytes for \(output.count) bytes of pages" }
            if let base = input.baseAddress { output.baseAddress?.copyMemory(from: base, byteCount: input.count) }
            return nil
        case .lz4:
            let size = LZ4_decompress_safe(input.baseAddress?.assumingMemoryBound(to: CChar.self),
                                           output.baseAddress?.assumingMemoryBound(to: CChar.self),
                                           Int32(input.count), Int32(output.count))
            if size < 0 { return "lz4 cannot decompress its payload (error \(size))" }
            return Int(size) == output.count ? nil : "lz4 decompressed \(size) bytes instead of \(output.count)"
        case .zstd:
            if zstdDecompression == nil { zstdDecompression = ZSTD_createDCtx() }
            guard let context = zstdDecompression else { return "zstd could not allocate a decompression context" }
            let size = ZSTD_decompressDCtx(context, output.baseAddress, output.count, input.baseAddress, input.count)
            if ZSTD_isError(size) != 0 { return "zstd cannot decompress its payload: " + String(cString: ZSTD_getErrorName(size)) }
            return size == output.count ? nil : "zstd decompressed \(size) bytes instead of \(output.count)"
        }
    }
}

/// A compression library failed for a reason other than incompressible input.
struct ImageCodecError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
