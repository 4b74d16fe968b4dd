/// Where a resume file's bytes lie on its block device: the first 4 KiB
/// block of a file made by `kjump setup --file`. The hibernation kernel
/// never mounts the filesystem; it finds this block at the device offset on
/// its command line (`kjump.resume-offset=`) and reads and writes the image
/// through it, block by block, like swsusp does with a swap file.
///
/// Layout (little-endian, the rest of the block zero):
/// ```
/// 0    8  magic "KJUMPMAP"
/// 8    8  XXH3-64 of the block with this field zeroed
/// 16   4  version (1)
/// 20   4  extent count e
/// 24   8  file size (bytes, a multiple of 4096)
/// 32  24  × e extents: u64 file offset, u64 device offset, u64 length (all multiples of 4096)
/// ```
/// The extents are in file order and cover `[0, file size)` exactly; the
/// image starts at file offset 4096, right after this block.
public struct ResumeFileMap: Sendable, Equatable {
    /// One contiguous piece of the file on the device.
    public struct Extent: Sendable, Equatable {
        public var fileOffset: UInt64
        public var deviceOffset: UInt64
        public var length: UInt64

        public init(fileOffset: UInt64, deviceOffset: UInt64, length: UInt64) {
            self.fileOffset = fileOffset
            self.deviceOffset = deviceOffset
            self.length = length
        }
    }

    public static let magic = Array("KJUMPMAP".utf8)
    public static let size = 4096
    public static let version: UInt32 = 1
    /// The most extents one block holds.
    public static let maximumExtents = (size - 32) / 24
    /// Where the image starts in the file.
    public static let imageOffset: UInt64 = UInt64(size)

    public var fileSize: UInt64
    public var extents: [Extent]

    /// Checks that `extents` cover `[0, fileSize)` in order, block aligned.
    public init(fileSize: UInt64, extents: [Extent]) throws(ResumeFileMapError) {
        guard extents.count <= Self.maximumExtents else { throw .tooFragmented(extents: extents.count) }
        guard fileSize > Self.imageOffset, fileSize % 4096 == 0 else { throw .badFileSize(fileSize) }
        var expected: UInt64 = 0
        for extent in extents {
            guard extent.fileOffset == expected, extent.length > 0,
                  extent.length % 4096 == 0, extent.deviceOffset % 4096 == 0 else { throw .badExtent(extent) }
            expected += extent.length
        }
        guard expected == fileSize else { throw .notCovered(covered: expected, fileSize: fileSize) }
        self.fileSize = fileSize
        self.extents = extents
    }

    /// Bytes of image the file holds (all of it but this block).
    public var imageCapacity: UInt64 { fileSize - Self.imageOffset }

    /// Where this block itself lies on the device.
    public var deviceOffset: UInt64 { extents[0].deviceOffset }

    /// The device pieces holding image bytes `[offset, offset + count)`, in order.
    public func devicePieces(imageOffset offset: UInt64, count: Int) throws(ResumeFileMapError) -> [(deviceOffset: UInt64, count: Int)] {
        let start = offset + Self.imageOffset
        let end = start + UInt64(count)
        guard end <= fileSize else { throw .outOfFile(offset: offset, count: count, capacity: imageCapacity) }
        var pieces: [(deviceOffset: UInt64, count: Int)] = []
        var position = start
        guard var index = extents.lastIndex(withKeyAtMost: position, key: \.fileOffset) else {
            throw .outOfFile(offset: offset, count: count, capacity: imageCapacity)
        }
        while position < end {
            let extent = extents[index]
            let pieceEnd = min(end, extent.fileOffset + extent.length)
            pieces.append((extent.deviceOffset + (position - extent.fileOffset), Int(pieceEnd - position)))
            position = pieceEnd
            index += 1
        }
        return pieces
    }

