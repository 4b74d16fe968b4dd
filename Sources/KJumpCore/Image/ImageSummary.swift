/// What an image holds, in numbers: for `kjump inspect` and for the
/// writer's and reader's callers.
public struct ImageSummary: Sendable, Equatable {
    public var kind: ImageKind
    /// Whether the frames are sealed (format 2).
    public var isSealed: Bool
    public var compression: ImageCompression
    public var pageSize: Int
    /// Pages stored in frames.
    public var dataPages: UInt64
    /// Pages recorded as zero (not stored).
    public var zeroPages: UInt64
    public var extentCount: UInt64
    public var frameCount: UInt64
    /// Frames stored raw because they did not compress.
    public var rawFrameCount: UInt64
    /// Bytes of the data pages (`dataPages × pageSize`).
    public var uncompressedBytes: UInt64
    /// Bytes of the frame payloads as stored.
    public var storedBytes: UInt64
    /// Bytes of the whole image file, header to trailer.
    public var imageBytes: UInt64
    /// Pages the writer was given but left out because the target was full;
    /// nonzero makes the image a partial dump.
    public var missingPages: UInt64

    /// Whether the image is a partial dump (`missingPages` > 0): readable, never resumable.
    public var isPartial: Bool { missingPages > 0 }

    init(header: ImageHeader, trailer: ImageTrailer, imageBytes: UInt64) {
        isSealed = header.isSealed
        kind = header.kind
        compression = header.compression
        pageSize = header.pageSize
        dataPages = trailer.dataPages
        zeroPages = trailer.zeroPages
        extentCount = trailer.extentCount
        frameCount = trailer.frameCount
        rawFrameCount = trailer.rawFrames
        uncompressedBytes = trailer.uncompressedBytes
        storedBytes = trailer.storedBytes
        self.imageBytes = imageBytes
        missingPages = trailer.missingPages
    }

    /// Bytes of memory the image restores: data and zero pages.
    public var memoryBytes: UInt64 { (dataPages + zeroPages) * UInt64(pageSize) }

    /// Stored payload bytes per uncompressed data byte (0.25 = compressed to a
    /// quarter); 0 for an image without data pages.
    public var compressionRatio: Double {
        uncompressedBytes == 0 ? 0 : Double(storedBytes) / Double(uncompressedBytes)
    }
}
