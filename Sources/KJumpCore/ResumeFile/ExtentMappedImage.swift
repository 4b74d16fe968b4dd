/// An image inside a resume file, read straight from the block device
/// through the file's map: image offset 0 is file offset 4096.
public struct ExtentMappedByteSource: ByteSource {
    public let device: any ByteSource
    public let map: ResumeFileMap

    public init(device: any ByteSource, map: ResumeFileMap) {
        self.device = device
        self.map = map
    }

    public var size: UInt64 { map.imageCapacity }

    public func read(at offset: UInt64, count: Int) throws -> [UInt8] {
        guard count >= 0, offset <= size, UInt64(count) <= size - offset else {
            throw ByteSourceError.outOfBounds(offset: offset, count: count, size: size)
        }
        let pieces = try map.devicePieces(imageOffset: offset, count: count)
        if pieces.count == 1 { return try device.read(at: pieces[0].deviceOffset, count: count) }
        var out: [UInt8] = []
        out.reserveCapacity(count)
        for piece in pieces { out += try device.read(at: piece.deviceOffset, count: piece.count) }
        return out
    }
}

/// An image written into a resume file straight on the block device,
/// through the file's map; writes past the file are refused with
/// `ResumeFileMapError.outOfFile`.
public final class ExtentMappedImageSink: ImageSink {
    public let device: any ImageSink
    public let map: ResumeFileMap

    public init(device: any ImageSink, map: ResumeFileMap) {
        self.device = device
        self.map = map
    }

    public func write(_ bytes: UnsafeRawBufferPointer, at offset: UInt64) throws {
        var done = 0
        for piece in try map.devicePieces(imageOffset: offset, count: bytes.count) {
            try device.write(UnsafeRawBufferPointer(rebasing: bytes[done..<done + piece.count]), at: piece.deviceOffset)
            done += piece.count
        }
    }

    public func synchronize() throws { try device.synchronize() }
}
