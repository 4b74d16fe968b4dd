import Testing
@testable import KJumpCore

@Suite struct ImageMemoryBudgetTests {
    let mib = 1 << 20

    @Test func everyProcessorUpToFourWhenMemoryAllows() throws {
        let two = try #require(ImageMemoryBudget.forReading(availableBytes: 1 << 30, processors: 2, frameInputBytes: mib,
                                                            readChunkBytes: 4 * mib, indexEntries: 40_000))
        #expect(two.workers == 2 && two.maxFramesInFlight == 4)
        let many = try #require(ImageMemoryBudget.forReading(availableBytes: 1 << 30, processors: 64, frameInputBytes: mib,
                                                             readChunkBytes: 4 * mib, indexEntries: 40_000))
        #expect(many.workers == ImageMemoryBudget.maximumWorkers)
        #expect(ImageMemoryBudget.forWriting(availableBytes: 1 << 30, processors: 64, frameInputBytes: mib,
                                             writeChunkBytes: 4 * mib, indexEntries: 0).workers == 4)
    }

    @Test func fewerThreadsWhenMemoryIsShort() throws {
        // 2 workers: 4 frames × 3 MiB + 8 MiB + 8 MiB reserve + 2.4 MiB of index ≈ 30.4 MiB; 1 worker ≈ 24.4 MiB.
        let reader = { (available: Int) in
            ImageMemoryBudget.forReading(availableBytes: UInt64(available), processors: 2, frameInputBytes: self.mib,
                                         readChunkBytes: 4 * self.mib, indexEntries: 40_000)
        }
        #expect(reader(31 * mib)?.workers == 2)
        #expect(reader(28 * mib)?.workers == 1)
        #expect(reader(24 * mib) == nil)
        #expect(ImageMemoryBudget.readerBytes(workers: 1, frameInputBytes: mib, readChunkBytes: 4 * mib, indexEntries: 40_000)
                    > UInt64(24 * mib))
    }

    @Test func aWriterAlwaysGetsOneThread() {
        let budget = ImageMemoryBudget.forWriting(availableBytes: 1, processors: 8, frameInputBytes: mib,
                                                  writeChunkBytes: 4 * mib, indexEntries: 0)
        #expect(budget.workers == 1 && budget.maxFramesInFlight == 2)
        #expect(budget.writerBytes == 3 * 2 * UInt64(mib) + UInt64(5 * mib) + ImageMemoryBudget.reserveBytes)
    }
}
