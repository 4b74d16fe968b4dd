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
        let page = UInt64(pageSize)
        var handled: UInt64 = 0
        var reported: UInt64?
        let sortedRanges = ranges.sorted { $0.start < $1.start }
        /// Bytes of `ranges` below `address`.
        func covered(below address: UInt64) -> UInt64 {
            sortedRanges.reduce(0) { $0 + ($1.start >= address ? 0 : min($1.end, address) - $1.start) }
        }
        let kept = PhysicalRange.subtracting(excluded, from: sortedRanges)
        let keptBytes = kept.reduce(0) { $0 + $1.size }
        statistics.excludedPages = (sortedRanges.reduce(0) { $0 + $1.size } - keptBytes) / page
        for range in kept {
            precondition(range.start % page == 0 && range.end % page == 0, "ranges must be page aligned")
            var address = range.start
            while address < range.end {
                let count = Int(min(UInt64(chunkBytes), range.end - address))
                try memory.withBytes(physicalAddress: address, count: count) { bytes in
                    try appendChunk(bytes, at: address, to: writer, statistics: &statistics)
                }
                address += UInt64(count)
                handled += UInt64(count)
                let done = covered(below: address)
                reported = done
                progress(done)
            }
        }
        let total = covered(below: .max)
        if reported != total { progress(total) }
        statistics.bytesRead = handled
        return statistics
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
