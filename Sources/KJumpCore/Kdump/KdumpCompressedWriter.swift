/// Writes a kdump-compressed file planned by a `KdumpCompressedLayout`:
/// `init` writes the headers, notes, both bitmaps and the shared zero page;
/// `append` / `appendZero` take the pages in ascending address order (exactly
/// the pages of the second bitmap); `finish` writes what is buffered.
///
/// Pages are compressed one by one (each descriptor points at its own
/// stream) in batches of `pagesPerBatch` on `workers` threads, and their
/// descriptors and data leave in page order, so the file does not depend on
/// the number of workers. A page that is all zeros gets the shared zero
/// page's descriptor; a page that does not compress below a page is stored
/// raw. Memory: about `(maxBatchesInFlight + 1) × pagesPerBatch` pages plus
/// two write buffers of `writeChunkBytes`.
public final class KdumpCompressedWriter: FailsForGood {
    public struct Options: Sendable {
        /// Compression threads; 0 compresses on the caller's thread.
        public var workers: Int
        /// Batches submitted and not yet written, at most.
        public var maxBatchesInFlight: Int
        public var pagesPerBatch: Int
        /// Descriptors and page data are each collected up to this many bytes per write.
        public var writeChunkBytes: Int

        public init(workers: Int = ImageWriter.Options.defaultWorkers, maxBatchesInFlight: Int? = nil,
                    pagesPerBatch: Int = 256, writeChunkBytes: Int = 4 << 20) {
            precondition(workers >= 0 && pagesPerBatch >= 1 && writeChunkBytes >= 1)
            self.workers = workers
            self.maxBatchesInFlight = maxBatchesInFlight ?? max(2 * workers, 2)
            self.pagesPerBatch = pagesPerBatch
            self.writeChunkBytes = writeChunkBytes
        }
    }

    /// What the file holds.
    public struct Summary: Sendable, Equatable {
        public var dumpedPages: UInt64 = 0
        /// Pages described by the shared zero page (zero in the image, or found all zeros).
        public var zeroPages: UInt64 = 0
        public var compressedPages: UInt64 = 0
        public var rawPages: UInt64 = 0
        /// Stored bytes of the compressed and raw pages (the shared zero page not counted).
        public var pageDataBytes: UInt64 = 0
        public var fileSize: UInt64 = 0
    }

    public let layout: KdumpCompressedLayout
    private let sink: any KdumpSink
    private let options: Options
    private let pageSize: Int
    private let pipeline: OrderedWorkPipeline<KdumpCompressionWorker, KdumpBatch>

    private var pending: [ArraySlice<UInt8>] = []
    private var pendingPages = 0
    private var rangeIndex = 0
    private var nextPFN: UInt64
    private var descriptors: [UInt8] = []
    private var descriptorsFlushed: UInt64 = 0
    private var data: [UInt8] = []
    private var dataFlushedEnd: UInt64
    private var summary = Summary()
    private var finished = false
    /// The first failure; the file is incomplete after it.
    var failure: UnderlyingError?

    /// Writes everything before the page descriptors. Throws the sink's errors.
    public init(layout: KdumpCompressedLayout, sink: any KdumpSink, codec: KdumpPageCodec, options: Options = Options()) throws {
        self.layout = layout
        self.sink = sink
        self.options = options
        pageSize = layout.header.blockSize
        nextPFN = layout.dumpBitmap.ranges.first?.lowerBound ?? 0
        dataFlushedEnd = layout.pageDataOffset
        let pageSize = pageSize, flag = codec.compression.flag, make = codec.makeCompressor
        pipeline = OrderedWorkPipeline(workers: options.workers, capacity: options.maxBatchesInFlight, label: "kjump.kdump.compress") {
            KdumpCompressionWorker(compressor: make(), pageSize: pageSize, flag: flag)
        }
        let header = layout.headerArea()
        try header.withUnsafeBytes { try sink.write($0, at: 0) }
        let total = layout.header.bitmapBytes * 2
        var offset: UInt64 = 0
        while offset < total {
            let chunk = layout.bitmapArea(fromByte: offset, count: Int(min(UInt64(options.writeChunkBytes), total - offset)))
            try chunk.withUnsafeBytes { try sink.write($0, at: layout.header.bitmapOffset + offset) }
            offset += UInt64(chunk.count)
        }
        try [UInt8](repeating: 0, count: pageSize).withUnsafeBytes { try sink.write($0, at: layout.zeroPageOffset) }
    }

