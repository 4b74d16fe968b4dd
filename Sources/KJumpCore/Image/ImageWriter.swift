/// Writes a kjump image as a stream: runs of pages in ascending physical
/// order, compressed on all cores with bounded memory, written with large
/// 4 KiB-aligned writes, then committed.
///
/// ```swift
/// let writer = try ImageWriter(header: header, sink: sink)
/// try writer.append(address: 0x100000, pages: bytes)      // data pages
/// try writer.appendZero(address: 0x200000, pageCount: 16)  // pages that are all zeros
/// let summary = try writer.finish(committedAt: now)
/// ```
///
/// **Protocol.** The initialiser writes the header and the state block
/// (`writing`) and synchronizes. Frames follow from `ImageFormat.framesOffset`.
/// `finish` writes the index and the trailer, synchronizes, rewrites the
/// state block as `committed` (with the image length), and synchronizes
/// again. Until that last write lands, the image is not resumable.
///
/// **Order.** Runs must come in ascending physical order without overlap;
/// gaps are excluded pages. A run that breaks the order, is not
/// page-aligned, or is not whole pages is refused with an
/// `ImageWriterError` *thrown* (not a precondition) and changes nothing:
/// the caller may report it and go on. Empty runs are ignored. After a
/// sink or codec error the writer is failed and refuses every later call.
///
/// **Parallelism and memory.** Full frames go to `options.workers` serial
/// queues (0 = compress on the caller's thread); at most
/// `options.maxFramesInFlight` frames are in flight, and frames reach the
/// file in order. Memory: about `(maxFramesInFlight + 1) × 2 × frameInputBytes
/// + writeChunkBytes + frameInputBytes`, plus the index (24 bytes per extent,
/// 56 per frame). The output does not depend on the number of workers.
///
/// The writer is used from one thread.
public final class ImageWriter {
    public struct Options: Sendable {
        /// Compression threads; 0 compresses on the caller's thread. Default: active processors.
        public var workers: Int
        /// Frames compressed or waiting to be written, at most. Default: 2 × workers (at least 2).
        public var maxFramesInFlight: Int
        /// Bytes collected before one write to the sink: a multiple of 4096, at least 1 MiB by default.
        public var writeChunkBytes: Int

        /// The number of online processors (`OnlineProcessors`).
        public static var defaultWorkers: Int { OnlineProcessors.count }

        /// The most bytes the image may take (a block device's size), or nil
        /// for no limit. When the next frame would not leave room for the
        /// index and the trailer, the writer stores no more pages and commits
        /// a partial image (`ImageSummary.missingPages`). Without a limit a
        /// full target is a write error and nothing is committed.
        public var capacity: UInt64?

        public init(workers: Int = Options.defaultWorkers, maxFramesInFlight: Int? = nil, writeChunkBytes: Int = 4 << 20,
                    capacity: UInt64? = nil) {
            self.workers = workers
            self.maxFramesInFlight = maxFramesInFlight ?? max(2 * workers, 2)
            self.writeChunkBytes = writeChunkBytes
            self.capacity = capacity
        }
    }

    private enum Phase {
        case open, finished, failed(String)
    }

    /// The header as written.
    public let header: ImageHeader
    /// The header's checksum, to which the state block and trailer are bound.
    public let headerChecksum: UInt64
    /// Where the frames start.
    public let framesOffset: UInt64
    /// The lowest physical address the next run may start at.
    public private(set) var nextAddress: UInt64 = 0
    /// Data pages appended so far.
    public private(set) var dataPages: UInt64 = 0
    /// Zero pages appended so far.
    public private(set) var zeroPages: UInt64 = 0
    /// Bytes handed to the sink so far (for progress displays).
    public private(set) var bytesWritten: UInt64 = 0

    private let sink: any ImageSink
    private let options: Options
    private let pageSize: Int
    private let pagesPerFrame: Int
    private var phase = Phase.open
    /// Extents and frames recorded so far: the index's size in entries (the frame being filled not counted).
    public var indexEntryCount: Int { extents.count + frames.count }
    private var extents: [ImageExtent] = []
    private var frames: [ImageFrameEntry] = []
    private var current: FrameJob?
    private var spareJobs: [FrameJob] = []
    private var framesStarted: UInt64 = 0
    private let pipeline: OrderedWorkPipeline<ImageFrameCodec, FrameJob>
    private let writeBuffer: UnsafeMutableRawBufferPointer
    private var writeBufferUsed = 0
    private var writeBufferOffset: UInt64
    /// Set once a frame did not fit `options.capacity`: the data pages stored until then.
    private var storedDataPageLimit: UInt64?
    /// Every page handed to the writer, stored or not.
    private var pagesGiven: UInt64 = 0

