
/// What the first blocks of an image say, whatever its state: enough for
/// `kjump inspect` to describe an unfinished image, and for the restorer
/// to decide before it reads anything else.
public struct ImageProbe: Sendable, Equatable {
    public var header: ImageHeader
    /// The checksum the header records (and matches).
    public var headerChecksum: UInt64
    /// Bytes of the encoded header.
    public var headerLength: Int
    /// SHA-256 of the encoded header, to which a sealed image's frames and trailer are bound.
    public var headerDigest: [UInt8]
    public var state: ImageStateBlock
}

/// Reads and checks a kjump image from any `ByteSource`.
///
/// Opening checks everything except the frames' contents: the header
/// (magic, version, checksum), the state block (checksum, bound to the
/// header, committed or consumed), the trailer (checksum, bound to the
/// header) and the index (checksum, consistency with the trailer, the chain
/// checksum over the header and all frames). `verify` and `forEachRun` then
/// check every frame as they read it. Reads are of whole frames, several
/// frames at a time (`Options.readChunkBytes`), at 4 KiB-aligned offsets.
///
/// A sealed image (format 2) opens with an `ImageKeyUnwrapper`: then the
/// trailer's authenticator and the index's SHA-256 are checked at open, and
/// every frame is authenticated and decrypted before its pages are handed
/// out. Without one, its header, index and trailer can be inspected, but
/// reading a frame throws `SealingError.keyNeeded`.
///
/// The reader is used from one thread; decompression runs on
/// `Options.workers` serial queues, at most `maxFramesInFlight` frames ahead.
public final class ImageReader {
    public struct Options: Sendable {
        /// Decompression threads; 0 decompresses on the caller's thread. Default: active processors.
        public var workers: Int
        /// Frames read ahead and being decompressed, at most. Default: 2 × workers (at least 2).
        public var maxFramesInFlight: Int
        /// Bytes of consecutive frames read from the source in one call.
        public var readChunkBytes: Int
        /// Whether opening loads the whole index (`extents`, `frames`): what
        /// readers that look pages up by address need. Without it the index
        /// is checked and later read a window at a time, so the reader's
        /// memory does not grow with the image (the restorer in the
        /// hibernation kernel). Default: loaded.
        public var indexInMemory: Bool
        /// Entries of an index table read at a time when it is not in memory.
        public var indexWindowEntries: Int

        public init(workers: Int = ImageWriter.Options.defaultWorkers, maxFramesInFlight: Int? = nil,
                    readChunkBytes: Int = 4 << 20, indexInMemory: Bool = true, indexWindowEntries: Int = 4096) {
            self.workers = max(workers, 0)
            self.maxFramesInFlight = max(maxFramesInFlight ?? 2 * workers, 2)
            self.readChunkBytes = max(readChunkBytes, ImageFormat.blockSize)
            self.indexInMemory = indexInMemory
            self.indexWindowEntries = max(indexWindowEntries, 1)
        }
    }

    public let header: ImageHeader
    public let headerChecksum: UInt64
    public let headerLength: Int
    /// The state block as read at open.
    public let state: ImageStateBlock
    public let trailer: ImageTrailer
    /// The page set, in ascending address order; empty when the index was
    /// not loaded (`Options.indexInMemory`).
    public let extents: [ImageExtent]
    /// Every frame, in file (and data-page) order; empty when the index was not loaded.
    public let frames: [ImageFrameEntry]
    /// Whether `extents` and `frames` hold the index.
    public var indexInMemory: Bool { indexCheck == nil }
    /// Where the index's tables are and their checksums, when they are read
    /// from the image a window at a time; nil when the index was loaded.
    let indexCheck: ImageIndexCheck?
    public let summary: ImageSummary
    /// Where the state block is; KJumpLinux rewrites it there (`state.consumed(at:).encoded()`).
    public var stateBlockOffset: UInt64 { ImageStateBlock.offset }

    private let source: any ByteSource
    /// Threads and read-ahead; may be changed before the frames are read.
    public var options: Options
    /// How frames are checked: the page size, and the image's seal when it is sealed and was opened with its key.
    let frameOpener: ImageFrameOpener

