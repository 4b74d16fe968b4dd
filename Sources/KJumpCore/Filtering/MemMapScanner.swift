/// Streams over the system kernel's `mem_map` (the `struct page` array at
/// `vmemmap`, `CONFIG_SPARSEMEM_VMEMMAP`) and classifies every page frame of
/// the given RAM ranges with `PageClassifier`.
///
/// Each `struct page` is read once, in reads of `pagesPerRead` of them (16384
/// × 64 bytes = 1 MiB by default; a size that is not a power of two also
/// reads the next chunk's first `struct page`, for a compound head's order);
/// a read is split only where vmemmap is not physically contiguous (a 2 MiB
/// vmemmap page holds 32768 `struct page`s). Where vmemmap is not mapped the pages
/// are `unknown` (kept), as makedumpfile keeps a section without `mem_map`.
///
/// Two ways to consume the result:
/// - `scan(pfnRanges:_:)` hands each chunk's classes (one `PageClass` per PFN)
///   to a closure and keeps nothing: bounded memory for any RAM size.
/// - `classify(ramRanges:)` collects a `PageClassification`: counts and the
///   runs of non-kept pages, from which `excludedRanges(at:)` gives the
///   `[PhysicalRange]` a dump level leaves out.
public struct MemMapScanner {
    public let layout: MemMapLayout
    public let addressSpace: KernelAddressSpace
    /// `vmemmap_base`.
    public let vmemmapBase: UInt64
    /// Page frames classified per `mem_map` read.
    public let pagesPerRead: Int

    /// The default read: 1 MiB of 64-byte `struct page`s.
    public static let defaultPagesPerRead = 16384

    public init(layout: MemMapLayout, addressSpace: KernelAddressSpace,
                pagesPerRead: Int = MemMapScanner.defaultPagesPerRead) throws(PageFilterError) {
        guard let vmemmapBase = addressSpace.vmemmapBase else { throw .noVmemmap }
        precondition(pagesPerRead > 0, "at least one page per read")
        self.layout = layout
        self.addressSpace = addressSpace
        self.vmemmapBase = vmemmapBase
        self.pagesPerRead = pagesPerRead
    }

    /// The layout from `vmcoreInfo` (see `MemMapLayout.init(vmcoreInfo:)`).
    public init(vmcoreInfo: VmcoreInfo, addressSpace: KernelAddressSpace,
                pagesPerRead: Int = MemMapScanner.defaultPagesPerRead) throws(PageFilterError) {
        try self.init(layout: MemMapLayout(vmcoreInfo: vmcoreInfo), addressSpace: addressSpace,
                      pagesPerRead: pagesPerRead)
    }

    /// The PFNs whose first byte lies in one of `ranges` (as makedumpfile's
    /// `is_in_segs`), merged and ascending.
    public static func pfnRanges(of ranges: [PhysicalRange], pageSize: UInt64 = 4096) -> [Range<UInt64>] {
        var result: [Range<UInt64>] = []
        for range in ranges.sorted(by: { $0.start < $1.start }) where range.size > 0 {
            let first = (range.start + pageSize - 1) / pageSize
            let end = range.end / pageSize + (range.end % pageSize == 0 ? 0 : 1)
            guard first < end else { continue }
            if let last = result.last, last.upperBound >= first {
                result[result.count - 1] = last.lowerBound..<max(last.upperBound, end)
            } else {
                result.append(first..<end)
            }
        }
        return result
    }

