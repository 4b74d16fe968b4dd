import Testing
@testable import KJumpCore

/// The index without holding it: the writer spills it to the target's end
/// (`ImageIndexSpill`) and the reader reads it a window at a time
/// (`Options.indexInMemory` off). Both give exactly what the in-memory paths give.
@Suite struct ImageIndexStreamingTests {
    /// Reads an `ArrayImageSink` as it is now (the spill is read back while the image is written).
    final class SinkSource: ByteSource {
        let sink: ArrayImageSink
        let size: UInt64
        init(_ sink: ArrayImageSink, size: UInt64) { self.sink = sink; self.size = size }
        func read(at offset: UInt64, count: Int) throws -> [UInt8] {
            guard offset + UInt64(count) <= size else { throw ByteSourceError.outOfBounds(offset: offset, count: count, size: size) }
            let start = Int(offset)
            return (0..<count).map { start + $0 < sink.bytes.count ? sink.bytes[start + $0] : 0 }
        }
    }

    /// A source whose bytes in `[changeStart, changeEnd)` read differently from the `afterReads`-th read on.
    final class ChangingSource: ByteSource {
        let original: [UInt8]
        var changed: [UInt8]
        let range: Range<Int>
        let afterReads: Int
        var reads = 0
        init(_ bytes: [UInt8], changing range: Range<Int>, afterReads: Int) {
            original = bytes
            changed = bytes
            for index in range { changed[index] ^= 0x01 }
            self.range = range
            self.afterReads = afterReads
        }
        var size: UInt64 { UInt64(original.count) }
        func read(at offset: UInt64, count: Int) throws -> [UInt8] {
            let bytes = reads >= afterReads ? changed : original
            if range.overlaps(Int(offset)..<Int(offset) + count) { reads += 1 }
            return Array(bytes[Int(offset)..<Int(offset) + count])
        }
    }

    /// Many small extents (data and zero pages alternating, gaps between some) and several frames.
    static func fragmentedRuns(pages: Int) -> [ImageTesting.Run] {
        var runs: [ImageTesting.Run] = []
        var address: UInt64 = 0x100000
        for index in 0..<pages {
            if index % 3 == 2 {
                runs.append(.zero(address, 1))
            } else {
                runs.append(.data(address, ImageTesting.pages(count: 1, seed: UInt64(index))))
            }
            address += index % 7 == 6 ? 3 * 4096 : 4096   // now and then a gap: excluded pages
        }
        return runs
    }

    static func write(_ runs: [ImageTesting.Run], spillAt end: UInt64?, entriesInMemory: Int = 16,
                      capacity: UInt64? = nil, kind: ImageKind = .hibernation) throws -> (image: [UInt8], sink: ArrayImageSink) {
        let sink = ArrayImageSink()
        let writer = try ImageWriter(header: ImageTesting.header(kind: kind), sink: sink,
                                     options: .init(workers: 2, writeChunkBytes: 64 << 10, capacity: capacity,
                                                    indexEntriesInMemory: entriesInMemory),
                                     indexSpill: end.map { ImageIndexSpill(source: SinkSource(sink, size: $0), end: $0) })
        for run in runs {
            if let bytes = run.bytes {
                try writer.append(address: run.address, pages: bytes)
            } else {
                try writer.appendZero(address: run.address, pageCount: UInt64(run.pageCount))
            }
        }
        let summary = try writer.finish(committedAt: ImageTesting.committedAt)
        return (Array(sink.bytes[0..<Int(summary.imageBytes)]), sink)
    }

    @Test func aSpilledIndexGivesTheSameImageByteForByte() throws {
        let runs = Self.fragmentedRuns(pages: 3000)
        let (inMemory, _) = try Self.write(runs, spillAt: nil)
        let (spilled, sink) = try Self.write(runs, spillAt: 16 << 20)
        #expect(spilled == inMemory)
        // The spill area at the target's end was used, below its end and above the image.
        let tail = sink.bytes[inMemory.count...]
        #expect(sink.bytes.count == 16 << 20 && tail.contains { $0 != 0 })
        #expect(try ImageTesting.read(spilled) == ImageTesting.canonical(runs))
    }