    /// Validates the header and options, then writes the header and the
    /// state block (`writing`, started at `header.createdAt`) and synchronizes.
    public init(header: ImageHeader, sink: any ImageSink, options: Options = Options()) throws {
        guard options.workers >= 0, options.maxFramesInFlight >= 1 else {
            throw ImageWriterError.invalidOptions("workers must be ≥ 0 and maxFramesInFlight ≥ 1 (got \(options.workers) and \(options.maxFramesInFlight))")
        }
        guard options.writeChunkBytes >= ImageFormat.blockSize, options.writeChunkBytes % ImageFormat.blockSize == 0 else {
            throw ImageWriterError.invalidOptions("writeChunkBytes (\(options.writeChunkBytes)) must be a positive multiple of \(ImageFormat.blockSize)")
        }
        var header = header
        header.version = ImageFormat.currentVersion
        let encoded = try header.encoded()
        self.header = header
        self.sink = sink
        self.options = options
        headerChecksum = ImageHeader.recordedChecksum(encoded)
        framesOffset = ImageFormat.framesOffset(headerLength: encoded.count)
        pageSize = header.pageSize
        pagesPerFrame = header.frameInputBytes / header.pageSize
        pipeline = OrderedWorkPipeline(workers: options.workers, capacity: options.maxFramesInFlight,
                                       label: "kjump.image.compress") { ImageFrameCodec() }
        writeBuffer = .allocate(byteCount: options.writeChunkBytes + FrameJob.outputCapacity(inputBytes: header.frameInputBytes),
                                alignment: ImageFormat.blockSize)
        writeBufferOffset = framesOffset

        // Header block, state block, header continuation: one write.
        let block = ImageFormat.blockSize
        let state = ImageStateBlock(state: .writing, imageID: header.imageID, headerChecksum: headerChecksum,
                                    imageLength: 0, startedAt: header.createdAt)
        var start = [UInt8](repeating: 0, count: Int(framesOffset))
        start.replaceSubrange(0..<min(encoded.count, block), with: encoded.prefix(block))
        start.replaceSubrange(block..<2 * block, with: state.encoded())
        if encoded.count > block {
            start.replaceSubrange(2 * block..<2 * block + encoded.count - block, with: encoded[block...])
        }
        try writeAligned(start, at: 0)
        try sink.synchronize()
    }

    deinit {
        pipeline.discardAll()
        writeBuffer.deallocate()
    }

    /// Appends data pages: `pages` holds whole pages for the physical
    /// addresses from `address` on.
    public func append(address: UInt64, pages: [UInt8]) throws {
        try pages.withUnsafeBytes { try append(address: address, pages: $0) }
    }

    /// Appends data pages from memory the caller owns (an mmap of
    /// `/proc/vmcore`, say); the bytes are copied before this returns.
    public func append(address: UInt64, pages: UnsafeRawBufferPointer) throws {
        try checkOpen()
        guard pages.count % pageSize == 0 else { throw ImageWriterError.partialPage(byteCount: pages.count, pageSize: pageSize) }
        let count = pages.count / pageSize
        guard count > 0 else { return }
        let end = try checkRun(address: address, pageCount: UInt64(count))
        pagesGiven += UInt64(count)
        if storedDataPageLimit != nil {   // full: the pages are counted as missing
            nextAddress = end
            return
        }
        try guarded {
            addExtent(address: address, pageCount: UInt64(count), kind: .data)
            var done = 0
            while done < count {
                let job = current ?? startFrame(address: address + UInt64(done * pageSize))
                let take = min(pagesPerFrame - job.pageCount, count - done)
                (job.input.baseAddress! + job.pageCount * pageSize)
                    .copyMemory(from: pages.baseAddress! + done * pageSize, byteCount: take * pageSize)
                job.pageCount += take
                done += take
                dataPages += UInt64(take)
                if job.pageCount == pagesPerFrame { try sealFrame() }
            }
            nextAddress = end
        }
    }

    /// Records `pageCount` pages from `address` on as zero: nothing is
    /// stored; the restorer writes zeros there.
    public func appendZero(address: UInt64, pageCount: UInt64) throws {
        try checkOpen()
        guard pageCount > 0 else { return }
        let end = try checkRun(address: address, pageCount: pageCount)
        pagesGiven += pageCount
        nextAddress = end
        guard storedDataPageLimit == nil else { return }   // full: counted as missing
        addExtent(address: address, pageCount: pageCount, kind: .zero)
        zeroPages += pageCount
    }

