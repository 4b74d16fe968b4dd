/// Streams a stopped kernel's physical memory into an `ImageWriter`: the
/// pure heart of `kjump save` (and, in the hibernation kernel, of hibernate).
///
/// Every page of `ranges` ends up as one of: data (stored), zero (recorded,
/// not stored: the restorer writes zeros), or excluded (absent: free pages,
/// or what the dump level drops). Reads go in large chunks, in address order.
public struct ImageSaver {
    /// What a save did.
    public struct Statistics: Sendable, Equatable {
        public var dataPages: UInt64 = 0
        public var zeroPages: UInt64 = 0
        public var excludedPages: UInt64 = 0
        /// Bytes read from memory (data and zero pages).
        public var bytesRead: UInt64 = 0
        /// Time spent classifying pages from `mem_map`, when the caller gave a clock.
        public var classifyNanoseconds: UInt64 = 0

        public init() {}
    }

    /// Bytes per page.
    public var pageSize: Int = 4096
    /// Bytes read per call.
    public var chunkBytes: Int = 4 << 20
    /// Record all-zero pages as zero runs instead of storing them.
    public var recordZeroPages: Bool

    public init(recordZeroPages: Bool) {
        self.recordZeroPages = recordZeroPages
    }

    /// Saves `ranges` of `memory` minus `excluded` into `writer`, in ascending order.
    /// `progress` gets the bytes of `ranges` handled so far, excluded ones
    /// included, so it ends at the total size of `ranges`.
    public func save(memory: some PhysicalMemory, ranges: [PhysicalRange], excluded: [PhysicalRange],
                     into writer: ImageWriter, progress: (UInt64) -> Void = { _ in }) throws -> Statistics {
        var statistics = Statistics()
        var done: UInt64 = 0
        let holes = excluded.sorted { $0.start < $1.start }
        for range in ranges.sorted(by: { $0.start < $1.start }) {
            let inside = holes.filter { $0.overlaps(range) }
            try save(memory: memory, range: range, excluded: inside, into: writer, statistics: &statistics) {
                progress(done + $0)
            }
            done += range.size
        }
        return statistics
    }

    /// Saves `ranges` of `memory` into `writer`, leaving out the pages that
    /// `level` excludes by class (free, cache, user pages, as `scanner`
    /// classifies them from `mem_map`) and the pages of `alsoExcluded`.
    ///
    /// One pass, in address order: each chunk of `mem_map` is classified and
    /// that chunk's pages saved before the next is read, so memory does not
    /// grow with the size of `ranges` (a list of every free run of a 64 GiB
    /// machine would). `ranges` must be whole pages. Returns the statistics
    /// and the class counts; `clock` (monotonic nanoseconds), when given,
    /// times the classification into `Statistics.classifyNanoseconds`.
    public func save(memory: some PhysicalMemory, ranges: [PhysicalRange], filteredBy scanner: MemMapScanner,
                     level: DumpLevel, alsoExcluded: [PhysicalRange] = [], into writer: ImageWriter,
                     clock: (() -> UInt64)? = nil,
                     progress: (UInt64) -> Void = { _ in }) throws -> (Statistics, PageClassCounts) {
        var statistics = Statistics()
        var counts = PageClassCounts()
        let pageSize = scanner.layout.pageSize
        let extra = alsoExcluded.sorted { $0.start < $1.start }
        var extraCursor = 0
        var done: UInt64 = 0
        var scanStart = clock?() ?? 0
        try scanner.scan(pfnRanges: MemMapScanner.pfnRanges(of: ranges, pageSize: pageSize)) { firstPFN, classes in
            let chunk = PhysicalRange(start: firstPFN * pageSize, end: (firstPFN + UInt64(classes.count)) * pageSize)
            var excluded: [PhysicalRange] = []
            PageClassification.forEachRun(in: classes) { index, end, pageClass in
                counts[pageClass] += UInt64(end - index)
                if level.excludes(pageClass) {
                    excluded.append(PhysicalRange(start: chunk.start + UInt64(index) * pageSize,
                                                  end: chunk.start + UInt64(end) * pageSize))
                }
            }
            while extraCursor < extra.count, extra[extraCursor].end <= chunk.start { extraCursor += 1 }
            var other = extraCursor
            while other < extra.count, extra[other].start < chunk.end {
                excluded.append(PhysicalRange(start: max(extra[other].start, chunk.start), end: min(extra[other].end, chunk.end)))
                other += 1
            }
            if let clock { statistics.classifyNanoseconds += clock() - scanStart }
            try save(memory: memory, range: chunk, excluded: excluded, into: writer, statistics: &statistics) {
                progress(done + $0)
            }
            scanStart = clock?() ?? 0
            done += chunk.size
        }
        if let clock { statistics.classifyNanoseconds += clock() - scanStart }
        return (statistics, counts)
    }

    /// Saves one range minus `excluded` (any order, may overlap, may reach
    /// outside the range); `progress` gets the bytes of the range handled so
    /// far and ends with the range's size.
    func save(memory: some PhysicalMemory, range: PhysicalRange, excluded: [PhysicalRange], into writer: ImageWriter,
              statistics: inout Statistics, progress: (UInt64) -> Void) throws {
        guard range.size > 0 else { return }
        let page = UInt64(pageSize)
        let kept = PhysicalRange.subtracting(excluded, from: [range])
        let keptBytes = kept.reduce(0) { $0 + $1.size }
        statistics.excludedPages += (range.size - keptBytes) / page
        var reported: UInt64?
        for piece in kept {
            precondition(piece.start % page == 0 && piece.end % page == 0, "ranges must be page aligned")
            var address = piece.start
            while address < piece.end {
                let count = Int(min(UInt64(chunkBytes), piece.end - address))
                try memory.withBytes(physicalAddress: address, count: count) { bytes in
                    try appendChunk(bytes, at: address, to: writer, statistics: &statistics)
                }
                address += UInt64(count)
                statistics.bytesRead += UInt64(count)
                reported = address - range.start
                progress(address - range.start)
            }
        }
        if reported != range.size { progress(range.size) }
    }

    /// Splits one chunk into runs of data pages and runs of zero pages.
    private func appendChunk(_ raw: UnsafeRawBufferPointer, at address: UInt64, to writer: ImageWriter,
                             statistics: inout Statistics) throws {
        let pages = raw.count / pageSize
        do {
            var runStart = 0
            var runIsZero = false
            func flush(upTo end: Int) throws {
                guard end > runStart else { return }
                let runAddress = address + UInt64(runStart * pageSize)
                if runIsZero {
                    try writer.appendZero(address: runAddress, pageCount: UInt64(end - runStart))
                    statistics.zeroPages += UInt64(end - runStart)
                } else {
                    try writer.append(address: runAddress,
                                      pages: UnsafeRawBufferPointer(rebasing: raw[runStart * pageSize..<end * pageSize]))
                    statistics.dataPages += UInt64(end - runStart)
                }
            }
            for index in 0..<pages {
                let zero = recordZeroPages
                    && isZeroPage(UnsafeRawBufferPointer(rebasing: raw[index * pageSize..<(index + 1) * pageSize]))
                if index == 0 { runIsZero = zero }
                if zero != runIsZero {
                    try flush(upTo: index)
                    runStart = index
                    runIsZero = zero
                }
            }
            try flush(upTo: pages)
        }
    }
}
