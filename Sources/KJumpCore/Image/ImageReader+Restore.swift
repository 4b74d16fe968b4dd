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
        let placements = framePlacements()
        let pageSize = header.pageSize
        let frames = self.frames
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
        var nextToRead = 0
        while nextToRead < frames.count, failure == nil {
            while pipeline.isFull { take() }
            if failure != nil { break }
            do {
                nextToRead = try readFrames(from: nextToRead, room: pipeline.capacity - pipeline.inFlight) { number, entry, bytes in
                    let placement = placements[number]
                    pipeline.submit { worker in
                        try worker.restore(frame: number, entry: entry, bytes: bytes, pageSize: pageSize, placement: placement)
                    }
                }
            } catch {
                failure = error
            }
        }
        while !pipeline.isEmpty { take() }
        if frames.isEmpty, failure == nil {
            // Only zero runs: the one writer writes them here.
            do { restored += try contexts[0].writeZeroRuns(placements.trailingZeroRuns) } catch { failure = error }
            progress(restored)
        }
        for writer in writers {
            do { try writer.finish() } catch { if failure == nil { failure = error } }
        }
        if let failure { throw failure }
    }

    /// Which addresses each frame's pages go to, and the zero runs each
    /// frame's worker writes first (those between the previous frame's
    /// pages and its own; the last frame also takes the zero runs after it).
    func framePlacements() -> ImageFramePlacements {
        let pageSize = UInt64(header.pageSize)
        var placements: [ImageFramePlacement] = []
        placements.reserveCapacity(frames.count)
        var extentIndex = 0
        var pagesIntoExtent: UInt64 = 0
        func zeroRuns() -> [ImageZeroRun] {
            var runs: [ImageZeroRun] = []
            while extentIndex < extents.count, extents[extentIndex].kind == .zero {
                runs.append(ImageZeroRun(address: extents[extentIndex].address, bytes: extents[extentIndex].pageCount * pageSize))
                extentIndex += 1
            }
            return runs
        }
        for frame in frames {
            var placement = ImageFramePlacement()
            var done = 0
            while done < frame.pageCount {
                placement.zeroRuns += zeroRuns()
                let extent = extents[extentIndex]   // a data extent: the index was validated
                let take = Int(min(extent.pageCount - pagesIntoExtent, UInt64(frame.pageCount - done)))
                placement.pieces.append(ImageFramePiece(address: extent.address + pagesIntoExtent * pageSize,
                                                        offset: done * Int(pageSize), bytes: take * Int(pageSize)))
                done += take
                pagesIntoExtent += UInt64(take)
                if pagesIntoExtent == extent.pageCount {
                    extentIndex += 1
                    pagesIntoExtent = 0
                }
            }
            placements.append(placement)
        }
        let trailing = zeroRuns()
        if !placements.isEmpty { placements[placements.count - 1].trailingZeroRuns = trailing }
        return ImageFramePlacements(frames: placements, trailingZeroRuns: placements.isEmpty ? trailing : [])
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

struct ImageFramePlacements: Sendable {
    var frames: [ImageFramePlacement]
    /// Zero runs of an image without frames.
    var trailingZeroRuns: [ImageZeroRun]
    subscript(number: Int) -> ImageFramePlacement { frames[number] }
}

/// One restoring worker's state: its codec, its frame buffer and its writer.
/// Used from its worker's serial queue only.
final class ImageRestoreWorker: @unchecked Sendable {
    let codec = ImageFrameCodec()
    let writer: any PhysicalPageWriter
    private let buffer: UnsafeMutableRawBufferPointer

    init(writer: any PhysicalPageWriter, frameBytes: Int) {
        self.writer = writer
        buffer = .allocate(byteCount: max(frameBytes, 1), alignment: 4096)
    }

    deinit { buffer.deallocate() }

    /// Checks and decompresses one frame, writes its zero runs and pages; returns the bytes written.
    func restore(frame number: Int, entry: ImageFrameEntry, bytes: ArraySlice<UInt8>, pageSize: Int,
                 placement: ImageFramePlacement) throws -> UInt64 {
        var written = try writeZeroRuns(placement.zeroRuns)
        try ImageReader.withCheckedPages(frame: number, entry: entry, bytes: bytes, pageSize: pageSize,
                                         codec: codec, buffer: buffer) { pages in
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
