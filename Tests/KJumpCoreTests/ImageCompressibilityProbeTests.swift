import Testing
@testable import KJumpCore

/// Frames whose every page's sample does not compress are stored raw without compressing the whole.
@Suite struct ImageCompressibilityProbeTests {
    @Test(arguments: [ImageCompression.lz4, .zstd])
    func randomFramesAreStoredRawWithOneChecksum(_ compression: ImageCompression) throws {
        let runs: [ImageTesting.Run] = [.data(0x100000, ImageTesting.pages(count: 256, seed: 9, style: .random))]
        let reader = try ImageTesting.open(try ImageTesting.write(runs, header: ImageTesting.header(compression: compression)))
        #expect(reader.frames.count == 1)
        #expect(reader.frames[0].codec == .none)
        #expect(reader.frames[0].storedChecksum == reader.frames[0].uncompressedChecksum)
        try reader.verify()
    }

    @Test(arguments: [ImageCompression.lz4, .zstd])
    func aFrameWithACompressibleStretchBetweenRandomOnesIsCompressed(_ compression: ImageCompression) throws {
        // 256 pages: random except 24 compressible pages in the middle.
        var pages = ImageTesting.pages(count: 116, seed: 10, style: .random)
        pages += ImageTesting.pages(count: 24, seed: 11, style: .compressible)
        pages += ImageTesting.pages(count: 116, seed: 12, style: .random)
        let reader = try ImageTesting.open(try ImageTesting.write([.data(0x100000, pages)],
                                                                 header: ImageTesting.header(compression: compression)))
        #expect(reader.frames.map(\.codec) == [compression])
        #expect(reader.frames[0].storedSize < 250 * 4096)
        #expect(try ImageTesting.read(try ImageTesting.write([.data(0x100000, pages)],
                                                             header: ImageTesting.header(compression: compression))) == [.data(0x100000, pages)])
    }
}
