/// A committed kjump image's pages by physical address, for readers that
/// follow pointers through a dump (`kjump dmesg`) rather than stream it.
///
/// A read finds the page's extent, decompresses the frame that holds it
/// (checking it as `ImageReader.verify` does) and keeps the last few frames
/// decompressed. Zero pages read as zeros; pages the image left out (free or
/// filtered pages) throw `PhysicalMemoryError.notPresent` with the first
/// absent address. Not thread-safe: one reader per thread.
public final class ImagePhysicalMemory: PhysicalMemory {
    /// The image the pages come from.
    public let reader: ImageReader
    /// Frames kept decompressed, at most.
    public let cachedFrames: Int
    private let pageSize: UInt64
    /// For each extent, the position of its first page in the stream of data
    /// pages (meaningful for data extents only).
    private let firstDataPage: [UInt64]
    /// Decompressed frames, least recently used first.
    private var cache: [(frame: Int, pages: ArraySlice<UInt8>)] = []
    private let codec = ImageFrameCodec()

    /// Serves the pages of `reader`'s image, keeping up to `cachedFrames`
    /// frames (1 MiB each by default) decompressed.
    public init(reader: ImageReader, cachedFrames: Int = 8) {
        self.reader = reader
        self.cachedFrames = max(cachedFrames, 1)
        pageSize = UInt64(reader.header.pageSize)
        var first: [UInt64] = []
        first.reserveCapacity(reader.extents.count)
        var dataPages: UInt64 = 0
        for extent in reader.extents {
            first.append(dataPages)
            if extent.kind == .data { dataPages &+= extent.pageCount }
        }
        firstDataPage = first
    }

    /// The `count` bytes at `physicalAddress`, across pages, extents and frames.
    public func read(physicalAddress: UInt64, count: Int) throws -> [UInt8] {
        let end = try checkedEnd(of: physicalAddress, count: count)
        var out: [UInt8] = []
        out.reserveCapacity(count)
        var address = physicalAddress
        while address < end {
            guard let index = extentIndex(containing: address) else { throw PhysicalMemoryError.notPresent(address) }
            let extent = reader.extents[index]
            let pageStart = address & ~(pageSize - 1)
            let chunkEnd = min(end, pageStart &+ pageSize)
            let wanted = Int(chunkEnd - address)
            switch extent.kind {
            case .zero:
                out += repeatElement(0, count: wanted)
            case .data:
                let dataPage = firstDataPage[index] &+ (pageStart - extent.address) / pageSize
                let (frame, pages) = try frameHolding(dataPage: dataPage, address: address)
                let offset = Int((dataPage - frame.firstPage) * pageSize + (address - pageStart))
                let start = pages.startIndex + offset
                out += pages[start..<start + wanted]
            }
            address = chunkEnd
        }
        return out
    }

    /// The extent holding `address`, by binary search; nil when the image left it out.
    private func extentIndex(containing address: UInt64) -> Int? {
        let extents = reader.extents
        guard let index = extents.lastIndex(withKeyAtMost: address, key: \.address),
              address < extents[index].end(pageSize: Int(pageSize)) else { return nil }
        return index
    }

    /// The frame holding data page `dataPage` of the stream, decompressed and checked.
    private func frameHolding(dataPage: UInt64, address: UInt64) throws -> (ImageFrameEntry, ArraySlice<UInt8>) {
        let frames = reader.frames
        // The index was validated at open: its frames cover every data page exactly once.
        guard let number = frames.lastIndex(withKeyAtMost: dataPage, key: \.firstPage),
              dataPage - frames[number].firstPage < UInt64(frames[number].pageCount) else {
            throw PhysicalMemoryError.notPresent(address)
        }
        let entry = frames[number]
        if let hit = cache.firstIndex(where: { $0.frame == number }) {
            let cached = cache.remove(at: hit)
            cache.append(cached)
            return (entry, cached.pages)
        }
        let bytes = try reader.read("frame \(number)", at: entry.fileOffset, count: entry.lengthOnDisk)
        let pages = try ImageReader.decode(frame: number, entry: entry, bytes: bytes[...], opener: reader.frameOpener, codec: codec)
        if cache.count >= cachedFrames { cache.removeFirst() }
        cache.append((number, pages))
        return (entry, pages)
    }
}
