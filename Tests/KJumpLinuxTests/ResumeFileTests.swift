#if canImport(Glibc)
import Glibc
#endif
import Foundation
import KJumpCore
import Testing
@testable import KJumpLinux

/// `kjump setup --file` on the filesystem the tests run on (skipped where it
/// does not report extents, e.g. tmpfs): the map must describe where the
/// file's bytes really are, and a file that moved is refused.
@Suite struct ResumeFileTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent(".build")

    @Test func mapDescribesTheFileAndTheImageReadsBackThroughIt() throws {
        let path = Self.directory.appendingPathComponent("resume-file-test-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        var created: ResumeFile.Location?
        do { created = try ResumeFile.create(path: path, size: 1 << 20) } catch {
            if case .syscall(let name, _) = error, name.contains("FIEMAP") { return }   // no extents here: nothing to test
            throw error
        }
        let location = try #require(created)
        #expect(location.map.fileSize == 1 << 20)
        #expect(location.device.hasPrefix("/dev/"))
        #expect(try ResumeFile.locate(path: path) == location)
        // The file read as a file: its first block is the map, the image bytes follow.
        let bytes = try Array(Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(Array(bytes[0..<4096]) == location.map.encoded())
        let source = try ImageFile.source(path: path)
        #expect(source.size == (1 << 20) - 4096)
    }

    @Test func anOrdinaryFileIsNotReplacedOrLocated() throws {
        let path = Self.directory.appendingPathComponent("resume-file-other-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data("precious data".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: KJumpLinuxError.self) { try ResumeFile.create(path: path, size: 1 << 20) }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "precious data")
        #expect(throws: KJumpLinuxError.self) { try ResumeFile.locate(path: path) }
    }

    /// A size the filesystem cannot hold is refused before anything is
    /// written, saying how much is needed, and leaves no file behind (it used
    /// to fill the filesystem and leave a partial file that later read as
    /// "not in the expected format").
    @Test func aFileTooLargeForTheFilesystemIsRefusedBeforeWriting() throws {
        let path = Self.directory.appendingPathComponent("resume-file-huge-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        var filesystem = statvfs()
        #expect(statvfs(Self.directory.path, &filesystem) == 0)
        let free = UInt64(filesystem.f_bavail) * UInt64(filesystem.f_frsize)
        do {
            _ = try ResumeFile.create(path: path, size: free + (1 << 30))
            Issue.record("a file larger than the free space was made")
        } catch {
            guard case let .noSpace(errorPath, needed, available) = error else { Issue.record("got \(error)"); return }
            #expect(errorPath == path && needed > free + (1 << 30) && available >= free - (64 << 20))
            #expect(error.description.contains("MiB free") && error.description.hasSuffix("nothing was written"))
        }
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test func targetWordsNameTheMapOffset() throws {
        let target = ResumeTarget(device: "/dev/vda", mapOffset: 150_994_944)
        #expect(target.commandLineWords == ["kjump.resume=/dev/vda", "kjump.resume-offset=150994944"])
        let parsed = try ResumeTarget(commandLine: KernelCommandLine(parsing: "quiet kjump.resume=/dev/vda kjump.resume-offset=150994944"))
        #expect(parsed == target)
        #expect(ResumeTarget(device: "/dev/vdb").commandLineWords == ["kjump.resume=/dev/vdb"])
        #expect(throws: KJumpLinuxError.self) { try ResumeTarget(commandLine: KernelCommandLine(parsing: "kjump.resume=/dev/vda kjump.resume-offset=x")) }
    }
}
