import Foundation
import Testing
@testable import KJumpCore

/// The lab's real vmcores: the 6.12 system kernel (`lab/vmcore`) and, when
/// it was made, Debian 12's 6.1 kernel (`lab/out/vmcore-debian`).
let realDebianVmcoreDirectory = realVmcoreDirectory.deletingLastPathComponent().appendingPathComponent("vmcore-debian")
let realKernelLogVmcores = [realVmcoreDirectory, realDebianVmcoreDirectory].filter {
    FileManager.default.fileExists(atPath: $0.appendingPathComponent("vmcore.elf").path)
}

@Suite(.enabled(if: !realKernelLogVmcores.isEmpty, "needs lab/out/vmcore/vmcore.elf (run lab/vmcore)"))
struct KernelLogRealVmcoreTests {
    struct Opened {
        let info: VmcoreInfo
        let log: KernelLog
        let lines: [String]
        let consoleLog: String
    }

    static func open(_ directory: URL) throws -> Opened {
        let source = try VmcoreFileByteSource(path: directory.appendingPathComponent("vmcore.elf").path)
        let core = try ElfCoreFile(parsing: source)
        let info = try #require(VmcoreInfo(notes: core.notes))
        let memory = ElfCoreMemory(core: core, source: source)
        let space = try KernelAddressSpace(vmcoreInfo: info, memory: memory)
        let log = try KernelLogReader(vmcoreInfo: info, addressSpace: space).read()
        let console = (try? String(contentsOf: directory.appendingPathComponent("system.log"), encoding: .utf8)) ?? ""
        return Opened(info: info, log: log, lines: log.records.flatMap { KernelLogFormatter().lines(of: $0) },
                      consoleLog: console)
    }

    /// A short boot: nothing wrapped or broke, the first record is the
    /// kernel's banner for the release VMCOREINFO names, and the command
    /// line is the one the lab booted with.
    @Test(arguments: realKernelLogVmcores)
    func theWholeBootLogIsThere(directory: URL) throws {
        let opened = try Self.open(directory)
        let log = opened.log
        #expect(log.lostRecords == 0)
        #expect(log.damaged.isEmpty)
        #expect(log.truncatedRecords == 0)
        #expect(log.records.count > 200)
        #expect(log.records.first?.sequence == 0)
        #expect(log.records.map(\.sequence) == Array(0..<UInt64(log.records.count)))
        let release = try #require(opened.info.osRelease)
        #expect(opened.lines.first?.hasPrefix("[    0.000000] Linux version \(release) (") == true)
        #expect(opened.lines.contains("[    0.000000] Command line: console=ttyS0 panic=-1 quiet loglevel=4 kjump_scenario=vmcore kjump_workload_mib=256"))
        // Levels: the banner is KERN_NOTICE (5); everything is the kernel facility.
        #expect(log.records.first?.level == 5)
        #expect(log.records.allSatisfy { $0.facility == 0 })
        // The ring buffer moved out of the kernel image (setup_log_buf) or stayed in it.
        #expect(log.ringBuffer.descriptorCount >= 1 << 10)
    }

    /// Every kernel message the serial console showed is in the log, with
    /// the same time and text. (The lab boots with `quiet loglevel=4`, so the
    /// console may show none; the lines user space wrote to `/dev/kmsg` or
    /// the kernel printed at warning level and above are compared when present.)
    @Test(arguments: realKernelLogVmcores)
    func consoleLinesAppearInTheLog(directory: URL) throws {
        let opened = try Self.open(directory)
        let lines = Set(opened.lines)
        let consoleKernelLines = opened.consoleLog.split(separator: "\n").map { $0.hasSuffix("\r") ? String($0.dropLast()) : String($0) }
            .filter { $0.hasPrefix("[") && $0.dropFirst(13).hasPrefix("] ") && $0.dropFirst(7).hasPrefix(".") }
        for line in consoleKernelLines {
            #expect(lines.contains(line), "console line not in the log: \(line)")
        }
        // What the console showed of the lab's user space came after the kernel
        // started /init, which the log records with its environment.
        #expect(opened.lines.contains { $0.hasSuffix("] Run /init as init process") })
        #expect(opened.lines.contains { $0.hasSuffix("]     kjump_scenario=vmcore") })
    }
}