    /// Reads and checks the header and state block only. Works on images
    /// in any state; throws `ImageError` for an empty, foreign, newer,
    /// truncated or corrupt start, or a state block of another image.
    public static func probe(_ source: any ByteSource) throws -> ImageProbe {
        let block = ImageFormat.blockSize
        let first = try read(source, "header block", at: 0, count: Int(min(source.size, UInt64(block))))
        if first.count < 8 || Array(first[0..<8]) != ImageFormat.headerMagic {
            throw first.allSatisfy({ $0 == 0 }) ? ImageError.empty : ImageError.foreign(magic: Array(first.prefix(8)))
        }
        if first.count < block { throw ImageError.truncated(what: "header block", offset: 0, count: block, sourceSize: source.size) }
        let length = try ImageHeader.headerLength(inFirstBlock: first)
        var headerBytes = Array(first.prefix(length))
        if length > block {
            headerBytes += try read(source, "header continuation", at: ImageFormat.headerContinuationOffset, count: length - block)
        }
        let header = try ImageHeader(decoding: headerBytes)
        let checksum = ImageHeader.recordedChecksum(headerBytes)
        let digest = header.isSealed ? ImageSeal.digest(headerBytes) : []
        let state = try ImageStateBlock(decoding: read(source, "state block", at: ImageStateBlock.offset, count: ImageStateBlock.size))
        guard state.imageID == header.imageID, state.headerChecksum == checksum else {
            throw state.imageID == header.imageID
                ? ImageError.stateCorrupt(offset: ImageStateBlock.offset + 40, reason: "it names header checksum \(HexText.number(state.headerChecksum, digits: 16)) but the header's is \(HexText.number(checksum, digits: 16))")
                : ImageError.stale(what: "state block", offset: ImageStateBlock.offset, found: state.imageID, expected: header.imageID)
        }
        return ImageProbe(header: header, headerChecksum: checksum, headerLength: length, headerDigest: digest, state: state)
    }

    /// Opens a committed (or consumed) image and checks its structure.
    /// Throws `ImageError.notCommitted` for an image whose writer never
    /// finished. With `unwrapper`, the image must be sealed (an image that
    /// is not is refused: `SealingError.notSealed`), and its keys open it.
    public init(source: any ByteSource, options: Options = Options(), unwrapper: (any ImageKeyUnwrapper)? = nil) throws {
        let probe = try Self.probe(source)
        guard probe.state.state != .writing else { throw ImageError.notCommitted(probe.state.state) }
        let header = probe.header
        var seal: ImageSeal?
        if let unwrapper {
            guard let record = header.sealing else { throw SealingError.notSealed }
            seal = ImageSeal(keys: try unwrapper.keys(for: record, imageID: header.imageID), headerDigest: probe.headerDigest)
        }
        let block = UInt64(ImageFormat.blockSize)
        let framesOffset = ImageFormat.framesOffset(headerLength: probe.headerLength)
        let length = probe.state.imageLength
        guard length % block == 0, length >= framesOffset + 2 * block else {
            throw ImageError.stateCorrupt(offset: ImageStateBlock.offset + 48, reason: "the image length \(length) is not a multiple of \(block) of at least \(framesOffset + 2 * block) bytes")
        }
        let trailerOffset = length - block
        let trailer = try ImageTrailer(decoding: Self.read(source, "trailer", at: trailerOffset, count: Int(block)), offset: trailerOffset)
        guard trailer.imageID == header.imageID else {
            throw ImageError.stale(what: "trailer", offset: trailerOffset, found: trailer.imageID, expected: header.imageID)
        }
        guard trailer.headerChecksum == probe.headerChecksum else {
            throw ImageError.trailerCorrupt(offset: trailerOffset, reason: "it names header checksum \(HexText.number(trailer.headerChecksum, digits: 16)) but the header's is \(HexText.number(probe.headerChecksum, digits: 16))")
        }
        let (framesEnd, overflow) = trailer.framesOffset.addingReportingOverflow(trailer.framesLength)
        guard trailer.framesOffset == framesOffset, !overflow, trailer.indexOffset == framesEnd, trailer.indexOffset % block == 0,
              trailer.indexLength >= UInt64(ImageIndex.headerSize), trailer.indexLength <= trailerOffset,
              trailer.indexOffset <= trailerOffset - trailer.indexLength,
              ImageFormat.roundUp(trailer.indexOffset + trailer.indexLength) == trailerOffset else {
            throw ImageError.trailerCorrupt(offset: trailerOffset, reason: "its layout (frames at \(HexText.number(trailer.framesOffset)) + \(trailer.framesLength), index at \(HexText.number(trailer.indexOffset)) + \(trailer.indexLength)) does not fit an image whose frames start at \(HexText.number(framesOffset)) and whose trailer is at \(HexText.number(trailerOffset))")
        }
        guard trailer.uncompressedBytes == trailer.dataPages &* UInt64(header.pageSize) else {
            throw ImageError.trailerCorrupt(offset: trailerOffset, reason: "\(trailer.dataPages) data pages cannot hold \(trailer.uncompressedBytes) bytes")
        }
        if let seal, !trailer.isAuthentic(under: seal) { throw SealingError.trailerNotAuthentic }
        if options.indexInMemory {
            let indexBytes = try Self.read(source, "index", at: trailer.indexOffset, count: Int(trailer.indexLength))
            let indexChecksum = ImageChecksum.xxh3(indexBytes)
            guard indexChecksum == trailer.indexChecksum else {
                throw ImageError.indexCorrupt(offset: trailer.indexOffset, reason: "its checksum is \(HexText.number(indexChecksum, digits: 16)) but the trailer records \(HexText.number(trailer.indexChecksum, digits: 16))")
            }
            if seal != nil, ImageSeal.digest(indexBytes) != trailer.indexDigest { throw SealingError.indexNotAuthentic }
            let index = try ImageIndex(decoding: indexBytes, offset: trailer.indexOffset)
            try index.validate(header: header, headerChecksum: probe.headerChecksum, trailer: trailer)
            extents = index.extents
            frames = index.frames
            indexCheck = nil
        } else {
            // Bounded: the bytes in pieces for the checksums, then the tables a window at a time.
            let check = try ImageIndexCheck.checksums(source: source, trailer: trailer, seal: seal)
            let window = options.indexWindowEntries
            try ImageIndex.validate(extentTable: { check.extentCursor(source, window: window) },
                                    frameTable: check.frameCursor(source, window: window),
                                    header: header, headerChecksum: probe.headerChecksum, trailer: trailer)
            extents = []
            frames = []
            indexCheck = check
        }
        self.source = source
        self.options = options
        self.header = header
        self.headerChecksum = probe.headerChecksum
        self.headerLength = probe.headerLength
        self.state = probe.state
        self.trailer = trailer
        self.summary = ImageSummary(header: header, trailer: trailer, imageBytes: length)
        self.frameOpener = ImageFrameOpener(pageSize: header.pageSize, sealed: header.isSealed, seal: seal)
    }

