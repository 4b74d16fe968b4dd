/// What an extent of the page set stands for.
public enum ImageExtentKind: UInt32, Sendable, CaseIterable, CustomStringConvertible {
    /// Pages stored in frames (compressed or raw), in address order.
    case data = 1
    /// Pages that were all zeros: not stored; the restorer writes zeros there.
    case zero = 2

    public var description: String {
        switch self {
        case .data: "data"
        case .zero: "zero"
        }
    }
}

/// A run of physical pages of one kind. Pages in no extent are excluded
/// (free pages, or filtered by a dump level): they are not part of the image.
public struct ImageExtent: Sendable, Equatable, CustomStringConvertible {
    /// Physical address of the first page.
    public var address: UInt64
    public var pageCount: UInt64
    public var kind: ImageExtentKind

    public init(address: UInt64, pageCount: UInt64, kind: ImageExtentKind) {
        self.address = address
        self.pageCount = pageCount
        self.kind = kind
    }

    /// The first address after the extent for pages of `pageSize` bytes.
    public func end(pageSize: Int) -> UInt64 { address + pageCount * UInt64(pageSize) }

    public var description: String { "\(HexText.number(address)) +\(pageCount) pages \(kind)" }
}

/// One frame as the index lists it. The data pages of all data extents,
/// taken in address order, form one stream; frame *k* holds pages
/// `firstPage ..< firstPage + pageCount` of that stream.
public struct ImageFrameEntry: Sendable, Equatable {
    /// Byte offset of the frame (its 64-byte header) in the image; a multiple of 4096.
    public var fileOffset: UInt64
    /// Index of the frame's first page in the stream of data pages.
    public var firstPage: UInt64
    /// Physical address of the frame's first page.
    public var physicalAddress: UInt64
    public var pageCount: Int
    /// Bytes of the payload as stored (compressed, or raw).
    public var storedSize: Int
    /// The codec the payload is stored with.
    public var codec: ImageCompression
    /// XXH3-64 of the uncompressed pages.
    public var uncompressedChecksum: UInt64
    /// XXH3-64 of the stored payload.
    public var storedChecksum: UInt64

    public init(fileOffset: UInt64, firstPage: UInt64, physicalAddress: UInt64, pageCount: Int, storedSize: Int,
                codec: ImageCompression, uncompressedChecksum: UInt64, storedChecksum: UInt64) {
        self.fileOffset = fileOffset
        self.firstPage = firstPage
        self.physicalAddress = physicalAddress
        self.pageCount = pageCount
        self.storedSize = storedSize
        self.codec = codec
        self.uncompressedChecksum = uncompressedChecksum
        self.storedChecksum = storedChecksum
    }

    /// Bytes the frame occupies in the image: header, payload and padding to 4 KiB.
    public var lengthOnDisk: Int { ImageFormat.roundUp(ImageFrameHeader.size + storedSize) }
}

/// The index: written after the frames, located and checksummed by the
/// trailer. Layout (little-endian):
/// ```
/// 0   8  magic "KJUMPIDX"
/// 8   8  extent count e
/// 16  8  frame count f
/// 24  8  reserved, zero
/// 32  e × 24: u64 address, u64 page count, u32 kind (1 data, 2 zero), u32 reserved
/// …   f × 56: u64 file offset, u64 first page, u64 physical address, u32 page count,
///             u32 stored size, u16 codec, u16 + u32 reserved, u64 XXH3-64 uncompressed,
///             u64 XXH3-64 stored
/// ```
/// padded with zeros to a multiple of 4096 on disk (the trailer records the unpadded length).
struct ImageIndex: Equatable {
    static let headerSize = 32
    static let extentSize = 24
    static let frameSize = 56

    var extents: [ImageExtent]
    var frames: [ImageFrameEntry]

    static func length(extents: Int, frames: Int) -> Int {
        headerSize + extents * extentSize + frames * frameSize
    }

    func encoded() -> [UInt8] {
        var out = ImageByteWriter(capacity: Self.length(extents: extents.count, frames: frames.count))
        Self.encodeHeader(extentCount: extents.count, frameCount: frames.count, into: &out)
        for extent in extents { extent.encode(into: &out) }
        for frame in frames { frame.encode(into: &out) }
        return out.bytes
    }

    /// The index's 32-byte header.
    static func encodeHeader(extentCount: Int, frameCount: Int, into out: inout ImageByteWriter) {
        out.put(ImageFormat.indexMagic)
        out.put(UInt64(extentCount))
        out.put(UInt64(frameCount))
        out.put(UInt64(0))
    }