    /// Writes the last frames, the index and the trailer, then commits the
    /// image (state `committed` at `committedAt`, unix seconds).
    @discardableResult
    public func finish(committedAt: Int64) throws -> ImageSummary {
        try checkOpen()
        return try guarded {
            if let job = current, job.pageCount > 0 { try sealFrame() }
            while let result = pipeline.takeOldest() { try place(result.get()) }
            try flush()
            if let limit = storedDataPageLimit { trimExtents(toDataPages: limit) }
            let missingPages = pagesGiven - dataPages - zeroPages
            let indexOffset = writeBufferOffset
            let index = ImageIndex(extents: extents, frames: frames).encoded()
            let trailerOffset = indexOffset + UInt64(ImageFormat.roundUp(index.count))
            let trailer = ImageTrailer(
                offset: trailerOffset, imageID: header.imageID, headerChecksum: headerChecksum,
                chainChecksum: ImageIndex.chainChecksum(headerChecksum: headerChecksum, frames: frames),
                framesOffset: framesOffset, framesLength: indexOffset - framesOffset,
                indexOffset: indexOffset, indexLength: UInt64(index.count), indexChecksum: ImageChecksum.xxh3(index),
                frameCount: UInt64(frames.count), extentCount: UInt64(extents.count),
                dataPages: dataPages, zeroPages: zeroPages, uncompressedBytes: dataPages * UInt64(pageSize),
                storedBytes: frames.reduce(0) { $0 + UInt64($1.storedSize) },
                rawFrames: UInt64(frames.reduce(0) { $0 + ($1.codec == .none ? 1 : 0) }), missingPages: missingPages)
            var tail = index
            tail.append(contentsOf: [UInt8](repeating: 0, count: Int(trailerOffset - indexOffset) - index.count))
            tail.append(contentsOf: trailer.encoded())
            try writeAligned(tail, at: indexOffset)
            let imageLength = trailerOffset + UInt64(ImageTrailer.size)
            try sink.synchronize()
            let state = ImageStateBlock(state: .committed, imageID: header.imageID, headerChecksum: headerChecksum,
                                        imageLength: imageLength, startedAt: header.createdAt, committedAt: committedAt)
            try writeAligned(state.encoded(), at: ImageStateBlock.offset)
            try sink.synchronize()
            phase = .finished
            return ImageSummary(header: header, trailer: trailer, imageBytes: imageLength)
        }
    }

    /// Gives the image up before its commit: waits for the frames in flight,
    /// then rewrites the state block as `writing` with `reason`, durably, so
    /// that whoever probes the target learns why (the system kernel, after
    /// the hibernation kernel jumped back). The image stays unresumable.
    public func abandon(reason: String) throws {
        if case .finished = phase { throw ImageWriterError.finished }
        pipeline.discardAll()
        phase = .failed(reason)
        let state = ImageStateBlock(state: .writing, imageID: header.imageID, headerChecksum: headerChecksum,
                                    imageLength: 0, startedAt: header.createdAt, failure: reason)
        try writeAligned(state.encoded(), at: ImageStateBlock.offset)
        try sink.synchronize()
    }

    // MARK: - Internals

    private func checkOpen() throws {
        switch phase {
        case .open: return
        case .finished: throw ImageWriterError.finished
        case let .failed(reason): throw ImageWriterError.failed(reason)
        }
    }

