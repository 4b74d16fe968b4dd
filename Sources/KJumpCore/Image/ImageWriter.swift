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
/// + writeChunkBytes + frameInputBytes`, all taken by the initialiser, plus the index (24 bytes per extent,
/// 56 per frame) — or, with an `ImageIndexSpill`, at most
/// `indexEntriesInMemory` entries of each table, the rest waiting at the
/// target's end. The output does not depend on the number of workers, nor
/// on whether the index was spilled.
///
/// The writer is used from one thread.
public final class ImageWriter: FailsForGood {
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

        /// Entries of each index table held in memory before they are
        /// spilled (with an `ImageIndexSpill`). Default: 8192.
        public var indexEntriesInMemory: Int

        /// Called by `finish` once everything but the commit is written and
        /// synchronized (frames, index, trailer), just before the state
        /// block is rewritten as committed: the lab's power cut at the last
        /// moment an image can still be incomplete.
        public var beforeCommit: (@Sendable () -> Void)?

        public init(workers: Int = Options.defaultWorkers, maxFramesInFlight: Int? = nil, writeChunkBytes: Int = 4 << 20,
                    capacity: UInt64? = nil, indexEntriesInMemory: Int = 8192) {
            self.workers = workers
            self.maxFramesInFlight = maxFramesInFlight ?? max(2 * workers, 2)
            self.writeChunkBytes = writeChunkBytes
            self.capacity = capacity
            self.indexEntriesInMemory = indexEntriesInMemory
        }
    }


    /// The header as written.
    public let header: ImageHeader
    /// The header's checksum, to which the state block and trailer are bound.
    public let headerChecksum: UInt64
    /// The image's keys and header digest when it is sealed.
    let seal: ImageSeal?
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
    /// Where index entries wait while frames are written; nil keeps the whole index in memory.
    private let indexSpill: ImageIndexSpill?
    private let pageSize: Int
    private let pagesPerFrame: Int
    private var finished = false
    /// The first failure; the image is incomplete after it.
    var failure: UnderlyingError?
    /// Extents and frames recorded so far: the index's size in entries (the frame being filled not counted).
    public var indexEntryCount: Int { spilledExtents + extents.count + spilledFrames + frames.count }
    /// Index entries not yet spilled (all of them without `Options.indexSpill`); the last extent may still grow.
    private var extents: [ImageExtent] = []
    private var frames: [ImageFrameEntry] = []
    /// Index entries written to the spill area, in order, and where.
    private var spilledExtents = 0
    private var spilledFrames = 0
    private var spillChunks: [SpillChunk] = []
    /// The lowest byte of the spill area used so far: frames, index and trailer must end below it.
    private var spillLow: UInt64
    private let chain: ImageChainChecksum
    private var storedBytes: UInt64 = 0
    private var rawFrames: UInt64 = 0
    private var current: FrameJob?
    private var spareJobs: [FrameJob] = []
    private var framesStarted: UInt64 = 0
    private let pipeline: OrderedWorkPipeline<ImageFrameCodec, FrameJob>
    private let writeBuffer: AlignedBytes
    private var writeBufferUsed = 0
    private var writeBufferOffset: UInt64
    /// Set once a frame did not fit `options.capacity`: the data pages stored until then.
    private var storedDataPageLimit: UInt64?
    /// Every page handed to the writer, stored or not.
    private var pagesGiven: UInt64 = 0

    /// Validates the header and options, then writes the header and the
    /// state block (`writing`, started at `header.createdAt`) and synchronizes.
    /// With `indexSpill`, index entries beyond `options.indexEntriesInMemory`
    /// per table wait at the end of the target instead of in memory. With
    /// `sealing`, the image is sealed (format 2) to the resume key that key
    /// names: every frame encrypted and authenticated after compression, the
    /// trailer authenticated (`ImageSeal`).
    public init(header: ImageHeader, sink: any ImageSink, options: Options = Options(),
                indexSpill: ImageIndexSpill? = nil, sealing: HibernationKey? = nil) throws {
        guard options.workers >= 0, options.maxFramesInFlight >= 1 else {
            throw ImageWriterError.invalidOptions("workers must be ≥ 0 and maxFramesInFlight ≥ 1 (got \(options.workers) and \(options.maxFramesInFlight))")
        }
        guard options.writeChunkBytes >= ImageFormat.blockSize, options.writeChunkBytes % ImageFormat.blockSize == 0 else {
            throw ImageWriterError.invalidOptions("writeChunkBytes (\(options.writeChunkBytes)) must be a positive multiple of \(ImageFormat.blockSize)")
        }
        var header = header
        var keys: ImageSealKeys?
        header.sealing = nil
        if let sealing {
            let (record, imageKeys) = try ImageSealKeys.seal(imageID: header.imageID, with: sealing)
            header.sealing = record
            keys = imageKeys
        }
        header.version = header.versionForWriting
        let encoded = try header.encoded()
        seal = keys.map { ImageSeal(keys: $0, header: encoded) }
        self.header = header
        self.sink = sink
        self.options = options
        self.indexSpill = indexSpill
        headerChecksum = ImageHeader.recordedChecksum(encoded)
        framesOffset = ImageFormat.framesOffset(headerLength: encoded.count)
        pageSize = header.pageSize
        pagesPerFrame = header.frameInputBytes / header.pageSize
        pipeline = OrderedWorkPipeline(workers: options.workers, capacity: options.maxFramesInFlight,
                                       label: "kjump.image.compress") { ImageFrameCodec() }
        writeBuffer = AlignedBytes(count: options.writeChunkBytes + FrameJob.outputCapacity(inputBytes: header.frameInputBytes),
                                   alignment: ImageFormat.blockSize)
        writeBufferOffset = framesOffset
        // Every frame buffer the writer will ever use, now: the one being
        // filled and those in flight. Memory is then fixed from the first
        // page on (an allocation failure shows before anything is written,
        // not midway), and does not depend on how the workers keep pace.
        spareJobs = (0...options.maxFramesInFlight).map { _ in FrameJob(inputBytes: header.frameInputBytes) }
        spillLow = indexSpill?.end ?? .max
        chain = ImageChainChecksum(headerChecksum: headerChecksum)

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
            try addExtent(address: address, pageCount: UInt64(count), kind: .data)
            var done = 0
            while done < count {
                let job = current ?? startFrame(address: address + UInt64(done * pageSize))
                let take = min(pagesPerFrame - job.pageCount, count - done)
                job.input.copy(from: UnsafeRawBufferPointer(rebasing: pages[done * pageSize..<(done + take) * pageSize]),
                               to: job.pageCount * pageSize)
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
        try guarded { try addExtent(address: address, pageCount: pageCount, kind: .zero) }
        zeroPages += pageCount
    }

    /// Writes the last frames, the index and the trailer, then commits the
    /// image (state `committed` at `committedAt`, unix seconds; the writing
    /// kernel's run time so far in `savedInMilliseconds`, when known).
    @discardableResult
    public func finish(committedAt: Int64, savedInMilliseconds: UInt64? = nil) throws -> ImageSummary {
        try checkOpen()
        return try guarded {
            if let job = current, job.pageCount > 0 { try sealFrame() }
            while let result = pipeline.takeOldest() { try place(result.get()) }
            try flush()
            let kept = try keptExtents()
            let missingPages = pagesGiven - kept.dataPages - kept.zeroPages
            dataPages = kept.dataPages
            zeroPages = kept.zeroPages
            let frameCount = spilledFrames + frames.count
            let indexOffset = writeBufferOffset
            let indexLength = ImageIndex.length(extents: kept.count, frames: frameCount)
            let trailerOffset = indexOffset + UInt64(ImageFormat.roundUp(indexLength))
            let imageLength = trailerOffset + UInt64(ImageTrailer.size)
            guard imageLength <= spillLow else {
                throw ImageWriterError.noRoom(neededBytes: imageLength + (indexSpill.map { $0.end - spillLow } ?? 0),
                                              capacity: indexSpill?.end ?? imageLength)
            }
            let index = try writeIndex(at: indexOffset, extents: kept, frameCount: frameCount)
            var trailer = ImageTrailer(
                offset: trailerOffset, imageID: header.imageID, headerChecksum: headerChecksum,
                chainChecksum: chain.value,
                framesOffset: framesOffset, framesLength: indexOffset - framesOffset,
                indexOffset: indexOffset, indexLength: UInt64(indexLength), indexChecksum: index.checksum,
                frameCount: UInt64(frameCount), extentCount: UInt64(kept.count),
                dataPages: dataPages, zeroPages: zeroPages, uncompressedBytes: dataPages * UInt64(pageSize),
                storedBytes: storedBytes, rawFrames: rawFrames, missingPages: missingPages)
            if let seal {
                trailer.indexDigest = index.digest
                trailer.authenticate(with: seal)
            }
            try writeAligned(trailer.encoded(), at: trailerOffset)
            try sink.synchronize()
            options.beforeCommit?()
            let state = ImageStateBlock(state: .committed, imageID: header.imageID, headerChecksum: headerChecksum,
                                        imageLength: imageLength, startedAt: header.createdAt, committedAt: committedAt,
                                        savedInMilliseconds: savedInMilliseconds)
            try writeAligned(state.encoded(), at: ImageStateBlock.offset)
            try sink.synchronize()
            finished = true
            return ImageSummary(header: header, trailer: trailer, imageBytes: imageLength)
        }
    }

    /// Gives the image up before its commit: waits for the frames in flight,
    /// then rewrites the state block as `writing` with `reason`, durably, so
    /// that whoever probes the target learns why (the system kernel, after
    /// the hibernation kernel jumped back). The image stays unresumable.
    public func abandon(reason: String) throws {
        if finished { throw ImageWriterError.finished }
        pipeline.discardAll()
        failure = UnderlyingError(ImageWriterError.abandoned(reason: reason))
        let state = ImageStateBlock(state: .writing, imageID: header.imageID, headerChecksum: headerChecksum,
                                    imageLength: 0, startedAt: header.createdAt, failure: reason)
        try writeAligned(state.encoded(), at: ImageStateBlock.offset)
        try sink.synchronize()
    }

    // MARK: - Internals

    private func checkOpen() throws {
        if let failure { throw ImageWriterError.failed(failure) }
        if finished { throw ImageWriterError.finished }
    }

    func discardPending() { pipeline.discardAll() }

    /// Checks a run's alignment and order; returns its end address.
    private func checkRun(address: UInt64, pageCount: UInt64) throws -> UInt64 {
        guard address % UInt64(pageSize) == 0 else { throw ImageWriterError.misaligned(address: address, pageSize: pageSize) }
        guard address >= nextAddress else { throw ImageWriterError.outOfOrder(address: address, expectedAtLeast: nextAddress) }
        let (bytes, overflowMultiply) = pageCount.multipliedReportingOverflow(by: UInt64(pageSize))
        let (end, overflowAdd) = address.addingReportingOverflow(bytes)
        guard !overflowMultiply, !overflowAdd else { throw ImageWriterError.addressOverflow(address: address, pageCount: pageCount) }
        return end
    }

    private func addExtent(address: UInt64, pageCount: UInt64, kind: ImageExtentKind) throws {
        if let last = extents.last, last.kind == kind, last.end(pageSize: pageSize) == address {
            extents[extents.count - 1].pageCount += pageCount
            return
        }
        if indexSpill != nil, extents.count >= options.indexEntriesInMemory {
            try spill(extents, table: .extents)   // the last one can no longer grow: a new one starts
            spilledExtents += extents.count
            extents.removeAll(keepingCapacity: true)
        }
        extents.append(ImageExtent(address: address, pageCount: pageCount, kind: kind))
    }

    private func startFrame(address: UInt64) -> FrameJob {
        guard let job = spareJobs.popLast() else {
            preconditionFailure("more frames than maxFramesInFlight + 1 at once: the pipeline's bound is broken")
        }
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
        let compression = header.compression, level = header.compressionLevel, pageSize = pageSize, seal = seal
        pipeline.submit { codec in
            try job.encode(codec: codec, compression: compression, level: level, pageSize: pageSize, seal: seal)
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
            let entries = (extents: spilledExtents + extents.count + 1, frames: spilledFrames + frames.count + 1)
            let indexBytes = UInt64(ImageFormat.roundUp(ImageIndex.length(extents: entries.extents, frames: entries.frames)))
            // And for what may still be spilled below the spill area's lowest byte.
            let spillGrowth = indexSpill == nil ? 0
                : UInt64(ImageFormat.roundUp(ImageIndex.extentSize * (extents.count + 1))
                         + ImageFormat.roundUp(ImageIndex.frameSize * (frames.count + 1)))
            if frameEnd + indexBytes + UInt64(ImageTrailer.size) + spillGrowth > min(capacity, spillLow) {
                storedDataPageLimit = frameHeader.firstPage
            }
        }
        if storedDataPageLimit != nil {
            spareJobs.append(job)
            return
        }
        let entry = ImageFrameEntry(fileOffset: writeBufferOffset + UInt64(writeBufferUsed), firstPage: frameHeader.firstPage,
                                    physicalAddress: frameHeader.physicalAddress, pageCount: frameHeader.pageCount,
                                    storedSize: frameHeader.storedSize, codec: frameHeader.codec,
                                    uncompressedChecksum: frameHeader.uncompressedChecksum,
                                    storedChecksum: frameHeader.storedChecksum)
        if indexSpill != nil, frames.count >= options.indexEntriesInMemory {
            try spill(frames, table: .frames)
            spilledFrames += frames.count
            frames.removeAll(keepingCapacity: true)
        }
        frames.append(entry)
        chain.add(entry)
        storedBytes += UInt64(entry.storedSize)
        if entry.codec == .none { rawFrames += 1 }
        writeBuffer.copy(from: job.output.readable(0..<job.lengthOnDisk), to: writeBufferUsed)
        writeBufferUsed += job.lengthOnDisk
        spareJobs.append(job)
        if writeBufferUsed >= options.writeChunkBytes { try flush() }
    }

    /// The extents the index will list: all of them, or for a partial image
    /// those below the first data page that is not stored (data page number
    /// `storedDataPageLimit`), the last one cut there. One pass over them.
    private func keptExtents() throws -> KeptExtents {
        guard storedDataPageLimit != nil else {
            return KeptExtents(count: spilledExtents + extents.count, dataPages: dataPages, zeroPages: zeroPages)
        }
        var kept = KeptExtents()
        let page = UInt64(pageSize)
        let limit = storedDataPageLimit ?? .max
        var data: UInt64 = 0
        try forEachExtent { extent in
            guard kept.cut == nil else { return }
            var extent = extent
            if extent.kind == .data, data + extent.pageCount > limit {
                kept.cut = extent.address + (limit - data) * page
                extent.pageCount = limit - data
                guard extent.pageCount > 0 else { return }
                kept.lastPageCount = extent.pageCount
            }
            if extent.kind == .data { data += extent.pageCount } else { kept.zeroPages += extent.pageCount }
            kept.count += 1
        }
        kept.dataPages = data
        return kept
    }

    /// Calls `body` with every extent in order: the spilled ones read back, then those in memory.
    private func forEachExtent(_ body: (ImageExtent) throws -> Void) throws {
        for chunk in spillChunks where chunk.table == .extents {
            for extent in try readSpilled(chunk, as: ImageExtent.self) { try body(extent) }
        }
        for extent in extents { try body(extent) }
    }

    /// Writes the index at `offset` from the extents and frames collected
    /// (in memory and spilled), in pieces through the write buffer; returns its checksum.
    private func writeIndex(at offset: UInt64, extents kept: KeptExtents, frameCount: Int) throws -> (checksum: UInt64, digest: [UInt8]) {
        let checksum = ImageChecksumStream()
        var digest = seal.map { _ in SealingDigestStream() }
        let block = ImageFormat.blockSize
        var position = offset
        var out = ImageByteWriter(capacity: 64)
        /// Writes the whole blocks gathered in the write buffer (all of it,
        /// zero-padded, when `final`) and moves the rest to its start.
        func emitChunk(final: Bool = false) throws {
            let whole = final ? ImageFormat.roundUp(writeBufferUsed) : writeBufferUsed / block * block
            if final { writeBuffer.zero(writeBufferUsed..<whole) }
            guard whole > 0 else { return }
            try sink.write(writeBuffer.readable(0..<whole), at: position)
            bytesWritten += UInt64(whole)
            position += UInt64(whole)
            let rest = max(writeBufferUsed - whole, 0)
            writeBuffer.move(whole..<whole + rest, to: 0)
            writeBufferUsed = rest
        }
        /// Appends `out`'s bytes to the write buffer (the frames are all written: it is free) and the checksum.
        func take() throws {
            out.bytes.withUnsafeBytes { raw in
                checksum.update(raw)
                digest?.add(raw)
                writeBuffer.copy(from: raw, to: writeBufferUsed)
            }
            writeBufferUsed += out.count
            out.removeAll()
            if writeBufferUsed >= options.writeChunkBytes { try emitChunk() }
        }
        func add(_ entry: some ImageIndexEntry) throws {
            entry.encode(into: &out)
            try take()
        }
        precondition(writeBufferUsed == 0, "the frames are flushed before the index")
        ImageIndex.encodeHeader(extentCount: kept.count, frameCount: frameCount, into: &out)
        try take()
        var written = 0
        try forEachExtent { extent in
            guard written < kept.count else { return }
            var extent = extent
            if written == kept.count - 1, let last = kept.lastPageCount { extent.pageCount = last }
            try add(extent)
            written += 1
        }
        for chunk in spillChunks where chunk.table == .frames {
            for frame in try readSpilled(chunk, as: ImageFrameEntry.self) { try add(frame) }
        }
        for frame in frames { try add(frame) }
        try emitChunk(final: true)
        return (checksum.digest, digest?.finish() ?? [])
    }

    /// Writes `entries` of one index table into the spill area, just below what it already holds.
    private func spill<Entry: ImageIndexEntry>(_ entries: [Entry], table: SpillChunk.Table) throws {
        guard let area = indexSpill, !entries.isEmpty else { return }
        var out = ImageByteWriter(capacity: ImageFormat.roundUp(entries.count * Entry.encodedSize))
        for entry in entries { entry.encode(into: &out) }
        out.pad(toMultipleOf: ImageFormat.blockSize)
        let framesEnd = writeBufferOffset + UInt64(writeBufferUsed)
        guard spillLow >= UInt64(out.count), spillLow - UInt64(out.count) >= framesEnd else {
            throw ImageWriterError.noRoom(neededBytes: framesEnd + (area.end - spillLow) + UInt64(out.count), capacity: area.end)
        }
        let offset = spillLow - UInt64(out.count)
        try writeAligned(out.bytes, at: offset)
        spillLow = offset
        spillChunks.append(SpillChunk(table: table, offset: offset, count: entries.count))
    }

    private func readSpilled<Entry: ImageIndexEntry>(_ chunk: SpillChunk, as: Entry.Type) throws -> [Entry] {
        guard let area = indexSpill else { return [] }
        let bytes = try area.source.read(at: chunk.offset, count: chunk.count * Entry.encodedSize)
        return try Entry.decodeAll(bytes, count: chunk.count, first: 0, offset: chunk.offset)
    }

    private func flush() throws {
        guard writeBufferUsed > 0 else { return }
        let end = writeBufferOffset + UInt64(writeBufferUsed)
        guard end <= spillLow else {
            throw ImageWriterError.noRoom(neededBytes: end + (indexSpill.map { $0.end - spillLow } ?? 0),
                                          capacity: indexSpill?.end ?? end)
        }
        try sink.write(writeBuffer.readable(0..<writeBufferUsed), at: writeBufferOffset)
        bytesWritten += UInt64(writeBufferUsed)
        writeBufferOffset += UInt64(writeBufferUsed)
        writeBufferUsed = 0
    }

    /// Writes `bytes` (a multiple of 4096) from 4 KiB-aligned memory.
    private func writeAligned(_ bytes: [UInt8], at offset: UInt64) throws {
        precondition(bytes.count % ImageFormat.blockSize == 0)
        let buffer = AlignedBytes(count: bytes.count, alignment: ImageFormat.blockSize)
        bytes.withUnsafeBytes { buffer.copy(from: $0, to: 0) }
        try sink.write(buffer.readable(0..<bytes.count), at: offset)
        bytesWritten += UInt64(bytes.count)
    }
}