    /// Decodes the index found at byte `offset` (for messages). Checks the
    /// structure only; `validate` checks it against the header and trailer.
    init(decoding bytes: [UInt8], offset: UInt64) throws(ImageError) {
        let layout = try ImageIndexLayout(header: Array(bytes.prefix(Self.headerSize)), offset: offset, length: UInt64(bytes.count))
        var extents: [ImageExtent] = []
        extents.reserveCapacity(layout.extentCount)
        var frames: [ImageFrameEntry] = []
        frames.reserveCapacity(layout.frameCount)
        let failure: ImageError? = bytes.withUnsafeBytes { raw in
            do throws(ImageError) {
                var position = Self.headerSize
                for number in 0..<layout.extentCount {
                    extents.append(try ImageExtent.decode(raw, at: position, number: number, offset: offset + UInt64(position)))
                    position += Self.extentSize
                }
                for number in 0..<layout.frameCount {
                    frames.append(try ImageFrameEntry.decode(raw, at: position, number: number, offset: offset + UInt64(position)))
                    position += Self.frameSize
                }
                return nil
            } catch {
                return error
            }
        }
        if let failure { throw failure }
        self.extents = extents
        self.frames = frames
    }

    init(extents: [ImageExtent], frames: [ImageFrameEntry]) {
        self.extents = extents
        self.frames = frames
    }

    /// The chain checksum: XXH3-64 over the header checksum followed by each
    /// frame's uncompressed and stored checksums, in frame order, all as
    /// little-endian u64. A frame removed, added, reordered or taken from
    /// another image changes it.
    static func chainChecksum(headerChecksum: UInt64, frames: [ImageFrameEntry]) -> UInt64 {
        let chain = ImageChainChecksum(headerChecksum: headerChecksum)
        for frame in frames { chain.add(frame) }
        return chain.value
    }

    /// Checks the page set and the frame list against each other, the header and the trailer.
    func validate(header: ImageHeader, headerChecksum: UInt64, trailer: ImageTrailer) throws(ImageError) {
        try Self.validate(extentTable: { ImageIndexCursor(extents) }, frameTable: ImageIndexCursor(frames),
                          header: header, headerChecksum: headerChecksum, trailer: trailer)
    }

