import Testing
@testable import KJumpCore

/// A target too small for the whole image: the writer stores what fits,
/// commits a partial image that says so, and the reader never resumes it.
@Suite struct ImagePartialTests {
    /// Runs of 4 data frames' worth of random (incompressible) pages with zero runs between.
    static func runs() -> [ImageTesting.Run] {
        [.data(0x100000, ImageTesting.pages(count: 256, seed: 1, style: .random)),
         .zero(0x200000, 16),
         .data(0x300000, ImageTesting.pages(count: 256, seed: 2, style: .random)),
         .zero(0x400000, 16),
         .data(0x500000, ImageTesting.pages(count: 512, seed: 3, style: .random))]
    }

    @Test func fullTargetGivesAPartialImageWithTheFirstPages() throws {
        let capacity: UInt64 = 3 << 20
        let image = try ImageTesting.write(Self.runs(), header: ImageTesting.header(kind: .crash), workers: 2,
                                           writeChunkBytes: 1 << 20, capacity: capacity)
        #expect(UInt64(image.count) <= capacity)
        let reader = try ImageTesting.open(image)
        let summary = try reader.verify()
        #expect(summary.isPartial)
        #expect(summary.dataPages + summary.zeroPages + summary.missingPages == 256 + 16 + 256 + 16 + 512)
        #expect(summary.dataPages > 0 && summary.dataPages < 1024)
        // What is kept is a prefix by address, page for page identical to the input.
        let read = try ImageTesting.read(image)
        let all = ImageTesting.canonical(Self.runs())
        #expect(read.first == all.first)
        for run in read {
            let original = try #require(all.first { $0.address <= run.address && run.address < $0.address + UInt64($0.pageCount * 4096) })
            #expect(run.kind == original.kind)
            if let bytes = run.bytes, let source = original.bytes {
                let start = Int(run.address - original.address)
                #expect(bytes == Array(source[start..<start + bytes.count]))
            }
        }
        #expect(throws: ImageError.self) { try reader.checkResumable() }
    }

    @Test func partialHibernationImageIsNeverResumable() throws {
        let image = try ImageTesting.write(Self.runs(), header: ImageTesting.header(kind: .hibernation), workers: 0,
                                           capacity: 2 << 20)
        let reader = try ImageTesting.open(image)
        #expect(reader.summary.isPartial)
        do {
            try reader.checkResumable()
            Issue.record("a partial image was accepted for resume")
        } catch let error as ImageError {
            #expect("\(error)".contains("partial"))
        }
    }

    @Test func enoughRoomGivesACompleteImage() throws {
        let image = try ImageTesting.write(Self.runs(), header: ImageTesting.header(kind: .crash), capacity: 64 << 20)
        let summary = try ImageTesting.open(image).verify()
        #expect(!summary.isPartial && summary.missingPages == 0)
        #expect(summary.dataPages == 1024 && summary.zeroPages == 32)
    }

    @Test func noRoomForAnyFrameKeepsOnlyWhatPrecedesTheFirstDataPage() throws {
        let runs: [ImageTesting.Run] = [.zero(0x1000, 4), .data(0x100000, ImageTesting.pages(count: 256, seed: 5, style: .random))]
        let image = try ImageTesting.write(runs, header: ImageTesting.header(kind: .crash), workers: 0, capacity: 64 << 10)
        let summary = try ImageTesting.open(image).verify()
        #expect(summary.dataPages == 0 && summary.zeroPages == 4 && summary.missingPages == 256)
    }
}
