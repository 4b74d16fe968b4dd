import Testing
@testable import KJumpCore

@Suite struct ImageMemoryBudgetTests {
    let mib = 1 << 20

    @Test func everyProcessorUpToFourWhenMemoryAllows() throws {
        let two = try #require(ImageMemoryBudget.forReading(availableBytes: 1 << 30, processors: 2, frameInputBytes: mib,
                                                            readChunkBytes: 4 * mib))
        #expect(two.workers == 2 && two.maxFramesInFlight == 4)
        let many = try #require(ImageMemoryBudget.forReading(availableBytes: 1 << 30, processors: 64, frameInputBytes: mib,
                                                             readChunkBytes: 4 * mib))
        #expect(many.workers == ImageMemoryBudget.maximumWorkers)
        #expect(ImageMemoryBudget.forWriting(availableBytes: 1 << 30, processors: 64, frameInputBytes: mib,
                                             writeChunkBytes: 4 * mib).workers == 4)
    }

    @Test func fewerThreadsWhenMemoryIsShort() throws {
        // 2 workers: 4 frames × 3 MiB + 8 MiB + 2 MiB of index windows + 8 MiB reserve = 30 MiB; 1 worker: 24 MiB.
        let reader = { (available: Int) in
            ImageMemoryBudget.forReading(availableBytes: UInt64(available), processors: 2, frameInputBytes: self.mib,
                                         readChunkBytes: 4 * self.mib)
        }
        #expect(reader(30 * mib)?.workers == 2)
        #expect(reader(29 * mib)?.workers == 1)
        #expect(reader(24 * mib)?.workers == 1)
        #expect(reader(24 * mib - 1) == nil)
    }

    @Test func aWriterAlwaysGetsOneThread() {
        let budget = ImageMemoryBudget.forWriting(availableBytes: 1, processors: 8, frameInputBytes: mib,
                                                  writeChunkBytes: 4 * mib)
        #expect(budget.workers == 1 && budget.maxFramesInFlight == 2)
        #expect(budget.writerBytes == 3 * 2 * UInt64(mib) + UInt64(5 * mib) + ImageMemoryBudget.indexBytes
                    + ImageMemoryBudget.reserveBytes)
    }

    @Test func theSaverRefusesExactlyWhatTheRestorerWouldRefuse() {
        let shortfall = { (available: Int) in
            ImageMemoryBudget.resumeShortfall(availableAtStart: UInt64(available), frameInputBytes: self.mib,
                                              readChunkBytes: 4 * self.mib)
        }
        #expect(shortfall(64 * mib) == nil)
        #expect(shortfall(20 * mib) == 4 * UInt64(mib))
        for available in stride(from: 16 * mib, through: 96 * mib, by: mib / 2) {
            let restorable = ImageMemoryBudget.forReading(availableBytes: UInt64(available), processors: 2,
                                                          frameInputBytes: mib, readChunkBytes: 4 * mib) != nil
            #expect((shortfall(available) == nil) == restorable, "\(available) bytes")
        }
    }
}