    /// Checks the tables of an index read in order (`ImageIndexCursor`: from
    /// memory or straight from the image): the extents once alone, then
    /// again beside the frames. `extentTable` makes a fresh cursor each time.
    static func validate(extentTable: () -> ImageIndexCursor<ImageExtent>, frameTable: ImageIndexCursor<ImageFrameEntry>,
                         header: ImageHeader, headerChecksum: UInt64, trailer: ImageTrailer) throws(ImageError) {
        let offset = trailer.indexOffset
        func fail(_ reason: String) -> ImageError { .indexCorrupt(offset: offset, reason: reason) }
        func next<Entry>(_ cursor: inout ImageIndexCursor<Entry>) throws(ImageError) -> Entry? {
            do { return try cursor.next() } catch let error as ImageError { throw error } catch {
                throw fail("it cannot be read: \(error)")
            }
        }
        let pageSize = UInt64(header.pageSize)
        var extents = extentTable()
        var frames = frameTable
        guard UInt64(extents.count) == trailer.extentCount, UInt64(frames.count) == trailer.frameCount else {
            throw fail("it lists \(extents.count) extents and \(frames.count) frames but the trailer counts \(trailer.extentCount) and \(trailer.frameCount)")
        }
        var previousEnd: UInt64 = 0
        var dataPages: UInt64 = 0, zeroPages: UInt64 = 0
        var number = 0
        while let extent = try next(&extents) {
            guard extent.pageCount > 0, extent.address % pageSize == 0, extent.address >= previousEnd else {
                throw fail("extent \(number) (\(extent)) is empty, unaligned, or not above the previous extent's end \(HexText.number(previousEnd))")
            }
            let (bytes, overflowMultiply) = extent.pageCount.multipliedReportingOverflow(by: pageSize)
            let (end, overflowAdd) = extent.address.addingReportingOverflow(bytes)
            guard !overflowMultiply, !overflowAdd else { throw fail("extent \(number) (\(extent)) runs past the 64-bit address space") }
            previousEnd = end
            switch extent.kind {
            case .data: dataPages += extent.pageCount
            case .zero: zeroPages += extent.pageCount
            }
            number += 1
        }
        guard dataPages == trailer.dataPages, zeroPages == trailer.zeroPages else {
            throw fail("its extents hold \(dataPages) data and \(zeroPages) zero pages but the trailer counts \(trailer.dataPages) and \(trailer.zeroPages)")
        }

        let maximumPages = header.frameInputBytes / header.pageSize
        var expectedOffset = trailer.framesOffset
        var nextPage: UInt64 = 0
        var storedBytes: UInt64 = 0, rawFrames: UInt64 = 0
        var walker = ImageExtentWalker(extents: extentTable(), pageSize: header.pageSize)
        let chain = ImageChainChecksum(headerChecksum: headerChecksum)
        number = 0
        while let frame = try next(&frames) {
            let uncompressed = frame.pageCount * header.pageSize
            guard frame.fileOffset == expectedOffset else {
                throw fail("frame \(number) is at byte \(HexText.number(frame.fileOffset)), not right after the previous frame at \(HexText.number(expectedOffset))")
            }
            guard frame.firstPage == nextPage, frame.pageCount >= 1, frame.pageCount <= maximumPages else {
                throw fail("frame \(number) holds pages \(frame.firstPage)+\(frame.pageCount) of the data stream; expected page \(nextPage) and 1 to \(maximumPages) pages")
            }
            // A sealed frame's payload carries its authentication tag too.
            let tag = header.isSealed ? ImageSeal.tagSize : 0
            let storedOK = frame.codec == .none ? frame.storedSize == uncompressed + tag : frame.storedSize < uncompressed + tag
            guard storedOK else {
                throw fail("frame \(number) stores \(frame.storedSize) bytes with codec \(frame.codec) for \(uncompressed) bytes of pages")
            }
            // Where the extents put the frame's pages: its first page must be at the address the frame claims.
            var first: UInt64?
            var placed: UInt64 = 0
            do {
                while placed < UInt64(frame.pageCount) {
                    try walker.takeZeroRuns { _ in }
                    guard let piece = try walker.takeData(upTo: UInt64(frame.pageCount) - placed) else { break }
                    if first == nil { first = piece.address }
                    placed += piece.pageCount
                }
            } catch let error as ImageError { throw error } catch { throw fail("it cannot be read: \(error)") }
            guard let address = first, address == frame.physicalAddress else {
                throw fail("frame \(number) claims physical address \(HexText.number(frame.physicalAddress)) for data page \(frame.firstPage), which the extents do not place there")
            }
            nextPage += UInt64(frame.pageCount)
            expectedOffset += UInt64(frame.lengthOnDisk)
            storedBytes += UInt64(frame.storedSize)
            if frame.codec == .none { rawFrames += 1 }
            chain.add(frame)
            number += 1
        }
        guard nextPage == dataPages else {
            throw fail("its frames hold \(nextPage) pages but its extents \(dataPages) data pages")
        }
        guard expectedOffset == trailer.framesOffset + trailer.framesLength else {
            throw fail("its frames end at byte \(HexText.number(expectedOffset)) but the trailer says \(HexText.number(trailer.framesOffset + trailer.framesLength))")
        }
        guard storedBytes == trailer.storedBytes, rawFrames == trailer.rawFrames else {
            throw fail("its frames store \(storedBytes) bytes (\(rawFrames) raw frames) but the trailer counts \(trailer.storedBytes) (\(trailer.rawFrames))")
        }
        guard chain.value == trailer.chainChecksum else {
            throw .trailerCorrupt(offset: trailer.offset, reason: "the chain checksum over the header and the \(frames.count) frames is \(HexText.number(chain.value, digits: 16)) but the trailer records \(HexText.number(trailer.chainChecksum, digits: 16)); frames are missing, extra or from another image")
        }
    }
}

/// The chain checksum, frame by frame: XXH3-64 over the header checksum
/// followed by each frame's uncompressed and stored checksums, in frame
/// order, all as little-endian u64.
final class ImageChainChecksum {
    private let stream = ImageChecksumStream()

    init(headerChecksum: UInt64) { put(headerChecksum) }

    func add(_ frame: ImageFrameEntry) {
        put(frame.uncompressedChecksum)
        put(frame.storedChecksum)
    }

    var value: UInt64 { stream.digest }

    private func put(_ value: UInt64) {
        withUnsafeBytes(of: value.littleEndian) { stream.update($0) }
    }
}