    /// Whether the frames can be read: the image is not sealed, or was opened with its key.
    public var canReadFrames: Bool { !frameOpener.sealed || frameOpener.seal != nil }

    /// Throws `ImageError.notResumable` unless this is a committed
    /// hibernation image. (The caller still compares the system kernel
    /// identity and the firmware memory map with the machine's.)
    public func checkResumable() throws {
        guard header.kind == .hibernation else {
            throw ImageError.notResumable(reason: "it is a \(header.kind) image, not a hibernation image")
        }
        guard !summary.isPartial else {
            throw ImageError.notResumable(reason: "it is partial: \(summary.missingPages) pages did not fit on the target")
        }
        switch state.state {
        case .committed:
            return
        case .consumed:
            let when = state.consumedAt.map { " at unix time \($0)" } ?? ""
            throw ImageError.notResumable(reason: "it was already consumed\(when); an image is resumed at most once")
        case .writing:
            throw ImageError.notCommitted(.writing)
        }
    }

    /// Reads `count` bytes at `offset`, turning a read past the end into `ImageError.truncated`.
    static func read(_ source: any ByteSource, _ what: String, at offset: UInt64, count: Int) throws -> [UInt8] {
        do {
            return try source.read(at: offset, count: count)
        } catch ByteSourceError.outOfBounds {
            throw ImageError.truncated(what: what, offset: offset, count: count, sourceSize: source.size)
        }
    }

    func read(_ what: String, at offset: UInt64, count: Int) throws -> [UInt8] {
        try Self.read(source, what, at: offset, count: count)
    }

    /// The extents table, read in order (from memory, or from the image a window at a time).
    func extentCursor() -> ImageIndexCursor<ImageExtent> {
        indexCheck.map { $0.extentCursor(source, window: options.indexWindowEntries) } ?? ImageIndexCursor(extents)
    }

    /// The frames table, read in order.
    func frameCursor() -> ImageIndexCursor<ImageFrameEntry> {
        indexCheck.map { $0.frameCursor(source, window: options.indexWindowEntries) } ?? ImageIndexCursor(frames)
    }

    /// After a walk that read both tables to their ends from the image:
    /// throws unless they are the bytes that were checked at open.
    func confirmIndex(extents: ImageIndexCursor<ImageExtent>, frames: ImageIndexCursor<ImageFrameEntry>) throws {
        try indexCheck?.confirm(extents: extents, frames: frames)
    }

    /// Reads the frame `frames` is at and as many frames after it as fit in
    /// one read chunk and in `room` jobs, in one call, as a slice
    /// (`ByteSource.readSlice`: no copy out of a bounce buffer); calls `body`
    /// with each frame's number, index entry and bytes.
    func readFrames(from frames: inout ImageIndexCursor<ImageFrameEntry>, room: Int,
                    _ body: (Int, ImageFrameEntry, ArraySlice<UInt8>) throws -> Void) throws {
        let first = frames.position
        guard let firstEntry = try frames.next() else { return }
        var batch = [firstEntry]
        let start = firstEntry.fileOffset
        while batch.count < room, let next = try frames.peek(),
              next.fileOffset + UInt64(next.lengthOnDisk) - start <= UInt64(options.readChunkBytes) {
            batch.append(next)
            _ = try frames.next()
        }
        let lastEntry = batch[batch.count - 1]
        let count = Int(lastEntry.fileOffset + UInt64(lastEntry.lengthOnDisk) - start)
        let bytes: ArraySlice<UInt8>
        do {
            bytes = try source.readSlice(at: start, count: count)
        } catch ByteSourceError.outOfBounds {
            let last = first + batch.count - 1
            throw ImageError.truncated(what: last == first ? "frame \(first)" : "frames \(first)–\(last)",
                                       offset: start, count: count, sourceSize: source.size)
        }
        for (index, entry) in batch.enumerated() {
            let offset = bytes.startIndex + Int(entry.fileOffset - start)   // the slice need not start at 0
            try body(first + index, entry, bytes[offset..<offset + entry.lengthOnDisk])
        }
    }

    var readerOptions: Options { options }
}
