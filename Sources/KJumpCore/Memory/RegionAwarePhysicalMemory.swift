/// The system kernel A's physical memory "as A sees it", read from inside
/// the hibernation kernel H after a preserve-context kexec jump.
///
/// At the jump A's `swap_pages` exchanged every destination page of H's
/// image with its source page, so A's own contents of a destination page
/// now sit at the paired source page (which A allocated outside R), while
/// the destination holds H. This memory serves:
/// - a page that is the destination of a pair: from its source page, read
///   from `base` (whether or not the page lies in R);
/// - any other page in R: nothing, `PhysicalMemoryError.notBackedUp`,
///   because H has overwritten it;
/// - everything else: from `base`, e.g. `ElfCoreMemory` over `/proc/vmcore`.
///
/// A pair whose source is its own destination (the kernel allocates such
/// pages, see `kimage_alloc_page`) is a page A handed to the kexec image;
/// it reads as whatever `base` holds there now.
public struct RegionAwarePhysicalMemory: PhysicalMemory {
    /// A's memory where H did not write: everything outside R.
    public let base: any PhysicalMemory
    /// The ranges of R, ascending.
    public let region: [PhysicalRange]
    /// The page size of the kexec list.
    public let pageSize: UInt64
    /// Destination page → source page.
    let backups: [UInt64: UInt64]

    /// Serves A's contents of each pair's destination from its source page.
    /// Page addresses are rounded down to `pageSize`; if a destination
    /// appears twice the first pair counts (the kernel never builds that).
    public init(base: any PhysicalMemory, region: [PhysicalRange], pairs: [KexecPagePair], pageSize: UInt64 = 4096) {
        precondition(pageSize.nonzeroBitCount == 1, "the page size is a power of two")
        self.base = base
        self.region = region.filter { $0.size > 0 }.sorted { $0.start < $1.start }
        self.pageSize = pageSize
        let mask = ~(pageSize - 1)
        self.backups = Dictionary(pairs.map { ($0.destination & mask, $0.source & mask) },
                                  uniquingKeysWith: { first, _ in first })
    }

    /// Same, with R given as a `HibernationRegion`.
    public init(base: any PhysicalMemory, region: HibernationRegion, pairs: [KexecPagePair]) {
        self.init(base: base, region: region.ranges, pairs: pairs)
    }

    /// Finds A's indirection list through the control page that holds
    /// `reentryPoint` (read from `base`: control and indirection pages are
    /// never kexec destinations, so they lie outside R) and walks it.
    /// Throws `KexecControlPageError` or `KexecIndirectionListError`.
    public init(base: any PhysicalMemory, region: HibernationRegion, reentryPoint: UInt64) throws {
        let head = try KexecControlPage.indirectionHead(reentryPoint: reentryPoint, memory: base)
        let pairs = try KexecIndirectionList.pagePairs(head: head, memory: base)
        self.init(base: base, region: region.ranges, pairs: pairs)
    }

    /// The physical page that holds A's contents of the page at `page`, if
    /// kexec swapped it; nil when the page was not part of H's image.
    public func backupPage(of page: UInt64) -> UInt64? {
        backups[page & ~(pageSize - 1)]
    }

    /// Number of destination pages with a backup.
    public var backedUpPageCount: Int { backups.count }

    public func read(physicalAddress: UInt64, count: Int) throws -> [UInt8] {
        let end = try checkedEnd(of: physicalAddress, count: count)
        var out: [UInt8] = []
        out.reserveCapacity(count)
        var runStart: UInt64?   // pending bytes to read from base in one call
        var address = physicalAddress

        func flushRun(upTo limit: UInt64) throws {
            guard let start = runStart else { return }
            out += try readBase(start, Int(limit - start))
            runStart = nil
        }

        while address < end {
            let page = address & ~(pageSize - 1)
            let (pageEnd, last) = page.addingReportingOverflow(pageSize)
            var chunkEnd = last ? end : min(end, pageEnd)
            if let source = backups[page] {
                try flushRun(upTo: address)
                out += try readBase(source + (address - page), Int(chunkEnd - address))
            } else if region.contains(where: { $0.start <= address && address < $0.end }) {
                throw PhysicalMemoryError.notBackedUp(address)
            } else {
                // Stop at the start of R if it begins inside this page.
                if let next = region.first(where: { $0.start > address }), next.start < chunkEnd {
                    chunkEnd = next.start
                }
                if runStart == nil { runStart = address }
            }
            address = chunkEnd
        }
        try flushRun(upTo: end)
        return out
    }

    /// Outside R the bytes are `base`'s, passed on without a copy; ranges
    /// that touch R are read page by page as `read` does.
    public func withBytes<Result>(physicalAddress: UInt64, count: Int,
                                  _ body: (UnsafeRawBufferPointer) throws -> Result) throws -> Result {
        let end = try checkedEnd(of: physicalAddress, count: count)
        if !region.contains(where: { $0.start < end && physicalAddress < $0.end }) {
            return try base.withBytes(physicalAddress: physicalAddress, count: count, body)
        }
        return try read(physicalAddress: physicalAddress, count: count).withUnsafeBytes(body)
    }

    private func readBase(_ address: UInt64, _ count: Int) throws -> [UInt8] {
        let bytes = try base.read(physicalAddress: address, count: count)
        guard bytes.count == count else {
            throw PhysicalMemoryError.shortRead(address: address, expected: count, got: bytes.count)
        }
        return bytes
    }
}