    @Test func aPartialImageWithASpilledIndexKeepsAPrefix() throws {
        let runs = ImagePartialTests.runs() + Self.fragmentedRuns(pages: 2000).map {
            var run = $0
            run.address += 0x1000_0000
            return run
        }
        let capacity: UInt64 = 3 << 20
        let (image, _) = try Self.write(runs, spillAt: capacity, capacity: capacity, kind: .crash)
        let summary = try ImageTesting.open(image).verify()
        #expect(summary.isPartial)
        #expect(summary.dataPages > 0)
        let read = try ImageTesting.read(image)
        #expect(read.first == ImageTesting.canonical(runs).first)
    }

    @Test func framesThatReachTheSpilledIndexAreRefused() throws {
        // 300 random pages need 1.2 MiB: the spill area at 1 MiB leaves no room.
        let runs: [ImageTesting.Run] = Self.fragmentedRuns(pages: 200)
            + [.data(0x4000_0000, ImageTesting.pages(count: 300, seed: 9, style: .random))]
        #expect(throws: ImageWriterError.self) { _ = try Self.write(runs, spillAt: 1 << 20) }
    }

    @Test(arguments: [0, 1, 2])
    func aStreamingReaderRestoresAndReadsWhatTheInMemoryReaderDoes(workers: Int) throws {
        let runs = Self.fragmentedRuns(pages: 3000) + ImageTesting.standardRuns().map {
            var run = $0
            run.address += 0x4000_0000
            return run
        }
        let (image, _) = try Self.write(runs, spillAt: nil)
        let streaming = try ImageReader(source: ArrayByteSource(image),
                                        options: .init(workers: workers, maxFramesInFlight: 3, indexInMemory: false,
                                                       indexWindowEntries: 100))
        #expect(streaming.extents.isEmpty && streaming.frames.isEmpty && !streaming.indexInMemory)
        #expect(streaming.summary.extentCount > 20 * 100 && streaming.summary.frameCount > 3)
        var writers: [ImageRestoreTests.RecordingWriter] = []
        try streaming.restore(makeWriter: {
            let writer = ImageRestoreTests.RecordingWriter()
            writers.append(writer)
            return writer
        })
        var pages: [UInt64: [UInt8]] = [:]
        for writer in writers { pages.merge(writer.pages) { first, _ in first } }
        #expect(pages == ImageRestoreTests.expectedPages(runs))
        var read: [ImageTesting.Run] = []
        try streaming.forEachRun { run in
            read.append(ImageTesting.Run(address: run.address, pageCount: Int(run.pageCount), kind: run.kind,
                                         bytes: run.bytes.map(Array.init)))
        }
        #expect(ImageTesting.canonical(read) == ImageTesting.canonical(runs))
        #expect(try streaming.verify() == ImageTesting.open(image).summary)
    }

    @Test func aStreamingReaderRefusesACorruptIndexAsTheInMemoryOneDoes() throws {
        let (image, _) = try Self.write(Self.fragmentedRuns(pages: 3000), spillAt: nil)
        let trailer = try ImageTesting.open(image).trailer
        for offset in [Int(trailer.indexOffset) + 3, Int(trailer.indexOffset) + 32 + 24 * 1000 + 1,
                       Int(trailer.indexOffset + trailer.indexLength) - 2] {
            var broken = image
            broken[offset] ^= 0x40
            let inMemory = ImageTesting.imageError { _ = try ImageTesting.open(broken) }
            let streaming = ImageTesting.imageError {
                _ = try ImageReader(source: ArrayByteSource(broken),
                                    options: .init(workers: 2, indexInMemory: false, indexWindowEntries: 100))
            }
            #expect(inMemory != nil && streaming == inMemory, "byte \(offset)")
        }
    }

    @Test func anIndexThatChangesBetweenReadingsStopsTheRestoreBeforeItEnds() throws {
        let (image, _) = try Self.write(Self.fragmentedRuns(pages: 3000), spillAt: nil)
        let trailer = try ImageTesting.open(image).trailer
        // A byte of an extent's reserved field: structurally harmless, so only the second reading's checksum can tell.
        let reserved = Int(trailer.indexOffset) + 32 + 24 * 1500 + 20
        let source = ChangingSource(image, changing: reserved..<reserved + 1, afterReads: 3)
        let reader = try ImageReader(source: source, options: .init(workers: 1, indexInMemory: false, indexWindowEntries: 100))
        let error = ImageTesting.imageError {
            try reader.restore(makeWriter: { ImageRestoreTests.RecordingWriter() })
        }
        #expect(error == .indexCorrupt(offset: trailer.indexOffset,
                                       reason: "it changed on the device while it was read: a second reading does not match the first"))
    }
}
