/// A committed kjump image as the system kernel A's physical memory, the
/// same for both kinds of image: what every reader of A through an image
/// uses (`kjump dmesg`, `kjump inspect`, `kjump export --elf / --kdump`).
///
/// A crash dump holds A's pages at their own addresses: this is the image as
/// `ImagePhysicalMemory` serves it.
///
/// A hibernation image holds A's RAM *outside* R exactly as H found it after
/// the jump: A's own contents of R sit in the kexec backup pages (each
/// destination page of H's image was swapped with its source page, which A
/// allocated outside R), and R itself is not in the image at all — the jump
/// back at resume swaps R back. So A's page tables, kernel image, log buffer
/// and whatever else lay in R are read here through the kexec indirection
/// list, found as H found it: through A's control page, which holds the
/// image's re-entry point (`RegionAwarePhysicalMemory`, over the image). The
/// image as A saw it at the jump:
/// - a page of R (a destination) reads from its backup page in the image;
///   one whose backup the image left out (A held it free) is absent, and one
///   with no backup (or whose "backup" is itself) is `notBackedUp`;
/// - a backup page itself is absent: A's contents there are the part of H's
///   image it had loaded, which the image does not keep (its bytes are A's
///   contents of R, served at R's addresses);
/// - everything else is the image's page at that address.
///
/// `extents` and `forEachRun` give the page set and the pages in this view,
/// in ascending address order, for the exporters. Not thread-safe.
public final class ImageSystemMemory: PhysicalMemory {
    /// The image the pages come from.
    public let reader: ImageReader
    /// The image's pages at the addresses it stores them at.
    public let image: ImagePhysicalMemory
    /// A's page set: the image's extents for a crash dump; for a hibernation
    /// image, with R at its own addresses and the backup pages left out.
    public let extents: [ImageExtent]
    /// For a hibernation image: the runs of R served from backup pages, by destination.
    private let translatedRuns: [TranslatedRun]
    /// For a hibernation image: R read through the kexec pairs whose pages
    /// differ (destination from its source page), over the image.
    private let regionAware: RegionAwarePhysicalMemory?
    /// Pages whose bytes in the image are not A's at that address (sources
    /// and destinations of the pairs), ascending.
    private let hidden: [UInt64]
    private let pageSize: UInt64

    /// A run of R whose backup pages follow each other in the image.
    struct TranslatedRun: Equatable {
        var destination: UInt64
        var source: UInt64
        var pageCount: UInt64
        var kind: ImageExtentKind
    }

    /// Serves `reader`'s image (whose index must be in memory) as A's memory;
    /// for a hibernation image, walks the kexec indirection list through the
    /// control page at the recorded re-entry point. Throws
    /// `ImageSystemMemoryError` when a hibernation image does not lead to it.
    public init(reader: ImageReader, cachedFrames: Int = 8) throws(ImageSystemMemoryError) {
        guard reader.indexInMemory else { throw .indexNotInMemory }
        self.reader = reader
        let image = ImagePhysicalMemory(reader: reader, cachedFrames: cachedFrames)
        self.image = image
        let pageSize = UInt64(reader.header.pageSize)
        self.pageSize = pageSize
        let region = reader.header.hibernationRegion.ranges.filter { $0.size > 0 }
        guard reader.header.kind == .hibernation else {
            extents = reader.extents
            translatedRuns = []
            regionAware = nil
            hidden = []
            return
        }
        let reentryPoint = reader.header.reentryPoint
        guard reentryPoint != 0, !region.isEmpty else {
            throw .noBackupList(region: region, reason: "the image records no re-entry point or no H region")
        }
        let pairs: [KexecPagePair]
        do {
            let head = try KexecControlPage.indirectionHead(reentryPoint: reentryPoint, memory: image)
            pairs = try KexecIndirectionList.pagePairs(head: head, memory: image, pageSize: pageSize)
        } catch {
            throw .noBackupList(region: region, reason: String(describing: error))
        }
        let mask = ~(pageSize - 1)
        let swapped = pairs.filter { $0.source & mask != $0.destination & mask }
            .map { KexecPagePair(destination: $0.destination & mask, source: $0.source & mask) }
            .sorted { $0.destination < $1.destination }
        regionAware = RegionAwarePhysicalMemory(base: image, region: region, pairs: swapped, pageSize: pageSize)
        hidden = Array(Set(swapped.flatMap { [$0.source, $0.destination] })).sorted()

        // R's runs by destination, each page's kind that of its backup page in the image.
        var runs: [TranslatedRun] = []
        for pair in swapped {
            guard let kind = Self.kind(of: pair.source, in: reader.extents, pageSize: pageSize) else { continue }
            if var last = runs.last, last.kind == kind, last.pageCount < Self.maxRunPages,
               last.destination + last.pageCount * pageSize == pair.destination,
               kind == .zero || last.source + last.pageCount * pageSize == pair.source {
                last.pageCount += 1
                runs[runs.count - 1] = last
            } else {
                runs.append(TranslatedRun(destination: pair.destination, source: pair.source, pageCount: 1, kind: kind))
            }
        }
        translatedRuns = runs

        // The page set: the image's extents without the hidden pages, and R's runs.
        var pieces: [ImageExtent] = []
        for extent in reader.extents {
            Self.visible(ImageRun(address: extent.address, pageCount: extent.pageCount, kind: extent.kind, bytes: nil),
                         hidden: hidden, pageSize: pageSize) { piece in
                pieces.append(ImageExtent(address: piece.address, pageCount: piece.pageCount, kind: piece.kind))
            }
        }
        pieces += runs.map { ImageExtent(address: $0.destination, pageCount: $0.pageCount, kind: $0.kind) }
        pieces.sort { $0.address < $1.address }
        var merged: [ImageExtent] = []
        for piece in pieces {
            if let last = merged.last, last.kind == piece.kind, last.end(pageSize: Int(pageSize)) == piece.address {
                merged[merged.count - 1].pageCount += piece.pageCount
            } else {
                merged.append(piece)
            }
        }
        extents = merged
    }

