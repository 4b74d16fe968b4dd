/// A run of pages as `ImageReader.forEachRun` delivers it.
public struct ImageRun: Sendable {
    /// Physical address of the first page.
    public var address: UInt64
    public var pageCount: UInt64
    public var kind: ImageExtentKind
    /// The pages' bytes for `.data` (`pageCount × pageSize` bytes); nil for `.zero`.
    public var bytes: ArraySlice<UInt8>?
}

extension ImageReader {
    /// Reads every frame and checks its header against the index, the
    /// checksum of its stored bytes, its decompression and the checksum of
    /// its pages (a sealed frame: its authentication). Throws the first bad
    /// frame's `ImageError.frameCorrupt` (frame number, file offset,
    /// physical address) or a read error. It is `restore` with the memory
    /// writes left out: the same checks, in the same code, as a resume.
    @discardableResult
    public func verify() throws -> ImageSummary {
        try restore(makeWriter: { DiscardingPageWriter() })
        return summary
    }

    /// Calls `body` for the image's pages in ascending physical order: zero
    /// runs without bytes, data runs with their decompressed bytes (a data
    /// extent longer than a frame comes in several runs). Every frame is
    /// checked as in `verify` before its pages are handed out; the first bad
    /// frame ends the walk with its error. Frames are decompressed ahead on
    /// the workers while `body` runs.
    public func forEachRun(_ body: (ImageRun) throws -> Void) throws {
        let pageSize = header.pageSize
        var walker = ImageExtentWalker(extents: extentCursor(), pageSize: pageSize)
        func emitZeroRuns() throws {
            try walker.takeZeroRuns { try body(ImageRun(address: $0.address, pageCount: $0.pageCount, kind: .zero, bytes: nil)) }
        }
        let frames = try forEachFrame { _, frame, pages in
            var done = 0
            while done < frame.pageCount {
                try emitZeroRuns()
                guard let piece = try walker.takeData(upTo: UInt64(frame.pageCount - done)) else {
                    throw ImageError.indexCorrupt(offset: trailer.indexOffset, reason: "its extents hold fewer data pages than its frames")
                }
                let start = pages.startIndex + done * pageSize
                try body(ImageRun(address: piece.address, pageCount: piece.pageCount, kind: .data,
                                  bytes: pages[start..<start + Int(piece.pageCount) * pageSize]))
                done += Int(piece.pageCount)
            }
        }
        try emitZeroRuns()
        try confirmIndex(extents: walker.cursor, frames: frames)
    }

    /// Calls `body(number, entry, pages)` for every frame in order, with its
    /// checked, decompressed pages. Returns the frames cursor, read to its end.
    @discardableResult
    func forEachFrame(_ body: (Int, ImageFrameEntry, ArraySlice<UInt8>) throws -> Void) throws -> ImageIndexCursor<ImageFrameEntry> {
        let options = readerOptions
        let pipeline = OrderedWorkPipeline<ImageFrameCodec, (Int, ImageFrameEntry, ArraySlice<UInt8>)>(
            workers: options.workers, capacity: options.maxFramesInFlight, label: "kjump.image.decompress") { ImageFrameCodec() }
        var frames = frameCursor()
        let opener = frameOpener
        while frames.position < frames.count || !pipeline.isEmpty {
            while frames.position < frames.count, !pipeline.isFull {
                try readFrames(from: &frames, room: pipeline.capacity - pipeline.inFlight) { frameNumber, entry, bytes in
                    pipeline.submit { codec in
                        (frameNumber, entry, try Self.decode(frame: frameNumber, entry: entry, bytes: bytes, opener: opener, codec: codec))
                    }
                }
            }
            let (number, entry, pages) = try pipeline.takeOldest()!.get()
            try body(number, entry, pages)
        }
        return frames
    }

    /// Checks one frame read from the image and returns its pages.
    static func decode(frame number: Int, entry: ImageFrameEntry, bytes: ArraySlice<UInt8>, opener: ImageFrameOpener,
                       codec: ImageFrameCodec) throws -> ArraySlice<UInt8> {
        if !opener.sealed, entry.codec == .none {
            // Stored raw: the payload is the pages, in the bytes read.
            return try checkedPayload(frame: number, entry: entry, bytes: bytes, opener: opener)
        }
        return try opener.withOpenedPayload(frame: number, entry: entry, bytes: bytes) { payload in
            if entry.codec == .none { return Array(payload)[...] }
            let size = entry.pageCount * opener.pageSize
            var failure: String?
            let pages = [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
                failure = codec.decompress(payload, into: UnsafeMutableRawBufferPointer(buffer), codec: entry.codec)
                initialized = failure == nil ? size : 0
            }
            if let failure { throw frameCorrupt(number, entry, failure) }
            if !opener.sealed { try checkPages(frame: number, entry: entry, checksum: ImageChecksum.xxh3(pages), size: size) }
            return pages[...]
        }
    }