    /// Runs `body`; any error fails the writer for good.
    private func guarded<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch {
            phase = .failed(String(describing: error))
            pipeline.discardAll()
            throw error
        }
    }

    /// Checks a run's alignment and order; returns its end address.
    private func checkRun(address: UInt64, pageCount: UInt64) throws -> UInt64 {
        guard address % UInt64(pageSize) == 0 else { throw ImageWriterError.misaligned(address: address, pageSize: pageSize) }
        guard address >= nextAddress else { throw ImageWriterError.outOfOrder(address: address, expectedAtLeast: nextAddress) }
        let (bytes, overflowMultiply) = pageCount.multipliedReportingOverflow(by: UInt64(pageSize))
        let (end, overflowAdd) = address.addingReportingOverflow(bytes)
        guard !overflowMultiply, !overflowAdd else { throw ImageWriterError.addressOverflow(address: address, pageCount: pageCount) }
        return end
    }

    private func addExtent(address: UInt64, pageCount: UInt64, kind: ImageExtentKind) {
        if let last = extents.last, last.kind == kind, last.end(pageSize: pageSize) == address {
            extents[extents.count - 1].pageCount += pageCount
        } else {
            extents.append(ImageExtent(address: address, pageCount: pageCount, kind: kind))
        }
    }

    private func startFrame(address: UInt64) -> FrameJob {
        let job = spareJobs.popLast() ?? FrameJob(inputBytes: header.frameInputBytes)
        job.reset(number: framesStarted, firstPage: dataPages, physicalAddress: address)
        framesStarted += 1
        current = job
        return job
    }

    /// Hands the current frame to the pipeline and writes whatever is done.
    private func sealFrame() throws {
        guard let job = current else { return }
        current = nil
        while pipeline.isFull, let result = pipeline.takeOldest() { try place(result.get()) }
        let compression = header.compression, level = header.compressionLevel, pageSize = pageSize
        pipeline.submit { codec in
            try job.encode(codec: codec, compression: compression, level: level, pageSize: pageSize)
            return job
        }
        while let result = pipeline.takeOldestIfDone() { try place(result.get()) }
    }

    /// Copies a compressed frame into the write buffer and records it in the
    /// index; once a frame does not fit `options.capacity`, drops it and
    /// every later one.
    private func place(_ job: FrameJob) throws {
        let frameHeader = job.header
        if storedDataPageLimit == nil, let capacity = options.capacity {
            let frameEnd = writeBufferOffset + UInt64(writeBufferUsed + job.lengthOnDisk)
            // Room for the index as it could grow by one extent and this frame, and the trailer.
            let indexBytes = UInt64(ImageFormat.roundUp(32 + 24 * (extents.count + 1) + 56 * (frames.count + 1)))
            if frameEnd + indexBytes + UInt64(ImageTrailer.size) > capacity {
                storedDataPageLimit = frameHeader.firstPage
            }
        }
        if storedDataPageLimit != nil {
            spareJobs.append(job)
            return
        }
        frames.append(ImageFrameEntry(fileOffset: writeBufferOffset + UInt64(writeBufferUsed), firstPage: frameHeader.firstPage,
                                      physicalAddress: frameHeader.physicalAddress, pageCount: frameHeader.pageCount,
                                      storedSize: frameHeader.storedSize, codec: frameHeader.codec,
                                      uncompressedChecksum: frameHeader.uncompressedChecksum,
                                      storedChecksum: frameHeader.storedChecksum))
        (writeBuffer.baseAddress! + writeBufferUsed).copyMemory(from: job.output.baseAddress!, byteCount: job.lengthOnDisk)
        writeBufferUsed += job.lengthOnDisk
        spareJobs.append(job)
        if writeBufferUsed >= options.writeChunkBytes { try flush() }
    }

    /// Keeps the page set below the first data page that is not stored
    /// (data page number `limit`): what the placed frames hold, and the
    /// zero runs among them. Counts are recomputed.
    private func trimExtents(toDataPages limit: UInt64) {
        let page = UInt64(pageSize)
        var data: UInt64 = 0
        var cut = UInt64.max
        for extent in extents where extent.kind == .data {
            if data + extent.pageCount > limit {
                cut = extent.address + (limit - data) * page
                break
            }
            data += extent.pageCount
        }
        var kept: [ImageExtent] = []
        for var extent in extents {
            guard extent.address < cut else { break }
            extent.pageCount = min(extent.pageCount, (cut - extent.address) / page)
            kept.append(extent)
        }
        extents = kept
        dataPages = kept.filter { $0.kind == .data }.reduce(0) { $0 + $1.pageCount }
        zeroPages = kept.filter { $0.kind == .zero }.reduce(0) { $0 + $1.pageCount }
    }

    private func flush() throws {
        guard writeBufferUsed > 0 else { return }
        try sink.write(UnsafeRawBufferPointer(rebasing: writeBuffer[0..<writeBufferUsed]), at: writeBufferOffset)
        bytesWritten += UInt64(writeBufferUsed)
        writeBufferOffset += UInt64(writeBufferUsed)
        writeBufferUsed = 0
    }

    /// Writes `bytes` (a multiple of 4096) from 4 KiB-aligned memory.
    private func writeAligned(_ bytes: [UInt8], at offset: UInt64) throws {
        precondition(bytes.count % ImageFormat.blockSize == 0)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count, alignment: ImageFormat.blockSize)
        defer { buffer.deallocate() }
        buffer.copyBytes(from: bytes)
        try sink.write(UnsafeRawBufferPointer(buffer), at: offset)
        bytesWritten += UInt64(bytes.count)
    }
}

