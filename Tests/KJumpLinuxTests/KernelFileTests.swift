import Foundation
import KJumpCore
import SystemPackage
import Testing
@testable import KJumpLinux

@Suite struct KernelFileTests {
    @Test func readsProcFilesWhoseSizeIsZero() throws {
        let text = try KernelFile.readText("/proc/self/status")
        #expect(text.contains("Pid:"))
    }

    @Test func readsRegularFilesWholeAndStopsAtTheLimit() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kjump-kernelfile-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let bytes = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }   // several 64 KiB chunks, not a multiple
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        #expect(try KernelFile.readBytes(path, limit: 1 << 20) == bytes)
        #expect(try KernelFile.readBytes(path, limit: 100_000) == Array(bytes.prefix(100_000)))
        #expect(try KernelFile.readBytes(path, limit: 0) == [])
        try Data().write(to: URL(fileURLWithPath: path))
        #expect(try KernelFile.readBytes(path) == [])
    }

    @Test func probeTellsMissingFromUnreadable() {
        #expect(KernelFile.probe("/nonexistent/kjump-test") == .missing)
        if case .unreadable(let reason) = KernelFile.probe("/proc/self/mem") {
            #expect(reason.contains("/proc/self/mem"))
        } else {
            Issue.record("reading /proc/self/mem with read(2) at offset 0 must fail")
        }
    }

    @Test func openErrorNamesThePathAndTheErrno() {
        #expect(throws: KJumpLinuxError.open(path: "/nonexistent/x", errno: .noSuchFileOrDirectory)) {
            try KernelFile.readBytes("/nonexistent/x")
        }
        let error = KJumpLinuxError.open(path: "/nonexistent/x", errno: .noSuchFileOrDirectory)
        #expect(error.description == "cannot open /nonexistent/x: No such file or directory")
    }

    @Test func gunzipsARealKernelConfig() throws {
        let path = try fixturePath("config-host.gz")
        let text = String(decoding: try Gzip.decompress(try KernelFile.readBytes(path), path: path), as: UTF8.self)
        #expect(text.count == 100_944)
        #expect(KernelConfig(parsing: text).isBuiltIn("CONFIG_64BIT"))
    }

    @Test func truncatedGzipSaysItEndsEarly() throws {
        let path = try fixturePath("config-truncated.gz")
        #expect(throws: KJumpLinuxError.gzip(path: path, reason: "the data ends early")) {
            try Gzip.decompress(try KernelFile.readBytes(path), path: path)
        }
    }

    @Test func garbageIsNotGzip() {
        #expect(throws: KJumpLinuxError.self) {
            try Gzip.decompress(Array("CONFIG_A=y\n".utf8), path: "plain")
        }
    }

    /// The shim really reaches the kernel: invalid flags are refused with
    /// EINVAL (kexec built in), EPERM (no CAP_SYS_BOOT or kexec disabled)
    /// or ENOSYS (no kexec at all), never accepted.
    @Test func kexecLoadWithInvalidFlagsIsRefusedByTheKernel() {
        do {
            try Kexec.unload(flags: 0x4000_0000)
            Issue.record("kexec_load accepted invalid flags")
        } catch {
            guard case .syscall("kexec_load", let errno) = error else {
                Issue.record("unexpected error \(error)")
                return
            }
            #expect([Errno.invalidArgument, .notPermitted, .noFunction].contains(errno), "\(errno)")
        }
    }
}
