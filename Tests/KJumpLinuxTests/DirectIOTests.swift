#if canImport(Glibc)
import Glibc
#endif
import Foundation
import KJumpCore
import Testing
@testable import KJumpLinux

/// `O_DIRECT` reads and writes (resume devices, crash targets). On a
/// filesystem that allows O_DIRECT (ext4 here) the direct paths run; where it
/// is refused the same checks cover the buffered fallback.
@Suite struct DirectIOTests {
    /// A scratch file of `size` pseudo-random bytes next to the build (not tmpfs, which refuses O_DIRECT).
    private func scratchFile(_ name: String, size: Int) throws -> (path: String, bytes: [UInt8]) {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kjump-directio-\(name)-\(UUID().uuidString)").path
        var state: UInt64 = 0x9e37_79b9_7f4a_7c15
        let bytes = (0..<size).map { _ -> UInt8 in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: state >> 56)
        }
        let sink = try FileImageSink(path: path)
        try bytes.withUnsafeBytes { try sink.write($0, at: 0) }
        return (path, bytes)
    }

    @Test func directReadsServeAnyOffsetAndLengthUpToTheEnd() throws {
        let size = 3 * 4096 * 1024 + 1000   // not a multiple of the block size, more than one bounce chunk
        let (path, bytes) = try scratchFile("read", size: size)
        defer { unlink(path) }
        let source = try FileByteSource(path: path, direct: true)
        #expect(source.size == UInt64(size))
        for (offset, count) in [(0, 1), (1, 4096), (4095, 2), (4096, 8192), (12_345, 9_000_000), (size - 1000, 1000), (size - 1, 1), (0, size)] {
            #expect(try source.read(at: UInt64(offset), count: count) == Array(bytes[offset..<offset + count]),
                    "offset \(offset) count \(count), direct \(source.isDirect)")
        }
        #expect(throws: ByteSourceError.outOfBounds(offset: UInt64(size - 10), count: 11, size: UInt64(size))) {
            try source.read(at: UInt64(size - 10), count: 11)
        }
    }

    @Test func alignedSlicesAreReadInPlaceAndOthersAsBefore() throws {
        let size = 5 * 4096 * 256 + 700   // 5 MiB and a bit: more than one bounce chunk, an unaligned end
        let (path, bytes) = try scratchFile("slice", size: size)
        defer { unlink(path) }
        let source = try FileByteSource(path: path, direct: true)
        for (offset, count) in [(0, 4096), (8192, 4 << 20), (4096, 5 * 4096 * 256 - 4096), (100, 5000), (4096, 4095)] {
            let slice = try source.readSlice(at: UInt64(offset), count: count)
            #expect(Array(slice) == Array(bytes[offset..<offset + count]), "offset \(offset) count \(count), direct \(source.isDirect)")
            #expect(slice.count == count)
        }
        // The last aligned block runs past the end of the file: refused, not short.
        #expect(throws: ByteSourceError.outOfBounds(offset: UInt64(5 * 4096 * 256), count: 4096, size: UInt64(size))) {
            try source.readSlice(at: UInt64(5 * 4096 * 256), count: 4096)
        }
    }

    @Test func directWritesTakeAlignedUnalignedAndOddSpans() throws {
        let (path, original) = try scratchFile("write", size: 64 * 1024)
        defer { unlink(path) }
        var expected = original
        let sink = try FileImageSink(path: path, direct: true)
        // Aligned memory, aligned span: straight to the device.
        let aligned = UnsafeMutableRawBufferPointer.allocate(byteCount: 8192, alignment: 4096)
        defer { aligned.deallocate() }
        for i in 0..<8192 { aligned[i] = UInt8(i % 251) }
        try sink.write(UnsafeRawBufferPointer(aligned), at: 8192)
        expected.replaceSubrange(8192..<16384, with: aligned)
        // Unaligned memory, aligned span: through the bounce buffer.
        let block = [UInt8](repeating: 0xab, count: 4096)
        try block.withUnsafeBytes { try sink.write(UnsafeRawBufferPointer(rebasing: $0[0...]), at: 4096) }
        expected.replaceSubrange(4096..<8192, with: block)
        // An odd span: through the buffered descriptor, coherent with the direct ones.
        let odd: [UInt8] = [1, 2, 3, 4, 5]
        try odd.withUnsafeBytes { try sink.write($0, at: 8190) }
        expected.replaceSubrange(8190..<8195, with: odd)
        try sink.synchronize()
        #expect(try FileByteSource(path: path, direct: true).read(at: 0, count: expected.count) == expected)
        #expect(try FileByteSource(path: path).read(at: 0, count: expected.count) == expected)
    }

    @Test func missingDeviceNamesThePath() {
        #expect(throws: KJumpLinuxError.open(path: "/nonexistent/resume", errno: .noSuchFileOrDirectory)) {
            try FileByteSource(path: "/nonexistent/resume", direct: true)
        }
    }
}
