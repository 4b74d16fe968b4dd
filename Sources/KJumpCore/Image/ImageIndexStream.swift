/// An entry of one of the index's two tables (extents, frames): its size
/// on disk and its little-endian encoding.
protocol ImageIndexEntry: Sendable {
    static var encodedSize: Int { get }
    static var tableName: String { get }
    /// Decodes entry `number` at `position` of `raw`; `offset` is its byte offset in the image (for messages).
    static func decode(_ raw: UnsafeRawBufferPointer, at position: Int, number: Int, offset: UInt64) throws(ImageError) -> Self
    func encode(into out: inout ImageByteWriter)
}

extension ImageExtent: ImageIndexEntry {
    static var encodedSize: Int { ImageIndex.extentSize }
    static var tableName: String { "extent" }

    static func decode(_ raw: UnsafeRawBufferPointer, at position: Int, number: Int, offset: UInt64) throws(ImageError) -> ImageExtent {
        let rawKind = raw.imageLoad(UInt32.self, at: position + 16)
        guard let kind = ImageExtentKind(rawValue: rawKind) else {
            throw .indexCorrupt(offset: offset, reason: "extent \(number) has the unknown kind \(rawKind)")
        }
        return ImageExtent(address: raw.imageLoad(UInt64.self, at: position),
                           pageCount: raw.imageLoad(UInt64.self, at: position + 8), kind: kind)
    }

    func encode(into out: inout ImageByteWriter) {
        out.put(address)
        out.put(pageCount)
        out.put(kind.rawValue)
        out.put(UInt32(0))
    }
}

extension ImageFrameEntry: ImageIndexEntry {
    static var encodedSize: Int { ImageIndex.frameSize }
    static var tableName: String { "frame" }

    static func decode(_ raw: UnsafeRawBufferPointer, at position: Int, number: Int, offset: UInt64) throws(ImageError) -> ImageFrameEntry {
        let rawCodec = raw.imageLoad(UInt16.self, at: position + 32)
        guard let codec = ImageCompression(rawValue: rawCodec) else {
            throw .indexCorrupt(offset: offset, reason: "frame \(number) has the unknown codec \(rawCodec)")
        }
        return ImageFrameEntry(fileOffset: raw.imageLoad(UInt64.self, at: position),
                               firstPage: raw.imageLoad(UInt64.self, at: position + 8),
                               physicalAddress: raw.imageLoad(UInt64.self, at: position + 16),
                               pageCount: Int(raw.imageLoad(UInt32.self, at: position + 24)),
                               storedSize: Int(raw.imageLoad(UInt32.self, at: position + 28)),
                               codec: codec,
                               uncompressedChecksum: raw.imageLoad(UInt64.self, at: position + 40),
                               storedChecksum: raw.imageLoad(UInt64.self, at: position + 48))
    }

    func encode(into out: inout ImageByteWriter) {
        out.put(fileOffset)
        out.put(firstPage)
        out.put(physicalAddress)
        out.put(UInt32(pageCount))
        out.put(UInt32(storedSize))
        out.put(codec.rawValue)
        out.put(UInt16(0))
        out.put(UInt32(0))
        out.put(uncompressedChecksum)
        out.put(storedChecksum)
    }
}

extension ImageIndexEntry {
    /// Decodes the `count` entries in `bytes`, numbered from `first` and
    /// found at byte `offset` of the image (for messages).
    static func decodeAll(_ bytes: [UInt8], count: Int, first: Int, offset: UInt64) throws -> [Self] {
        var entries: [Self] = []
        entries.reserveCapacity(count)
        try bytes.withUnsafeBytes { (raw: UnsafeRawBufferPointer) throws in
            for index in 0..<count {
                let position = index * encodedSize
                entries.append(try decode(raw, at: position, number: first + index, offset: offset + UInt64(position)))
            }
        }
        return entries
    }
}

/// Where the index and its two tables lie in an image, from the index's
/// 32-byte header (checked against the trailer's length).
struct ImageIndexLayout: Sendable, Equatable {
    /// Byte offset of the index.
    var offset: UInt64
    var extentCount: Int
    var frameCount: Int

    var extentsOffset: UInt64 { offset + UInt64(ImageIndex.headerSize) }
    var framesOffset: UInt64 { extentsOffset + UInt64(extentCount * ImageIndex.extentSize) }
    var length: Int { ImageIndex.length(extents: extentCount, frames: frameCount) }

