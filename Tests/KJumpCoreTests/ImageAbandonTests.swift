import Testing
@testable import KJumpCore

/// A writer that gives up says why in the state block, for the system kernel to read.
@Suite struct ImageAbandonTests {
    @Test func anAbandonedImageRecordsWhyAndStaysUnresumable() throws {
        let sink = ArrayImageSink()
        let writer = try ImageWriter(header: ImageTesting.header(), sink: sink)
        try writer.append(address: 0x1000, pages: ImageTesting.pages(count: 300, seed: 3))
        try writer.abandon(reason: "cannot write /dev/vdc at byte 16777216: No space left on device")
        let probe = try ImageReader.probe(ArrayByteSource(sink.bytes))
        #expect(probe.state.state == .writing)
        #expect(probe.state.failure == "cannot write /dev/vdc at byte 16777216: No space left on device")
        #expect(throws: ImageError.notCommitted(.writing)) { _ = try ImageTesting.open(sink.bytes) }
        #expect(throws: ImageWriterError.self) { _ = try writer.finish(committedAt: 1) }
    }

    @Test func theFailureRoundTripsAndLongTextIsCutAtACharacter() throws {
        let id = ImageTesting.imageID(4)
        let plain = ImageStateBlock(state: .writing, imageID: id, headerChecksum: 7, imageLength: 0, startedAt: 5)
        #expect(try ImageStateBlock(decoding: plain.encoded()).failure == nil)
        let long = String(repeating: "é", count: 600)   // 1200 bytes of 2-byte characters
        let cut = try ImageStateBlock(decoding: ImageStateBlock(state: .writing, imageID: id, headerChecksum: 7, imageLength: 0,
                                                                startedAt: 5, failure: long).encoded())
        #expect(cut.failure == String(repeating: "é", count: 512))
        var corrupt = plain.encoded()
        corrupt.imageStore(UInt32(2000), at: 80)
        corrupt.imageStore(UInt64(0), at: 8)
        corrupt.imageStore(ImageChecksum.xxh3(corrupt), at: 8)
        #expect(throws: ImageError.self) { _ = try ImageStateBlock(decoding: corrupt) }
    }
}
