import Testing
@testable import KJumpCore

@Suite struct ImagePhysicalMemoryTests {
    /// An image of three runs with 2-page frames, so that data extents
    /// span frames and frames span extents:
    /// data 5 pages at 0x10000, zero 3 pages at 0x15000, hole, data 4 pages at 0x40000.
    static func image(compression: ImageCompression = .lz4) throws -> (image: [UInt8], first: [UInt8], second: [UInt8]) {
        let sink = ArrayImageSink()
        let writer = try ImageWriter(header: ImageTesting.header(compression: compression, kind: .crash, frameInputBytes: 2 * 4096),
                                     sink: sink, options: ImageWriter.Options(workers: 0))
        let first = ImageTesting.pages(count: 5, seed: 7)
        let second = ImageTesting.pages(count: 4, seed: 8)
        try writer.append(address: 0x10000, pages: first)
        try writer.appendZero(address: 0x15000, pageCount: 3)
        try writer.append(address: 0x40000, pages: second)
        _ = try writer.finish(committedAt: ImageTesting.committedAt)
        return (sink.bytes, first, second)
    }

    @Test(arguments: [ImageCompression.lz4, .zstd, .none])
    func readsAnyRangeAsItWasWritten(compression: ImageCompression) throws {
        let (image, first, second) = try Self.image(compression: compression)
        let memory = ImagePhysicalMemory(reader: try ImageTesting.open(image), cachedFrames: 2)
        #expect(memory.reader.frames.count == 5)
        // Within a page, across pages and frames, into the zero run, in the second extent.
        #expect(try memory.read(physicalAddress: 0x10010, count: 32) == Array(first[0x10..<0x30]))
        #expect(try memory.read(physicalAddress: 0x10ff0, count: 0x3020) == Array(first[0xff0..<0x4010]))
        #expect(try memory.read(physicalAddress: 0x14ff8, count: 16) == Array(first[0x4ff8..<0x5000]) + [UInt8](repeating: 0, count: 8))
        #expect(try memory.read(physicalAddress: 0x15000, count: 0x3000) == [UInt8](repeating: 0, count: 0x3000))
        #expect(try memory.read(physicalAddress: 0x40abc, count: 0x3500) == Array(second[0xabc..<0x3fbc]))
        // Back to the first frame after the cache moved on.
        #expect(try memory.read(physicalAddress: 0x10000, count: 8) == Array(first[0..<8]))
        #expect(try memory.read(physicalAddress: 0x10000, count: 0) == [])
    }

    @Test func pagesTheImageLeftOutAreAbsent() throws {
        let memory = ImagePhysicalMemory(reader: try ImageTesting.open(try Self.image().image))
        #expect(throws: PhysicalMemoryError.notPresent(0x18000)) { try memory.read(physicalAddress: 0x17ff0, count: 0x20) }
        #expect(throws: PhysicalMemoryError.notPresent(0xf000)) { try memory.read(physicalAddress: 0xf000, count: 1) }
        #expect(throws: PhysicalMemoryError.notPresent(0x44000)) { try memory.read(physicalAddress: 0x44000, count: 1) }
        #expect(throws: PhysicalMemoryError.invalidRange(address: .max, count: 2)) { try memory.read(physicalAddress: .max, count: 2) }
    }

    @Test func aCorruptFrameNamesItselfWhenRead() throws {
        var (image, _, _) = try Self.image()
        let reader = try ImageTesting.open(image)
        let frame = reader.frames[3]
        image[Int(frame.fileOffset) + 64 + 10] ^= 0xff
        let memory = ImagePhysicalMemory(reader: try ImageTesting.open(image))
        #expect(try memory.read(physicalAddress: 0x10000, count: 16).count == 16)
        let error = #expect(throws: ImageError.self) { try memory.read(physicalAddress: frame.physicalAddress, count: 16) }
        guard case let .frameCorrupt(number, offset, address, _)? = error else {
            Issue.record("expected frameCorrupt, got \(String(describing: error))")
            return
        }
        #expect(number == 3)
        #expect(offset == frame.fileOffset)
        #expect(address == frame.physicalAddress)
    }
}
