import Synchronization
import Testing
@testable import KJumpCore

/// The commit is the image's last write: a power cut at any moment before it
/// leaves an image that no reader takes for a committed one.
@Suite struct ImageCommitTests {
    /// The sink, for the hook (called on the writer's own thread, in `finish`).
    final class SinkBox: @unchecked Sendable {
        let sink = ArrayImageSink()
    }

    @Test(arguments: [false, true])
    func aPowerCutJustBeforeTheCommitLeavesAnImageNoReaderAccepts(sealed: Bool) throws {
        let box = SinkBox()
        let sink = box.sink
        let atCommit = Mutex<[UInt8]?>(nil)
        var options = ImageWriter.Options(workers: 2)
        options.beforeCommit = { atCommit.withLock { $0 = box.sink.bytes } }
        let key = sealed ? try SealingKeyGeneration.generate(passphrase: nil).0 : nil
        let writer = try ImageWriter(header: ImageTesting.header(), sink: sink, options: options, sealing: key)
        for run in ImageTesting.standardRuns() {
            if let bytes = run.bytes { try writer.append(address: run.address, pages: bytes) } else {
                try writer.appendZero(address: run.address, pageCount: UInt64(run.pageCount))
            }
        }
        try writer.finish(committedAt: ImageTesting.committedAt)

        // What the disk held when the power went: everything but the commit.
        let cut = try #require(atCommit.withLock { $0 })
        #expect(cut.count == sink.bytes.count)
        let afterState = 2 * ImageStateBlock.size
        let rest: [UInt8] = Array(sink.bytes[afterState...])
        #expect(Array(cut[afterState...]) == rest)   // frames, index, trailer
        #expect(try ImageReader.probe(ArrayByteSource(cut)).state.state == .writing)
        #expect(throws: ImageError.notCommitted(.writing)) { try ImageReader(source: ArrayByteSource(cut)) }
        // One block later, it is whole.
        #expect(try ImageReader.probe(ArrayByteSource(sink.bytes)).state.state == .committed)
    }
}
