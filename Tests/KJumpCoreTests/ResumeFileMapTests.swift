import Testing
@testable import KJumpCore

@Suite struct ResumeFileMapTests {
    /// A 64 KiB file in three pieces on the device, out of device order.
    static func map() throws -> ResumeFileMap {
        try ResumeFileMap(fileSize: 64 << 10, extents: [
            .init(fileOffset: 0, deviceOffset: 0x10_0000, length: 8192),
            .init(fileOffset: 8192, deviceOffset: 0x5_0000, length: 32768),
            .init(fileOffset: 40960, deviceOffset: 0x20_0000, length: 24576),
        ])
    }

    @Test func roundTripsThroughItsBlock() throws {
        let map = try Self.map()
        let block = map.encoded()
        #expect(block.count == 4096 && Array(block[0..<8]) == Array("KJUMPMAP".utf8))
        #expect(try ResumeFileMap(decoding: block, at: 0x10_0000) == map)
        #expect(map.imageCapacity == (64 << 10) - 4096)
    }

    @Test func refusesAMovedCorruptOrMissingMap() throws {
        let block = try Self.map().encoded()
        #expect(throws: ResumeFileMapError.misplaced(recorded: 0x10_0000, read: 0x20_0000)) {
            try ResumeFileMap(decoding: block, at: 0x20_0000)
        }
        var corrupt = block
        corrupt[40] ^= 1
        #expect(throws: ResumeFileMapError.corrupt(deviceOffset: 0x10_0000)) { try ResumeFileMap(decoding: corrupt, at: 0x10_0000) }
        #expect(throws: ResumeFileMapError.notAMap(deviceOffset: 7)) { try ResumeFileMap(decoding: [UInt8](repeating: 0, count: 4096), at: 7) }
    }

    @Test func refusesHolesMisalignmentAndFragmentation() {
        #expect(throws: ResumeFileMapError.notCovered(covered: 8192, fileSize: 16384)) {
            try ResumeFileMap(fileSize: 16384, extents: [.init(fileOffset: 0, deviceOffset: 0, length: 8192)])
        }
        #expect(throws: ResumeFileMapError.self) {
            try ResumeFileMap(fileSize: 8192, extents: [.init(fileOffset: 0, deviceOffset: 100, length: 8192)])
        }
        let many = (0..<200).map { ResumeFileMap.Extent(fileOffset: UInt64($0) * 4096, deviceOffset: UInt64($0) * 8192, length: 4096) }
        #expect(throws: ResumeFileMapError.tooFragmented(extents: 200)) { try ResumeFileMap(fileSize: 200 * 4096, extents: many) }
    }

    @Test func imageBytesAreSplitAtExtentBoundaries() throws {
        let map = try Self.map()
        // Image offset 0 is file offset 4096: still in the first extent.
        let pieces = try map.devicePieces(imageOffset: 0, count: 8192)
        #expect(pieces.map(\.deviceOffset) == [0x10_1000, 0x5_0000] && pieces.map(\.count) == [4096, 4096])
        #expect(throws: ResumeFileMapError.self) { try map.devicePieces(imageOffset: map.imageCapacity - 4096, count: 8192) }
    }

    @Test func anImageWrittenThroughTheMapReadsBackThroughIt() throws {
        let map = try Self.map()
        let device = ArrayImageSink()
        let sink = ExtentMappedImageSink(device: device, map: map)
        let runs: [ImageTesting.Run] = [.data(0x1000, ImageTesting.pages(count: 3, seed: 9, style: .random)), .zero(0x10000, 5)]
        let writer = try ImageWriter(header: ImageTesting.header(kind: .crash, frameInputBytes: 8192), sink: sink,
                                     options: .init(workers: 0, writeChunkBytes: 8192, capacity: map.imageCapacity))
        for run in runs {
            if let bytes = run.bytes { try writer.append(address: run.address, pages: bytes) } else {
                try writer.appendZero(address: run.address, pageCount: UInt64(run.pageCount))
            }
        }
        let summary = try writer.finish(committedAt: ImageTesting.committedAt)
        #expect(!summary.isPartial)
        // Nothing landed outside the extents' device ranges.
        let bytes = device.bytes + [UInt8](repeating: 0, count: max(0, 0x21_0000 - device.bytes.count))
        let reader = try ImageReader(source: ExtentMappedByteSource(device: ArrayByteSource(bytes), map: map))
        _ = try reader.verify()
        var read: [ImageTesting.Run] = []
        try reader.forEachRun { read.append(ImageTesting.Run(address: $0.address, pageCount: Int($0.pageCount), kind: $0.kind, bytes: $0.bytes.map(Array.init))) }
        #expect(ImageTesting.canonical(read) == ImageTesting.canonical(runs))
    }
}