    /// Classifies every PFN of `pfnRanges` (ascending, disjoint) and calls
    /// `body(firstPFN, classes)` for each chunk, in PFN order; `classes` is
    /// valid only during the call. Throws `PageFilterError.memMapUnreadable`
    /// when `mem_map` is mapped but cannot be read, or what `body` throws.
    public func scan(pfnRanges: [Range<UInt64>],
                     _ body: (UInt64, UnsafeBufferPointer<PageClass>) throws -> Void) throws {
        var classifier = PageClassifier(layout: layout)
        var classes = [PageClass](repeating: .kept, count: pagesPerRead)
        let stride = UInt64(pagesPerRead)
        // Chunks end on multiples of pagesPerRead. When that is a power of
        // two (at least 2), the last PFN of a chunk is odd, so it cannot be
        // the head of a compound page (heads are aligned to their order) and
        // the next chunk's first struct page is never needed early: every
        // struct page is read exactly once. Other sizes read one more.
        let needsLookahead = stride < 2 || stride & (stride - 1) != 0
        for range in pfnRanges {
            var pfn = range.lowerBound
            while pfn < range.upperBound {
                let chunkEnd = min(range.upperBound, (pfn / stride + 1) * stride)
                let count = Int(chunkEnd - pfn)
                let withLookahead = needsLookahead && chunkEnd < range.upperBound ? count + 1 : count
                let (bytes, readable) = try readStructPages(firstPFN: pfn, count: withLookahead)
                try bytes.withUnsafeBytes { raw in
                    try classes.withUnsafeMutableBufferPointer { all in
                        let out = UnsafeMutableBufferPointer(rebasing: all[0..<count])
                        classifier.classify(firstPFN: pfn, structPages: raw, readable: readable, into: out)
                        try body(pfn, UnsafeBufferPointer(out))
                    }
                }
                pfn = chunkEnd
            }
        }
    }

    /// Classifies the pages of `ramRanges` and collects counts and runs.
    public func classify(ramRanges: [PhysicalRange]) throws -> PageClassification {
        let pfnRanges = Self.pfnRanges(of: ramRanges, pageSize: layout.pageSize)
        var builder = PageClassification.Builder()
        try scan(pfnRanges: pfnRanges) { firstPFN, classes in builder.add(firstPFN: firstPFN, classes: classes) }
        return builder.finish(pageSize: layout.pageSize, pfnRanges: pfnRanges)
    }

    /// The `struct page`s of `count` PFNs from `firstPFN`, and which of them
    /// are readable (empty when all are).
    func readStructPages(firstPFN: UInt64, count: Int) throws -> ([UInt8], [Bool]) {
        let size = layout.structPageSize
        let start = vmemmapBase &+ firstPFN &* UInt64(size)
        let total = count * size
        let extents: [KernelAddressSpace.Extent]
        do {
            extents = try addressSpace.extents(virtualAddress: start, count: total)
        } catch {
            throw PageFilterError.memMapUnreadable(firstPFN: firstPFN, pageCount: count, physicalAddress: nil, cause: UnderlyingError(error))
        }
        if extents.count == 1, let physical = extents[0].physicalAddress {
            return (try readPhysical(physical, count: total, firstPFN: firstPFN, pages: count), [])
        }
        var bytes = [UInt8](repeating: 0, count: total)
        var readable = [Bool](repeating: true, count: count)
        for extent in extents {
            if let physical = extent.physicalAddress {
                let chunk = try readPhysical(physical, count: extent.count, firstPFN: firstPFN, pages: count)
                bytes.replaceSubrange(extent.offset..<extent.offset + extent.count, with: chunk)
            } else {
                let firstPage = extent.offset / size
                let endPage = (extent.offset + extent.count + size - 1) / size
                for page in firstPage..<min(endPage, count) { readable[page] = false }
            }
        }
        return (bytes, readable)
    }

    private func readPhysical(_ physical: UInt64, count: Int, firstPFN: UInt64, pages: Int) throws -> [UInt8] {
        do {
            return try addressSpace.memory.read(physicalAddress: physical, count: count)
        } catch {
            throw PageFilterError.memMapUnreadable(firstPFN: firstPFN, pageCount: pages, physicalAddress: physical,
                                                   cause: UnderlyingError(error))
        }
    }
}

/// A run of consecutive page frames of one class.
public struct PageRun: Sendable, Equatable, CustomStringConvertible {
    public var firstPFN: UInt64
    public var count: UInt64
    public var pageClass: PageClass

