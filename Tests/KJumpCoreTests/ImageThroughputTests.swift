import Foundation
import Testing
@testable import KJumpCore

/// Measures write and read throughput on synthetic mixed memory and prints
/// it; asserts only correctness, never timing. `KJUMP_IMAGE_BENCH_MIB`
/// sets the amount of page data (default 256 MiB).
@Suite(.serialized) struct ImageThroughputTests {
    static let mebibytes = Int(ProcessInfo.processInfo.environment["KJUMP_IMAGE_BENCH_MIB"] ?? "") ?? 256

    /// 32 MiB of distinct mixed pages (25 % random, the rest text-, pointer-
    /// and sparse-like), reused cyclically: frames are compressed
    /// independently, so repeating the pool does not help the codecs.
    static let pool = ImageTesting.pages(count: 32 * 256, seed: 2024)
    static let chunkBytes = 1 << 20

    /// Feeds `mebibytes` of data in 1 MiB runs, each followed by a 1 MiB hole
    /// that is excluded, or zero every 8th time.
    private static func feed(_ writer: ImageWriter) throws {
        try pool.withUnsafeBytes { pool in
            for chunk in 0..<mebibytes {
                let address = UInt64(chunk) * UInt64(2 * chunkBytes)
                let start = (chunk % 32) * chunkBytes
                try writer.append(address: address, pages: UnsafeRawBufferPointer(rebasing: pool[start..<start + chunkBytes]))
                if chunk % 8 == 7 { try writer.appendZero(address: address + UInt64(chunkBytes), pageCount: UInt64(chunkBytes / 4096)) }
            }
        }
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// A sink that only counts: measures the writer, not the memory of a test sink.
    final class DiscardingSink: ImageSink {
        var bytes: UInt64 = 0
        func write(_ buffer: UnsafeRawBufferPointer, at offset: UInt64) throws { bytes += UInt64(buffer.count) }
        func synchronize() throws {}
    }

    @Test(arguments: [(ImageCompression.lz4, ImageWriter.Options.defaultWorkers), (.lz4, 0), (.zstd, ImageWriter.Options.defaultWorkers)])
    func writeAndReadThroughput(_ compression: ImageCompression, workers: Int) throws {
        _ = Self.pool.count   // generate the pool outside the timed parts
        let clock = ContinuousClock()
        let header = ImageTesting.header(compression: compression)
        let writeTime = try clock.measure {
            let writer = try ImageWriter(header: header, sink: DiscardingSink(), options: ImageWriter.Options(workers: workers))
            try Self.feed(writer)
            try writer.finish(committedAt: ImageTesting.committedAt)
        }
        let sink = ArrayImageSink()
        var summary: ImageSummary?
        let memoryWriteTime = try clock.measure {
            let writer = try ImageWriter(header: header, sink: sink, options: ImageWriter.Options(workers: workers))
            try Self.feed(writer)
            summary = try writer.finish(committedAt: ImageTesting.committedAt)
        }
        let image = sink.bytes
        let dataBytes = Double(Self.mebibytes * Self.chunkBytes)

        let reader = try ImageReader(source: ArrayByteSource(image), options: ImageReader.Options(workers: workers))
        var dataPages: UInt64 = 0, zeroPages: UInt64 = 0, mismatches = 0
        let readTime = try clock.measure {
            try Self.pool.withUnsafeBytes { pool in
                try reader.forEachRun { run in
                    guard let bytes = run.bytes else { zeroPages += run.pageCount; return }
                    dataPages += run.pageCount
                    let chunk = Int(run.address / UInt64(2 * Self.chunkBytes))
                    let offset = Int(run.address % UInt64(2 * Self.chunkBytes))
                    let expected = pool.baseAddress! + (chunk % 32) * Self.chunkBytes + offset
                    let same = bytes.withUnsafeBytes { memcmp($0.baseAddress!, expected, $0.count) == 0 }
                    if !same { mismatches += 1 }
                }
            }
        }
        let verifyTime = try clock.measure { try reader.verify() }

        #expect(mismatches == 0)
        #expect(dataPages == UInt64(Self.mebibytes * 256))
        #expect(zeroPages == UInt64(Self.mebibytes / 8 * 256))
        #expect(summary == reader.summary)
        let mbps = { (time: Duration) in Int(dataBytes / Self.seconds(time) / 1e6) }
        print("image throughput: \(compression), \(workers == 0 ? "caller's thread" : "\(workers) workers"), \(Self.mebibytes) MiB of mixed pages: "
              + "write \(mbps(writeTime)) MB/s (\(mbps(memoryWriteTime)) into a growing array), read+compare \(mbps(readTime)) MB/s, verify \(mbps(verifyTime)) MB/s, "
              + "stored/uncompressed \(String(format: "%.3f", reader.summary.compressionRatio)), "
              + "\(reader.summary.rawFrameCount)/\(reader.summary.frameCount) frames raw, image \(image.count >> 20) MiB")
    }
}
