import Testing
@testable import KJumpCore

/// Pages through `KdumpCompressedWriter` and back through the test reader.
@Suite struct KdumpCompressedWriterTests {
    @Test(arguments: [KdumpCompression.zstd, .none])
    func everyImagePageReadsBackAndExcludedPagesAreAbsent(_ compression: KdumpCompression) throws {
        let runs = ImageTesting.standardRuns()
        let image = try ImageTesting.write(runs, header: KdumpTesting.crashHeader())
        let (file, summary, layout) = try KdumpTesting.export(image, codec: compression == .zstd ? .zstd() : .none)
        var expected: [UInt64: [UInt8]] = [:]
        for run in runs {
            for page in 0..<run.pageCount {
                expected[run.address / 4096 + UInt64(page)] = run.bytes.map { Array($0[page * 4096..<(page + 1) * 4096]) }
                    ?? [UInt8](repeating: 0, count: 4096)
            }
        }
        #expect(file.dumpedPFNs == expected.keys.sorted())
        for pfn in file.dumpedPFNs { #expect(try file.page(pfn) == expected[pfn], "pfn \(pfn)") }
        #expect(try file.page(0x9) == nil)
        #expect(summary.dumpedPages == UInt64(expected.count))
        #expect(summary.dumpedPages == layout.dumpedPages)
        #expect(summary.zeroPages + summary.compressedPages + summary.rawPages == summary.dumpedPages)
        #expect(summary.fileSize == layout.pageDataOffset + summary.pageDataBytes)
        if compression == .none { #expect(summary.compressedPages == 0) } else { #expect(summary.compressedPages > 200 && summary.rawPages >= 5) }
    }

    @Test func zeroPagesShareOneStoredZeroPage() throws {
        // Zero runs of the image, and a data run whose middle page is all zeros.
        var data = ImageTesting.pages(count: 3, seed: 5)
        data.replaceSubrange(4096..<8192, with: [UInt8](repeating: 0, count: 4096))
        let runs: [ImageTesting.Run] = [.zero(0x1000, 2), .data(0x3000, data), .zero(0x10000, 500)]
        let image = try ImageTesting.write(runs, header: KdumpTesting.crashHeader())
        let (file, summary, layout) = try KdumpTesting.export(image)
        #expect(summary.zeroPages == 2 + 1 + 500)
        let zero = KdumpPageDescriptor(offset: layout.zeroPageOffset, size: 4096, flags: [])
        let descriptors = (0..<file.dumpedPFNs.count).map(file.descriptor)
        #expect(descriptors.filter { $0 == zero }.count == 503)
        #expect(descriptors[3] == zero)                     // the zero page inside the data run
        #expect(descriptors[2].offset == layout.pageDataOffset)
        #expect(Array(file.bytes[Int(layout.zeroPageOffset)..<Int(layout.pageDataOffset)]) == [UInt8](repeating: 0, count: 4096))
        // Only the two non-zero pages are stored after the zero page.
        #expect(summary.fileSize == layout.pageDataOffset + UInt64(descriptors[2].size + descriptors[4].size))
    }

    @Test func incompressiblePagesAreStoredRaw() throws {
        let runs: [ImageTesting.Run] = [.data(0x1000, ImageTesting.pages(count: 4, seed: 9, style: .random)),
                                        .data(0x8000, ImageTesting.pages(count: 4, seed: 9, style: .compressible))]
        let image = try ImageTesting.write(runs, header: KdumpTesting.crashHeader())
        let (file, summary, _) = try KdumpTesting.export(image)
        #expect(summary.rawPages == 4 && summary.compressedPages == 4)
        for index in 0..<4 { #expect(file.descriptor(index).flags == [] && file.descriptor(index).size == 4096) }
        for index in 4..<8 { #expect(file.descriptor(index).flags == .zstd && file.descriptor(index).size < 1024) }
        for (index, pfn) in file.dumpedPFNs.enumerated() {
            let run = runs[index / 4]
            #expect(try file.page(pfn) == Array(run.bytes![(index % 4) * 4096..<(index % 4 + 1) * 4096]))
        }
    }

    @Test func outputDoesNotDependOnWorkersBatchesOrChunks() throws {
        let image = try ImageTesting.write(ImageTesting.standardRuns(), header: KdumpTesting.crashHeader())
        let (reference, _, _) = try KdumpTesting.export(image, options: .init(workers: 0))
        for options in [KdumpCompressedWriter.Options(workers: 2, pagesPerBatch: 3, writeChunkBytes: 100),
                        KdumpCompressedWriter.Options(workers: 3, maxBatchesInFlight: 1, pagesPerBatch: 1000),
                        KdumpCompressedWriter.Options(workers: 1, pagesPerBatch: 1, writeChunkBytes: 1)] {
            let (file, _, _) = try KdumpTesting.export(image, options: options)
            #expect(file.bytes == reference.bytes)
        }
    }

    @Test func theCommittedFixtureImageExports() throws {
        let image = try fixtureBytes("image-v1-zstd.kjimg")
        let (file, summary, _) = try KdumpTesting.export(image, codec: .none)
        let runs = ImageTesting.canonical(ImageTesting.fixtureRuns())
        #expect(summary.dumpedPages == 10 + 103)
        for run in runs {
            for page in 0..<run.pageCount {
                let bytes = run.bytes.map { Array($0[page * 4096..<(page + 1) * 4096]) } ?? [UInt8](repeating: 0, count: 4096)
                #expect(try file.page(run.address / 4096 + UInt64(page)) == bytes)
            }
        }
    }

    @Test func runsOutOfPlanAreRefusedAndTheWriterStops() throws {
        let image = try ImageTesting.write(ImageTesting.standardRuns(), header: KdumpTesting.crashHeader())
        let reader = try ImageTesting.open(image)
        let layout = try KdumpCompressedLayout(image: reader.header, extents: reader.extents, compression: .zstd)
        let writer = try KdumpCompressedWriter(layout: layout, sink: ArrayImageSink(), codec: .zstd())
        try writer.append(address: 0x1000, pages: ImageTesting.pages(count: 3, seed: 1))
        #expect(throws: KdumpWriterError.unplannedPages(address: 0x6000, pageCount: 1, expected: 0x4000)) {
            try writer.append(address: 0x6000, pages: ImageTesting.pages(count: 1, seed: 1))
        }
        #expect(throws: KdumpWriterError.failedEarlier(UnderlyingError(KdumpWriterError.unplannedPages(address: 0x6000, pageCount: 1, expected: 0x4000)))) { try writer.appendZero(address: 0x4000, pageCount: 2) }

        let partial = try KdumpCompressedWriter(layout: layout, sink: ArrayImageSink(), codec: .none)
        #expect(throws: KdumpWriterError.partialPage(address: 0x1000, byteCount: 100, pageSize: 4096)) {
            try partial.append(address: 0x1000, pages: [UInt8](repeating: 1, count: 100))
        }
        let early = try KdumpCompressedWriter(layout: layout, sink: ArrayImageSink(), codec: .none)
        try early.append(address: 0x1000, pages: ImageTesting.pages(count: 3, seed: 1))
        #expect(throws: KdumpWriterError.missingPages(written: 3, planned: layout.dumpedPages, next: 0x4000)) {
            try early.finish()
        }
        #expect(KdumpWriterError.missingPages(written: 3, planned: 10, next: 0x4000).description
                == "the kdump file is unfinished: 3 of 10 planned pages were written, the next one at 0x4000")
    }
}
