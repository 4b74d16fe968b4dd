import Foundation
import Testing

/// Runs the built `kjump` binary, which sits beside the test bundle.
struct KJumpBinary {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static var path: String {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments[0]
        var directory = URL(fileURLWithPath: exe).deletingLastPathComponent()
        // On Linux the test runner is …/debug/kjumpPackageTests.xctest; the binary is …/debug/kjump.
        if directory.lastPathComponent.hasSuffix(".xctest") { directory.deleteLastPathComponent() }
        return directory.appendingPathComponent("kjump").path
    }

    static func run(_ arguments: [String]) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus,
                      stdout: String(decoding: stdout, as: UTF8.self),
                      stderr: String(decoding: stderr, as: UTF8.self))
    }
}

@Suite struct CLITests {
    @Test func helpListsEveryCommandWithItsAbstract() throws {
        let result = try KJumpBinary.run(["--help"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("doctor                  Check that this machine can hibernate"))
    }

    @Test func versionIsPrinted() throws {
        let result = try KJumpBinary.run(["--version"])
        #expect(result.status == 0)
        #expect(result.stdout.split(separator: "\n") == ["0.1.0"])
    }

    /// On any machine: one `ok|warn|fail` line per check, exit 0 exactly when no line fails.
    @Test func doctorExitStatusFollowsItsLines() throws {
        let result = try KJumpBinary.run(["doctor"])
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count >= 12)
        #expect(lines.allSatisfy { $0.hasPrefix("ok    ") || $0.hasPrefix("warn  ") || $0.hasPrefix("fail  ") })
        let failed = lines.contains { $0.hasPrefix("fail") }
        #expect(result.status == (failed ? 1 : 0))
    }