    /// Checks one frame as `decode` does, decompressing into `buffer` (at
    /// least the frame's page bytes), and calls `body` with its pages.
    static func withCheckedPages<Result>(frame number: Int, entry: ImageFrameEntry, bytes: ArraySlice<UInt8>, opener: ImageFrameOpener,
                                         codec: ImageFrameCodec, buffer: UnsafeMutableRawBufferPointer,
                                         _ body: (UnsafeRawBufferPointer) throws -> Result) throws -> Result {
        return try opener.withOpenedPayload(frame: number, entry: entry, bytes: bytes) { payload in
            if entry.codec == .none { return try body(payload) }
            let size = entry.pageCount * opener.pageSize
            precondition(buffer.count >= size, "the frame buffer holds a whole frame")
            let pages = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<size])
            if let failure = codec.decompress(payload, into: pages, codec: entry.codec) {
                throw frameCorrupt(number, entry, failure)
            }
            if !opener.sealed {
                try checkPages(frame: number, entry: entry, checksum: ImageChecksum.xxh3(UnsafeRawBufferPointer(pages)), size: size)
            }
            return try body(UnsafeRawBufferPointer(pages))
        }
    }

    /// The frame's payload, once its header agrees with the index and its
    /// stored bytes with their checksum (for a raw frame the payload is the pages).
    fileprivate static func checkedPayload(frame number: Int, entry: ImageFrameEntry, bytes: ArraySlice<UInt8>,
                                           opener: ImageFrameOpener) throws -> ArraySlice<UInt8> {
        let size = entry.pageCount * opener.pageSize
        let payloadStart = bytes.startIndex + ImageFrameHeader.size
        let payload = bytes[payloadStart..<payloadStart + entry.storedSize]
        let problem: ImageError? = bytes.withUnsafeBytes { raw in
            guard let header = ImageFrameHeader(loading: raw) else {
                return frameCorrupt(number, entry, "its header does not start with \"KJFR\" and a known codec")
            }
            guard header == entry.frameHeader(number: number, pageSize: opener.pageSize) else {
                return frameCorrupt(number, entry, "its header (frame \(header.number), \(header.pageCount) pages at \(HexText.number(header.physicalAddress)), \(header.storedSize) bytes \(header.codec)) disagrees with the index (frame \(number), \(entry.pageCount) pages at \(HexText.number(entry.physicalAddress)), \(entry.storedSize) bytes \(entry.codec))")
            }
            return nil
        }
        if let problem { throw problem }
        let storedChecksum = ImageChecksum.xxh3(payload)
        guard storedChecksum == entry.storedChecksum else {
            throw frameCorrupt(number, entry, "the checksum of its \(entry.storedSize) stored bytes is \(HexText.number(storedChecksum, digits: 16)) but the index records \(HexText.number(entry.storedChecksum, digits: 16))")
        }
        // Stored raw: the payload is the pages, and its checksum was the pages' checksum.
        if !opener.sealed, entry.codec == .none, entry.uncompressedChecksum != entry.storedChecksum {
            throw frameCorrupt(number, entry, "it is stored raw but records different checksums for its stored and its uncompressed bytes")
        }
        if opener.sealed, entry.codec == .none, entry.storedSize != size + ImageSeal.tagSize {
            throw frameCorrupt(number, entry, "it is stored raw and sealed in \(entry.storedSize) bytes, not \(size) bytes of pages and a \(ImageSeal.tagSize)-byte tag")
        }
        return payload
    }

    private static func checkPages(frame number: Int, entry: ImageFrameEntry, checksum: UInt64, size: Int) throws {
        guard checksum == entry.uncompressedChecksum else {
            throw frameCorrupt(number, entry, "the checksum of its \(size) decompressed bytes is \(HexText.number(checksum, digits: 16)) but the index records \(HexText.number(entry.uncompressedChecksum, digits: 16))")
        }
    }

    private static func frameCorrupt(_ number: Int, _ entry: ImageFrameEntry, _ reason: String) -> ImageError {
        .frameCorrupt(frame: number, offset: entry.fileOffset, physicalAddress: entry.physicalAddress, reason: reason)
    }
}

extension ImageFrameEntry {
    /// The frame header this entry's frame must carry.
    func frameHeader(number: Int, pageSize: Int) -> ImageFrameHeader {
        ImageFrameHeader(codec: codec, number: UInt64(number), firstPage: firstPage, physicalAddress: physicalAddress,
                         pageCount: pageCount, uncompressedSize: pageCount * pageSize, storedSize: storedSize,
                         uncompressedChecksum: uncompressedChecksum, storedChecksum: storedChecksum)
    }
}

/// How a reader checks its frames: the page size, and for a sealed image
/// the seal that opens them (nil when the image was opened without its
/// key: every frame is then refused).
struct ImageFrameOpener: Sendable {
    let pageSize: Int
    let sealed: Bool
    let seal: ImageSeal?

    /// Calls `body` with the frame's payload checked (`checkedPayload`)
    /// and, when sealed, authenticated and decrypted: its compressed or raw
    /// pages, in the bytes read or in the decrypted buffer (no copy).
    func withOpenedPayload<Result>(frame number: Int, entry: ImageFrameEntry, bytes: ArraySlice<UInt8>,
                                   _ body: (UnsafeRawBufferPointer) throws -> Result) throws -> Result {
        let payload = try ImageReader.checkedPayload(frame: number, entry: entry, bytes: bytes, opener: self)
        guard sealed else { return try payload.withUnsafeBytes(body) }
        guard let seal else { throw SealingError.keyNeeded }
        return try seal.open(payload, as: entry.frameHeader(number: number, pageSize: pageSize)).withUnsafeBytes(body)
    }
}
