import Testing
@testable import KJumpCore

/// `ImageReader.restore`: every worker checks, decompresses and writes its
/// own frames' pages and the zero runs before them.
@Suite struct ImageRestoreTests {
    /// A writer that records what it is asked to write. Each worker has its
    /// own, so no locking; the test merges them after the restore.
    final class RecordingWriter: PhysicalPageWriter {
        var pages: [UInt64: [UInt8]] = [:]   // page address → bytes
        var finished = 0

        func write(_ bytes: UnsafeRawBufferPointer, at physicalAddress: UInt64) throws {
            #expect(bytes.count % 4096 == 0 && physicalAddress % 4096 == 0)
            for page in 0..<bytes.count / 4096 {
                record(physicalAddress + UInt64(page * 4096), Array(bytes[page * 4096..<(page + 1) * 4096]))
            }
        }

        func zero(at physicalAddress: UInt64, count: Int) throws {
            for page in 0..<count / 4096 { record(physicalAddress + UInt64(page * 4096), [UInt8](repeating: 0, count: 4096)) }
        }

        func finish() throws { finished += 1 }

        private func record(_ address: UInt64, _ bytes: [UInt8]) {
            #expect(pages[address] == nil, "page \(HexText.number(address)) written twice")
            pages[address] = bytes
        }
    }

    static func restore(_ image: [UInt8], workers: Int) throws -> (pages: [UInt64: [UInt8]], writers: [RecordingWriter], progress: [UInt64]) {
        let reader = try ImageReader(source: ArrayByteSource(image), options: ImageReader.Options(workers: workers, maxFramesInFlight: 3))
        var writers: [RecordingWriter] = []
        var progress: [UInt64] = []
        try reader.restore(makeWriter: {
            let writer = RecordingWriter()
            writers.append(writer)
            return writer
        }, progress: { progress.append($0) })
        var pages: [UInt64: [UInt8]] = [:]
        for writer in writers { pages.merge(writer.pages) { first, _ in first } }
        return (pages, writers, progress)
    }

    /// The pages `runs` describe, page by page.
    static func expectedPages(_ runs: [ImageTesting.Run]) -> [UInt64: [UInt8]] {
        var pages: [UInt64: [UInt8]] = [:]
        for run in runs {
            for page in 0..<run.pageCount {
                pages[run.address + UInt64(page * 4096)] = run.bytes.map { Array($0[page * 4096..<(page + 1) * 4096]) }
                    ?? [UInt8](repeating: 0, count: 4096)
            }
        }
        return pages
    }

    @Test(arguments: [0, 1, 2, 3])
    func everyPageLandsAtItsAddressOnce(workers: Int) throws {
        // 4-page frames: frames span extents, extents span frames, zero runs sit between and after frames.
        let runs: [ImageTesting.Run] = [
            .zero(0x0, 2),
            .data(0x10000, ImageTesting.pages(count: 10, seed: 1)),
            .zero(0x20000, 3),
            .data(0x30000, ImageTesting.pages(count: 1, seed: 2, style: .random)),
            .data(0x40000, ImageTesting.pages(count: 7, seed: 3, style: .compressible)),
            .zero(0x90000, 5),
            .zero(0xa0000, 1),
        ]
        let image = try ImageTesting.write(runs, header: ImageTesting.header(frameInputBytes: 4 * 4096))
        let restored = try Self.restore(image, workers: workers)
        #expect(restored.pages == Self.expectedPages(runs))
        #expect(restored.writers.count == max(workers, 1))
        #expect(restored.writers.allSatisfy { $0.finished == 1 })
        let total = UInt64(Self.expectedPages(runs).count * 4096)
        #expect(restored.progress.last == total)
        #expect(restored.progress == restored.progress.sorted())
    }

    @Test(arguments: ImageCompression.allCases)
    func theStandardImageRestoresAsItReads(_ compression: ImageCompression) throws {
        let runs = ImageTesting.standardRuns()
        let image = try ImageTesting.write(runs, header: ImageTesting.header(compression: compression))
        #expect(try Self.restore(image, workers: 2).pages == Self.expectedPages(runs))
    }

    @Test func anImageOfZeroRunsOnlyIsWrittenByOneWriter() throws {
        let runs: [ImageTesting.Run] = [.zero(0x1000, 3), .zero(0x100000, 2)]
        let restored = try Self.restore(try ImageTesting.write(runs), workers: 2)
        #expect(restored.pages == Self.expectedPages(runs))
        #expect(restored.progress.last == 5 * 4096)
    }

    @Test func aCorruptFrameStopsTheRestoreWithItsError() throws {
        let image = try ImageTesting.write(ImageTesting.standardRuns(), header: ImageTesting.header(frameInputBytes: 64 * 4096))
        let reader = try ImageTesting.open(image)
        let frame = reader.frames[3]
        var damaged = image
        damaged[Int(frame.fileOffset) + 64 + frame.storedSize / 2] ^= 0x40
        let expected = ImageTesting.imageError { try ImageTesting.open(damaged).verify() }
        var writers: [RecordingWriter] = []
        let error = ImageTesting.imageError {
            try ImageTesting.open(damaged).restore(makeWriter: {
                let writer = RecordingWriter()
                writers.append(writer)
                return writer
            })
        }
        #expect(error == expected)
        guard case .frameCorrupt(3, frame.fileOffset, frame.physicalAddress, _) = error else {
            Issue.record("got \(String(describing: error))")
            return
        }
        // No page of the bad frame was written, and every writer was finished.
        let written = writers.reduce(into: Set<UInt64>()) { $0.formUnion($1.pages.keys) }
        #expect(!written.contains(frame.physicalAddress))
        #expect(writers.allSatisfy { $0.finished == 1 })
    }
}