    public init(firstPFN: UInt64, count: UInt64, pageClass: PageClass) {
        self.firstPFN = firstPFN
        self.count = count
        self.pageClass = pageClass
    }

    public var endPFN: UInt64 { firstPFN + count }

    public var description: String {
        "\(pageClass) PFN \(HexText.number(firstPFN))+\(count)"
    }
}

/// The classes of all page frames of a scan: counts, and every run of
/// non-`kept` pages. A scanned PFN in no run is `kept`.
public struct PageClassification: Sendable, Equatable {
    public var pageSize: UInt64
    /// The PFNs scanned (RAM), ascending.
    public var pfnRanges: [Range<UInt64>]
    public var counts: PageClassCounts
    /// Maximal runs of equal class, `kept` left out, ascending.
    public var runs: [PageRun]

    public init(pageSize: UInt64, pfnRanges: [Range<UInt64>], counts: PageClassCounts, runs: [PageRun]) {
        self.pageSize = pageSize
        self.pfnRanges = pfnRanges
        self.counts = counts
        self.runs = runs
    }

    /// The class of `pfn`; nil when it was not scanned.
    public func pageClass(ofPFN pfn: UInt64) -> PageClass? {
        guard pfnRanges.contains(where: { $0.contains(pfn) }) else { return nil }
        var low = 0
        var high = runs.count
        while low < high {
            let middle = (low + high) / 2
            if runs[middle].firstPFN <= pfn { low = middle + 1 } else { high = middle }
        }
        if low > 0, pfn < runs[low - 1].endPFN { return runs[low - 1].pageClass }
        return .kept
    }

    /// The PFN ranges `level` leaves out by class, merged, ascending (zero
    /// pages are not included: they are found by content).
    public func excludedPFNRanges(at level: DumpLevel) -> [Range<UInt64>] {
        var result: [Range<UInt64>] = []
        for run in runs where level.excludes(run.pageClass) {
            if let last = result.last, last.upperBound == run.firstPFN {
                result[result.count - 1] = last.lowerBound..<run.endPFN
            } else {
                result.append(run.firstPFN..<run.endPFN)
            }
        }
        return result
    }

    /// The same as physical byte ranges.
    public func excludedRanges(at level: DumpLevel) -> [PhysicalRange] {
        excludedPFNRanges(at: level).map {
            PhysicalRange(start: $0.lowerBound * pageSize, end: $0.upperBound * pageSize)
        }
    }

    /// Calls `body(start, end, class)` for each maximal run `start..<end` of
    /// equal classes in `classes` (one chunk of `MemMapScanner.scan`), in order.
    static func forEachRun(in classes: UnsafeBufferPointer<PageClass>, _ body: (Int, Int, PageClass) -> Void) {
        var index = 0
        while index < classes.count {
            let pageClass = classes[index]
            var end = index + 1
            while end < classes.count, classes[end] == pageClass { end += 1 }
            body(index, end, pageClass)
            index = end
        }
    }

    /// Collects chunks from `MemMapScanner.scan` into runs.
    struct Builder {
        var counts = PageClassCounts()
        var runs: [PageRun] = []

        mutating func add(firstPFN: UInt64, classes: UnsafeBufferPointer<PageClass>) {
            PageClassification.forEachRun(in: classes) { index, end, pageClass in
                let count = UInt64(end - index)
                counts[pageClass] += count
                if pageClass != .kept {
                    let pfn = firstPFN + UInt64(index)
                    if let last = runs.last, last.pageClass == pageClass, last.endPFN == pfn {
                        runs[runs.count - 1].count += count
                    } else {
                        runs.append(PageRun(firstPFN: pfn, count: count, pageClass: pageClass))
                    }
                }
            }
        }

        func finish(pageSize: UInt64, pfnRanges: [Range<UInt64>]) -> PageClassification {
            PageClassification(pageSize: pageSize, pfnRanges: pfnRanges, counts: counts, runs: runs)
        }
    }
}
