import Testing
@testable import KJumpCore

@Suite struct ImageRoundTripTests {
    @Test(arguments: ImageCompression.allCases)
    func everyCodecRoundTripsDataZeroAndExcludedPages(_ compression: ImageCompression) throws {
        let runs = ImageTesting.standardRuns()
        let header = ImageTesting.header(compression: compression)
        let image = try ImageTesting.write(runs, header: header)
        let reader = try ImageTesting.open(image)
        #expect(reader.header == header)
        #expect(reader.state.state == .committed)
        #expect(reader.state.startedAt == ImageTesting.createdAt)
        #expect(reader.state.committedAt == ImageTesting.committedAt)
        #expect(reader.state.consumedAt == nil)
        #expect(reader.state.imageLength == UInt64(image.count))
        #expect(reader.extents == [
            ImageExtent(address: 0x1000, pageCount: 3, kind: .data),
            ImageExtent(address: 0x4000, pageCount: 2, kind: .zero),
            ImageExtent(address: 0x6000, pageCount: 3, kind: .data),
            ImageExtent(address: 0x100000, pageCount: 300, kind: .data),
            ImageExtent(address: 0x300000, pageCount: 1024, kind: .zero),
            ImageExtent(address: 0x800000, pageCount: 5, kind: .data),
            ImageExtent(address: 0x1000_0000, pageCount: 40, kind: .data),
        ])
        let summary = reader.summary
        #expect(summary.dataPages == 351)
        #expect(summary.zeroPages == 1026)
        #expect(summary.uncompressedBytes == 351 * 4096)
        #expect(summary.memoryBytes == (351 + 1026) * 4096)
        #expect(summary.frameCount == 2)   // 351 data pages in 256-page frames
        #expect(summary.imageBytes == UInt64(image.count))
        if compression == .none {
            #expect(summary.rawFrameCount == 2)
            #expect(summary.storedBytes == summary.uncompressedBytes)
        } else {
            #expect(summary.compressionRatio < 0.7)
        }
        #expect(try reader.verify() == summary)
        try reader.checkResumable()
        #expect(try ImageTesting.read(image) == ImageTesting.canonical(runs))
    }

    @Test func runsAreDeliveredInAddressOrderAndSplitAtFrameBoundaries() throws {
        // 4-page frames: one data extent spans several frames, one frame spans several extents.
        let runs: [ImageTesting.Run] = [
            .data(0x10000, ImageTesting.pages(count: 10, seed: 1)),
            .zero(0x20000, 3),
            .data(0x30000, ImageTesting.pages(count: 1, seed: 2)),
            .data(0x40000, ImageTesting.pages(count: 2, seed: 3)),
        ]
        let image = try ImageTesting.write(runs, header: ImageTesting.header(frameInputBytes: 4 * 4096))
        let reader = try ImageTesting.open(image)
        #expect(reader.frames.map(\.pageCount) == [4, 4, 4, 1])
        #expect(reader.frames.map(\.physicalAddress) == [0x10000, 0x14000, 0x18000, 0x40000 + 0x1000])
        var seen: [(UInt64, UInt64, ImageExtentKind)] = []
        try reader.forEachRun { run in
            seen.append((run.address, run.pageCount, run.kind))
            #expect(run.bytes?.count ?? 0 == (run.kind == .data ? Int(run.pageCount) * 4096 : 0))
        }
        let expected: [(UInt64, UInt64, ImageExtentKind)] = [
            (0x10000, 4, .data), (0x14000, 4, .data), (0x18000, 2, .data), (0x20000, 3, .zero),
            (0x30000, 1, .data), (0x40000, 1, .data), (0x41000, 1, .data),
        ]
        #expect(seen.map(\.0) == expected.map(\.0))
        #expect(seen.map(\.1) == expected.map(\.1))
        #expect(seen.map(\.2) == expected.map(\.2))
        #expect(try ImageTesting.read(image) == ImageTesting.canonical(runs))
    }

    @Test func imagesWithOnlyZeroRunsOrNothingAtAll() throws {
        let zeros = try ImageTesting.write([.zero(0, 10), .zero(0x100000, 1 << 20)])
        let reader = try ImageTesting.open(zeros)
        #expect(reader.frames.isEmpty)
        #expect(reader.summary.zeroPages == 10 + (1 << 20))
        #expect(reader.summary.dataPages == 0)
        #expect(reader.summary.compressionRatio == 0)
        #expect(try ImageTesting.read(zeros) == [.zero(0, 10), .zero(0x100000, 1 << 20)])

        let empty = try ImageTesting.write([])
        let emptyReader = try ImageTesting.open(empty)
        #expect(emptyReader.extents.isEmpty)
        #expect(emptyReader.frames.isEmpty)
        try emptyReader.verify()
        #expect(try ImageTesting.read(empty) == [])
    }

    @Test(arguments: [ImageCompression.lz4, .zstd])
    func incompressibleFramesAreStoredRaw(_ compression: ImageCompression) throws {
        let runs: [ImageTesting.Run] = [
            .data(0, ImageTesting.pages(count: 8, seed: 5, style: .random)),
            .data(0x100000, ImageTesting.pages(count: 8, seed: 6, style: .compressible)),
        ]
        let image = try ImageTesting.write(runs, header: ImageTesting.header(compression: compression, frameInputBytes: 8 * 4096))
        let reader = try ImageTesting.open(image)
        #expect(reader.frames.map(\.codec) == [.none, compression])
        #expect(reader.frames[0].storedSize == 8 * 4096)
        #expect(reader.frames[0].storedChecksum == reader.frames[0].uncompressedChecksum)
        #expect(reader.frames[1].storedSize < 4096)
        #expect(reader.summary.rawFrameCount == 1)
        #expect(try ImageTesting.read(image) == runs)
    }

    @Test func compressionLevelsRoundTrip() throws {
        let runs = ImageTesting.standardRuns(seed: 3)
        for (compression, level) in [(ImageCompression.lz4, Int32(8)), (.zstd, 9), (.zstd, -5)] {
            let image = try ImageTesting.write(runs, header: ImageTesting.header(compression: compression, level: level))
            #expect(try ImageTesting.open(image).header.compressionLevel == level)
            #expect(try ImageTesting.read(image) == ImageTesting.canonical(runs))
        }
    }

    @Test func aHeaderLongerThanOneBlockContinuesAfterTheStateBlock() throws {
        let notes = (0..<200).map { ImageNote(key: "mount\($0)", value: "uuid=\($0)-0123456789abcdef mount-count=\($0 * 3)") }
        let header = ImageTesting.header(notes: notes)
        let encodedLength = try header.encoded().count
        #expect(encodedLength > 4096)
        let image = try ImageTesting.write(ImageTesting.standardRuns(), header: header)
        let reader = try ImageTesting.open(image)
        #expect(reader.header.notes == notes)
        #expect(reader.header.note("mount7") == "uuid=7-0123456789abcdef mount-count=21")
        #expect(reader.headerLength == encodedLength)
        #expect(reader.frames.first?.fileOffset == ImageFormat.framesOffset(headerLength: encodedLength))
        #expect(reader.frames.first!.fileOffset > 8192)
        #expect(Array(image[4096..<4104]) == Array("KJUMPSTA".utf8))
        #expect(try ImageTesting.read(image) == ImageTesting.canonical(ImageTesting.standardRuns()))
    }

    @Test func headerFieldsSurviveTheTrip() throws {
        var header = ImageTesting.header(kind: .crash)
        header.hibernationRegion = HibernationRegion(ranges: [PhysicalRange(start: 0x2000_0000, end: 0x3000_0000)])
        header.notes = [ImageNote(key: "dump-level", value: "31"), ImageNote(key: "equation", value: "a=b=c"), ImageNote(key: "empty", value: "")]
        header.resumeCommandLine = ""
        header.systemKernel = SystemKernelIdentity(osRelease: "6.1.0-53-amd64 ünïcödé", vmcoreinfo: [])
        let image = try ImageTesting.write([], header: header)
        let read = try ImageTesting.open(image).header
        #expect(read == header)
        #expect(read.note("equation") == "a=b=c")
        #expect(read.firmwareMemoryMapChecksum == ImageHeader.checksum(ofFirmwareMemoryMap: ImageTesting.firmwareMap))
        #expect(read.systemKernel.vmcoreinfoXXH3 == ImageChecksum.xxh128([]))
    }

    @Test func vmcoreinfoHashIsCanonicalXXH3_128() {
        // xxhsum -H2 of an empty input: 99aa06d3014798d86001c324468d497f
        #expect(ImageChecksum.xxh128([]).description == "99aa06d3014798d86001c324468d497f")
        #expect(ImageChecksum.xxh3([]) == 0x2d06_8005_38d3_94c2)
        #expect(ImageTesting.imageID(0).description == "00112233-4455-6677-8899-aabbccddeeff")
    }

    @Test func theReaderGivesTheSameRunsWithAnyNumberOfWorkers() throws {
        let runs = ImageTesting.standardRuns(seed: 9)
        let image = try ImageTesting.write(runs, header: ImageTesting.header(frameInputBytes: 8 * 4096))
        let expected = ImageTesting.canonical(runs)
        for workers in [0, 1, 3, 8] {
            #expect(try ImageTesting.read(image, workers: workers) == expected, "workers: \(workers)")
        }
        // A tiny read chunk: every frame read on its own.
        let reader = try ImageReader(source: ArrayByteSource(image), options: ImageReader.Options(workers: 2, maxFramesInFlight: 3, readChunkBytes: 4096))
        var pages: UInt64 = 0
        try reader.forEachRun { pages += $0.kind == .data ? $0.pageCount : 0 }
        #expect(pages == reader.summary.dataPages)
    }

    @Test(arguments: [ImageCompression.lz4, .zstd, .none])
    func outputDoesNotDependOnTheNumberOfWorkers(_ compression: ImageCompression) throws {
        var runs: [ImageTesting.Run] = []
        for chunk in 0..<12 {
            runs.append(.data(UInt64(chunk) * 0x100000, ImageTesting.pages(count: 37 + chunk * 5, seed: UInt64(chunk))))
            if chunk % 3 == 0 { runs.append(.zero(UInt64(chunk) * 0x100000 + 0x80000, 7)) }
        }
        let header = ImageTesting.header(compression: compression, frameInputBytes: 16 * 4096)
        let inline = try ImageTesting.write(runs, header: header, workers: 0)
        for workers in [1, 2, 4, 7] {
            let parallel = try ImageTesting.write(runs, header: header, workers: workers, writeChunkBytes: 64 << 10)
            #expect(parallel == inline, "workers: \(workers)")
        }
    }

    @Test func writesAreAlignedLargeAndTheCommitComesLast() throws {
        let sink = ArrayImageSink()
        var runs: [ImageTesting.Run] = []
        for chunk in 0..<6 { runs.append(.data(UInt64(chunk) << 24, ImageTesting.pages(count: 512, seed: UInt64(chunk)))) }
        let image = try ImageTesting.write(runs, header: ImageTesting.header(compression: .zstd), writeChunkBytes: 1 << 20, sink: sink)
        let writes = sink.writes
        #expect(writes.allSatisfy { $0.offset % 4096 == 0 && $0.count % 4096 == 0 })
        #expect(writes.first?.offset == 0)
        #expect(writes.first?.count == 8192)                               // header block + state block (writing)
        #expect(writes.last?.offset == ImageStateBlock.offset)             // the commit
        #expect(writes.last?.count == 4096)
        #expect(sink.synchronizations == 3)                                // after the start, before and after the commit
        let frameWrites = writes.dropFirst().dropLast(2)                   // then the index and trailer
        #expect(frameWrites.count >= 2)
        #expect(frameWrites.dropLast().allSatisfy { $0.count >= 1 << 20 }) // only the last frame write may be short
        var offset = UInt64(8192)
        for write in writes.dropFirst().dropLast() {                       // frames, index, trailer: back to back
            #expect(write.offset == offset)
            offset += UInt64(write.count)
        }
        #expect(offset == UInt64(image.count))
    }

    @Test func aWriterThatNeverFinishesLeavesAnUncommittedImage() throws {
        let sink = ArrayImageSink()
        let writer = try ImageWriter(header: ImageTesting.header(), sink: sink, options: ImageWriter.Options(workers: 2))
        try writer.append(address: 0, pages: ImageTesting.pages(count: 700, seed: 1))
        let probe = try ImageReader.probe(ArrayByteSource(sink.bytes))
        #expect(probe.state.state == .writing)
        #expect(probe.state.imageLength == 0)
        #expect(ImageTesting.imageError { _ = try ImageTesting.open(sink.bytes) } == .notCommitted(.writing))
    }
}
