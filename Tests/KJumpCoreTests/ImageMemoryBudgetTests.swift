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

    @Test func theSaverRefusesWhatTheRestorerWouldRefuse() {
        // 1 worker, 40 000 entries: 3 MiB + 8 MiB + 8 MiB reserve + 2.4 MiB of index, plus the index again ≈ 23.8 MiB.
        let shortfall = { (available: Int, entries: Int) in
            ImageMemoryBudget.resumeShortfall(availableAtStart: UInt64(available), frameInputBytes: self.mib,
                                              readChunkBytes: 4 * self.mib, indexEntries: entries)
        }
        #expect(shortfall(64 * mib, 40_000) == nil)
        let short = shortfall(20 * mib, 40_000)
        #expect(short == ImageMemoryBudget.readerBytes(workers: 1, frameInputBytes: mib, readChunkBytes: 4 * mib,
                                                        indexEntries: 40_000) + 40_000 * 64 - UInt64(20 * mib))
        // A 64 GiB machine's fragmented memory: 2 million extents need far more than a 128 MiB region holds.
        #expect(shortfall(100 * mib, 2_000_000) != nil)
        // Whenever the saver commits, the restorer (which measures after decoding the index) has room for one thread.
        for available in stride(from: 16 * mib, through: 96 * mib, by: mib) {
            for entries in [0, 10_000, 100_000, 400_000] where shortfall(available, entries) == nil {
                #expect(ImageMemoryBudget.forReading(availableBytes: UInt64(available - entries * 64), processors: 2,
                                                     frameInputBytes: mib, readChunkBytes: 4 * mib, indexEntries: entries) != nil)
            }
        }
    }
}