/// One frame on its way through the writer: the pages gathered on the
/// caller's thread, then compressed on a worker into `output` (frame
/// header, payload, zero padding), then copied to the write buffer.
/// Buffers are reused from frame to frame. Only one thread touches a job
/// at a time; the pipeline's semaphores order the hand-overs.
final class FrameJob: @unchecked Sendable {
    let input: UnsafeMutableRawBufferPointer
    let output: UnsafeMutableRawBufferPointer
    var pageCount = 0
    private(set) var number: UInt64 = 0
    private(set) var firstPage: UInt64 = 0
    private(set) var physicalAddress: UInt64 = 0
    private(set) var header = ImageFrameHeader(codec: .none, number: 0, firstPage: 0, physicalAddress: 0, pageCount: 0,
                                               uncompressedSize: 0, storedSize: 0, uncompressedChecksum: 0, storedChecksum: 0)
    private(set) var lengthOnDisk = 0

    /// Bytes of `output` for frames of up to `inputBytes` of pages: the
    /// largest frame is stored raw, header included, padded to 4 KiB.
    static func outputCapacity(inputBytes: Int) -> Int {
        ImageFormat.roundUp(ImageFrameHeader.size + inputBytes)
    }

    init(inputBytes: Int) {
        input = .allocate(byteCount: inputBytes, alignment: ImageFormat.blockSize)
        output = .allocate(byteCount: Self.outputCapacity(inputBytes: inputBytes), alignment: ImageFormat.blockSize)
    }

    deinit {
        input.deallocate()
        output.deallocate()
    }

    func reset(number: UInt64, firstPage: UInt64, physicalAddress: UInt64) {
        self.number = number
        self.firstPage = firstPage
        self.physicalAddress = physicalAddress
        pageCount = 0
        lengthOnDisk = 0
    }

    /// Compresses the gathered pages. A frame is kept compressed only if
    /// that saves at least 1/32 of its bytes; otherwise it is stored raw
    /// (codec none), and the compressor gives up as soon as its output
    /// would reach that limit. Incompressible data (random or already
    /// compressed pages) runs the compressor over almost all of the frame
    /// before that happens, so a sample of every page is tried first
    /// (`ImageCompressibilityProbe`): a frame whose sample does not
    /// compress is stored raw without trying the whole.
    func encode(codec: ImageFrameCodec, compression: ImageCompression, level: Int32, pageSize: Int) throws {
        let size = pageCount * pageSize
        let pages = UnsafeRawBufferPointer(rebasing: input[0..<size])
        let payloadStart = ImageFrameHeader.size
        let limit = size - size / 32
        let payload = UnsafeMutableRawBufferPointer(rebasing: output[payloadStart..<payloadStart + limit])
        var compressed: Int?
        if compression != .none,
           try ImageCompressibilityProbe.samplesCompress(pages, pageSize: pageSize, scratch: payload, codec: codec,
                                                         compression: compression, level: level) {
            compressed = try codec.compress(pages, into: payload, codec: compression, level: level)
        }
        let checksum = ImageChecksum.xxh3(pages)
        let stored: Int
        let storedChecksum: UInt64
        if let compressed {
            stored = compressed
            storedChecksum = ImageChecksum.xxh3(UnsafeRawBufferPointer(rebasing: output[payloadStart..<payloadStart + stored]))
        } else {
            // Raw: the payload is the pages, so its checksum is theirs.
            (output.baseAddress! + payloadStart).copyMemory(from: pages.baseAddress!, byteCount: size)
            stored = size
            storedChecksum = checksum
        }
        header = ImageFrameHeader(codec: compressed == nil ? .none : compression, number: number, firstPage: firstPage,
                                  physicalAddress: physicalAddress, pageCount: pageCount, uncompressedSize: size,
                                  storedSize: stored, uncompressedChecksum: checksum, storedChecksum: storedChecksum)
        header.store(into: output)
        lengthOnDisk = ImageFormat.roundUp(payloadStart + stored)
        (output.baseAddress! + payloadStart + stored).initializeMemory(as: UInt8.self, repeating: 0,
                                                                        count: lengthOnDisk - payloadStart - stored)
    }
}