/// Where an `ImageWriter` keeps index entries while it writes frames, so
/// that its memory does not grow with the image: the last bytes of the
/// target itself, below `end` (its capacity), written through the writer's
/// sink and read back through `source` (the same device) when the index is
/// written after the frames. The image must then fit below the spilled
/// entries; they are dead bytes after the commit.
public struct ImageIndexSpill {
    /// Reads the target back.
    public var source: any ByteSource
    /// The end of the spill area: the target's size. A multiple of 4096.
    public var end: UInt64

    public init(source: any ByteSource, end: UInt64) {
        self.source = source
        self.end = end / UInt64(ImageFormat.blockSize) * UInt64(ImageFormat.blockSize)
    }
}

/// A piece of one index table in the spill area.
struct SpillChunk {
    enum Table { case extents, frames }
    var table: Table
    var offset: UInt64
    var count: Int
}

/// The extents an image's index lists (`ImageWriter.keptExtents`).
struct KeptExtents {
    var count = 0
    var dataPages: UInt64 = 0
    var zeroPages: UInt64 = 0
    /// Where a partial image stops storing pages.
    var cut: UInt64?
    /// The page count of the last kept extent when the cut shortened it.
    var lastPageCount: UInt64?
}

/// One frame on its way through the writer: the pages gathered on the
/// caller's thread, then compressed on a worker into `output` (frame
/// header, payload, zero padding), then copied to the write buffer.
/// Buffers are reused from frame to frame. Only one thread touches a job
/// at a time; the pipeline's semaphores order the hand-overs.
/// `@unchecked Sendable`: see docs/ARCHITECTURE.md, Threads.
final class FrameJob: @unchecked Sendable {
    let input: AlignedBytes
    let output: AlignedBytes
    var pageCount = 0
    private(set) var number: UInt64 = 0
    private(set) var firstPage: UInt64 = 0
    private(set) var physicalAddress: UInt64 = 0
    private(set) var header = ImageFrameHeader(codec: .none, number: 0, firstPage: 0, physicalAddress: 0, pageCount: 0,
                                               uncompressedSize: 0, storedSize: 0, uncompressedChecksum: 0, storedChecksum: 0)
    private(set) var lengthOnDisk = 0

