#if canImport(Glibc)
import Glibc
#endif
import CKJump
import KJumpCore
import SystemPackage
import XCTest
@testable import KJumpLinux

/// The hibernation kernel's whole RAM is the small H region, so saving and
/// restoring must need memory that does not grow with the system's. This
/// saves synthetic vmcores of 64 MiB and 512 MiB whose pages alternate data
/// and zero (one index extent per page: the worst case for the index),
/// through the same code H runs (windowed mmap of the vmcore, the writer
/// with its index spilled to the target's end, the streaming reader and
/// restore), and measures the heap with malloc's own statistics.
///
/// XCTest rather than Swift Testing on purpose: `swift test` runs the XCTest
/// cases one at a time in a pass of their own, so the process-wide
/// `mallinfo2` figures are this test's alone.
final class BoundedMemoryTests: XCTestCase {
    /// Heap in use (arenas plus mmapped chunks), sampled at every I/O call.
    final class HeapSampler {
        private(set) var peak: Int = 0
        private var baseline: Int = 0

        static var inUse: Int { Int(ckjump_heap_bytes_in_use()) }

        func start() {
            baseline = Self.inUse
            peak = baseline
        }

        func sample() { peak = max(peak, Self.inUse) }

        /// Peak above the baseline.
        var growth: Int { peak - baseline }
    }

    final class SampledSource: ByteSource {
        let base: any ByteSource
        let sampler: HeapSampler
        init(_ base: any ByteSource, _ sampler: HeapSampler) { self.base = base; self.sampler = sampler }
        var size: UInt64 { base.size }
        func read(at offset: UInt64, count: Int) throws -> [UInt8] {
            defer { sampler.sample() }
            return try base.read(at: offset, count: count)
        }
        func readSlice(at offset: UInt64, count: Int) throws -> ArraySlice<UInt8> {
            defer { sampler.sample() }
            return try base.readSlice(at: offset, count: count)
        }
        func withBytes<Result>(at offset: UInt64, count: Int, _ body: (UnsafeRawBufferPointer) throws -> Result) throws -> Result {
            sampler.sample()
            return try base.withBytes(at: offset, count: count, body)
        }
    }

    final class SampledSink: ImageSink {
        let base: any ImageSink
        let sampler: HeapSampler
        init(_ base: any ImageSink, _ sampler: HeapSampler) { self.base = base; self.sampler = sampler }
        func write(_ bytes: UnsafeRawBufferPointer, at offset: UInt64) throws {
            sampler.sample()
            try base.write(bytes, at: offset)
        }
        func synchronize() throws { try base.synchronize() }
    }

    /// Checks each restored page against the pattern and counts them; keeps nothing.
    final class CheckingPageWriter: PhysicalPageWriter {
        let sampler: HeapSampler
        var dataPages = 0, zeroBytes = 0, wrong = 0
        init(_ sampler: HeapSampler) { self.sampler = sampler }
        func write(_ bytes: UnsafeRawBufferPointer, at physicalAddress: UInt64) throws {
            sampler.sample()
            for page in 0..<bytes.count / 4096 {
                let index = Int((physicalAddress - BoundedMemoryTests.base) / 4096) + page
                if bytes[page * 4096] != BoundedMemoryTests.pattern(index) || bytes[page * 4096 + 4095] != BoundedMemoryTests.pattern(index) {
                    wrong += 1
                }
                dataPages += 1
            }
        }
        func zero(at physicalAddress: UInt64, count: Int) throws {
            sampler.sample()
            zeroBytes += count
        }
        func finish() throws {}
    }

    static let base: UInt64 = 1 << 20

    /// Page `index`'s byte: even pages hold data, odd pages are zero.
    static func pattern(_ index: Int) -> UInt8 { index % 2 == 1 ? 0 : UInt8(truncatingIfNeeded: index / 2 % 251 + 1) }

    struct Measurement {
        var saveGrowth: Int
        var restoreGrowth: Int
        var extents: Int
    }