    /// A kernel without kexec jump (this development machine and CI run one) gets
    /// a fail line naming CONFIG_KEXEC_JUMP and a non-zero exit, not a crash.
    @Test func doctorOnAKernelWithoutKexecJumpFailsClearly() throws {
        let result = try KJumpBinary.run(["doctor", "--json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let checks = try #require(object["checks"] as? [[String: String]])
        let jump = try #require(checks.first { $0["check"] == "CONFIG_KEXEC_JUMP" })
        if jump["status"] == "fail" {
            #expect(result.status == 1)
            #expect(jump["message"]?.contains("rebuild the kernel with CONFIG_KEXEC_JUMP=y") == true)
        } else {
            #expect(jump["status"] == "ok" || jump["status"] == "warn")
        }
    }

    @Test func doctorJSONIsValidAndMatchesTheStatus() throws {
        let result = try KJumpBinary.run(["doctor", "--json", "--resume-device", "/dev/null"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let checks = try #require(object["checks"] as? [[String: String]])
        let passed = try #require(object["passed"] as? Bool)
        #expect(passed == (result.status == 0))
        let resume = try #require(checks.first { $0["check"] == "resume device" })
        #expect(resume["status"] == "fail")
        #expect(resume["message"] == "/dev/null is not a block device: give a partition or a whole disk")
    }

    @Test func badRegionSizeIsAUsageError() throws {
        let result = try KJumpBinary.run(["doctor", "--region-mib", "1"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("--region-mib must be between 64 and 4096"))
    }

    @Test func hibernateCompressionIsANamedCodec() throws {
        let result = try KJumpBinary.run(["hibernate", "--resume-device", "/dev/null", "--compress", "gzip"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("The value 'gzip' is invalid for '--compress <codec>'. Please provide one of 'lz4', 'zstd' or 'none'."))
    }

    /// A resume device that cannot hold an image is a runtime failure (exit 1, the doctor's reason), not a usage error.
    @Test func hibernateToANonBlockDeviceFailsWithTheReason() throws {
        let result = try KJumpBinary.run(["hibernate", "--resume-device", "/dev/null", "--no-seal"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("/dev/null is not a block device: give a partition or a whole disk"))
        #expect(!result.stderr.contains("USAGE"))
    }

    @Test func jumpWithAMissingKernelSaysWhatToDo() throws {
        let result = try KJumpBinary.run(["jump", "--kernel", "/nonexistent/bzImage", "--dry-run"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("cannot use /nonexistent/bzImage as the hibernation kernel")
                || result.stderr.contains("of memory is available"))
    }

    @Test func probeOutsideTheHibernationKernelRefuses() throws {
        let result = try KJumpBinary.run(["probe"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("this is not a hibernation kernel started by kjump: kjump.role= is missing"))
    }

    @Test func execWithQuotesIsAUsageError() throws {
        let result = try KJumpBinary.run(["jump", "--exec", "echo \"hi\"", "--dry-run"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("--exec cannot contain double quotes"))
    }

    static let imageFixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../KJumpCoreTests/Fixtures/image-v1-lz4.kjimg").standardized.path

    @Test func inspectShowsHeaderStateAndCounts() throws {
        let result = try KJumpBinary.run(["inspect", Self.imageFixture])
        #expect(result.status == 0)
        #expect(result.stdout.contains("state      committed"))
        #expect(result.stdout.contains("pages      10 data + 103 zero"))
        #expect(result.stdout.contains("kernel     6.12.117-kjump"))
    }

    @Test func verifyPassesAnIntactImageAndNamesTheDamageInACorruptOne() throws {
        let ok = try KJumpBinary.run(["verify", Self.imageFixture])
        #expect(ok.status == 0)
        #expect(ok.stdout.hasSuffix("3 frames, 113 pages: OK\n"))
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: Self.imageFixture)))
        // Flip one byte in the payload of frame 1 (at byte 0x3000, after its 64-byte header).
        let frameOffset = 3 * 4096 + 64 + 100
        bytes[frameOffset] ^= 0xff
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kjump-corrupt-\(UUID().uuidString).kjimg").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let bad = try KJumpBinary.run(["verify", path])
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("frame 1 at byte 0x3000 (pages from physical address 0x102000) is corrupt"))
        #expect(!bad.stdout.contains("OK"))
    }
}


/// `kjump boot-identity`: the words a resume entry carries, agreeing with sha256sum.
@Suite struct BootIdentityCLITests {
    @Test func printsTheKernelsDigestAndTheCommandLines() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kjump-vmlinuz-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data("abc".utf8).write(to: URL(fileURLWithPath: path))
        let result = try KJumpBinary.run(["boot-identity", "--kernel", path, "--command-line", "root=/dev/vda ro"])
        #expect(result.status == 0)
        let words = result.stdout.split(separator: " ").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        // SHA-256("abc"), the standard test vector.
        #expect(words.first == "kjump.system-kernel=ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(words.count == 2 && words[1].hasPrefix("kjump.system-cmdline="))
        let missing = try KJumpBinary.run(["boot-identity", "--kernel", path + ".absent", "--command-line", "ro"])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains(path + ".absent"))
    }
}

/// `kjump hibernate --config`: the configuration fills in what the command line leaves out.
@Suite struct HibernateConfigurationCLITests {
    func configuration(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kjump-\(UUID().uuidString).conf").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func withoutATargetAnywhereItSaysWhereToSetOne() throws {
        let path = try configuration("compress = zstd\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try KJumpBinary.run(["hibernate", "--config", path])
        #expect(result.status != 0)
        #expect(result.stderr.contains("set resume-device or resume-file in \(path)"))
    }

    @Test func aBrokenConfigurationIsNamedWithItsLine() throws {
        let path = try configuration("resume-device = /dev/null\ncompress = lzma\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try KJumpBinary.run(["hibernate", "--config", path])
        #expect(result.status != 0)
        #expect(result.stderr.contains("\(path), line 2: compress must be lz4, zstd or none, not 'lzma'"))
    }

    @Test func anAbsentConfigurationGivenByNameIsAnError() throws {
        let result = try KJumpBinary.run(["hibernate", "--config", "/nonexistent/kjump.conf"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("/nonexistent/kjump.conf"))
    }
}

/// `kjump status`: one line per check, a verdict last, exit 0 only when ready.
@Suite struct StatusCLITests {
    @Test func theVerdictFollowsTheChecks() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kjump-\(UUID().uuidString).conf").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try "resume-file = /nonexistent/kjump.resume\nseal = no\n".write(toFile: path, atomically: true, encoding: .utf8)
        let result = try KJumpBinary.run(["status", "--config", path, "--kernel", KJumpBinary.path])
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.contains { $0.hasPrefix("ok    configuration") && $0.hasSuffix(path) })
        #expect(lines.contains { $0.hasPrefix("ok    hibernation kernel") })
        #expect(lines.contains { $0.hasPrefix("fail  resume file") && $0.contains("/nonexistent/kjump.resume") })
        #expect(lines.contains { $0.hasPrefix("warn  sealing") })
        #expect(lines.last?.hasPrefix("hibernation: not ready") == true)
        #expect(result.status == 1)
    }
}

/// `kjump resume-entry`: refuses without a target, and asks for both halves of the boot identity.
@Suite struct ResumeEntryCLITests {
    @Test func itNeedsATargetAndBothIdentityHalves() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kjump-\(UUID().uuidString).conf").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try "compress = zstd\n".write(toFile: path, atomically: true, encoding: .utf8)
        let noTarget = try KJumpBinary.run(["resume-entry", "--config", path])
        #expect(noTarget.status != 0)
        #expect(noTarget.stderr.contains("give --resume-device DEVICE or --resume-file PATH, or set resume-device or resume-file in \(path)"))
        let half = try KJumpBinary.run(["resume-entry", "--resume-device", "/dev/null", "--system-kernel", "/boot/vmlinuz"])
        #expect(half.status != 0)
        #expect(half.stderr.contains("give both --system-kernel and --command-line, or neither"))
    }
}

/// `kjump crash-load` takes its dump target from kjump.conf when --target is not given (kjump-crash.service).
@Suite struct CrashLoadConfigurationCLITests {
    let configurations = HibernateConfigurationCLITests()

    @Test func withoutATargetAnywhereItSaysWhereToSetOne() throws {
        let path = try configurations.configuration("compress = zstd\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try KJumpBinary.run(["crash-load", "--config", path])
        #expect(result.status == 64)
        #expect(result.stderr.contains("give --target DEVICE or set crash-device in \(path)"))
    }

    @Test func ifConfiguredSucceedsQuietlyWithoutATarget() throws {
        let path = try configurations.configuration("resume-device = /dev/vda2\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try KJumpBinary.run(["crash-load", "--if-configured", "--config", path])
        #expect(result.status == 0)
        #expect(result.stdout.contains("no dump target is set, nothing loaded"))
    }

    @Test func theConfiguredTargetIsUsedAndChecked() throws {
        // /dev/null is no block device: the refusal names it, so the file's crash-device was taken.
        let path = try configurations.configuration("crash-device = /dev/null\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try KJumpBinary.run(["crash-load", "--if-configured", "--config", path, "--dry-run"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("/dev/null") && result.stderr.contains("not a block device"))
    }

    @Test func aSpaceInTheConfiguredTargetIsRefused() throws {
        let path = try configurations.configuration("crash-device = /dev/disk/by-label/my dumps\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try KJumpBinary.run(["crash-load", "--config", path])
        #expect(result.status != 0)
        #expect(result.stderr.contains("cannot contain spaces or quotes"))
    }
}
