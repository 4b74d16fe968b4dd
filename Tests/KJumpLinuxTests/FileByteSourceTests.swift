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
}