    /// The 4096-byte block.
    public func encoded() -> [UInt8] {
        var out = ImageByteWriter(capacity: Self.size)
        out.put(Self.magic)
        out.put(UInt64(0))
        out.put(Self.version)
        out.put(UInt32(extents.count))
        out.put(fileSize)
        for extent in extents {
            out.put(extent.fileOffset)
            out.put(extent.deviceOffset)
            out.put(extent.length)
        }
        out.zeros(Self.size - out.count)
        out.set(ImageChecksum.xxh3(out.bytes), at: 8)
        return out.bytes
    }

    /// Decodes the block read at `deviceOffset`; it must describe itself as lying there.
    public init(decoding bytes: [UInt8], at deviceOffset: UInt64) throws(ResumeFileMapError) {
        guard bytes.count == Self.size, Array(bytes[0..<8]) == Self.magic else { throw .notAMap(deviceOffset: deviceOffset) }
        var zeroed = bytes
        zeroed.imageStore(UInt64(0), at: 8)
        guard bytes.imageLoad(UInt64.self, at: 8) == ImageChecksum.xxh3(zeroed) else { throw .corrupt(deviceOffset: deviceOffset) }
        let version = bytes.imageLoad(UInt32.self, at: 16)
        guard version == Self.version else { throw .unsupportedVersion(version) }
        let count = Int(bytes.imageLoad(UInt32.self, at: 20))
        guard count <= Self.maximumExtents else { throw .tooFragmented(extents: count) }
        let extents = (0..<count).map { index in
            Extent(fileOffset: bytes.imageLoad(UInt64.self, at: 32 + 24 * index),
                   deviceOffset: bytes.imageLoad(UInt64.self, at: 40 + 24 * index),
                   length: bytes.imageLoad(UInt64.self, at: 48 + 24 * index))
        }
        try self.init(fileSize: bytes.imageLoad(UInt64.self, at: 24), extents: extents)
        guard self.deviceOffset == deviceOffset else { throw .misplaced(recorded: self.deviceOffset, read: deviceOffset) }
    }
}

/// Why a resume file's map cannot be made or used. Each reads as a sentence.
public enum ResumeFileMapError: Error, Sendable, Equatable, CustomStringConvertible {
    case tooFragmented(extents: Int)
    case badFileSize(UInt64)
    case badExtent(ResumeFileMap.Extent)
    case notCovered(covered: UInt64, fileSize: UInt64)
    case outOfFile(offset: UInt64, count: Int, capacity: UInt64)
    case notAMap(deviceOffset: UInt64)
    case corrupt(deviceOffset: UInt64)
    case unsupportedVersion(UInt32)
    case misplaced(recorded: UInt64, read: UInt64)

    public var description: String {
        switch self {
        case .tooFragmented(let count):
            "the resume file has \(count) extents, more than the \(ResumeFileMap.maximumExtents) its map holds: make it on a less fragmented filesystem, or use a partition"
        case .badFileSize(let size):
            "a resume file must be a multiple of 4096 bytes and larger than 4096, not \(size) bytes"
        case .badExtent(let extent):
            "the resume file's extent at file offset \(extent.fileOffset) (device offset \(extent.deviceOffset), \(extent.length) bytes) is not block aligned or not in order"
        case .notCovered(let covered, let size):
            "the resume file's extents cover \(covered) of its \(size) bytes: it has holes"
        case .outOfFile(let offset, let count, let capacity):
            "the image needs bytes \(offset)..<\(offset + UInt64(count)), but the resume file holds \(capacity) bytes of image: make it larger (kjump setup --file PATH --size N)"
        case .notAMap(let offset):
            "there is no kjump resume file map at device offset \(offset) (kjump.resume-offset=): the file was moved, deleted or made anew; run kjump setup again"
        case .corrupt(let offset):
            "the kjump resume file map at device offset \(offset) fails its checksum"
        case .unsupportedVersion(let version):
            "the resume file map has version \(version); this kjump reads version \(ResumeFileMap.version)"
        case .misplaced(let recorded, let read):
            "the resume file map read at device offset \(read) says it lies at \(recorded): the file was moved; run kjump setup again"
        }
    }
}
