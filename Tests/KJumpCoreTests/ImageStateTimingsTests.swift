import Testing
@testable import KJumpCore

/// The hibernation kernel's save and restore times travel in the state block
/// to the system kernel, which puts them in its "resumed" line (the journal).
@Suite struct ImageStateTimingsTests {
    @Test func theCommitRecordsTheSaveTimeAndTheConsumedMarkTheRestoreTime() throws {
        let sink = ArrayImageSink()
        let writer = try ImageWriter(header: ImageTesting.header(), sink: sink)
        try writer.append(address: 0x1000, pages: ImageTesting.pages(count: 40, seed: 5))
        try writer.finish(committedAt: 1_800_000_000, savedInMilliseconds: 6_210)
        let committed = try ImageReader.probe(ArrayByteSource(sink.bytes)).state
        #expect(committed.state == .committed)
        #expect(committed.savedInMilliseconds == 6_210)
        #expect(committed.restoredInMilliseconds == nil)

        let consumed = try ImageStateBlock(decoding: committed.consumed(at: 1_800_000_100, restoredInMilliseconds: 4_105).encoded())
        #expect(consumed.state == .consumed)
        #expect(consumed.consumedAt == 1_800_000_100)
        #expect(consumed.savedInMilliseconds == 6_210)
        #expect(consumed.restoredInMilliseconds == 4_105)
    }

    @Test func aBlockFromAWriterBeforeTheTimesHasNone() throws {
        // Writers before the times left bytes 1112..<1128 zero: no time recorded, and the checksum still holds.
        let block = ImageStateBlock(state: .committed, imageID: ImageTesting.imageID(2), headerChecksum: 9, imageLength: 8192,
                                    startedAt: 5, committedAt: 6)
        let bytes = block.encoded()
        #expect(bytes[ImageStateBlock.savedInOffset..<ImageStateBlock.restoredInOffset + 8].allSatisfy { $0 == 0 })
        let decoded = try ImageStateBlock(decoding: bytes)
        #expect(decoded.savedInMilliseconds == nil)
        #expect(decoded.restoredInMilliseconds == nil)
        #expect(decoded == block)
    }

    @Test func theLongestFailureEndsBeforeTheTimes() throws {
        let failure = String(repeating: "x", count: ImageStateBlock.maximumFailureBytes)
        let block = ImageStateBlock(state: .writing, imageID: ImageTesting.imageID(3), headerChecksum: 1, imageLength: 0,
                                    startedAt: 5, failure: failure, savedInMilliseconds: 77)
        let decoded = try ImageStateBlock(decoding: block.encoded())
        #expect(decoded.failure == failure)
        #expect(decoded.savedInMilliseconds == 77)
        #expect(84 + ImageStateBlock.maximumFailureBytes <= ImageStateBlock.savedInOffset)
    }

    @Test func theTimesReadAsTextWithWhatIsRecorded() {
        #expect(HibernationKernelTimes.text(savedInMilliseconds: 6_214, restoredInMilliseconds: 4_100) == "saved in 6.21 s, restored in 4.10 s")
        #expect(HibernationKernelTimes.text(savedInMilliseconds: 6_214, restoredInMilliseconds: nil) == "saved in 6.21 s")
        #expect(HibernationKernelTimes.text(savedInMilliseconds: nil, restoredInMilliseconds: nil) == nil)
    }
}