    /// Decodes the index header (its first 32 bytes) of an index of `length` bytes at `offset`.
    init(header bytes: [UInt8], offset: UInt64, length: UInt64) throws(ImageError) {
        guard bytes.count >= ImageIndex.headerSize, Array(bytes[0..<8]) == ImageFormat.indexMagic else {
            throw .indexCorrupt(offset: offset, reason: "it does not start with \"KJUMPIDX\"")
        }
        let extentCount = bytes.imageLoad(UInt64.self, at: 8)
        let frameCount = bytes.imageLoad(UInt64.self, at: 16)
        guard extentCount <= length, frameCount <= length,
              UInt64(ImageIndex.length(extents: Int(extentCount), frames: Int(frameCount))) == length else {
            throw .indexCorrupt(offset: offset, reason: "\(extentCount) extents and \(frameCount) frames do not fill its \(length) bytes")
        }
        self.offset = offset
        self.extentCount = Int(extentCount)
        self.frameCount = Int(frameCount)
    }
}

/// Reads one table of the index in order, a window of entries at a time,
/// from the image (bounded memory, whatever the table's length) or from an
/// array already in memory. Reading from the image, it also hashes the
/// table's bytes, so that a second pass can prove it read what the first
/// pass checked.
struct ImageIndexCursor<Entry: ImageIndexEntry> {
    /// Entries in the table.
    let count: Int
    /// The number of the entry `next()` returns.
    private(set) var position = 0
    private let source: (any ByteSource)?
    private let tableOffset: UInt64
    private let windowEntries: Int
    private var window: [Entry]
    private var windowStart = 0
    private let hash: ImageChecksumStream?

    /// The table of `count` entries at `tableOffset` of `source`, read
    /// `windowEntries` at a time (4096 by default: 96 KiB of extents, 224 KiB of frames).
    init(source: any ByteSource, tableOffset: UInt64, count: Int, windowEntries: Int) {
        self.count = count
        self.source = source
        self.tableOffset = tableOffset
        self.windowEntries = max(windowEntries, 1)
        window = []
        hash = ImageChecksumStream()
    }

    /// The entries of an array.
    init(_ entries: [Entry]) {
        count = entries.count
        source = nil
        tableOffset = 0
        windowEntries = max(entries.count, 1)
        window = entries
        hash = nil
    }

    /// The next entry without taking it; nil at the end.
    mutating func peek() throws -> Entry? {
        guard position < count else { return nil }
        if position - windowStart >= window.count { try refill() }
        return window[position - windowStart]
    }

    /// The next entry; nil at the end.
    mutating func next() throws -> Entry? {
        guard let entry = try peek() else { return nil }
        position += 1
        return entry
    }

    /// XXH3-64 of the table's bytes, once every entry was read from the image; nil for arrays or before the end.
    var tableChecksum: UInt64? {
        guard let hash, position == count, windowStart + window.count == count else { return nil }
        return hash.digest
    }

    private mutating func refill() throws {
        guard let source else { return }
        let first = position
        let entries = min(windowEntries, count - first)
        let offset = tableOffset + UInt64(first * Entry.encodedSize)
        let bytes = try ImageReader.read(source, "index", at: offset, count: entries * Entry.encodedSize)
        hash?.update(bytes)
        window = try Entry.decodeAll(bytes, count: entries, first: first, offset: offset)
        windowStart = first
    }
}

/// The index of an image, checked without holding it: the checksums of its
/// bytes and tables from one pass over the bytes, then the structure from a
/// pass over the tables (see `ImageIndexValidator`).
struct ImageIndexCheck: Sendable, Equatable {
    var layout: ImageIndexLayout
    /// XXH3-64 of the extents table's bytes and of the frames table's bytes.
    var extentsChecksum: UInt64
    var framesChecksum: UInt64

