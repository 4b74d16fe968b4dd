import Testing
@testable import KJumpCore

/// The writer's API contract: ordering and alignment mistakes are thrown as
/// `ImageWriterError` and change nothing; sink failures fail the writer.
@Suite struct ImageWriterTests {
    private func writer(sink: ArrayImageSink = ArrayImageSink(), workers: Int = 2) throws -> ImageWriter {
        try ImageWriter(header: ImageTesting.header(), sink: sink, options: ImageWriter.Options(workers: workers))
    }

    private func writerError(_ body: () throws -> Void) -> ImageWriterError? {
        do {
            try body()
            Issue.record("expected an ImageWriterError, got none")
        } catch let error as ImageWriterError {
            return error
        } catch {
            Issue.record("expected an ImageWriterError, got \(error)")
        }
        return nil
    }

    @Test func runsOutOfOrderOrOverlappingAreRefusedAndTheWriterCarriesOn() throws {
        let sink = ArrayImageSink()
        let writer = try writer(sink: sink)
        let page = ImageTesting.pages(count: 2, seed: 1)
        try writer.append(address: 0x10000, pages: page)
        #expect(writer.nextAddress == 0x12000)
        #expect(writerError { try writer.append(address: 0x8000, pages: page) } == .outOfOrder(address: 0x8000, expectedAtLeast: 0x12000))
        #expect(writerError { try writer.append(address: 0x11000, pages: page) } == .outOfOrder(address: 0x11000, expectedAtLeast: 0x12000))
        #expect(writerError { try writer.appendZero(address: 0x10000, pageCount: 1) } == .outOfOrder(address: 0x10000, expectedAtLeast: 0x12000))
        let error = writerError { try writer.append(address: 0x8000, pages: page) }
        #expect(error?.description == "pages at physical address 0x8000 arrive out of order: runs must be ascending and not overlap, and the next run may start at 0x12000 at the earliest")
        // Nothing changed: the writer goes on and the image holds exactly the accepted runs.
        try writer.appendZero(address: 0x12000, pageCount: 3)
        try writer.append(address: 0x20000, pages: page)
        try writer.finish(committedAt: 5)
        #expect(try ImageTesting.read(sink.bytes) == [.data(0x10000, page), .zero(0x12000, 3), .data(0x20000, page)])
    }

    @Test func misalignedPartialAndOverflowingRunsAreRefused() throws {
        let writer = try writer()
        #expect(writerError { try writer.append(address: 0x1234, pages: [UInt8](repeating: 1, count: 4096)) } == .misaligned(address: 0x1234, pageSize: 4096))
        #expect(writerError { try writer.append(address: 0x1000, pages: [UInt8](repeating: 1, count: 100)) } == .partialPage(byteCount: 100, pageSize: 4096))
        #expect(writerError { try writer.appendZero(address: 0x800, pageCount: 1) } == .misaligned(address: 0x800, pageSize: 4096))
        #expect(writerError { try writer.appendZero(address: UInt64.max - 0xfff, pageCount: 1) } == .addressOverflow(address: UInt64.max - 0xfff, pageCount: 1))
        #expect(writerError { try writer.appendZero(address: 0x1000, pageCount: UInt64.max / 2) } == .addressOverflow(address: 0x1000, pageCount: UInt64.max / 2))
        // Empty runs are ignored and do not move the order forward.
        try writer.append(address: 0x5000, pages: [])
        try writer.appendZero(address: 0x6000, pageCount: 0)
        #expect(writer.nextAddress == 0)
        try writer.finish(committedAt: 1)
    }

    @Test func nothingCanBeAppendedAfterFinish() throws {
        let writer = try writer()
        try writer.finish(committedAt: 1)
        #expect(writerError { try writer.appendZero(address: 0, pageCount: 1) } == .finished)
        #expect(writerError { try writer.finish(committedAt: 2) } == .finished)
    }

    @Test func invalidHeadersAndOptionsAreRefusedBeforeAnythingIsWritten() throws {
        let sink = ArrayImageSink()
        var header = ImageTesting.header()
        header.notes = [ImageNote(key: "a=b", value: "c")]
        #expect(writerError { _ = try ImageWriter(header: header, sink: sink) } == .invalidHeader("the note key \"a=b\" is empty or contains \"=\""))
        header = ImageTesting.header()
        header.pageSize = 6000
        #expect(writerError { _ = try ImageWriter(header: header, sink: sink) }?.description.contains("page size 6000") == true)
        header = ImageTesting.header(frameInputBytes: 5000)
        #expect(writerError { _ = try ImageWriter(header: header, sink: sink) }?.description.contains("frame input size 5000") == true)
        header = ImageTesting.header(notes: [ImageNote(key: "huge", value: String(repeating: "x", count: 1 << 20))])
        #expect(writerError { _ = try ImageWriter(header: header, sink: sink) }?.description.contains("more than the 1048576") == true)
        #expect(writerError { _ = try ImageWriter(header: ImageTesting.header(), sink: sink, options: ImageWriter.Options(workers: -1)) } != nil)
        #expect(writerError { _ = try ImageWriter(header: ImageTesting.header(), sink: sink, options: ImageWriter.Options(writeChunkBytes: 1000)) } != nil)
        #expect(sink.bytes.isEmpty)
    }

    /// A sink that fails on the `failAt`-th write.
    final class FailingSink: ImageSink {
        struct Failure: Error, Equatable {}
        let inner = ArrayImageSink()
        let failAt: Int
        var count = 0
        init(failAt: Int) { self.failAt = failAt }
        func write(_ bytes: UnsafeRawBufferPointer, at offset: UInt64) throws {
            count += 1
            if count == failAt { throw Failure() }
            try inner.write(bytes, at: offset)
        }
        func synchronize() throws {}
    }

    @Test(arguments: [0, 2])
    func aSinkFailureFailsTheWriterForGoodAndNeverCommits(workers: Int) throws {
        let sink = FailingSink(failAt: 2)   // the first frame write
        let writer = try ImageWriter(header: ImageTesting.header(), sink: sink,
                                     options: ImageWriter.Options(workers: workers, writeChunkBytes: 1 << 20))
        var thrown: (any Error)?
        do {
            for chunk in 0..<8 { try writer.append(address: UInt64(chunk) << 22, pages: ImageTesting.pages(count: 300, seed: UInt64(chunk))) }
            try writer.finish(committedAt: 1)
        } catch {
            thrown = error
        }
        #expect(thrown is FailingSink.Failure)
        #expect(writerError { try writer.appendZero(address: 1 << 40, pageCount: 1) } == .failed(UnderlyingError(FailingSink.Failure())))
        #expect(writerError { try writer.finish(committedAt: 1) } == .failed(UnderlyingError(FailingSink.Failure())))
        #expect(try ImageReader.probe(ArrayByteSource(sink.inner.bytes)).state.state == .writing)
    }

    @Test func progressCountersFollowTheAppends() throws {
        let writer = try writer(workers: 0)
        try writer.append(address: 0, pages: ImageTesting.pages(count: 300, seed: 2))
        try writer.appendZero(address: 0x200000, pageCount: 9)
        #expect(writer.dataPages == 300)
        #expect(writer.zeroPages == 9)
        #expect(writer.bytesWritten >= 8192)
        let summary = try writer.finish(committedAt: 1)
        #expect(summary.dataPages == 300)
        #expect(writer.bytesWritten == summary.imageBytes + 4096)   // the state block is written twice
    }
}
