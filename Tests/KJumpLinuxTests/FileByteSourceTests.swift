#if canImport(Glibc)
import Glibc
#endif
import KJumpCore
import Testing
@testable import KJumpLinux

@Suite struct FileByteSourceTests {
    @Test func readsExactlyAndRefusesToReadPastTheEnd() throws {
        let path = try fixturePath("config-truncated.gz")
        let source = try FileByteSource(path: path)
        #expect(source.size == 3000)
        #expect(try source.read(at: 0, count: 2) == [0x1f, 0x8b])
        #expect(try source.read(at: 2990, count: 10).count == 10)
        #expect(throws: ByteSourceError.outOfBounds(offset: 2995, count: 10, size: 3000)) {
            try source.read(at: 2995, count: 10)
        }
    }

    @Test func missingFileNamesThePath() {
        #expect(throws: KJumpLinuxError.open(path: "/nonexistent/vmcore", errno: .noSuchFileOrDirectory)) {
            try FileByteSource(path: "/nonexistent/vmcore")
        }
    }
}

@Suite struct MappedByteSourceTests {
    @Test func readsLikePreadAndRefusesToReadPastTheEnd() throws {
        let path = try fixturePath("config-truncated.gz")
        let mapped = try MappedByteSource(path: path)
        let file = try FileByteSource(path: path)
        #expect(mapped.size == 3000)
        #expect(try mapped.read(at: 100, count: 2900) == file.read(at: 100, count: 2900))
        #expect(throws: ByteSourceError.outOfBounds(offset: 2995, count: 10, size: 3000)) {
            try mapped.read(at: 2995, count: 10)
        }
    }

    /// The file is never mapped whole: reads inside a window, across two
    /// windows and up to the end all return the file's bytes, while at most
    /// `cachedWindows` windows stay mapped.
    @Test func readsThroughABoundedNumberOfWindows() throws {
        let page = 4096
        let size = 37 * page + 123
        var state: UInt32 = 12345
        let bytes = (0..<size).map { _ -> UInt8 in
            state = state &* 1_103_515_245 &+ 12345
            return UInt8(truncatingIfNeeded: state >> 16)
        }
        let path = "/tmp/kjump-mapped-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        defer { unlink(path) }
        let sink = try FileImageSink(path: path)
        try bytes.withUnsafeBytes { try sink.write($0, at: 0) }
        let mapped = try MappedByteSource(path: path, windowBytes: UInt64(4 * page), cachedWindows: 2)
        #expect(mapped.size == UInt64(size))
        for (offset, count) in [(0, 10), (5 * page + 7, 3 * page), (4 * page - 1, 2), (3 * page, 9 * page + 5),
                                (36 * page, page + 123), (size - 1, 1), (0, size), (17, 0)] {
            #expect(try mapped.read(at: UInt64(offset), count: count) == Array(bytes[offset..<offset + count]),
                    "offset \(offset) count \(count)")
            #expect(mapped.mappedWindowCount <= 2)
        }
        try mapped.withBytes(at: UInt64(8 * page + 1), count: 100) { raw in
            #expect(Array(raw) == Array(bytes[8 * page + 1..<8 * page + 101]))
        }
    }
}