    /// Reads the index at `trailer.indexOffset` in pieces of `pieceBytes`,
    /// checks its checksum against the trailer, and returns where its tables
    /// are and their own checksums.
    /// With `seal`, the index's SHA-256 must also be the one the
    /// (authenticated) trailer records.
    static func checksums(source: any ByteSource, trailer: ImageTrailer, seal: ImageSeal? = nil,
                          pieceBytes: Int = 1 << 20) throws -> ImageIndexCheck {
        let whole = ImageChecksumStream(), extents = ImageChecksumStream(), frames = ImageChecksumStream()
        var digest = seal.map { _ in SealingDigestStream() }
        let headerBytes = try ImageReader.read(source, "index", at: trailer.indexOffset,
                                               count: Int(min(UInt64(ImageIndex.headerSize), trailer.indexLength)))
        let framesStart = headerBytes.count < ImageIndex.headerSize ? UInt64.max
            : UInt64(ImageIndex.headerSize) + min(headerBytes.imageLoad(UInt64.self, at: 8), trailer.indexLength) * UInt64(ImageIndex.extentSize)
        var done: UInt64 = 0
        while done < trailer.indexLength {
            let count = Int(min(UInt64(pieceBytes), trailer.indexLength - done))
            let bytes = try ImageReader.read(source, "index", at: trailer.indexOffset + done, count: count)
            whole.update(bytes)
            digest?.add(bytes)
            // The tables' shares of this piece (only meaningful once the layout holds).
            let pieceEnd = done + UInt64(count)
            let tableStart = max(done, UInt64(ImageIndex.headerSize)), split = min(max(framesStart, tableStart), pieceEnd)
            if tableStart < split { extents.update(bytes[Int(tableStart - done)..<Int(split - done)]) }
            if split < pieceEnd { frames.update(bytes[Int(split - done)..<count]) }
            done = pieceEnd
        }
        let checksum = whole.digest
        guard checksum == trailer.indexChecksum else {
            throw ImageError.indexCorrupt(offset: trailer.indexOffset, reason: "its checksum is \(HexText.number(checksum, digits: 16)) but the trailer records \(HexText.number(trailer.indexChecksum, digits: 16))")
        }
        if let digest, digest.finish() != trailer.indexDigest { throw SealingError.indexNotAuthentic }
        let layout = try ImageIndexLayout(header: headerBytes, offset: trailer.indexOffset, length: trailer.indexLength)
        return ImageIndexCheck(layout: layout, extentsChecksum: extents.digest, framesChecksum: frames.digest)
    }

    func extentCursor(_ source: any ByteSource, window: Int) -> ImageIndexCursor<ImageExtent> {
        ImageIndexCursor(source: source, tableOffset: layout.extentsOffset, count: layout.extentCount, windowEntries: window)
    }

    func frameCursor(_ source: any ByteSource, window: Int) -> ImageIndexCursor<ImageFrameEntry> {
        ImageIndexCursor(source: source, tableOffset: layout.framesOffset, count: layout.frameCount, windowEntries: window)
    }

    /// Throws unless `extents` and `frames`, read to their ends, read the bytes this check hashed.
    func confirm(extents: ImageIndexCursor<ImageExtent>, frames: ImageIndexCursor<ImageFrameEntry>) throws(ImageError) {
        guard extents.tableChecksum == extentsChecksum, frames.tableChecksum == framesChecksum else {
            throw .indexCorrupt(offset: layout.offset, reason: "it changed on the device while it was read: a second reading does not match the first")
        }
    }
}

/// Maps the data-page stream to physical addresses while walking the
/// extents once, in order: the placement of each frame's pages, and the
/// zero runs between them.
struct ImageExtentWalker {
    private var extents: ImageIndexCursor<ImageExtent>
    private let pageSize: UInt64
    private var current: ImageExtent?
    private var pagesIntoExtent: UInt64 = 0

    init(extents: ImageIndexCursor<ImageExtent>, pageSize: Int) {
        self.extents = extents
        self.pageSize = UInt64(pageSize)
    }

    /// The cursor, once the walk is over (for its checksum).
    var cursor: ImageIndexCursor<ImageExtent> { extents }

    /// Takes the zero extents that come next, up to the next data extent.
    mutating func takeZeroRuns(_ body: (ImageExtent) throws -> Void) throws {
        guard current == nil else { return }
        while let extent = try extents.peek(), extent.kind == .zero {
            _ = try extents.next()
            try body(extent)
        }
    }

    /// Takes up to `pages` data pages from the data extent that comes next
    /// (after `takeZeroRuns`): their address and how many. Nil when the
    /// extents hold no more data pages.
    mutating func takeData(upTo pages: UInt64) throws -> (address: UInt64, pageCount: UInt64)? {
        if current == nil {
            guard let extent = try extents.peek(), extent.kind == .data else { return nil }
            _ = try extents.next()
            current = extent
            pagesIntoExtent = 0
        }
        let extent = current!
        let take = min(extent.pageCount - pagesIntoExtent, pages)
        let address = extent.address + pagesIntoExtent * pageSize
        pagesIntoExtent += take
        if pagesIntoExtent == extent.pageCount { current = nil }
        return (address, take)
    }
}