    /// Adds data pages at `address`: the next pages of the second bitmap.
    public func append(address: UInt64, pages: ArraySlice<UInt8>) throws {
        try whileOpen {
            guard address % UInt64(pageSize) == 0, pages.count % pageSize == 0 else {
                throw KdumpWriterError.partialPage(address: address, byteCount: pages.count, pageSize: pageSize)
            }
            guard !pages.isEmpty else { return }
            try advance(address: address, pageCount: UInt64(pages.count / pageSize))
            var start = pages.startIndex
            while start < pages.endIndex {
                let take = min((pages.endIndex - start) / pageSize, options.pagesPerBatch - pendingPages)
                pending.append(pages[start..<start + take * pageSize])
                pendingPages += take
                start += take * pageSize
                if pendingPages == options.pagesPerBatch { try submitPending() }
            }
        }
    }

    public func append(address: UInt64, pages: [UInt8]) throws {
        try append(address: address, pages: pages[...])
    }

    /// Adds `pageCount` zero pages at `address`: the next pages of the second bitmap.
    public func appendZero(address: UInt64, pageCount: UInt64) throws {
        try whileOpen {
            guard address % UInt64(pageSize) == 0 else {
                throw KdumpWriterError.partialPage(address: address, byteCount: 0, pageSize: pageSize)
            }
            guard pageCount > 0 else { return }
            try advance(address: address, pageCount: pageCount)
            try submitPending()
            try submit(.zeros(pageCount))
        }
    }

    /// Compresses and writes what is pending; throws `missingPages` unless
    /// every planned page was added. Returns what the file holds.
    @discardableResult
    public func finish() throws -> Summary {
        try whileOpen {
            if rangeIndex < layout.dumpBitmap.ranges.count {
                throw KdumpWriterError.missingPages(written: summary.dumpedPages + UInt64(pendingPages) + queuedPages,
                                                    planned: layout.dumpedPages, next: nextPFN * UInt64(pageSize))
            }
            try submitPending()
            while let result = pipeline.takeOldest() { try write(result.get()) }
            try flushDescriptors()
            try flushData()
            finished = true
            summary.fileSize = dataFlushedEnd
            return summary
        }
    }

    // MARK: - Internals

    private var queuedPages: UInt64 = 0

    /// Runs `body` while the writer is open; any error fails the writer for good.
    private func whileOpen<T>(_ body: () throws -> T) throws -> T {
        if let failure { throw KdumpWriterError.failedEarlier(failure) }
        if finished { throw KdumpWriterError.finished }
        return try guarded(body)
    }

    func discardPending() { pipeline.discardAll() }

    /// Moves the cursor over the second bitmap by a run, or throws if the run is not next.
    private func advance(address: UInt64, pageCount: UInt64) throws {
        let ranges = layout.dumpBitmap.ranges
        let pfn = address / UInt64(pageSize)
        guard rangeIndex < ranges.count else {
            throw KdumpWriterError.unplannedPages(address: address, pageCount: pageCount, expected: nil)
        }
        guard pfn == nextPFN, pfn + pageCount <= ranges[rangeIndex].upperBound else {
            throw KdumpWriterError.unplannedPages(address: address, pageCount: pageCount, expected: nextPFN * UInt64(pageSize))
        }
        nextPFN += pageCount
        if nextPFN == ranges[rangeIndex].upperBound {
            rangeIndex += 1
            if rangeIndex < ranges.count { nextPFN = ranges[rangeIndex].lowerBound }
        }
    }

    private func submitPending() throws {
        guard pendingPages > 0 else { return }
        let slices = pending, pageSize = pageSize
        pending = []
        pendingPages = 0
        try submit(.pages(slices, pageSize: pageSize))
    }

    private enum Job {
        case zeros(UInt64)
        case pages([ArraySlice<UInt8>], pageSize: Int)
    }

    private func submit(_ job: Job) throws {
        while pipeline.isFull, let result = pipeline.takeOldest() { try write(result.get()) }
        switch job {
        case .zeros(let count):
            queuedPages += count
            pipeline.submit { _ in .zeros(count) }
        case let .pages(slices, pageSize):
            queuedPages += UInt64(slices.reduce(0) { $0 + $1.count } / pageSize)
            pipeline.submit { worker in try worker.compress(slices) }
        }
        // Write whatever is already done, so buffers drain while workers compress.
        while let result = pipeline.takeOldestIfDone() { try write(result.get()) }
    }