    /// Bytes of `output` for frames of up to `inputBytes` of pages: the
    /// largest frame is stored raw and sealed, header included, padded to 4 KiB.
    static func outputCapacity(inputBytes: Int) -> Int {
        ImageFormat.roundUp(ImageFrameHeader.size + inputBytes + ImageSeal.tagSize)
    }

    init(inputBytes: Int) {
        input = AlignedBytes(count: inputBytes, alignment: ImageFormat.blockSize)
        output = AlignedBytes(count: Self.outputCapacity(inputBytes: inputBytes), alignment: ImageFormat.blockSize)
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
    ///
    /// With `seal`, the payload (compressed or raw) is then encrypted and
    /// authenticated (`ImageSeal.seal`): the stored size counts the tag,
    /// the stored checksum is the sealed bytes', and no checksum of the
    /// pages is recorded (it would let a reader of the disk confirm a guess
    /// of a page's contents).
    func encode(codec: ImageFrameCodec, compression: ImageCompression, level: Int32, pageSize: Int, seal: ImageSeal?) throws {
        let size = pageCount * pageSize
        let pages = input.readable(0..<size)
        let payloadStart = ImageFrameHeader.size
        let limit = size - size / 32
        let payload = output[payloadStart..<payloadStart + limit]
        var compressed: Int?
        if compression != .none,
           try ImageCompressibilityProbe.samplesCompress(pages, pageSize: pageSize, scratch: payload, codec: codec,
                                                         compression: compression, level: level) {
            compressed = try codec.compress(pages, into: payload, codec: compression, level: level)
        }
        if let seal {
            try encodeSealed(pages: pages, compressed: compressed, compression: compression, seal: seal)
            return
        }
        let checksum = ImageChecksum.xxh3(pages)
        let stored: Int
        let storedChecksum: UInt64
        if let compressed {
            stored = compressed
            storedChecksum = ImageChecksum.xxh3(output.readable(payloadStart..<payloadStart + stored))
        } else {
            // Raw: the payload is the pages, so its checksum is theirs.
            output.copy(from: pages, to: payloadStart)
            stored = size
            storedChecksum = checksum
        }
        header = ImageFrameHeader(codec: compressed == nil ? .none : compression, number: number, firstPage: firstPage,
                                  physicalAddress: physicalAddress, pageCount: pageCount, uncompressedSize: size,
                                  storedSize: stored, uncompressedChecksum: checksum, storedChecksum: storedChecksum)
        header.store(into: output.bytes)
        lengthOnDisk = ImageFormat.roundUp(payloadStart + stored)
        output.zero(payloadStart + stored..<lengthOnDisk)
    }

    private func encodeSealed(pages: UnsafeRawBufferPointer, compressed: Int?, compression: ImageCompression,
                              seal: ImageSeal) throws {
        let payloadStart = ImageFrameHeader.size
        let plaintextSize = compressed ?? pages.count
        let stored = plaintextSize + ImageSeal.tagSize
        var frame = ImageFrameHeader(codec: compressed == nil ? .none : compression, number: number, firstPage: firstPage,
                                     physicalAddress: physicalAddress, pageCount: pageCount, uncompressedSize: pages.count,
                                     storedSize: stored, uncompressedChecksum: 0, storedChecksum: 0)
        let plaintext = compressed == nil ? pages : output.readable(payloadStart..<payloadStart + plaintextSize)
        try seal.seal(plaintext, as: frame, into: output[payloadStart..<payloadStart + stored])
        frame.storedChecksum = ImageChecksum.xxh3(output.readable(payloadStart..<payloadStart + stored))
        header = frame
        header.store(into: output.bytes)
        lengthOnDisk = ImageFormat.roundUp(payloadStart + stored)
        output.zero(payloadStart + stored..<lengthOnDisk)
    }
}