    /// Pages of R read in one piece, at most (bounds the bytes one run holds).
    static let maxRunPages: UInt64 = 256

    /// Whether A's contents of R come from kexec backup pages (a hibernation image).
    public var translatesRegion: Bool { (regionAware?.backedUpPageCount ?? 0) > 0 }

    /// The number of pages of R served from backup pages in the image.
    public var regionPagesInImage: UInt64 { translatedRuns.reduce(0) { $0 + $1.pageCount } }

    public func read(physicalAddress: UInt64, count: Int) throws -> [UInt8] {
        guard let regionAware, translatesRegion else { return try image.read(physicalAddress: physicalAddress, count: count) }
        let end = try checkedEnd(of: physicalAddress, count: count)
        // A backup page at its own address held part of H's image, which the
        // image does not keep: absent (its bytes are served at R's address).
        var page = physicalAddress & ~(pageSize - 1)
        while page < end {
            if regionAware.backupPage(of: page) == nil, isHidden(page) {
                throw PhysicalMemoryError.notPresent(max(page, physicalAddress))
            }
            page += pageSize
        }
        do {
            return try regionAware.read(physicalAddress: physicalAddress, count: count)
        } catch PhysicalMemoryError.notPresent(let source) {
            // The image left a backup page out: A held that page of R free. Name R's address.
            let inR = stride(from: physicalAddress & ~(pageSize - 1), to: end, by: Int(pageSize))
                .first { regionAware.backupPage(of: $0) == source & ~(pageSize - 1) }
            throw PhysicalMemoryError.notPresent(inR.map { max($0, physicalAddress) } ?? source)
        }
    }

    private func isHidden(_ page: UInt64) -> Bool {
        hidden.lastIndex(withKeyAtMost: page, key: { $0 }).map { hidden[$0] == page } ?? false
    }

    /// Calls `body` for A's pages in ascending physical order, as
    /// `ImageReader.forEachRun` does for the image's own (every frame
    /// checked before its pages are handed out): for a hibernation image,
    /// R's pages at their own addresses and no backup pages.
    public func forEachRun(_ body: (ImageRun) throws -> Void) throws {
        guard translatesRegion else { return try reader.forEachRun(body) }
        var next = 0
        // R's runs below `limit`: none of them reaches into an image run, as
        // the image's pages at R's addresses (if any) are hidden.
        func emitRegion(below limit: UInt64) throws {
            while next < translatedRuns.count, translatedRuns[next].destination < limit {
                let run = translatedRuns[next]
                next += 1
                switch run.kind {
                case .zero:
                    try body(ImageRun(address: run.destination, pageCount: run.pageCount, kind: .zero, bytes: nil))
                case .data:
                    let bytes = try image.read(physicalAddress: run.source, count: Int(run.pageCount * pageSize))
                    try body(ImageRun(address: run.destination, pageCount: run.pageCount, kind: .data, bytes: bytes[...]))
                }
            }
        }
        try reader.forEachRun { run in
            try Self.visible(run, hidden: hidden, pageSize: pageSize) { piece in
                try emitRegion(below: piece.address)
                try body(piece)
            }
        }
        try emitRegion(below: .max)
    }

    /// The kind of `page` in `extents`; nil when the image left it out.
    static func kind(of page: UInt64, in extents: [ImageExtent], pageSize: UInt64) -> ImageExtentKind? {
        guard let index = extents.lastIndex(withKeyAtMost: page, key: \.address),
              page < extents[index].end(pageSize: Int(pageSize)) else { return nil }
        return extents[index].kind
    }

    /// Calls `body` with the pieces of `run` between the `hidden` pages
    /// (ascending), their bytes cut from the run's.
    static func visible(_ run: ImageRun, hidden: [UInt64], pageSize: UInt64,
                        _ body: (ImageRun) throws -> Void) rethrows {
        let end = run.address + run.pageCount * pageSize
        var cursor = run.address
        func emit(upTo limit: UInt64) throws {
            guard limit > cursor else { return }
            let first = (cursor - run.address) / pageSize
            let count = (limit - cursor) / pageSize
            let bytes = run.bytes.map { bytes in
                let start = bytes.startIndex + Int(first * pageSize)
                return bytes[start..<start + Int(count * pageSize)]
            }
            try body(ImageRun(address: cursor, pageCount: count, kind: run.kind, bytes: bytes))
        }
        var index = hidden.lastIndex(withKeyAtMost: run.address, key: { $0 }).map { hidden[$0] < run.address ? $0 + 1 : $0 }
            ?? 0
        while index < hidden.count, hidden[index] < end {
            try emit(upTo: hidden[index])
            cursor = hidden[index] + pageSize
            index += 1
        }
        try emit(upTo: end)
    }
}

/// Why an image cannot be read as the system kernel's memory.
public enum ImageSystemMemoryError: Error, Equatable, CustomStringConvertible {
    /// The reader was opened without its index (`ImageReader.Options.indexInMemory`).
    case indexNotInMemory
    /// A hibernation image whose kexec indirection list (A's contents of R) cannot be followed.
    case noBackupList(region: [PhysicalRange], reason: String)

    public var description: String {
        switch self {
        case .indexNotInMemory:
            "the image was opened without its index in memory, which reading it by physical address needs"
        case let .noBackupList(region, reason):
            "the hibernation image does not lead to the system kernel's kexec backup pages, which hold its contents of the H region "
                + region.map(\.description).joined(separator: " ") + ": " + reason
        }
    }
}