    /// Turns a finished batch into descriptors and page data, in order.
    private func write(_ batch: KdumpBatch) throws {
        switch batch {
        case .zeros(let count):
            let zero = KdumpPageDescriptor(offset: layout.zeroPageOffset, size: UInt32(pageSize), flags: [])
            for _ in 0..<count {
                zero.append(to: &descriptors)
                if descriptors.count >= options.writeChunkBytes { try flushDescriptors() }
            }
            summary.zeroPages += count
            summary.dumpedPages += count
            queuedPages -= count
        case let .pages(entries, bytes):
            var offset = dataFlushedEnd + UInt64(data.count)
            for entry in entries {
                if entry.size == 0 {
                    KdumpPageDescriptor(offset: layout.zeroPageOffset, size: UInt32(pageSize), flags: []).append(to: &descriptors)
                    summary.zeroPages += 1
                } else {
                    KdumpPageDescriptor(offset: offset, size: entry.size, flags: entry.flags).append(to: &descriptors)
                    offset += UInt64(entry.size)
                    if entry.flags.isEmpty { summary.rawPages += 1 } else { summary.compressedPages += 1 }
                }
            }
            data += bytes
            summary.pageDataBytes += UInt64(bytes.count)
            summary.dumpedPages += UInt64(entries.count)
            queuedPages -= UInt64(entries.count)
            if descriptors.count >= options.writeChunkBytes { try flushDescriptors() }
            if data.count >= options.writeChunkBytes { try flushData() }
        }
    }

    private func flushDescriptors() throws {
        guard !descriptors.isEmpty else { return }
        let offset = layout.descriptorsOffset + descriptorsFlushed * UInt64(KdumpCompressedFormat.pageDescriptorSize)
        try descriptors.withUnsafeBytes { try sink.write($0, at: offset) }
        descriptorsFlushed += UInt64(descriptors.count / KdumpCompressedFormat.pageDescriptorSize)
        descriptors.removeAll(keepingCapacity: true)
    }

    private func flushData() throws {
        guard !data.isEmpty else { return }
        try data.withUnsafeBytes { try sink.write($0, at: dataFlushedEnd) }
        dataFlushedEnd += UInt64(data.count)
        data.removeAll(keepingCapacity: true)
    }
}

/// One batch's result: descriptors to write in order, and the data of its non-zero pages.
enum KdumpBatch: Sendable {
    /// A run of zero pages from the image.
    case zeros(UInt64)
    /// One entry per page (size 0: all zeros, shares the zero page), and the stored bytes of the others, back to back.
    case pages([KdumpBatchEntry], [UInt8])
}

struct KdumpBatchEntry: Sendable {
    var size: UInt32
    var flags: KdumpFlags
}

/// One worker's compressor and scratch buffer.
/// `@unchecked Sendable`: see docs/ARCHITECTURE.md, Threads.
final class KdumpCompressionWorker: @unchecked Sendable {
    private let compressor: (any KdumpPageCompressor)?
    private let pageSize: Int
    private let flag: KdumpFlags
    private var scratch: [UInt8]

    init(compressor: (any KdumpPageCompressor)?, pageSize: Int, flag: KdumpFlags) {
        self.compressor = compressor
        self.pageSize = pageSize
        self.flag = flag
        scratch = [UInt8](repeating: 0, count: pageSize - 1)
    }

    /// Compresses every page of `slices` (whole pages each).
    func compress(_ slices: [ArraySlice<UInt8>]) throws -> KdumpBatch {
        var entries: [KdumpBatchEntry] = []
        var stored: [UInt8] = []
        let total = slices.reduce(0) { $0 + $1.count }
        entries.reserveCapacity(total / pageSize)
        stored.reserveCapacity(compressor == nil ? total : total / 2)
        for slice in slices {
            try slice.withUnsafeBytes { raw in
                var start = 0
                while start < raw.count {
                    let page = UnsafeRawBufferPointer(rebasing: raw[start..<start + pageSize])
                    start += pageSize
                    if isZeroPage(page) {
                        entries.append(KdumpBatchEntry(size: 0, flags: []))
                        continue
                    }
                    if let compressor {
                        let size = try scratch.withUnsafeMutableBytes { try compressor.compress(page, into: $0) }
                        if let size {
                            precondition(size > 0 && size < pageSize, "a page compressor returned \(size) bytes for a \(pageSize)-byte page")
                            entries.append(KdumpBatchEntry(size: UInt32(size), flags: flag))
                            stored += scratch[0..<size]
                            continue
                        }
                    }
                    entries.append(KdumpBatchEntry(size: UInt32(pageSize), flags: []))
                    stored.append(contentsOf: page)
                }
            }
        }
        return .pages(entries, stored)
    }

}
