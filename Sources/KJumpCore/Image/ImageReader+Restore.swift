/// Where a restoring worker writes pages: physical memory (`/dev/mem` in the
/// hibernation kernel), or a file in tests. Each worker gets its own and
/// uses it from its own thread only; workers write disjoint addresses.
public protocol PhysicalPageWriter: AnyObject {
    /// Copies `bytes` to `physicalAddress`.
    func write(_ bytes: UnsafeRawBufferPointer, at physicalAddress: UInt64) throws
    /// Writes `count` zero bytes at `physicalAddress`.
    func zero(at physicalAddress: UInt64, count: Int) throws
    /// Called once after the worker's last write (flushes, unmaps).
    func finish() throws
}

extension ImageReader {
    /// Writes every page of the image to its physical address: each frame
    /// is checked as `verify` checks it, decompressed into its worker's own
    /// buffer and written, together with the zero runs before it, by that
    /// worker through its own writer from `makeWriter` (one per worker, made
    /// before any frame is read). So the decompression, the checks and the
    /// copies into memory all run on the workers, and nothing is allocated
    /// per frame.
    ///
    /// Frames finish in any order; `progress` gets the bytes restored so far,
    /// in address order. The first bad frame (in frame order) ends the
    /// restore with its error, after the frames already in flight have
    /// finished: pages of later frames may have been written by then, which
    /// is harmless as long as the caller never jumps into memory whose
    /// restore failed.
    public func restore(makeWriter: () throws -> any PhysicalPageWriter, progress: (UInt64) -> Void = { _ in }) throws {
        let options = readerOptions
        let workerCount = max(options.workers, 1)
        var writers: [any PhysicalPageWriter] = []
        for _ in 0..<workerCount { writers.append(try makeWriter()) }
        let contexts = writers.map { ImageRestoreWorker(writer: $0, frameBytes: header.frameInputBytes) }
        var nextContext = 0
        let pipeline = OrderedWorkPipeline<ImageRestoreWorker, UInt64>(
            workers: options.workers, capacity: options.maxFramesInFlight, label: "kjump.image.restore") {
            defer { nextContext += 1 }
            return contexts[nextContext]
        }
        // The index is read as the frames are: a window of each table at a time.
        var frames = frameCursor()
        let frameCount = frames.count
        var walker = ImageExtentWalker(extents: extentCursor(), pageSize: header.pageSize)
        let pageSize = header.pageSize
        let opener = frameOpener
        let corrupt = ImageError.indexCorrupt(offset: trailer.indexOffset, reason: "its extents hold fewer data pages than its frames")
        /// Where `entry`'s pages go, and the zero runs before them (and after them, for the last frame).
        func placement(for entry: ImageFrameEntry, last: Bool) throws -> ImageFramePlacement {
            var placement = ImageFramePlacement()
            func zeroRun(_ extent: ImageExtent) -> ImageZeroRun {
                ImageZeroRun(address: extent.address, bytes: extent.pageCount * UInt64(pageSize))
            }
            var done = 0
            while done < entry.pageCount {
                try walker.takeZeroRuns { placement.zeroRuns.append(zeroRun($0)) }
                guard let piece = try walker.takeData(upTo: UInt64(entry.pageCount - done)) else { throw corrupt }
                placement.pieces.append(ImageFramePiece(address: piece.address, offset: done * pageSize,
                                                        bytes: Int(piece.pageCount) * pageSize))
                done += Int(piece.pageCount)
            }
            if last { try walker.takeZeroRuns { placement.trailingZeroRuns.append(zeroRun($0)) } }
            return placement
        }
        var restored: UInt64 = 0
        var failure: (any Error)?
        func take() {
            switch pipeline.takeOldest()! {
            case .success(let bytes):
                restored += bytes
                progress(restored)
            case .failure(let error):
                if failure == nil { failure = error }
            }
        }
        while frames.position < frameCount, failure == nil {
            while pipeline.isFull { take() }
            if failure != nil { break }
            do {
                try readFrames(from: &frames, room: pipeline.capacity - pipeline.inFlight) { number, entry, bytes in
                    let placement = try placement(for: entry, last: number == frameCount - 1)
                    pipeline.submit { worker in
                        try worker.restore(frame: number, entry: entry, bytes: bytes, opener: opener, placement: placement)
                    }
                }
            } catch {
                failure = error
            }
        }
        while !pipeline.isEmpty { take() }
        if frameCount == 0, failure == nil {
            // Only zero runs: the one writer writes them here.
            do {
                var runs: [ImageZeroRun] = []
                try walker.takeZeroRuns { runs.append(ImageZeroRun(address: $0.address, bytes: $0.pageCount * UInt64(pageSize))) }
                restored += try contexts[0].writeZeroRuns(runs)
            } catch { failure = error }
            progress(restored)
        }
        for writer in writers {
            do { try writer.finish() } catch { if failure == nil { failure = error } }
        }
        if failure == nil {
            // Read from the image twice (checked at open, followed now): the same bytes both times.
            do { try confirmIndex(extents: walker.cursor, frames: frames) } catch { failure = error }
        }
        if let failure { throw failure }
    }
}

struct ImageZeroRun: Sendable, Equatable {
    var address: UInt64
    var bytes: UInt64
}

/// A stretch of a frame's decompressed pages and the address it belongs at.
struct ImageFramePiece: Sendable, Equatable {
    var address: UInt64
    /// Offset into the frame's decompressed pages.
    var offset: Int
    var bytes: Int
}

struct ImageFramePlacement: Sendable, Equatable {
    var zeroRuns: [ImageZeroRun] = []
    var pieces: [ImageFramePiece] = []
    var trailingZeroRuns: [ImageZeroRun] = []
}

/// One restoring worker's state: its codec, its frame buffer and its writer.
/// Used from its worker's serial queue only.
/// `@unchecked Sendable`: see docs/ARCHITECTURE.md, Threads.
final class ImageRestoreWorker: @unchecked Sendable {
    let codec = ImageFrameCodec()
    let writer: any PhysicalPageWriter
    private let buffer: AlignedBytes

    init(writer: any PhysicalPageWriter, frameBytes: Int) {
        self.writer = writer
        buffer = AlignedBytes(count: frameBytes)
    }

    /// Checks and decompresses one frame, writes its zero runs and pages; returns the bytes written.
    func restore(frame number: Int, entry: ImageFrameEntry, bytes: ArraySlice<UInt8>, opener: ImageFrameOpener,
                 placement: ImageFramePlacement) throws -> UInt64 {
        var written = try writeZeroRuns(placement.zeroRuns)
        try ImageReader.withCheckedPages(frame: number, entry: entry, bytes: bytes, opener: opener,
                                         codec: codec, buffer: buffer.bytes) { pages in
            for piece in placement.pieces {
                try writer.write(UnsafeRawBufferPointer(rebasing: pages[piece.offset..<piece.offset + piece.bytes]), at: piece.address)
                written += UInt64(piece.bytes)
            }
        }
        written += try writeZeroRuns(placement.trailingZeroRuns)
        return written
    }

    func writeZeroRuns(_ runs: [ImageZeroRun]) throws -> UInt64 {
        var written: UInt64 = 0
        for run in runs {
            try writer.zero(at: run.address, count: Int(run.bytes))
            written += run.bytes
        }
        return written
    }
}
