import Testing
@testable import KJumpCore

/// A sparse physical memory of whole pages, for the saver.
struct PageMemory: PhysicalMemory {
    var pages: [UInt64: [UInt8]]
    func read(physicalAddress: UInt64, count: Int) throws -> [UInt8] {
        var out: [UInt8] = []
        var address = physicalAddress
        while out.count < count {
            guard let page = pages[address & ~0xfff] else { throw PhysicalMemoryError.notPresent(address) }
            let from = Int(address & 0xfff), n = min(4096 - from, count - out.count)
            out += page[from..<from + n]
            address += UInt64(n)
        }
        return out
    }
}

@Suite struct ImageSaverTests {
    static func header() -> ImageHeader {
        ImageHeader(imageID: ImageID(bytes: [UInt8](repeating: 7, count: 16)), kind: .crash, createdAt: 1,
                    systemKernel: SystemKernelIdentity(osRelease: "test", vmcoreinfo: []), reentryPoint: 0,
                    hibernationRegion: HibernationRegion(ranges: []), firmwareMemoryMap: [], resumeCommandLine: "")
    }

    /// 64 pages at 1 MiB: page i holds i in every byte, except zero pages at 10...19; 40...49 excluded.
    static let memory: PageMemory = {
        var pages: [UInt64: [UInt8]] = [:]
        for i in 0..<64 {
            pages[0x100000 + UInt64(i) * 4096] = (10..<20).contains(i) ? [UInt8](repeating: 0, count: 4096)
                                                                        : [UInt8](repeating: UInt8(i + 1), count: 4096)
        }
        return PageMemory(pages: pages)
    }()

    func save(recordZeroPages: Bool, chunkBytes: Int) throws -> (ImageSaver.Statistics, ImageReader) {
        let sink = ArrayImageSink()
        let writer = try ImageWriter(header: Self.header(), sink: sink, options: .init(workers: 0))
        var saver = ImageSaver(recordZeroPages: recordZeroPages)
        saver.chunkBytes = chunkBytes
        var progress: [UInt64] = []
        let statistics = try saver.save(memory: Self.memory, ranges: [PhysicalRange(start: 0x100000, end: 0x140000)],
                                        excluded: [PhysicalRange(start: 0x128000, end: 0x132000)], into: writer) {
            progress.append($0)
        }
        _ = try writer.finish(committedAt: 2)
        // Progress covers the excluded pages too: it ends at the size of the ranges, never beyond.
        #expect(progress.last == 64 * 4096)
        #expect(progress == progress.sorted() && progress.allSatisfy { $0 <= 64 * 4096 })
        #expect(progress.filter { $0 == 64 * 4096 }.count == 1)   // the end is reported once
        return (statistics, try ImageReader(source: ArrayByteSource(sink.bytes)))
    }

    @Test(arguments: [4096, 3 * 4096, 1 << 20])
    func dataZeroAndExcludedPagesLandWhereTheyBelong(chunkBytes: Int) throws {
        let (statistics, reader) = try save(recordZeroPages: true, chunkBytes: chunkBytes)
        #expect(statistics.dataPages == 44 && statistics.zeroPages == 10 && statistics.excludedPages == 10)
        #expect(try reader.verify().dataPages == 44)
        var seen: [UInt64: UInt8] = [:]
        var zeros: [UInt64] = []
        try reader.forEachRun { run in
            for page in 0..<Int(run.pageCount) {
                let address = run.address + UInt64(page) * 4096
                if let bytes = run.bytes {
                    let pageBytes = bytes[bytes.startIndex + page * 4096..<bytes.startIndex + (page + 1) * 4096]
                    #expect(Set(pageBytes).count == 1)
                    seen[address] = pageBytes.first
                } else {
                    zeros.append(address)
                }
            }
        }
        #expect(zeros == (10..<20).map { 0x100000 + UInt64($0) * 4096 })
        for i in 0..<64 where !(10..<20).contains(i) && !(40..<50).contains(i) {
            #expect(seen[0x100000 + UInt64(i) * 4096] == UInt8(i + 1), "page \(i)")
        }
        #expect(seen.keys.allSatisfy { !(0x128000..<0x132000).contains($0) })
    }

    @Test func withoutZeroRecordingZeroPagesAreStored() throws {
        let (statistics, reader) = try save(recordZeroPages: false, chunkBytes: 1 << 20)
        #expect(statistics.dataPages == 54 && statistics.zeroPages == 0)
        #expect(reader.summary.zeroPages == 0)
    }
}

/// kjump save's core on the lab's real vmcore: every kept page is byte-identical,
/// zero runs are zero in the vmcore, and excluded pages are exactly the filter's.
@Suite(.enabled(if: realVmcoreExists, "needs lab/out/vmcore/vmcore.elf (run lab/vmcore)"))
struct ImageSaverRealVmcoreTests {
    @Test func level31RoundTripsEveryKeptPage() throws {
        let vmcore = try RealVmcore.open()
        let ranges = vmcore.memory.ranges
        let classification = try MemMapScanner(vmcoreInfo: vmcore.info, addressSpace: vmcore.space).classify(ramRanges: ranges)
        let excluded = classification.excludedRanges(at: .crashDefault)
        let sink = ArrayImageSink()
        let writer = try ImageWriter(header: ImageSaverTests.header(), sink: sink)
        let statistics = try ImageSaver(recordZeroPages: true)
            .save(memory: vmcore.memory, ranges: ranges, excluded: excluded, into: writer)
        _ = try writer.finish(committedAt: 2)
        let reader = try ImageReader(source: ArrayByteSource(sink.bytes))
        try reader.verify()
        var checkedPages: UInt64 = 0
        try reader.forEachRun { run in
            let original = try vmcore.memory.read(physicalAddress: run.address, count: Int(run.pageCount) * 4096)
            if let bytes = run.bytes {
                #expect(Array(bytes) == original, "data run at \(run.address)")
            } else {
                #expect(isZeroPage(original), "zero run at \(run.address)")
            }
            checkedPages += run.pageCount
        }
        #expect(checkedPages == statistics.dataPages + statistics.zeroPages)
        let total = ranges.reduce(0) { $0 + $1.size } / 4096
        #expect(statistics.dataPages + statistics.zeroPages + statistics.excludedPages == total)
        print("save: \(statistics.dataPages) data + \(statistics.zeroPages) zero kept, \(statistics.excludedPages) excluded; image \(sink.bytes.count >> 10) KiB")
    }
}