    func measure(pages: Int) throws -> Measurement {
        let directory = FileManager.default.temporaryDirectory.path
        let vmcorePath = "\(directory)/kjump-bounded-\(getpid())-\(pages).vmcore"
        let imagePath = "\(directory)/kjump-bounded-\(getpid())-\(pages).image"
        defer { unlink(vmcorePath); unlink(imagePath) }

        // The vmcore: one PT_LOAD of `pages` pages at 1 MiB.
        let load = PhysicalRange(start: Self.base, end: Self.base + UInt64(pages) * 4096)
        let layout = ElfCoreWriter.coreFileLayout(loads: [load], notes: [])
        let vmcore = try FileImageSink(path: vmcorePath)
        try layout.prefix.withUnsafeBytes { try vmcore.write($0, at: 0) }
        var chunk = [UInt8](repeating: 0, count: 1024 * 4096)
        var page = 0
        while page < pages {
            let count = min(1024, pages - page)
            for index in 0..<count {
                let value = Self.pattern(page + index)
                chunk.withUnsafeMutableBytes { _ = $0[index * 4096..<(index + 1) * 4096].initializeMemory(as: UInt8.self, repeating: value) }
            }
            try chunk.withUnsafeBytes {
                try vmcore.write(UnsafeRawBufferPointer(rebasing: $0[0..<count * 4096]), at: layout.loadOffsets[0] + UInt64(page) * 4096)
            }
            page += count
        }
        chunk = []

        // The target: a file of fixed size, whose end holds the spilled index.
        let imageSink = try FileImageSink(path: imagePath)
        try imageSink.truncateRegularFile(to: 64 << 20 + UInt64(pages) * 128)
        let capacity = UInt64(64 << 20 + pages * 128)
        let header = ImageHeader(imageID: ImageID(bytes: [UInt8](repeating: 3, count: 16)), kind: .hibernation, createdAt: 1,
                                 systemKernel: SystemKernelIdentity(osRelease: "test", vmcoreinfo: []), reentryPoint: 0x1000,
                                 hibernationRegion: HibernationRegion(ranges: []), firmwareMemoryMap: [], resumeCommandLine: "")

        let sampler = HeapSampler()
        sampler.start()
        let memory = ElfCoreMemory(core: try ElfCoreFile(parsing: try MappedByteSource(path: vmcorePath)),
                                   source: SampledSource(try MappedByteSource(path: vmcorePath), sampler))
        let writer = try ImageWriter(header: header, sink: SampledSink(imageSink, sampler), options: .init(workers: 2),
                                     indexSpill: ImageIndexSpill(source: SampledSource(try FileByteSource(path: imagePath), sampler),
                                                                 end: capacity))
        let statistics = try ImageSaver(recordZeroPages: true).save(memory: memory, ranges: [load], excluded: [], into: writer)
        let summary = try writer.finish(committedAt: 2)
        sampler.sample()
        let saveGrowth = sampler.growth
        XCTAssertEqual(statistics.dataPages, UInt64(pages / 2))
        XCTAssertEqual(statistics.zeroPages, UInt64(pages / 2))

        sampler.start()
        let reader = try ImageReader(source: SampledSource(try FileByteSource(path: imagePath), sampler),
                                     options: .init(workers: 2, indexInMemory: false))
        var writers: [CheckingPageWriter] = []
        try reader.restore(makeWriter: {
            let writer = CheckingPageWriter(sampler)
            writers.append(writer)
            return writer
        })
        sampler.sample()
        XCTAssertEqual(writers.reduce(0) { $0 + $1.dataPages }, pages / 2)
        XCTAssertEqual(writers.reduce(0) { $0 + $1.zeroBytes }, pages / 2 * 4096)
        XCTAssertEqual(writers.reduce(0) { $0 + $1.wrong }, 0)
        return Measurement(saveGrowth: saveGrowth, restoreGrowth: sampler.growth, extents: Int(summary.extentCount))
    }

    /// The writer takes all its frame buffers when it is made: the peak
    /// above cannot then depend on how many frames the workers happened to
    /// have in flight (it did, and the small save sometimes peaked one
    /// frame buffer, 2 MiB, lower than the large one).
    func testImageWriterTakesEveryFrameBufferAtOnce() throws {
        let header = ImageHeader(imageID: ImageID(bytes: [UInt8](repeating: 4, count: 16)), kind: .hibernation, createdAt: 1,
                                 systemKernel: SystemKernelIdentity(osRelease: "test", vmcoreinfo: []), reentryPoint: 0x1000,
                                 hibernationRegion: HibernationRegion(ranges: []), firmwareMemoryMap: [], resumeCommandLine: "")
        let options = ImageWriter.Options(workers: 2)
        let before = HeapSampler.inUse
        let writer = try ImageWriter(header: header, sink: ArrayImageSink(), options: options)
        let framesBytes = (options.maxFramesInFlight + 1) * 2 * header.frameInputBytes
        XCTAssertGreaterThanOrEqual(HeapSampler.inUse - before, options.writeChunkBytes + framesBytes)
        withExtendedLifetime(writer) {}
    }

    func testPeakHeapOfSaveAndRestoreDoesNotGrowWithTheMemorySaved() throws {
        let small = try measure(pages: 16384)     // 64 MiB, 16 Ki extents
        let large = try measure(pages: 131_072)   // 512 MiB, 128 Ki extents: 3 MiB of extents alone
        print("bounded memory: save peak +\(small.saveGrowth >> 10) KiB at 64 MiB (\(small.extents) extents), +\(large.saveGrowth >> 10) KiB at 512 MiB (\(large.extents) extents); restore peak +\(small.restoreGrowth >> 10) KiB and +\(large.restoreGrowth >> 10) KiB")
        XCTAssertEqual(large.extents, 131_072)
        // Holding the index would add at least its 3 MiB of extents (several copies while encoding).
        XCTAssertLessThan(large.saveGrowth - small.saveGrowth, 1 << 20)
        XCTAssertLessThan(large.restoreGrowth - small.restoreGrowth, 1 << 20)
    }
}
